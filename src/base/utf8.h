// UTF-8 as RFC 3629 defines it, for the validators of WebSocket text
// frames (net/websocket), HTMLRewriter's streamed content (html/rewriter)
// and TextDecoder's fatal mode (runtime/natives): what a lead byte says
// about the sequence it starts.
#pragma once

#include <cstdint>

namespace verge::base {

// The sequence a byte starts: its length in bytes (1 for ASCII; 0 when the
// byte cannot start one: a continuation byte, C0 and C1 (overlong forms),
// F5 to FF) and the range its second byte must be in, narrower after E0
// and F0 (overlong forms), ED (surrogates) and F4 (above U+10FFFF). Its
// other continuation bytes are 80 to BF.
struct Utf8Lead {
  uint8_t length;
  uint8_t low;
  uint8_t high;
};

constexpr Utf8Lead utf8Lead(uint8_t c) {
  if (c < 0x80) return {1, 0x80, 0xBF};
  if (c >= 0xC2 && c <= 0xDF) return {2, 0x80, 0xBF};
  if (c >= 0xE0 && c <= 0xEF) {
    return {3, static_cast<uint8_t>(c == 0xE0 ? 0xA0 : 0x80), static_cast<uint8_t>(c == 0xED ? 0x9F : 0xBF)};
  }
  if (c >= 0xF0 && c <= 0xF4) {
    return {4, static_cast<uint8_t>(c == 0xF0 ? 0x90 : 0x80), static_cast<uint8_t>(c == 0xF4 ? 0x8F : 0xBF)};
  }
  return {0, 0, 0};
}

}  // namespace verge::base
