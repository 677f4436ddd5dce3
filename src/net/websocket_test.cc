#include "net/websocket.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace verge::net {
namespace {

using Type = WebSocketEventType;
constexpr auto kServer = WebSocketRole::kServer;
constexpr auto kClient = WebSocketRole::kClient;

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

// A frame built by hand, independent of WebSocketWriter: `b0` is FIN, RSV
// and opcode; the length takes the shortest form unless `len_form` forces
// 126 or 127; `mask` masks with a fixed key.
std::string frame(int b0, std::string_view payload, bool mask, int len_form = 0) {
  std::string out(1, static_cast<char>(b0));
  const uint64_t n = payload.size();
  const int m = mask ? 0x80 : 0;
  if (len_form == 0) len_form = n < 126 ? 0 : n <= 0xFFFF ? 126 : 127;
  if (len_form == 0) {
    out += static_cast<char>(m | static_cast<int>(n));
  } else if (len_form == 126) {
    out += static_cast<char>(m | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(m | 127);
    for (int i = 7; i >= 0; --i) out += static_cast<char>((n >> (8 * i)) & 0xFF);
  }
  const uint8_t key[4] = {0x5a, 0x01, 0xc3, 0x7e};
  if (mask) out.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < n; ++i) out += static_cast<char>(payload[i] ^ (mask ? key[i % 4] : 0));
  return out;
}

// A frame as the peer of `role` sends it: masked when it goes to a server.
std::string peerFrame(WebSocketRole role, int b0, std::string_view payload) {
  return frame(b0, payload, role == kServer);
}

struct Seen {
  Type type;
  uint16_t code;
  std::string data;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << "{type " << static_cast<int>(s.type) << ", code " << s.code << ", " << s.data.size()
            << " bytes}";
}

// Feeds each chunk in turn (as separate reads) and collects the events,
// stopping at an error or a close.
std::vector<Seen> parseChunks(WebSocketParser& parser, const std::vector<std::string>& chunks) {
  std::vector<Seen> out;
  for (std::string chunk : chunks) {
    std::span<char> rest(chunk.data(), chunk.size());
    while (true) {
      WebSocketEvent e;
      const size_t n = parser.parse(rest, e);
      if (e.type != Type::kNone) out.push_back({e.type, e.code, std::string(e.data)});
      if (e.type == Type::kError || e.type == Type::kClose) return out;
      rest = rest.subspan(n);
      if (rest.empty()) break;
    }
  }
  return out;
}

std::vector<Seen> parse(WebSocketRole role, std::string stream, size_t limit = kDefaultMaxMessageBytes) {
  WebSocketParser parser({role, limit});
  return parseChunks(parser, {std::move(stream)});
}

// The error a stream ends in (0 when none).
uint16_t errorOf(WebSocketRole role, std::string stream, size_t limit = kDefaultMaxMessageBytes) {
  auto events = parse(role, std::move(stream), limit);
  return !events.empty() && events.back().type == Type::kError ? events.back().code : 0;
}

// ---- RFC 6455 §5.7 examples ----

TEST(WebSocketParser, RfcExamples) {
  EXPECT_EQ(parse(kClient, bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f})),
            (std::vector<Seen>{{Type::kText, 0, "Hello"}}));
  EXPECT_EQ(parse(kServer, bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})),
            (std::vector<Seen>{{Type::kText, 0, "Hello"}}));
  EXPECT_EQ(parse(kClient, bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f})),
            (std::vector<Seen>{{Type::kText, 0, "Hello"}}));
  EXPECT_EQ(parse(kClient, bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f})),
            (std::vector<Seen>{{Type::kPing, 0, "Hello"}}));
  EXPECT_EQ(parse(kServer, bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})),
            (std::vector<Seen>{{Type::kPong, 0, "Hello"}}));
  std::string b256 = bytes({0x82, 0x7E, 0x01, 0x00}) + std::string(256, 'x');
  EXPECT_EQ(parse(kClient, b256), (std::vector<Seen>{{Type::kBinary, 0, std::string(256, 'x')}}));
  std::string b64k = bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}) + std::string(65536, 'y');
  EXPECT_EQ(parse(kClient, b64k), (std::vector<Seen>{{Type::kBinary, 0, std::string(65536, 'y')}}));
}

TEST(WebSocketParser, NonMinimalLengthsAreAccepted) {
  EXPECT_EQ(parse(kServer, frame(0x82, "abc", true, 126)), (std::vector<Seen>{{Type::kBinary, 0, "abc"}}));
  EXPECT_EQ(parse(kServer, frame(0x82, "abc", true, 127)), (std::vector<Seen>{{Type::kBinary, 0, "abc"}}));
}

TEST(WebSocketParser, EmptyMessagesAndFrames) {
  EXPECT_EQ(parse(kServer, frame(0x81, "", true)), (std::vector<Seen>{{Type::kText, 0, ""}}));
  EXPECT_EQ(parse(kServer, frame(0x02, "", true) + frame(0x00, "", true) + frame(0x80, "", true)),
            (std::vector<Seen>{{Type::kBinary, 0, ""}}));
  EXPECT_EQ(parse(kServer, frame(0x89, "", true)), (std::vector<Seen>{{Type::kPing, 0, ""}}));
}

// ---- masking by role ----

TEST(WebSocketParser, ServerRequiresMaskClientRejectsIt) {
  EXPECT_EQ(errorOf(kServer, frame(0x81, "hi", false)), kCloseProtocolError);
  EXPECT_EQ(errorOf(kServer, frame(0x89, "", false)), kCloseProtocolError);
  EXPECT_EQ(errorOf(kClient, frame(0x81, "hi", true)), kCloseProtocolError);
  EXPECT_EQ(errorOf(kClient, frame(0x88, "", true)), kCloseProtocolError);
}

// ---- header rules ----

TEST(WebSocketParser, ReservedBitsAreErrors) {
  for (int rsv : {0x40, 0x20, 0x10, 0x70}) {
    for (auto role : {kServer, kClient}) {
      EXPECT_EQ(errorOf(role, peerFrame(role, 0x81 | rsv, "x")), kCloseProtocolError) << rsv;
      EXPECT_EQ(errorOf(role, peerFrame(role, 0x89 | rsv, "")), kCloseProtocolError) << rsv;
    }
  }
}

TEST(WebSocketParser, ReservedOpcodesAreErrors) {
  for (int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    for (auto role : {kServer, kClient}) {
      EXPECT_EQ(errorOf(role, peerFrame(role, 0x80 | op, "")), kCloseProtocolError) << op;
    }
  }
}

TEST(WebSocketParser, ErrorsBeforeThePayloadArrives) {
  // Two header bytes are enough to refuse a frame.
  WebSocketParser parser({kServer});
  std::string two = bytes({0xC1, 0x85});  // RSV1
  WebSocketEvent e;
  EXPECT_EQ(parser.parse({two.data(), two.size()}, e), 0u);
  EXPECT_EQ(e.type, Type::kError);
  EXPECT_EQ(e.code, kCloseProtocolError);
  EXPECT_FALSE(e.data.empty());
}

TEST(WebSocketParser, ControlFrameRules) {
  for (auto role : {kServer, kClient}) {
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x89, std::string(126, 'p'))), kCloseProtocolError);
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x8A, std::string(126, 'p'))), kCloseProtocolError);
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x88, bytes({0x03, 0xe8}) + std::string(124, 'r'))),
              kCloseProtocolError);
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x09, "frag")), kCloseProtocolError);
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x08, "")), kCloseProtocolError);
    EXPECT_EQ(parse(role, peerFrame(role, 0x89, std::string(125, 'p'))),
              (std::vector<Seen>{{Type::kPing, 0, std::string(125, 'p')}}));
  }
  // A control frame's 7-bit length is at most 125: the 16-bit form is
  // refused even for a short payload, on the first two bytes.
  EXPECT_EQ(errorOf(kServer, frame(0x89, std::string(125, 'q'), true, 126)), kCloseProtocolError);
}

TEST(WebSocketParser, LengthWithTopBitSetIsAnError) {
  std::string f = bytes({0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1});
  EXPECT_EQ(errorOf(kClient, f), kCloseProtocolError);
  // Even with a limit that would allow it.
  EXPECT_EQ(errorOf(kClient, f, SIZE_MAX), kCloseProtocolError);
}

TEST(WebSocketParser, FragmentationRules) {
  for (auto role : {kServer, kClient}) {
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x80, "x")), kCloseProtocolError);  // nothing to continue
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x00, "x")), kCloseProtocolError);
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x01, "a") + peerFrame(role, 0x81, "b")), kCloseProtocolError);
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x02, "a") + peerFrame(role, 0x01, "b")), kCloseProtocolError);
    // Control frames may come between fragments.
    EXPECT_EQ(parse(role, peerFrame(role, 0x01, "Hel") + peerFrame(role, 0x89, "p1") + peerFrame(role, 0x00, "l") +
                              peerFrame(role, 0x8A, "p2") + peerFrame(role, 0x80, "o")),
              (std::vector<Seen>{{Type::kPing, 0, "p1"}, {Type::kPong, 0, "p2"}, {Type::kText, 0, "Hello"}}));
    // A message after a finished one is fine.
    EXPECT_EQ(parse(role, peerFrame(role, 0x02, "a") + peerFrame(role, 0x80, "b") + peerFrame(role, 0x82, "c")),
              (std::vector<Seen>{{Type::kBinary, 0, "ab"}, {Type::kBinary, 0, "c"}}));
  }
}

// ---- the message size limit ----

TEST(WebSocketParser, LimitIsCheckedFromTheHeader) {
  // A header announcing 2 MiB fails at once: no payload is waited for.
  WebSocketParser parser({kClient});
  std::string head = bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x20, 0, 0});
  WebSocketEvent e;
  parser.parse({head.data(), head.size()}, e);
  EXPECT_EQ(e.type, Type::kError);
  EXPECT_EQ(e.code, kCloseMessageTooBig);

  EXPECT_EQ(parse(kServer, frame(0x82, std::string(10, 'x'), true), 10).at(0).type, Type::kBinary);
  EXPECT_EQ(errorOf(kServer, frame(0x82, std::string(11, 'x'), true), 10), kCloseMessageTooBig);
  // Fragments count together; the frame that would cross the limit fails
  // on its header (the 6 bytes given here), before its payload.
  EXPECT_EQ(parse(kServer, frame(0x02, "12345", true) + frame(0x80, "67890", true), 10).at(0).data, "1234567890");
  WebSocketParser fragments({kServer, 10});
  auto events = parseChunks(fragments, {frame(0x02, "123456", true), frame(0x80, "12345", true).substr(0, 6)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, kCloseMessageTooBig);
  // Control frames do not count.
  EXPECT_EQ(parse(kServer, frame(0x89, std::string(100, 'p'), true), 10).at(0).type, Type::kPing);
  // The default is Cloudflare's 1 MiB.
  EXPECT_EQ(parse(kClient, frame(0x82, std::string(kDefaultMaxMessageBytes, 'z'), false)).at(0).data.size(),
            kDefaultMaxMessageBytes);
  EXPECT_EQ(errorOf(kClient, frame(0x82, std::string(kDefaultMaxMessageBytes + 1, 'z'), false)),
            kCloseMessageTooBig);
}

// ---- UTF-8 ----

TEST(WebSocketParser, TextMustBeUtf8) {
  for (auto role : {kServer, kClient}) {
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x81, "ab\xC0\x80")), kCloseInvalidPayload);
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x81, "\xED\xA0\x80")), kCloseInvalidPayload);
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x81, "ok\xE2\x82")), kCloseInvalidPayload);  // truncated at the end
    // Binary messages are not checked.
    EXPECT_EQ(parse(role, peerFrame(role, 0x82, "\xC0\x80")).at(0).type, Type::kBinary);
    // A sequence cut by a fragment boundary completes in the next fragment.
    EXPECT_EQ(parse(role, peerFrame(role, 0x01, "\xF0\x9F") + peerFrame(role, 0x89, "") +
                              peerFrame(role, 0x00, "\x98") + peerFrame(role, 0x80, "\x80!")),
              (std::vector<Seen>{{Type::kPing, 0, ""}, {Type::kText, 0, "\xF0\x9F\x98\x80!"}}));
    // ... but not when the message ends there.
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x01, "a") + peerFrame(role, 0x80, "\xE2\x82")), kCloseInvalidPayload);
  }
}

TEST(WebSocketParser, InvalidUtf8FailsFast) {
  // The first fragment already holds an invalid byte: the error comes
  // before the final fragment does.
  WebSocketParser fragments({kServer});
  auto events = parseChunks(fragments, {frame(0x01, "abc\xFF", true)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, kCloseInvalidPayload);
  // Inside one frame that has not fully arrived.
  WebSocketParser partial({kServer});
  std::string f = frame(0x81, "ab\x80" + std::string(1000, 'x'), true);
  events = parseChunks(partial, {f.substr(0, 12)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, kCloseInvalidPayload);
}

// A reference for the exhaustive tests: a sequence is valid UTF-8 when it
// is the encoding of one Unicode scalar value.
bool encodesOneScalar(const uint8_t* s, size_t n) {
  uint32_t cp = 0;
  if (n == 1) cp = s[0];
  if (n == 2) cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
  if (n == 3) cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
  if (n == 4) cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  uint8_t enc[4];
  size_t len;
  if (cp < 0x80) {
    enc[0] = static_cast<uint8_t>(cp);
    len = 1;
  } else if (cp < 0x800) {
    enc[0] = static_cast<uint8_t>(0xC0 | (cp >> 6));
    enc[1] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    len = 2;
  } else if (cp < 0x10000) {
    enc[0] = static_cast<uint8_t>(0xE0 | (cp >> 12));
    enc[1] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    enc[2] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    len = 3;
  } else {
    enc[0] = static_cast<uint8_t>(0xF0 | (cp >> 18));
    enc[1] = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F));
    enc[2] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    enc[3] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    len = 4;
  }
  return len == n && std::equal(enc, enc + n, s);
}

TEST(Utf8Validator, EdgeCases) {
  for (const char* good : {"", "plain ascii", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF",
                           "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF",
                           "κόσμε", "\xF0\x9F\x98\x80 emoji"}) {
    EXPECT_TRUE(isValidUtf8(good)) << good;
  }
  for (const char* bad : {"\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF",
                          "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF",            // overlongs
                          "\xED\xA0\x80", "\xED\xBF\xBF", "\xED\xAF\xBF\xED\xB0\x80",  // surrogates
                          "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xF7\xBF\xBF\xBF",  // above U+10FFFF
                          "\xF8\x88\x80\x80\x80", "\xFE", "\xFF",
                          "\xC2", "\xE0\xA0", "\xF0\x90\x80", "a\xC2" "b", "\xE2\x82\x28"}) {
    EXPECT_FALSE(isValidUtf8(bad)) << testing::PrintToString(std::string(bad));
  }
}

TEST(Utf8Validator, ExhaustiveShortSequences) {
  // Every 1- and 2-byte sequence, and every 3-byte one with a lead byte
  // above 0x7F, against the encode-decode reference.
  uint8_t s[4];
  for (int a = 0; a < 256; ++a) {
    s[0] = static_cast<uint8_t>(a);
    ASSERT_EQ(isValidUtf8({reinterpret_cast<char*>(s), 1}), encodesOneScalar(s, 1)) << a;
    for (int b = 0; b < 256; ++b) {
      s[1] = static_cast<uint8_t>(b);
      const bool two = encodesOneScalar(s, 2) || (a < 0x80 && b < 0x80);
      ASSERT_EQ(isValidUtf8({reinterpret_cast<char*>(s), 2}), two) << a << " " << b;
      if (a < 0xE0 || a > 0xF4) continue;
      for (int c = 0; c < 256; ++c) {
        s[2] = static_cast<uint8_t>(c);
        const bool three = a < 0xF0 ? encodesOneScalar(s, 3) : false;
        ASSERT_EQ(isValidUtf8({reinterpret_cast<char*>(s), 3}), three) << a << " " << b << " " << c;
      }
    }
  }
}

TEST(Utf8Validator, FourByteSequencesSplitAnywhere) {
  std::mt19937 rng(4);
  for (int i = 0; i < 200000; ++i) {
    uint8_t s[4] = {static_cast<uint8_t>(0xF0 + rng() % 6), static_cast<uint8_t>(0x80 + rng() % 64),
                    static_cast<uint8_t>(rng() % 4 == 0 ? rng() : 0x80 + rng() % 64),
                    static_cast<uint8_t>(0x80 + rng() % 64)};
    if (i % 2) s[1] = static_cast<uint8_t>(rng());
    const bool expect = encodesOneScalar(s, 4);
    // In one piece and split at each position: the same answer.
    for (size_t cut = 0; cut <= 4; ++cut) {
      Utf8Validator v;
      const bool fed = v.feed(s, cut) && v.feed(s + cut, 4 - cut);
      ASSERT_EQ(fed && v.complete(), expect);
    }
  }
}

TEST(Utf8Validator, FailsAtTheFirstBadByteAndStaysFailed) {
  Utf8Validator v;
  EXPECT_TRUE(v.feed("abc \xE2\x82"));  // incomplete, not invalid
  EXPECT_FALSE(v.complete());
  EXPECT_TRUE(v.feed("\xAC"));
  EXPECT_TRUE(v.complete());
  EXPECT_FALSE(v.feed("\xE2\x28"));
  EXPECT_FALSE(v.feed("ok"));
  EXPECT_FALSE(v.complete());
  // The ASCII fast path hands over correctly at every alignment.
  for (size_t pad = 0; pad < 17; ++pad) {
    EXPECT_TRUE(isValidUtf8(std::string(pad, 'a') + "\xC3\xA9" + std::string(9, 'b')));
    EXPECT_FALSE(isValidUtf8(std::string(pad, 'a') + "\xC3" + std::string(9, 'b')));
  }
}

// ---- close frames ----

TEST(WebSocketParser, CloseFrames) {
  for (auto role : {kServer, kClient}) {
    EXPECT_EQ(parse(role, peerFrame(role, 0x88, "")), (std::vector<Seen>{{Type::kClose, kCloseNoStatus, ""}}));
    EXPECT_EQ(parse(role, peerFrame(role, 0x88, bytes({0x03, 0xe8}) + "bye")),
              (std::vector<Seen>{{Type::kClose, 1000, "bye"}}));
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x88, "\x03")), kCloseProtocolError);
    for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}) {
      auto events = parse(role, peerFrame(role, 0x88, bytes({code >> 8, code & 0xFF})));
      ASSERT_EQ(events.size(), 1u);
      EXPECT_EQ(events[0].type, Type::kClose) << code;
      EXPECT_EQ(events[0].code, code);
    }
    for (int code : {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
      EXPECT_EQ(errorOf(role, peerFrame(role, 0x88, bytes({code >> 8, code & 0xFF}))), kCloseProtocolError)
          << code;
    }
    EXPECT_EQ(errorOf(role, peerFrame(role, 0x88, bytes({0x03, 0xe8}) + "\xCE\xBA\xE1\xBD\xB9\xED\xA0\x80")),
              kCloseInvalidPayload);
  }
}

TEST(WebSocketParser, BytesAfterCloseAreDiscarded) {
  WebSocketParser parser({kServer});
  std::string stream = frame(0x01, "part", true) + frame(0x88, bytes({0x03, 0xe9}), true) +
                       frame(0x81, "late", true) + "garbage\xFF";
  WebSocketEvent e;
  size_t n = parser.parse({stream.data(), stream.size()}, e);
  EXPECT_EQ(e.type, Type::kClose);
  EXPECT_EQ(e.code, 1001);
  EXPECT_TRUE(parser.closed());
  EXPECT_FALSE(parser.inMessage());
  std::span<char> rest(stream.data() + n, stream.size() - n);
  EXPECT_EQ(parser.parse(rest, e), rest.size());
  EXPECT_EQ(e.type, Type::kNone);
}

TEST(WebSocketParser, StaysFailed) {
  WebSocketParser parser({kServer});
  std::string bad = frame(0x81, "x", false);
  WebSocketEvent e;
  EXPECT_EQ(parser.parse({bad.data(), bad.size()}, e), 0u);
  EXPECT_EQ(e.code, kCloseProtocolError);
  const std::string reason(e.data);
  std::string good = frame(0x81, "fine", true);
  EXPECT_EQ(parser.parse({good.data(), good.size()}, e), 0u);
  EXPECT_EQ(e.type, Type::kError);
  EXPECT_EQ(e.code, kCloseProtocolError);
  EXPECT_EQ(e.data, reason);
  EXPECT_TRUE(parser.failed());
}

// ---- copies ----

TEST(WebSocketParser, WholeFrameIsDeliveredInPlace) {
  for (auto role : {kServer, kClient}) {
    WebSocketParser parser({role});
    std::string stream = peerFrame(role, 0x82, std::string(1000, 'm')) + peerFrame(role, 0x89, "ping");
    std::span<char> input(stream.data(), stream.size());
    WebSocketEvent e;
    size_t n = parser.parse(input, e);
    ASSERT_EQ(e.type, Type::kBinary);
    EXPECT_GE(e.data.data(), stream.data());
    EXPECT_LE(e.data.data() + e.data.size(), stream.data() + stream.size());
    EXPECT_EQ(e.data, std::string(1000, 'm'));
    parser.parse(input.subspan(n), e);
    ASSERT_EQ(e.type, Type::kPing);
    EXPECT_GE(e.data.data(), stream.data());
    EXPECT_EQ(e.data, "ping");
  }
}

// ---- splits ----

// A stream with every kind of frame and length form, as `role` receives it.
std::string mixedStream(WebSocketRole role) {
  return peerFrame(role, 0x01, "frag\xE2\x82") + peerFrame(role, 0x89, "ping!") + peerFrame(role, 0x00, "\xAC") +
         peerFrame(role, 0x80, " end") + peerFrame(role, 0x82, std::string(300, '\x07')) +
         peerFrame(role, 0x8A, "") + peerFrame(role, 0x81, "") + peerFrame(role, 0x81, "\xF0\x9F\x98\x80") +
         peerFrame(role, 0x02, std::string(70000, 'B')) + peerFrame(role, 0x80, "tail") +
         peerFrame(role, 0x88, bytes({0x0f, 0xa0}) + "r\xC3\xA9");
}

const std::vector<Seen> kMixedEvents = {{Type::kPing, 0, "ping!"},
                                        {Type::kText, 0, "frag\xE2\x82\xAC end"},
                                        {Type::kBinary, 0, std::string(300, '\x07')},
                                        {Type::kPong, 0, ""},
                                        {Type::kText, 0, ""},
                                        {Type::kText, 0, "\xF0\x9F\x98\x80"},
                                        {Type::kBinary, 0, std::string(70000, 'B') + "tail"},
                                        {Type::kClose, 4000, "r\xC3\xA9"}};

TEST(WebSocketParser, SplitAtEveryPosition) {
  for (auto role : {kServer, kClient}) {
    const std::string stream = mixedStream(role);
    EXPECT_EQ(parse(role, stream), kMixedEvents);
    // Cut in two at every position of the framing around the big frame and
    // the small ones (all but the middle of the 70000 payload).
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
      if (cut > 600 && cut + 200 < stream.size() && cut % 997 != 0) continue;
      WebSocketParser parser({role});
      ASSERT_EQ(parseChunks(parser, {stream.substr(0, cut), stream.substr(cut)}), kMixedEvents) << cut;
    }
    // One byte at a time.
    std::vector<std::string> ones;
    for (char c : stream) ones.emplace_back(1, c);
    WebSocketParser parser({role});
    EXPECT_EQ(parseChunks(parser, ones), kMixedEvents);
  }
}

TEST(WebSocketParser, SplitErrorsAtEveryPosition) {
  // Valid frames then an error: every split yields the same events.
  for (auto role : {kServer, kClient}) {
    const std::string stream = peerFrame(role, 0x81, "ok") + peerFrame(role, 0x01, "ab") +
                               peerFrame(role, 0x89, "p") + peerFrame(role, 0x00, "c\xED\xA0\x80") +
                               peerFrame(role, 0x80, "never");
    const auto whole = parse(role, stream);
    ASSERT_EQ(whole.size(), 3u);
    EXPECT_EQ(whole.back().code, kCloseInvalidPayload);
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
      WebSocketParser parser({role});
      EXPECT_EQ(parseChunks(parser, {stream.substr(0, cut), stream.substr(cut)}), whole) << cut;
    }
  }
}

// ---- masking ----

TEST(WebSocketMask, MatchesBytewiseXorAtEveryOffset) {
  const std::array<uint8_t, 4> key = {0x12, 0xA4, 0x7F, 0xC0};
  std::string src;
  for (int i = 0; i < 67; ++i) src += static_cast<char>(i * 37);
  for (size_t size = 0; size <= src.size(); ++size) {
    for (size_t offset = 0; offset < 8; ++offset) {
      std::string expect = src.substr(0, size);
      for (size_t i = 0; i < size; ++i) expect[i] = static_cast<char>(expect[i] ^ key[(offset + i) % 4]);
      std::string out(size, '\0');
      maskBytes(out.data(), src.data(), size, key, offset);
      ASSERT_EQ(out, expect) << size << " " << offset;
      std::string in_place = src.substr(0, size);
      maskBytes(in_place.data(), in_place.data(), size, key, offset);
      ASSERT_EQ(in_place, expect);
    }
  }
}

// ---- writer ----

WebSocketWriterOptions writerOptions(WebSocketRole role, size_t max_frame_payload = 0,
                                     std::function<std::array<uint8_t, 4>()> mask_key = {}) {
  WebSocketWriterOptions o;
  o.role = role;
  o.max_frame_payload = max_frame_payload;
  o.mask_key = std::move(mask_key);
  return o;
}

std::array<uint8_t, 4> rfcKey() { return {0x37, 0xfa, 0x21, 0x3d}; }

TEST(WebSocketWriter, KnownBytes) {
  std::string out;
  WebSocketWriter server(writerOptions(kServer));
  server.writeMessage(true, "Hello", out);
  EXPECT_EQ(out, bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  out.clear();
  WebSocketWriter client(writerOptions(kClient, 0, rfcKey));
  client.writeMessage(true, "Hello", out);
  EXPECT_EQ(out, bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  out.clear();
  ASSERT_TRUE(client.writePong("Hello", out));
  EXPECT_EQ(out, bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  out.clear();
  ASSERT_TRUE(server.writePing("Hello", out));
  EXPECT_EQ(out, bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  // The writer appends.
  server.writeMessage(false, "", out);
  EXPECT_EQ(out.substr(7), bytes({0x82, 0x00}));
}

TEST(WebSocketWriter, LengthForms) {
  for (size_t n : {size_t{0}, size_t{125}, size_t{126}, size_t{65535}, size_t{65536}, size_t{70000}}) {
    std::string out;
    WebSocketWriter(writerOptions(kServer)).writeMessage(false, std::string(n, 'x'), out);
    EXPECT_EQ(out, frame(0x82, std::string(n, 'x'), false)) << n;
  }
  uint8_t header[kMaxFrameHeader];
  const std::array<uint8_t, 4> key = rfcKey();
  EXPECT_EQ(encodeFrameHeader(header, WebSocketOpcode::kBinary, true, 1ull << 40, &key), 14u);
  EXPECT_EQ(header[1], 0xFF);
  EXPECT_EQ(header[4], 0x01);
  EXPECT_EQ(header[10], 0x37);
  EXPECT_EQ(encodeFrameHeader(header, WebSocketOpcode::kContinuation, false, 3, nullptr), 2u);
  EXPECT_EQ(header[0], 0x00);
}

TEST(WebSocketWriter, Fragments) {
  std::string out;
  WebSocketWriter server(writerOptions(kServer, 4));
  server.writeMessage(true, "Hello world", out);
  EXPECT_EQ(out, frame(0x01, "Hell", false) + frame(0x00, "o wo", false) + frame(0x80, "rld", false));
  out.clear();
  server.writeMessage(false, "1234", out);  // fits: one frame
  EXPECT_EQ(out, frame(0x82, "1234", false));
}

TEST(WebSocketWriter, ControlFrameLimits) {
  std::string out;
  WebSocketWriter w(writerOptions(kServer));
  EXPECT_FALSE(w.writePing(std::string(126, 'p'), out));
  EXPECT_FALSE(w.writePong(std::string(126, 'p'), out));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(w.writePing(std::string(125, 'p'), out));
}

TEST(WebSocketWriter, Close) {
  std::string out;
  WebSocketWriter w(writerOptions(kServer));
  ASSERT_TRUE(w.writeClose(1000, "bye", out));
  EXPECT_EQ(out, frame(0x88, bytes({0x03, 0xe8}) + "bye", false));
  out.clear();
  ASSERT_TRUE(w.writeClose(kCloseNoStatus, "ignored", out));
  EXPECT_EQ(out, bytes({0x88, 0x00}));
  out.clear();
  for (uint16_t bad : {0, 999, 1004, 1006, 1015, 2000, 5000}) EXPECT_FALSE(w.writeClose(bad, "", out)) << bad;
  EXPECT_TRUE(out.empty());

  // A long reason is cut to 123 bytes, and back to a code point boundary.
  ASSERT_TRUE(w.writeClose(4000, std::string(200, 'a'), out));
  EXPECT_EQ(out.size(), 2u + 125u);
  out.clear();
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xC3\xA9";  // 2 bytes each: 123 would split one
  ASSERT_TRUE(w.writeClose(4000, accents, out));
  auto events = parse(kClient, out);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Type::kClose);
  EXPECT_EQ(events[0].data.size(), 122u);
  EXPECT_TRUE(isValidUtf8(events[0].data));
  out.clear();
  std::string emoji = std::string(120, 'e') + "\xF0\x9F\x98\x80";  // 4-byte at 120..123
  ASSERT_TRUE(w.writeClose(1000, emoji, out));
  EXPECT_EQ(parse(kClient, out).at(0).data, std::string(120, 'e'));
}

TEST(WebSocketWriter, ClientMasksWithFreshRandomKeys) {
  std::string a, b;
  WebSocketWriter client(writerOptions(kClient));
  for (int i = 0; i < 100; ++i) client.writeMessage(false, "same payload", a);  // crosses a key batch
  client.writeMessage(false, "same payload", b);
  EXPECT_EQ(static_cast<uint8_t>(a[1]) & 0x80, 0x80);
  // 100 frames of 2 + 4 + 12 bytes; not two with the same key in a row.
  int same = 0;
  for (int i = 1; i < 100; ++i) same += a.substr(18 * i + 2, 4) == a.substr(18 * (i - 1) + 2, 4);
  EXPECT_LE(same, 1);
  EXPECT_NE(a.substr(2, 16), b.substr(2, 16));
}

TEST(WebSocketWriter, RoundTripsBothRoles) {
  std::mt19937 rng(6455);
  for (auto role : {kServer, kClient}) {
    const auto peer = role == kServer ? kClient : kServer;
    for (int i = 0; i < 300; ++i) {
      WebSocketWriter writer(writerOptions(peer, i % 3 == 0 ? 0 : 1 + rng() % 50));
      std::vector<Seen> expect;
      std::string wire;
      const int n = 1 + static_cast<int>(rng() % 6);
      for (int m = 0; m < n; ++m) {
        std::string payload(rng() % (i % 10 == 0 ? 70000 : 300), '\0');
        for (char& c : payload) c = static_cast<char>(rng() % 128);  // ASCII: valid as text too
        switch (rng() % 4) {
          case 0:
            writer.writeMessage(true, payload, wire);
            expect.push_back({Type::kText, 0, payload});
            break;
          case 1:
            writer.writeMessage(false, payload, wire);
            expect.push_back({Type::kBinary, 0, payload});
            break;
          case 2:
            payload.resize(payload.size() % 126);
            ASSERT_TRUE(writer.writePing(payload, wire));
            expect.push_back({Type::kPing, 0, payload});
            break;
          default:
            payload.resize(payload.size() % 126);
            ASSERT_TRUE(writer.writePong(payload, wire));
            expect.push_back({Type::kPong, 0, payload});
            break;
        }
      }
      ASSERT_TRUE(writer.writeClose(1000 + (i % 4), "done", wire));
      expect.push_back({Type::kClose, static_cast<uint16_t>(1000 + (i % 4)), "done"});
      ASSERT_EQ(parse(role, wire), expect);
      // The same with random reads.
      std::vector<std::string> chunks;
      for (size_t at = 0; at < wire.size();) {
        const size_t k = std::min<size_t>(1 + rng() % 700, wire.size() - at);
        chunks.push_back(wire.substr(at, k));
        at += k;
      }
      WebSocketParser parser({role});
      ASSERT_EQ(parseChunks(parser, chunks), expect);
    }
  }
}

}  // namespace
}  // namespace verge::net
