// Replays the seed corpus of every fuzzer in this folder through its
// LLVMFuzzerTestOneInput, so the ordinary test run covers the corpus (and a
// crash found by fuzzing, once added to the corpus, stays fixed).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace verge::http {
int fuzzRangeConditionalVary(const uint8_t* data, size_t size);  // range_fuzz.cc

namespace {

// Runs every file of tests/fuzz/<corpus>/ through `fuzz`.
void replayCorpus(const char* corpus, int (*fuzz)(const uint8_t*, size_t)) {
  const std::filesystem::path dir = std::filesystem::path(VERGE_FUZZ_CORPUS_DIR) / corpus;
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  size_t replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    EXPECT_EQ(fuzz(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
    ++replayed;
  }
  EXPECT_GE(replayed, 10u);
}

TEST(FuzzReplay, CacheControlCorpus) { replayCorpus("cache_control", LLVMFuzzerTestOneInput); }

TEST(FuzzReplay, RangeConditionalVaryCorpus) { replayCorpus("range", fuzzRangeConditionalVary); }

// Inputs that do not fit in a file name: empty and NUL-laden.
TEST(FuzzReplay, EdgeInputs) {
  EXPECT_EQ(LLVMFuzzerTestOneInput(nullptr, 0), 0);
  const uint8_t nul[] = {0, 'm', 'a', 'x', '-', 'a', 'g', 'e', '=', 0, '"', '\\'};
  EXPECT_EQ(LLVMFuzzerTestOneInput(nul, sizeof(nul)), 0);
  const std::string huge(100000, '9');
  EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(huge.data()), huge.size()), 0);
}

}  // namespace
}  // namespace verge::http
