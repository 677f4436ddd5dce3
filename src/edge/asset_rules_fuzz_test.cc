// Replays the seed corpora of the asset rule files' fuzzers
// (tests/fuzz/asset_headers/, tests/fuzz/asset_redirects/) through their
// targets, which abort on a broken invariant, plus a few thousand mutations
// of the seeds, so the ordinary test run exercises more than the seeds.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <vector>

#include "base/fuzz_corpus.h"

namespace verge::edge {
int fuzzAssetHeaders(const uint8_t* data, size_t size);    // asset_headers_fuzz.cc
int fuzzAssetRedirects(const uint8_t* data, size_t size);  // asset_redirects_fuzz.cc

namespace {

std::vector<std::vector<uint8_t>> corpus(const char* name) {
  return base::readFuzzCorpus(std::filesystem::path(VERGE_FUZZ_CORPUS_DIR) / name);
}

void replay(const char* name, int (*fuzz)(const uint8_t*, size_t)) {
  const auto files = corpus(name);
  ASSERT_GE(files.size(), 10u);
  for (const auto& bytes : files) EXPECT_EQ(fuzz(bytes.data(), bytes.size()), 0);
  std::mt19937 rng(10);
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> bytes = files[rng() % files.size()];
    for (int e = 1 + static_cast<int>(rng() % 5); e > 0 && !bytes.empty(); --e) {
      size_t pos = rng() % bytes.size();
      switch (rng() % 4) {
        case 0: bytes[pos] = static_cast<uint8_t>(rng()); break;
        case 1: bytes.resize(pos); break;
        case 2: bytes.insert(bytes.begin() + static_cast<long>(pos), "*:/\n !#?"[rng() % 8]); break;
        default: bytes.insert(bytes.begin() + static_cast<long>(pos), bytes.begin(), bytes.begin() + static_cast<long>(pos)); break;
      }
    }
    ASSERT_EQ(fuzz(bytes.data(), bytes.size()), 0);
  }
}

TEST(AssetRulesFuzzReplay, Headers) { replay("asset_headers", fuzzAssetHeaders); }
TEST(AssetRulesFuzzReplay, Redirects) { replay("asset_redirects", fuzzAssetRedirects); }

TEST(AssetRulesFuzzReplay, EdgeInputs) {
  EXPECT_EQ(fuzzAssetHeaders(nullptr, 0), 0);
  EXPECT_EQ(fuzzAssetRedirects(nullptr, 0), 0);
  const uint8_t nul[] = {'/', 0, '\n', '/', '*', 0, '\n', ' ', 'a', ':', 0};
  EXPECT_EQ(fuzzAssetHeaders(nul, sizeof nul), 0);
  EXPECT_EQ(fuzzAssetRedirects(nul, sizeof nul), 0);
}

}  // namespace
}  // namespace verge::edge
