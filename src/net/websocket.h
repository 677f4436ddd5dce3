// The WebSocket framing protocol (RFC 6455 §5) as a pure codec: no sockets,
// no V8, no event loop. The HTTP server, the runtime's WebSocketPair and
// fetch() upgrades, and zone proxying drive it with the bytes they read and
// send the bytes it writes. The opening handshake is websocket_handshake.h.
//
// No extension is negotiated (the handshake declines permessage-deflate by
// not echoing it), so RSV1-3 must be 0 on every frame.
//
// Peer bytes are untrusted: the parser never crashes or loops on them, and
// memory it holds is bounded by the message size limit plus 125 bytes of a
// control frame. A protocol violation ends parsing with the close code RFC
// 6455 §7.4.1 names (1002, 1007 or 1009) for the caller to send.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace verge::net {

// Which end of the connection this codec is. A client masks every frame it
// sends and rejects masked frames; a server never masks and requires them.
enum class WebSocketRole { kServer, kClient };

enum class WebSocketOpcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes (RFC 6455 §7.4.1) the codec itself produces or reports.
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseNoStatus = 1005;  // never on the wire: a close frame without a body
inline constexpr uint16_t kCloseInvalidPayload = 1007;
inline constexpr uint16_t kCloseMessageTooBig = 1009;

// The most payload a control frame may carry (RFC 6455 §5.5).
inline constexpr size_t kMaxControlPayload = 125;

// Cloudflare's limit on a received WebSocket message.
inline constexpr size_t kDefaultMaxMessageBytes = 1 << 20;

// Whether `code` may appear in a close frame on the wire: 1000-1003,
// 1007-1014 (1012-1014 are registered with IANA and sent by real servers:
// service restart, try again later, bad gateway), and 3000-4999 for
// libraries and applications. 1004, 1005, 1006, 1015 and everything else
// are not.
bool isValidWireCloseCode(uint16_t code);

// Incremental UTF-8 validation (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), for text messages that arrive in pieces. A code
// point may be split across calls to feed().
class Utf8Validator {
 public:
  // Checks the next bytes. False as soon as a byte cannot continue a valid
  // sequence (fail fast: an invalid prefix is reported without waiting for
  // the rest of the message); after that the validator stays failed.
  bool feed(const uint8_t* data, size_t size);
  bool feed(std::string_view s) { return feed(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

  // Whether everything fed so far ends on a code point boundary (and no
  // byte failed). A message is valid UTF-8 when this holds at its end.
  bool complete() const { return need_ == 0 && !failed_; }

  void reset() { *this = Utf8Validator(); }

 private:
  uint8_t need_ = 0;     // continuation bytes still expected
  uint8_t lo_ = 0x80;    // range the next continuation byte must be in
  uint8_t hi_ = 0xBF;
  bool failed_ = false;
};

// Whether all of `s` is valid UTF-8.
bool isValidUtf8(std::string_view s);

// XORs `size` bytes of `src` with the 4-byte masking key (RFC 6455 §5.3),
// starting at byte `offset` of the key, into `dst`. `dst` may equal `src`
// (unmasking in place) but must not otherwise overlap it. A word at a time.
void maskBytes(char* dst, const char* src, size_t size, std::array<uint8_t, 4> key, size_t offset);

// What WebSocketParser::parse hands back.
enum class WebSocketEventType : uint8_t {
  kNone,    // nothing complete yet: all input was consumed
  kText,    // a whole text message (valid UTF-8) in `data`
  kBinary,  // a whole binary message in `data`
  kPing,    // a ping's payload in `data`; the caller answers with a pong
  kPong,    // a pong's payload in `data`
  kClose,   // the peer's close frame: `code` (kCloseNoStatus when it had no
            // body) and its UTF-8 reason in `data`; later bytes are discarded
  kError,   // a protocol violation: close the connection with `code` and the
            // short reason in `data`; the parser stays failed
};

struct WebSocketEvent {
  WebSocketEventType type = WebSocketEventType::kNone;
  // Borrowed: points into the input passed to parse() or into the parser's
  // own buffer. Valid until the next call to parse() or the parser's
  // destruction, and, when it points into the input, while the caller keeps
  // those input bytes where they are.
  std::string_view data;
  uint16_t code = 0;
};

struct WebSocketParserOptions {
  WebSocketRole role = WebSocketRole::kServer;
  // The largest message (the sum of its fragments' payloads) accepted; a
  // frame whose header says the message would grow beyond it fails with 1009
  // before any of its payload is read.
  size_t max_message_bytes = kDefaultMaxMessageBytes;
};

// An incremental frame parser for one direction of one connection. Push the
// bytes that arrive, in any split; get one event at a time, so the caller
// can stop reading while it cannot take more messages (backpressure).
//
// Copies: an unfragmented frame whose payload is wholly inside the input is
// delivered in place (unmasked in the input buffer, which is why the input
// is mutable). A fragmented message, or a frame split across reads, is
// reassembled in a buffer the parser owns, bounded by max_message_bytes.
//
// Non-minimal length encodings of data frames (a 16-bit length under 126)
// are accepted, as most implementations do; a control frame must use the
// 7-bit length (so it fails on its first two bytes). Everything else RFC
// 6455 §5 rules out is an error.
class WebSocketParser {
 public:
  explicit WebSocketParser(WebSocketParserOptions options = {});

  // Consumes bytes of `input` until one event is complete or the input is
  // used up, and returns how many it consumed. The caller passes the rest of
  // the input (then newly read bytes) to the next call. Payload bytes of the
  // input may be unmasked in place. Progress is guaranteed: a call either
  // consumes all of `input` or returns an event. An error returns 0 and is
  // returned again by every later call.
  size_t parse(std::span<char> input, WebSocketEvent& event);

  bool failed() const { return state_ == State::kFailed; }
  // A close frame arrived; anything after it is consumed and discarded.
  bool closed() const { return state_ == State::kClosed; }
  // A fragmented message is being reassembled.
  bool inMessage() const { return in_message_; }

 private:
  enum class State : uint8_t { kHeader, kPayload, kClosed, kFailed };

  // Header checks: false on a violation, with error_code_/error_reason_ set.
  bool checkFirstTwoBytes();
  bool startFrame();
  bool violation(uint16_t code, const char* reason);
  void nextFrame();
  size_t fail(uint16_t code, const char* reason, WebSocketEvent& event);
  // A control frame's whole payload (unmasked) is in `payload`.
  size_t finishControl(std::string_view payload, size_t consumed, WebSocketEvent& event);

  WebSocketParserOptions options_;
  State state_ = State::kHeader;

  // The frame header being read (at most 2 + 8 + 4 bytes).
  uint8_t header_[14];
  uint8_t header_have_ = 0;
  uint8_t header_need_ = 2;

  // The frame whose payload is being read.
  WebSocketOpcode opcode_ = WebSocketOpcode::kContinuation;
  bool fin_ = false;
  bool masked_ = false;
  std::array<uint8_t, 4> mask_{};
  uint64_t frame_length_ = 0;
  uint64_t frame_read_ = 0;  // payload bytes of this frame read so far

  // A control frame split across reads is gathered here.
  char control_[kMaxControlPayload];

  // The data message being reassembled (fragments, or one frame split
  // across reads).
  bool in_message_ = false;
  bool message_text_ = false;
  std::string message_;
  bool release_message_ = false;  // message_ was delivered; clear it on the next call
  Utf8Validator utf8_;

  uint16_t error_code_ = 0;
  const char* error_reason_ = "";
};

struct WebSocketWriterOptions {
  WebSocketRole role = WebSocketRole::kServer;
  // Messages longer than this are sent as several frames of at most this
  // many payload bytes; 0 sends every message as one frame.
  size_t max_frame_payload = 0;
  // The client's masking keys; when empty, unpredictable keys from
  // OpenSSL's RAND_bytes (RFC 6455 §5.3 requires them to be unpredictable).
  // Tests set a fixed one.
  std::function<std::array<uint8_t, 4>()> mask_key;
};

// Largest frame header: 2 bytes, 8 bytes of length, 4 bytes of masking key.
inline constexpr size_t kMaxFrameHeader = 14;

// Writes a frame header for `payload_length` bytes into `out`, returning its
// size. With `mask` the masking key is written too and the payload must be
// masked with it (maskBytes at offset 0). A server that sends a large
// payload unmasked can write this header and then the payload bytes
// themselves (scatter-gather), without a copy.
size_t encodeFrameHeader(uint8_t (&out)[kMaxFrameHeader], WebSocketOpcode opcode, bool fin,
                         uint64_t payload_length, const std::array<uint8_t, 4>* mask);

// Encodes messages and control frames, appending the bytes to a caller's
// buffer (which it may reuse across calls).
class WebSocketWriter {
 public:
  explicit WebSocketWriter(WebSocketWriterOptions options = {});

  // A text (the caller passes valid UTF-8) or binary message, fragmented by
  // max_frame_payload. A fragment boundary may fall inside a UTF-8 sequence,
  // which RFC 6455 allows.
  void writeMessage(bool text, std::string_view data, std::string& out);

  // False (nothing written) when the payload exceeds 125 bytes.
  bool writePing(std::string_view payload, std::string& out);
  bool writePong(std::string_view payload, std::string& out);

  // A close frame with `code` and `reason`, the reason cut to fit the 125
  // bytes (123 after the code) at a UTF-8 code point boundary. kCloseNoStatus
  // writes a close frame without a body (and no reason). False (nothing
  // written) for another code that may not be sent (isValidWireCloseCode).
  bool writeClose(uint16_t code, std::string_view reason, std::string& out);

 private:
  void writeFrame(WebSocketOpcode opcode, bool fin, std::string_view payload, std::string& out);
  std::array<uint8_t, 4> nextMaskKey();

  WebSocketWriterOptions options_;
  // Random masking keys drawn from OpenSSL in batches: RAND_bytes per frame
  // would cost more than masking a small frame.
  std::array<uint8_t, 256> random_{};
  size_t random_used_ = 256;
};

}  // namespace verge::net
