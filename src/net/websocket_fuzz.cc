// Fuzz target for the WebSocket frame parser (websocket.h): arbitrary bytes
// are one direction of a connection, parsed in both roles (as a server
// reading a client, as a client reading a server).
//
// Input: byte 0 seeds the split points, byte 1 picks the message size limit
// (from 0 bytes up to the 1 MiB default), the rest is the stream. Each role
// parses the stream twice, in one piece and cut at pseudo-random points,
// and the two runs must yield the same events. Beyond "never crashes", every
// event is checked against what the protocol promises: a progress guarantee
// (each call consumes all its input or returns an event), text messages and
// close reasons that a reference UTF-8 decoder accepts, messages within the
// limit, control payloads of at most 125 bytes, close codes valid on the
// wire (or 1005 for none), errors with 1002, 1007 or 1009 that persist. Every
// message is then written again by the peer's WebSocketWriter (masked or
// not, fragmented by a size from the seed) and must parse back the same.
//
// Built into verge_websocket_tests, where websocket_fuzz_test.cc replays the
// seed corpus of tests/fuzz/websocket/; with -DVERGE_FUZZ=ON (clang) it is
// also a libFuzzer binary, verge_websocket_fuzz.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "net/websocket.h"

namespace verge::net {
namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// A plain code point decoder, written differently from Utf8Validator on
// purpose: decode, then reject overlong forms, surrogates and values above
// U+10FFFF by the value.
bool referenceUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const uint8_t cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

struct Seen {
  WebSocketEventType type;
  uint16_t code;
  std::string data;
  bool operator==(const Seen&) const = default;
};

// A small deterministic generator for split points and frame sizes.
struct Rng {
  uint32_t state;
  uint32_t next() {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  }
};

void checkEvent(const WebSocketEvent& e, size_t limit) {
  switch (e.type) {
    case WebSocketEventType::kText:
      check(referenceUtf8(e.data));
      check(e.data.size() <= limit);
      break;
    case WebSocketEventType::kBinary:
      check(e.data.size() <= limit);
      break;
    case WebSocketEventType::kPing:
    case WebSocketEventType::kPong:
      check(e.data.size() <= kMaxControlPayload);
      break;
    case WebSocketEventType::kClose:
      check(e.code == kCloseNoStatus ? e.data.empty() : isValidWireCloseCode(e.code));
      check(e.data.size() <= kMaxControlPayload - 2);
      check(referenceUtf8(e.data));
      break;
    case WebSocketEventType::kError:
      check(e.code == kCloseProtocolError || e.code == kCloseInvalidPayload ||
            e.code == kCloseMessageTooBig);
      check(!e.data.empty());
      break;
    case WebSocketEventType::kNone:
      break;
  }
}

// Feeds `chunk` (a mutable copy) to the parser until it is used up or the
// parser stops; appends the events to `out`. False once the parser is done
// (an error or a close).
bool feedChunk(WebSocketParser& parser, std::string chunk, size_t limit, std::vector<Seen>& out) {
  std::span<char> rest(chunk.data(), chunk.size());
  while (true) {
    WebSocketEvent e;
    const size_t n = parser.parse(rest, e);
    check(n <= rest.size());
    // Progress: all input consumed, or an event.
    check(n == rest.size() || e.type != WebSocketEventType::kNone);
    checkEvent(e, limit);
    if (e.type == WebSocketEventType::kError) {
      check(parser.failed() && n == 0);
      WebSocketEvent again;
      check(parser.parse(rest, again) == 0);
      check(again.type == WebSocketEventType::kError && again.code == e.code);
      out.push_back({e.type, e.code, std::string(e.data)});
      return false;
    }
    if (e.type != WebSocketEventType::kNone) out.push_back({e.type, e.code, std::string(e.data)});
    if (e.type == WebSocketEventType::kClose) {
      check(parser.closed());
      // Whatever follows a close is discarded without an event.
      WebSocketEvent after;
      check(parser.parse(rest.subspan(n), after) == rest.size() - n);
      check(after.type == WebSocketEventType::kNone);
      return false;
    }
    rest = rest.subspan(n);
    if (rest.empty()) return true;
  }
}

std::vector<Seen> parseWhole(WebSocketRole role, size_t limit, std::string_view stream) {
  WebSocketParser parser({role, limit});
  std::vector<Seen> out;
  feedChunk(parser, std::string(stream), limit, out);
  return out;
}

std::vector<Seen> parseSplit(WebSocketRole role, size_t limit, std::string_view stream, Rng& rng) {
  WebSocketParser parser({role, limit});
  std::vector<Seen> out;
  size_t at = 0;
  while (at < stream.size()) {
    // Mostly short reads, sometimes a long one.
    const size_t want = rng.next() % 4 == 0 ? 1 + rng.next() % 300 : 1 + rng.next() % 9;
    const size_t n = std::min(want, stream.size() - at);
    if (!feedChunk(parser, std::string(stream.substr(at, n)), limit, out)) break;
    at += n;
  }
  return out;
}

// Writes `message` as the peer of `role` would and parses it back.
void roundTrip(WebSocketRole role, const Seen& message, size_t limit, Rng& rng) {
  WebSocketWriterOptions wo;
  wo.role = role == WebSocketRole::kServer ? WebSocketRole::kClient : WebSocketRole::kServer;
  wo.max_frame_payload = rng.next() % 3 == 0 ? 0 : 1 + rng.next() % 64;
  WebSocketWriter writer(wo);
  std::string wire;
  switch (message.type) {
    case WebSocketEventType::kText: writer.writeMessage(true, message.data, wire); break;
    case WebSocketEventType::kBinary: writer.writeMessage(false, message.data, wire); break;
    case WebSocketEventType::kPing: check(writer.writePing(message.data, wire)); break;
    case WebSocketEventType::kPong: check(writer.writePong(message.data, wire)); break;
    case WebSocketEventType::kClose: check(writer.writeClose(message.code, message.data, wire)); break;
    default: return;
  }
  const std::vector<Seen> back = parseWhole(role, limit, wire);
  check(back.size() == 1 && back[0] == message);
}

}  // namespace

int fuzzWebSocket(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint32_t seed = data[0];
  // 0, 1, 2, 4, ... 2^20 (the default limit).
  const size_t limit = data[1] % 22 == 0 ? 0 : size_t{1} << (data[1] % 22 - 1);
  const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  for (WebSocketRole role : {WebSocketRole::kServer, WebSocketRole::kClient}) {
    Rng rng{seed * 2654435761u + (role == WebSocketRole::kServer ? 1 : 2)};
    const std::vector<Seen> whole = parseWhole(role, limit, stream);
    const std::vector<Seen> split = parseSplit(role, limit, stream, rng);
    check(whole == split);
    for (const Seen& e : whole) roundTrip(role, e, limit, rng);
  }
  return 0;
}

}  // namespace verge::net

// The libFuzzer entry point. Weak, so that a test binary that links other
// fuzzers as well can choose its own.
extern "C" __attribute__((weak)) int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verge::net::fuzzWebSocket(data, size);
}
