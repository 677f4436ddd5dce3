// Replays the seed corpus of the HTTP request parser fuzzer
// (tests/fuzz/http_request/) through fuzzHttpRequest, so the ordinary test
// run covers it (and a crash found by fuzzing, once added there, stays fixed).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "base/fuzz_corpus.h"

namespace verge::net {
int fuzzHttpRequest(const uint8_t* data, size_t size);  // request_parser_fuzz.cc

namespace {

std::vector<std::vector<uint8_t>> corpus() {
  return base::readFuzzCorpus(std::filesystem::path(VERGE_FUZZ_CORPUS_DIR) / "http_request");
}

TEST(HttpRequestFuzzReplay, Corpus) {
  const auto files = corpus();
  ASSERT_GE(files.size(), 20u);
  for (const auto& bytes : files) EXPECT_EQ(fuzzHttpRequest(bytes.data(), bytes.size()), 0);
}

// Every seed again at every read size: a head, a chunk line or a CRLF split
// anywhere between two reads.
TEST(HttpRequestFuzzReplay, CorpusAtEveryReadSize) {
  for (auto bytes : corpus()) {
    if (bytes.empty()) continue;
    for (int step = 0; step < 64; ++step) {
      bytes[0] = static_cast<uint8_t>(step);
      EXPECT_EQ(fuzzHttpRequest(bytes.data(), bytes.size()), 0);
    }
  }
}

// A few thousand mutations of the seeds (bytes flipped, cut, repeated), so
// the replay exercises more than the seeds themselves even without clang.
TEST(HttpRequestFuzzReplay, Mutations) {
  const auto files = corpus();
  std::mt19937 rng(8);
  for (int i = 0; i < 4000; ++i) {
    std::vector<uint8_t> bytes = files[rng() % files.size()];
    if (bytes.size() < 2) continue;
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = 1 + rng() % (bytes.size() - 1);
      switch (rng() % 4) {
        case 0: bytes[pos] = static_cast<uint8_t>(rng()); break;
        case 1: bytes.resize(pos); break;
        case 2: bytes.insert(bytes.begin() + static_cast<long>(pos), bytes.begin() + 1, bytes.begin() + static_cast<long>(pos)); break;
        default: bytes.insert(bytes.begin() + static_cast<long>(pos), "\r\n,;:0"[rng() % 6]); break;
      }
      if (bytes.size() < 2) break;
    }
    ASSERT_EQ(fuzzHttpRequest(bytes.data(), bytes.size()), 0);
  }
}

TEST(HttpRequestFuzzReplay, EdgeInputs) {
  EXPECT_EQ(fuzzHttpRequest(nullptr, 0), 0);
  const uint8_t nul[] = {0, 'G', 'E', 'T', ' ', '/', 0, ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n'};
  EXPECT_EQ(fuzzHttpRequest(nul, sizeof nul), 0);
  std::string huge = std::string(1, '\x3f') + "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n";
  EXPECT_EQ(fuzzHttpRequest(reinterpret_cast<const uint8_t*>(huge.data()), huge.size()), 0);
}

}  // namespace
}  // namespace verge::net
