// Where each store lives in a data directory. The server and the CLI both
// use these, so `verge kv ...` sees what a worker wrote.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace verge::storage {

// Ids may come from user config: keep file names safe and distinct.
inline std::string safeFileName(std::string_view id) {
  std::string out;
  for (unsigned char c : id) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      static const char* kHex = "0123456789abcdef";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (out.empty() || out == "." || out == "..") out = "%" + out;
  return out;
}

inline std::filesystem::path kvFile(const std::filesystem::path& data_dir) {
  return data_dir / "kv.sqlite";
}
inline std::filesystem::path d1File(const std::filesystem::path& data_dir, std::string_view id) {
  return data_dir / "d1" / (safeFileName(id) + ".sqlite");
}
inline std::filesystem::path r2Root(const std::filesystem::path& data_dir) {
  return data_dir / "r2";
}

}  // namespace verge::storage
