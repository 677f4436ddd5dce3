// The WHATWG Encoding Standard's encodings, labels and indexes, generated at
// build time from third_party/whatwg-encoding by
// scripts/gen_encoding_tables.py. Internal to runtime/api/encoding.cc.
#pragma once

#include <cstddef>
#include <cstdint>

namespace verge::runtime::encoding {

// Every encoding of the standard; the single-byte ones first, in the order of
// the generator's SINGLE_BYTE list.
enum Encoding : int {
  kSingleByteCount = 28,
  kUtf8 = kSingleByteCount,
  kGbk,
  kGb18030,
  kBig5,
  kEucJp,
  kIso2022Jp,
  kShiftJis,
  kEucKr,
  kReplacement,
  kUtf16Be,
  kUtf16Le,
  kXUserDefined,
  kEncodingCount,
};

struct Label {
  const char* label;  // lowercase, as in the standard
  int encoding;
};

extern const char* const kEncodingNames[kEncodingCount];
extern const Label kLabels[];  // sorted by label
extern const size_t kLabelCount;

// Index single-byte: 128 code points per encoding for bytes 0x80-0xFF, 0
// where the byte has none.
extern const uint16_t kSingleByte[kSingleByteCount * 128];

// Multi-byte indexes by pointer; 0 where the index has no code point.
extern const uint16_t kIndexJis0208[];
extern const size_t kIndexJis0208Size;
extern const uint16_t kIndexJis0212[];
extern const size_t kIndexJis0212Size;
extern const uint16_t kIndexEucKr[];
extern const size_t kIndexEucKrSize;
extern const uint16_t kIndexGb18030[];
extern const size_t kIndexGb18030Size;
extern const uint32_t kIndexBig5[];
extern const size_t kIndexBig5Size;
// Index gb18030 ranges: (pointer, code point) pairs, ascending.
extern const uint32_t kGb18030Ranges[];
extern const size_t kGb18030RangeCount;

}  // namespace verge::runtime::encoding
