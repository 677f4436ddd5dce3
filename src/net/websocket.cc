#include "net/websocket.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/log.h"
#include "base/utf8.h"

namespace verge::net {

namespace {

bool isControl(WebSocketOpcode op) { return (static_cast<uint8_t>(op) & 0x8) != 0; }

bool isKnownOpcode(uint8_t op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

// The longest message buffer kept between messages; a larger one (after a
// big message) is given back, so an idle connection holds little memory.
constexpr size_t kKeepMessageCapacity = 64 * 1024;

uint16_t readBigEndian16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

}  // namespace

bool isValidWireCloseCode(uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

// ---- UTF-8 ----

bool Utf8Validator::feed(const uint8_t* p, size_t size) {
  if (failed_) return false;
  const uint8_t* end = p + size;
  while (p < end) {
    if (need_ == 0) {
      // Fast path: skip ASCII eight bytes at a time.
      while (end - p >= 8) {
        uint64_t word;
        std::memcpy(&word, p, 8);
        if (word & 0x8080808080808080ull) break;
        p += 8;
      }
      if (p == end) break;
      const uint8_t c = *p++;
      if (c < 0x80) continue;
      // The lead byte decides how many continuation bytes follow and the
      // range of the first of them.
      const base::Utf8Lead lead = base::utf8Lead(c);
      if (lead.length == 0) {
        failed_ = true;
        return false;
      }
      need_ = lead.length - 1;
      lo_ = lead.low;
      hi_ = lead.high;
    } else {
      const uint8_t c = *p++;
      if (c < lo_ || c > hi_) {
        failed_ = true;
        return false;
      }
      lo_ = 0x80;
      hi_ = 0xBF;
      --need_;
    }
  }
  return true;
}

bool isValidUtf8(std::string_view s) {
  Utf8Validator v;
  return v.feed(s) && v.complete();
}

// ---- masking ----

void maskBytes(char* dst, const char* src, size_t size, std::array<uint8_t, 4> key, size_t offset) {
  // The key rotated so that byte 0 of the rotation lines up with dst[0],
  // then repeated into a 64-bit word.
  uint8_t rotated[8];
  for (size_t i = 0; i < 8; ++i) rotated[i] = key[(offset + i) & 3];
  uint64_t word_key;
  std::memcpy(&word_key, rotated, 8);
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t w;
    std::memcpy(&w, src + i, 8);
    w ^= word_key;
    std::memcpy(dst + i, &w, 8);
  }
  for (; i < size; ++i) dst[i] = static_cast<char>(src[i] ^ rotated[i & 7]);
}

// ---- parser ----

WebSocketParser::WebSocketParser(WebSocketParserOptions options) : options_(options) {}

size_t WebSocketParser::fail(uint16_t code, const char* reason, WebSocketEvent& event) {
  state_ = State::kFailed;
  error_code_ = code;
  error_reason_ = reason;
  in_message_ = false;
  std::string().swap(message_);  // of no further use
  event.type = WebSocketEventType::kError;
  event.code = code;
  event.data = reason;
  return 0;
}

bool WebSocketParser::violation(uint16_t code, const char* reason) {
  error_code_ = code;
  error_reason_ = reason;
  return false;
}

bool WebSocketParser::checkFirstTwoBytes() {
  const uint8_t b0 = header_[0];
  const uint8_t b1 = header_[1];
  // RFC 6455 §5.2: RSV1-3 are 0 unless an extension says otherwise, and
  // none is negotiated.
  if (b0 & 0x70) return violation(kCloseProtocolError, "reserved bits set without an extension");
  const uint8_t op = b0 & 0x0F;
  if (!isKnownOpcode(op)) return violation(kCloseProtocolError, "reserved opcode");
  opcode_ = static_cast<WebSocketOpcode>(op);
  fin_ = (b0 & 0x80) != 0;
  masked_ = (b1 & 0x80) != 0;
  // §5.1: a client masks every frame, a server none.
  if (options_.role == WebSocketRole::kServer && !masked_) {
    return violation(kCloseProtocolError, "unmasked frame from a client");
  }
  if (options_.role == WebSocketRole::kClient && masked_) {
    return violation(kCloseProtocolError, "masked frame from a server");
  }
  const uint8_t len7 = b1 & 0x7F;
  if (isControl(opcode_)) {
    // §5.5: control frames are short and never fragmented.
    if (!fin_) return violation(kCloseProtocolError, "fragmented control frame");
    if (len7 > kMaxControlPayload) return violation(kCloseProtocolError, "control frame over 125 bytes");
  } else if (opcode_ == WebSocketOpcode::kContinuation) {
    if (!in_message_) return violation(kCloseProtocolError, "continuation frame outside a message");
  } else if (in_message_) {
    // §5.4: the fragments of one message are not interleaved with another.
    return violation(kCloseProtocolError, "new message inside a fragmented message");
  }
  header_need_ = static_cast<uint8_t>(2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked_ ? 4 : 0));
  return true;
}

bool WebSocketParser::startFrame() {
  const uint8_t len7 = header_[1] & 0x7F;
  size_t at = 2;
  uint64_t length = len7;
  if (len7 == 126) {
    length = readBigEndian16(header_ + 2);
    at = 4;
  } else if (len7 == 127) {
    length = 0;
    for (size_t i = 0; i < 8; ++i) length = (length << 8) | header_[2 + i];
    at = 10;
    if (length >> 63) return violation(kCloseProtocolError, "payload length with the top bit set");
  }
  if (masked_) std::memcpy(mask_.data(), header_ + at, 4);
  if (!isControl(opcode_)) {
    // The limit is checked before a byte of the payload is read, so the
    // parser never buffers (or waits for) more than it would accept.
    const uint64_t so_far = opcode_ == WebSocketOpcode::kContinuation ? message_.size() : 0;
    if (length > options_.max_message_bytes - so_far) {
      return violation(kCloseMessageTooBig, "message too big");
    }
    if (opcode_ != WebSocketOpcode::kContinuation) {
      in_message_ = true;
      message_text_ = opcode_ == WebSocketOpcode::kText;
      utf8_.reset();
    }
  }
  frame_length_ = length;
  frame_read_ = 0;
  return true;
}

void WebSocketParser::nextFrame() {
  state_ = State::kHeader;
  header_have_ = 0;
  header_need_ = 2;
}

size_t WebSocketParser::finishControl(std::string_view payload, size_t consumed, WebSocketEvent& event) {
  nextFrame();
  event.data = payload;
  switch (opcode_) {
    case WebSocketOpcode::kPing:
      event.type = WebSocketEventType::kPing;
      return consumed;
    case WebSocketOpcode::kPong:
      event.type = WebSocketEventType::kPong;
      return consumed;
    default:
      break;
  }
  // A close frame (§5.5.1): no body, or a 2-byte code and a UTF-8 reason.
  if (payload.empty()) {
    event.code = kCloseNoStatus;
  } else if (payload.size() == 1) {
    return fail(kCloseProtocolError, "close frame with a 1-byte body", event);
  } else {
    event.code = readBigEndian16(reinterpret_cast<const uint8_t*>(payload.data()));
    if (!isValidWireCloseCode(event.code)) return fail(kCloseProtocolError, "invalid close code", event);
    event.data = payload.substr(2);
    if (!isValidUtf8(event.data)) return fail(kCloseInvalidPayload, "close reason is not UTF-8", event);
  }
  event.type = WebSocketEventType::kClose;
  state_ = State::kClosed;
  in_message_ = false;
  std::string().swap(message_);  // a message cut short by the close is dropped
  return consumed;
}

size_t WebSocketParser::parse(std::span<char> input, WebSocketEvent& event) {
  event = WebSocketEvent{};
  if (state_ == State::kFailed) return fail(error_code_, error_reason_, event);
  if (state_ == State::kClosed) return input.size();
  if (release_message_) {
    // The message delivered by the previous call is no longer borrowed.
    release_message_ = false;
    if (message_.capacity() > kKeepMessageCapacity) {
      std::string().swap(message_);
    } else {
      message_.clear();
    }
  }

  char* const data = input.data();
  const size_t size = input.size();
  size_t pos = 0;
  while (true) {
    if (state_ == State::kHeader) {
      while (header_have_ < header_need_) {
        if (pos == size) return pos;
        const size_t take = std::min<size_t>(size - pos, header_need_ - header_have_);
        std::memcpy(header_ + header_have_, data + pos, take);
        header_have_ = static_cast<uint8_t>(header_have_ + take);
        pos += take;
        // The first two bytes say how long the header is; check them at
        // once, so a bad frame fails without waiting for more bytes.
        if (header_have_ == 2 && header_need_ == 2 && !checkFirstTwoBytes()) {
          return fail(error_code_, error_reason_, event);
        }
      }
      if (!startFrame()) return fail(error_code_, error_reason_, event);
      state_ = State::kPayload;
    }

    char* const p = data + pos;
    const size_t avail = size - pos;
    const uint64_t remaining = frame_length_ - frame_read_;

    if (isControl(opcode_)) {
      if (frame_read_ == 0 && avail >= remaining) {
        // The whole payload is in the input: deliver it in place.
        if (masked_) maskBytes(p, p, remaining, mask_, 0);
        return finishControl({p, remaining}, pos + remaining, event);
      }
      const size_t n = std::min<uint64_t>(avail, remaining);
      if (masked_) {
        maskBytes(control_ + frame_read_, p, n, mask_, frame_read_);
      } else if (n > 0) {
        std::memcpy(control_ + frame_read_, p, n);
      }
      frame_read_ += n;
      pos += n;
      if (frame_read_ < frame_length_) return pos;
      return finishControl({control_, frame_length_}, pos, event);
    }

    if (fin_ && opcode_ != WebSocketOpcode::kContinuation && frame_read_ == 0 && avail >= remaining) {
      // A whole message in one frame, wholly in the input: unmask and
      // validate it in place, no copy.
      if (masked_) maskBytes(p, p, remaining, mask_, 0);
      if (message_text_ && !isValidUtf8({p, remaining})) {
        return fail(kCloseInvalidPayload, "text message is not UTF-8", event);
      }
      in_message_ = false;
      nextFrame();
      event.type = message_text_ ? WebSocketEventType::kText : WebSocketEventType::kBinary;
      event.data = {p, remaining};
      return pos + remaining;
    }

    // Reassembly: append what is here of this frame to the message.
    const size_t n = std::min<uint64_t>(avail, remaining);
    if (n > 0) {
      const size_t old = message_.size();
      if (old + n > message_.capacity()) {
        // Grow geometrically, but never past the limit: the buffer is
        // bounded by max_message_bytes, not twice that.
        message_.reserve(std::min<size_t>(std::max(old + n, 2 * message_.capacity()),
                                          options_.max_message_bytes));
      }
      // Unmasked in the input (parse() may), then appended: resizing first
      // would zero-fill what is overwritten at once.
      if (masked_) maskBytes(p, p, n, mask_, frame_read_);
      message_.append(p, n);
      const char* dst = message_.data() + old;
      // Validated as it arrives: an invalid sequence fails now, not when
      // the last fragment comes.
      if (message_text_ && !utf8_.feed(reinterpret_cast<const uint8_t*>(dst), n)) {
        return fail(kCloseInvalidPayload, "text message is not UTF-8", event);
      }
      frame_read_ += n;
      pos += n;
    }
    if (frame_read_ < frame_length_) return pos;
    nextFrame();
    if (!fin_) continue;
    if (message_text_ && !utf8_.complete()) {
      return fail(kCloseInvalidPayload, "text message is not UTF-8", event);
    }
    in_message_ = false;
    release_message_ = true;
    event.type = message_text_ ? WebSocketEventType::kText : WebSocketEventType::kBinary;
    event.data = message_;
    return pos;
  }
}

// ---- writer ----

size_t encodeFrameHeader(uint8_t (&out)[kMaxFrameHeader], WebSocketOpcode opcode, bool fin,
                         uint64_t payload_length, const std::array<uint8_t, 4>* mask) {
  out[0] = static_cast<uint8_t>((fin ? 0x80 : 0) | static_cast<uint8_t>(opcode));
  const uint8_t mask_bit = mask ? 0x80 : 0;
  size_t n;
  // The shortest length encoding, as §5.2 asks of a sender.
  if (payload_length < 126) {
    out[1] = static_cast<uint8_t>(mask_bit | payload_length);
    n = 2;
  } else if (payload_length <= 0xFFFF) {
    out[1] = mask_bit | 126;
    out[2] = static_cast<uint8_t>(payload_length >> 8);
    out[3] = static_cast<uint8_t>(payload_length);
    n = 4;
  } else {
    out[1] = mask_bit | 127;
    for (size_t i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(payload_length >> (56 - 8 * i));
    n = 10;
  }
  if (mask) {
    std::memcpy(out + n, mask->data(), 4);
    n += 4;
  }
  return n;
}

WebSocketWriter::WebSocketWriter(WebSocketWriterOptions options) : options_(std::move(options)) {}

std::array<uint8_t, 4> WebSocketWriter::nextMaskKey() {
  if (options_.mask_key) return options_.mask_key();
  if (random_used_ + 4 > random_.size()) {
    // Failing to get randomness leaves no safe way to mask (§10.3).
    VERGE_ASSERT(RAND_bytes(random_.data(), static_cast<int>(random_.size())) == 1);
    random_used_ = 0;
  }
  std::array<uint8_t, 4> key;
  std::memcpy(key.data(), random_.data() + random_used_, 4);
  random_used_ += 4;
  return key;
}

void WebSocketWriter::writeFrame(WebSocketOpcode opcode, bool fin, std::string_view payload,
                                 std::string& out) {
  const bool mask = options_.role == WebSocketRole::kClient;
  std::array<uint8_t, 4> key{};
  if (mask) key = nextMaskKey();
  uint8_t header[kMaxFrameHeader];
  const size_t n = encodeFrameHeader(header, opcode, fin, payload.size(), mask ? &key : nullptr);
  out.append(reinterpret_cast<const char*>(header), n);
  if (payload.empty()) return;
  // Appended, then masked in place: no zero-fill of the payload's room.
  const size_t at = out.size();
  out.append(payload.data(), payload.size());
  if (mask) maskBytes(out.data() + at, out.data() + at, payload.size(), key, 0);
}

void WebSocketWriter::writeMessage(bool text, std::string_view data, std::string& out) {
  const WebSocketOpcode opcode = text ? WebSocketOpcode::kText : WebSocketOpcode::kBinary;
  const size_t max = options_.max_frame_payload;
  if (max == 0 || data.size() <= max) {
    out.reserve(out.size() + kMaxFrameHeader + data.size());
    writeFrame(opcode, true, data, out);
    return;
  }
  const size_t frames = (data.size() + max - 1) / max;
  out.reserve(out.size() + frames * kMaxFrameHeader + data.size());
  for (size_t at = 0; at < data.size(); at += max) {
    const size_t n = std::min(max, data.size() - at);
    writeFrame(at == 0 ? opcode : WebSocketOpcode::kContinuation, at + n == data.size(),
               data.substr(at, n), out);
  }
}

bool WebSocketWriter::writePing(std::string_view payload, std::string& out) {
  if (payload.size() > kMaxControlPayload) return false;
  writeFrame(WebSocketOpcode::kPing, true, payload, out);
  return true;
}

bool WebSocketWriter::writePong(std::string_view payload, std::string& out) {
  if (payload.size() > kMaxControlPayload) return false;
  writeFrame(WebSocketOpcode::kPong, true, payload, out);
  return true;
}

bool WebSocketWriter::writeClose(uint16_t code, std::string_view reason, std::string& out) {
  if (code == kCloseNoStatus) {
    writeFrame(WebSocketOpcode::kClose, true, {}, out);
    return true;
  }
  if (!isValidWireCloseCode(code)) return false;
  // Cut the reason to 123 bytes, backing off continuation bytes so the cut
  // falls between two code points.
  size_t cut = std::min(reason.size(), kMaxControlPayload - 2);
  if (cut < reason.size()) {
    while (cut > 0 && (static_cast<uint8_t>(reason[cut]) & 0xC0) == 0x80) --cut;
  }
  char body[kMaxControlPayload];
  body[0] = static_cast<char>(code >> 8);
  body[1] = static_cast<char>(code & 0xFF);
  if (cut > 0) std::memcpy(body + 2, reason.data(), cut);
  writeFrame(WebSocketOpcode::kClose, true, {body, 2 + cut}, out);
  return true;
}

}  // namespace verge::net
