// The seed corpus of a fuzz target, for the *_fuzz_test.cc that replay it
// in the ordinary test run: every regular file of tests/fuzz/<name>/ (the
// test binaries define VERGE_FUZZ_CORPUS_DIR as tests/fuzz). Header-only,
// test code only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

namespace verge::base {

inline std::vector<std::vector<uint8_t>> readFuzzCorpus(const std::filesystem::path& dir) {
  std::vector<std::vector<uint8_t>> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    out.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  return out;
}

}  // namespace verge::base
