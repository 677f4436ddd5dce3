// Fuzz target for the Encoding Standard decoders (text_decoder.h): arbitrary
// bytes through one encoding's decoder. The first input byte picks the
// encoding (every one but UTF-8), the second the size of the pieces a
// streaming decode is fed in (1..32). Beyond "never crashes", it checks:
//   - the output is well-formed UTF-16 (decoders never emit lone surrogates);
//   - decoding in pieces (stream) gives exactly the one-shot result;
//   - a fatal decode either fails or gives the same text as a replacing one.
//
// Built into verge_unit_tests, where text_decoder_fuzz_test.cc replays the
// seed corpus of tests/fuzz/text_decoder/ and random inputs.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/api/encoding_tables.h"
#include "runtime/api/text_decoder.h"

namespace verge::runtime::encoding {

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool wellFormed(const std::u16string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    char16_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF) {
      if (i + 1 >= s.size() || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF) return false;
      ++i;
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      return false;
    }
  }
  return true;
}

}  // namespace

int fuzzTextDecoder(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  int enc = data[0] % (kEncodingCount - 1);
  if (enc >= kUtf8) ++enc;  // every encoding but UTF-8
  size_t piece = 1 + data[1] % 32;
  std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);

  int32_t state[8] = {};
  std::u16string whole;
  check(decode(enc, bytes, false, true, state, whole));
  check(wellFormed(whole));
  for (int32_t v : state) check(v == 0);

  int32_t streaming[8] = {};
  std::u16string pieces, part;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    check(decode(enc, bytes.substr(at, piece), false, false, streaming, part));
    pieces += part;
  }
  check(decode(enc, {}, false, true, streaming, part));
  pieces += part;
  check(pieces == whole);

  int32_t strict[8] = {};
  std::u16string fatal;
  if (decode(enc, bytes, true, true, strict, fatal)) check(fatal == whole);
  for (int32_t v : strict) check(v == 0);
  return 0;
}

}  // namespace verge::runtime::encoding

extern "C" __attribute__((weak)) int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verge::runtime::encoding::fuzzTextDecoder(data, size);
}
