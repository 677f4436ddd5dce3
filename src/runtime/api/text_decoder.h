// The Encoding Standard's decoders for every encoding but UTF-8, without
// V8 (runtime/api/encoding.cc puts TextDecoder on them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace verge::runtime::encoding {

// Decodes `bytes` with encoding `enc` (an Encoding of encoding_tables.h, not
// kUtf8), appending nothing to but replacing `text`. `state` is the
// decoder's state between calls (zeros for a new decoder); with `flush` the
// input ends the stream and the state is reset. An error becomes U+FFFD, or,
// when `fatal`, stops decoding: false is returned and the state is reset.
bool decode(int enc, std::string_view bytes, bool fatal, bool flush, int32_t state[8], std::u16string& text);

}  // namespace verge::runtime::encoding

namespace verge::runtime::encoding {

// The Encoding Standard's encoder of `enc` (an ASCII-compatible encoding:
// single-byte, gbk, gb18030, big5, euc-jp, shift_jis, euc-kr,
// x-user-defined, utf-8), over the decoders' tables: UTF-16 text in, bytes
// out. A character the encoding cannot represent becomes a numeric
// character reference (`&#NNNN;`), as HTML form submission and lol-html do.
// Lone surrogates are U+FFFD.
std::string encode(int enc, std::u16string_view text);

// Whether `enc` keeps ASCII bytes ASCII (what HTML tokenizing needs).
bool isAsciiCompatible(int enc);

// The encoding a label names (whitespace and case ignored), or -1.
int encodingForLabel(std::string_view label);

}  // namespace verge::runtime::encoding
