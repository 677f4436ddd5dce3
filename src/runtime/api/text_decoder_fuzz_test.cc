// Replays the seed corpus of the text decoder fuzzer (tests/fuzz/text_decoder/)
// and random inputs for every encoding through fuzzTextDecoder, which aborts
// on a broken invariant; plus a few decodes checked against the standard.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "runtime/api/encoding_tables.h"
#include "runtime/api/text_decoder.h"

namespace verge::runtime::encoding {
int fuzzTextDecoder(const uint8_t* data, size_t size);  // text_decoder_fuzz.cc

namespace {

TEST(TextDecoderFuzzReplay, Corpus) {
  const auto dir = std::filesystem::path(VERGE_FUZZ_CORPUS_DIR) / "text_decoder";
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(fuzzTextDecoder(bytes.data(), bytes.size()), 0);
    ++n;
  }
  EXPECT_GE(n, 10u);
}

TEST(TextDecoderFuzzReplay, RandomInputForEveryEncoding) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> bytes(2 + rng() % 64);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    bytes[0] = static_cast<uint8_t>(round);
    EXPECT_EQ(fuzzTextDecoder(bytes.data(), bytes.size()), 0);
  }
}

std::u16string decoded(int enc, std::string_view bytes) {
  int32_t state[8] = {};
  std::u16string out;
  EXPECT_TRUE(decode(enc, bytes, false, true, state, out));
  return out;
}

TEST(TextDecoder, DecodesAsTheStandardSays) {
  // windows-1252 (index 20): 0x80 is the euro sign, 0x81 maps to U+0081.
  EXPECT_EQ(decoded(20, "\x80\x81"), u"\u20AC\u0081");
  EXPECT_EQ(decoded(kShiftJis, "\x82\xA0"), u"\u3042");      // あ
  EXPECT_EQ(decoded(kGb18030, "\x81\x30\x81\x30"), u"\u0080"); // four-byte range
  EXPECT_EQ(decoded(kBig5, "\x88\x62"), u"\u00CA\u0304");     // one pointer, two code points
  EXPECT_EQ(decoded(kUtf16Le, std::string_view("\x3D\xD8\x00\xDE", 4)), u"\U0001F600");
  EXPECT_EQ(decoded(kUtf16Be, "\xD8\x3D"), u"\uFFFD");        // lone surrogate at the end
  EXPECT_EQ(decoded(kIso2022Jp, "\x1B$B\x30\x21\x1B(B!"), u"\u4E9C!");
  EXPECT_EQ(decoded(kEucKr, "\xB0\xA1"), u"\uAC00");          // 가
  EXPECT_EQ(decoded(kReplacement, "abc"), u"\uFFFD");
  int32_t state[8] = {};
  std::u16string out;
  EXPECT_FALSE(decode(kShiftJis, "\x82", true, true, state, out));  // fatal: truncated
}

}  // namespace
}  // namespace verge::runtime::encoding

namespace verge::runtime::encoding {
namespace {

// Encoding then decoding gives the text back, for what the encoding has;
// what it lacks becomes a numeric character reference.
TEST(TextEncoder, EncodesWhatTheDecoderReads) {
  struct Case {
    const char* label;
    std::u16string text;
  };
  const Case cases[] = {
      {"windows-1252", u"caf\u00e9 \u20ac \u0152"},
      {"iso-8859-2", u"\u0141\u00f3d\u017a"},
      {"koi8-r", u"\u041f\u0440\u0438\u0432\u0435\u0442"},
      {"shift_jis", u"\u65e5\u672c\u8a9e \uff71"},
      {"euc-jp", u"\u65e5\u672c\u8a9e \uff71"},
      {"euc-kr", u"\ud55c\uad6d\uc5b4"},
      {"gbk", u"\u4e2d\u6587 \u20ac"},
      {"gb18030", u"\u4e2d\u6587 \u00e9 \U0001f600"},
      {"big5", u"\u4e2d\u6587 \u2550"},
      {"utf-8", u"caf\u00e9 \U0001f600"},
  };
  for (const auto& c : cases) {
    int enc = encodingForLabel(c.label);
    ASSERT_GE(enc, 0) << c.label;
    ASSERT_TRUE(isAsciiCompatible(enc)) << c.label;
    std::string bytes = encode(enc, c.text);
    EXPECT_EQ(bytes.find("&#"), std::string::npos) << c.label;
    if (enc == kUtf8) continue;  // the decoders here are for the others
    int32_t state[8] = {};
    std::u16string back;
    ASSERT_TRUE(decode(enc, bytes, true, true, state, back)) << c.label;
    EXPECT_EQ(back, c.text) << c.label;
  }
  EXPECT_EQ(encode(encodingForLabel("windows-1252"), u"\u2603\u65e5"), "&#9731;&#26085;");
  EXPECT_EQ(encode(encodingForLabel("latin1"), u"\u00e9\U0001f600"), "\xe9&#128512;");
  EXPECT_EQ(encode(encodingForLabel("shift_jis"), u"\u00e9"), "&#233;");
  EXPECT_EQ(encode(encodingForLabel("shift_jis"), u"\u00a5"), "\\");  // the standard maps ¥ to 0x5C
  EXPECT_EQ(encodingForLabel(" UTF-16 "), kUtf16Le);
  EXPECT_FALSE(isAsciiCompatible(kUtf16Le));
  EXPECT_FALSE(isAsciiCompatible(kIso2022Jp));
  EXPECT_EQ(encodingForLabel("klingon"), -1);
}

}  // namespace
}  // namespace verge::runtime::encoding
