// Replays the seed corpus of the WebSocket frame parser fuzzer
// (tests/fuzz/websocket/) through fuzzWebSocket, so the ordinary test run
// covers it (and a crash found by fuzzing, once added there, stays fixed).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <vector>

#include "base/fuzz_corpus.h"

namespace verge::net {
int fuzzWebSocket(const uint8_t* data, size_t size);  // websocket_fuzz.cc

namespace {

std::vector<std::vector<uint8_t>> corpus() {
  return base::readFuzzCorpus(std::filesystem::path(VERGE_FUZZ_CORPUS_DIR) / "websocket");
}

TEST(WebSocketFuzzReplay, Corpus) {
  const auto files = corpus();
  ASSERT_GE(files.size(), 30u);
  for (const auto& bytes : files) EXPECT_EQ(fuzzWebSocket(bytes.data(), bytes.size()), 0);
}

// Every seed with other split seeds and size limits: byte 0 picks the read
// boundaries, byte 1 the message limit (0 bytes to 1 MiB).
TEST(WebSocketFuzzReplay, CorpusAtOtherSplitsAndLimits) {
  for (auto bytes : corpus()) {
    if (bytes.size() < 2) continue;
    for (int seed = 0; seed < 24; ++seed) {
      bytes[0] = static_cast<uint8_t>(seed * 11);
      bytes[1] = static_cast<uint8_t>(seed);
      EXPECT_EQ(fuzzWebSocket(bytes.data(), bytes.size()), 0);
    }
  }
}

// A few thousand mutations of the seeds (bytes flipped, cut, repeated), so
// the replay exercises more than the seeds themselves even without clang.
TEST(WebSocketFuzzReplay, Mutations) {
  const auto files = corpus();
  std::mt19937 rng(13);
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> bytes = files[rng() % files.size()];
    if (bytes.size() < 3) continue;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && bytes.size() >= 3; ++e) {
      const size_t pos = 2 + rng() % (bytes.size() - 2);
      switch (rng() % 4) {
        case 0: bytes[pos] = static_cast<uint8_t>(rng()); break;
        case 1: bytes[pos] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
        case 2: bytes.resize(pos); break;
        default: bytes.insert(bytes.begin() + static_cast<long>(pos), bytes.begin() + 2, bytes.begin() + static_cast<long>(pos)); break;
      }
    }
    ASSERT_EQ(fuzzWebSocket(bytes.data(), bytes.size()), 0);
  }
}

TEST(WebSocketFuzzReplay, EdgeInputs) {
  EXPECT_EQ(fuzzWebSocket(nullptr, 0), 0);
  const uint8_t two[] = {0, 0};
  EXPECT_EQ(fuzzWebSocket(two, sizeof two), 0);
  // A header claiming 2^63 - 1 bytes, both masked and not.
  const uint8_t huge[] = {7, 21, 0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4};
  EXPECT_EQ(fuzzWebSocket(huge, sizeof huge), 0);
  const uint8_t huge_unmasked[] = {7, 21, 0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(fuzzWebSocket(huge_unmasked, sizeof huge_unmasked), 0);
}

}  // namespace
}  // namespace verge::net
