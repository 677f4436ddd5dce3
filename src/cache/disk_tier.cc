// The disk tier's file format and checked file I/O (see disk_tier.h).
#include "cache/disk_tier.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <vector>

namespace verge::cache::disk {
namespace {

// --- CRC-32C -----------------------------------------------------------------

constexpr uint32_t kCrcPoly = 0x82F63B78u;  // Castagnoli, reflected

using CrcTables = std::array<std::array<uint32_t, 256>, 8>;

constexpr CrcTables makeCrcTables() {
  CrcTables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kCrcPoly : c >> 1;
    t[0][i] = c;
  }
  // t[k][i]: the CRC of byte i followed by k zero bytes, so eight bytes can
  // be folded with eight table lookups (slicing-by-8).
  for (uint32_t i = 0; i < 256; ++i) {
    for (int k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
  }
  return t;
}

constexpr CrcTables kCrc = makeCrcTables();

// --- little-endian helpers -----------------------------------------------------

void putU16(std::string& out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void putU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void putU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t getLe(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

constexpr uint32_t kMagic = 0x314F4356u;  // "VCO1" as little-endian bytes

// Reads the meta encoding with bounds checks; any overrun sets ok = false
// and every later read returns zero values.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool atEnd() const { return in_.empty(); }

  uint64_t fixed(int bytes) {
    if (!ok_ || in_.size() < static_cast<size_t>(bytes)) return fail();
    uint64_t v = getLe(in_.data(), bytes);
    in_.remove_prefix(bytes);
    return v;
  }
  void string(std::string& out) {
    uint64_t length = fixed(4);
    if (!ok_ || length > in_.size()) {
      fail();
      return;
    }
    out.assign(in_.data(), length);
    in_.remove_prefix(length);
  }
  // An element count, where each element needs at least `min_bytes`: a
  // count the remaining bytes cannot hold is corrupt, which bounds any
  // reserve() made from it.
  size_t count(size_t min_bytes) {
    uint64_t n = fixed(4);
    if (!ok_ || n > in_.size() / min_bytes) return fail();
    return static_cast<size_t>(n);
  }

 private:
  uint64_t fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }
  std::string_view in_;
  bool ok_ = true;
};

void putString(std::string& out, std::string_view s) {
  putU32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

std::atomic<bool> g_writes_paused{false};

}  // namespace

uint32_t crc32c(uint32_t crc, const void* data, size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  while (size >= 8) {
    uint32_t lo =
        c ^ (uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24);
    c = kCrc[7][lo & 0xff] ^ kCrc[6][(lo >> 8) & 0xff] ^ kCrc[5][(lo >> 16) & 0xff] ^
        kCrc[4][lo >> 24] ^ kCrc[3][p[4]] ^ kCrc[2][p[5]] ^ kCrc[1][p[6]] ^ kCrc[0][p[7]];
    p += 8;
    size -= 8;
  }
  while (size--) c = (c >> 8) ^ kCrc[0][(c ^ *p++) & 0xff];
  return ~c;
}

// --- header ----------------------------------------------------------------------

std::string encodeHeader(const Header& h) {
  std::string out;
  out.reserve(kHeaderSize);
  putU32(out, kMagic);
  putU16(out, kVersion);
  putU16(out, static_cast<uint16_t>(kHeaderSize));
  putU32(out, h.meta_length);
  putU32(out, h.meta_crc);
  putU64(out, h.body_length);
  putU32(out, h.body_crc);
  putU32(out, 0);  // flags
  putU64(out, h.id);
  putU64(out, h.generation);
  out.append(kHeaderSize - 4 - out.size(), '\0');
  putU32(out, crc32c(0, out.data(), out.size()));
  return out;
}

std::optional<Header> decodeHeader(std::string_view b) {
  if (b.size() < kHeaderSize) return std::nullopt;
  const char* p = b.data();
  if (getLe(p + 60, 4) != crc32c(0, p, 60)) return std::nullopt;
  if (getLe(p, 4) != kMagic || getLe(p + 4, 2) != kVersion || getLe(p + 6, 2) != kHeaderSize) {
    return std::nullopt;
  }
  if (getLe(p + 28, 4) != 0) return std::nullopt;  // flags: none defined yet
  for (size_t i = 48; i < 60; ++i) {
    if (p[i] != 0) return std::nullopt;
  }
  Header h;
  h.meta_length = static_cast<uint32_t>(getLe(p + 8, 4));
  h.meta_crc = static_cast<uint32_t>(getLe(p + 12, 4));
  h.body_length = getLe(p + 16, 8);
  h.body_crc = static_cast<uint32_t>(getLe(p + 24, 4));
  h.id = getLe(p + 32, 8);
  h.generation = getLe(p + 40, 8);
  if (h.meta_length > kMaxMetaBytes) return std::nullopt;
  // Keeps fileSize() from overflowing; no real body comes near 2^62 bytes.
  if (h.body_length > (uint64_t{1} << 62)) return std::nullopt;
  return h;
}

// --- meta ------------------------------------------------------------------------

size_t encodedMetaSize(const ObjectMeta& m) {
  // Five strings, the tag count, status, header count and three times.
  size_t size = 5 * 4 + m.url_key.size() + m.variant.size() + m.zone.size() + m.host.size() +
                m.path.size() + 4 + 4 + 4 + 3 * 8;
  for (const auto& t : m.tags) size += 4 + t.size();
  for (const auto& [name, value] : m.headers) size += 8 + name.size() + value.size();
  return size;
}

std::string encodeMeta(const ObjectMeta& m) {
  std::string out;
  out.reserve(encodedMetaSize(m));
  putString(out, m.url_key);
  putString(out, m.variant);
  putString(out, m.zone);
  putString(out, m.host);
  putString(out, m.path);
  putU32(out, static_cast<uint32_t>(m.tags.size()));
  for (const auto& t : m.tags) putString(out, t);
  putU32(out, static_cast<uint32_t>(m.status));
  putU32(out, static_cast<uint32_t>(m.headers.size()));
  for (const auto& [name, value] : m.headers) {
    putString(out, name);
    putString(out, value);
  }
  putU64(out, static_cast<uint64_t>(m.request_time));
  putU64(out, static_cast<uint64_t>(m.response_time));
  putU64(out, static_cast<uint64_t>(m.ttl_override));
  return out;
}

bool decodeMeta(std::string_view bytes, ObjectMeta& m) {
  Reader r(bytes);
  r.string(m.url_key);
  r.string(m.variant);
  r.string(m.zone);
  r.string(m.host);
  r.string(m.path);
  size_t tags = r.count(4);
  m.tags.clear();
  m.tags.reserve(tags);
  for (size_t i = 0; i < tags && r.ok(); ++i) r.string(m.tags.emplace_back());
  m.status = static_cast<int>(static_cast<int32_t>(r.fixed(4)));
  size_t headers = r.count(8);
  m.headers.clear();
  m.headers.reserve(headers);
  for (size_t i = 0; i < headers && r.ok(); ++i) {
    auto& h = m.headers.emplace_back();
    r.string(h.first);
    r.string(h.second);
  }
  m.request_time = static_cast<int64_t>(r.fixed(8));
  m.response_time = static_cast<int64_t>(r.fixed(8));
  m.ttl_override = static_cast<int64_t>(r.fixed(8));
  return r.ok() && r.atEnd();
}

// --- layout ------------------------------------------------------------------------

namespace {
constexpr char kHex[] = "0123456789abcdef";
std::string hex(uint64_t v, int digits) {
  std::string s(digits, '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) s[i] = kHex[v & 0xf];
  return s;
}
std::optional<uint64_t> parseHex(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}
}  // namespace

std::filesystem::path Layout::objectPath(uint64_t id) const {
  return objectsDir() / hex(id & 0xff, 2) / hex(id, 16);
}

std::filesystem::path Layout::tempPath(uint64_t id, uint64_t generation) const {
  return tmpDir() / (hex(id, 16) + "." + std::to_string(generation));
}

bool Layout::isObjectFolder(std::string_view name) {
  return name.size() == 2 && parseHex(name).has_value();
}

std::optional<uint64_t> Layout::parseObjectPath(std::string_view folder, std::string_view name) {
  if (folder.size() != 2 || name.size() != 16) return std::nullopt;
  auto id = parseHex(name);
  auto low = parseHex(folder);
  if (!id || !low || *low != (*id & 0xff)) return std::nullopt;
  return id;
}

// --- checked I/O ------------------------------------------------------------------

bool preadFull(int fd, uint64_t offset, size_t size, char* out) {
  while (size > 0) {
    ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return false;  // the file is shorter than it said
    out += n;
    offset += static_cast<uint64_t>(n);
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool pwriteFull(int fd, uint64_t offset, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

bool writeFull(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

namespace {
constexpr size_t kChunk = 1 << 20;
}

bool copyRange(int from, uint64_t offset, uint64_t size, int to, uint32_t& crc) {
  std::vector<char> buffer(static_cast<size_t>(std::min<uint64_t>(size, kChunk)));
  while (size > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(size, buffer.size()));
    if (!preadFull(from, offset, n, buffer.data())) return false;
    crc = crc32c(crc, buffer.data(), n);
    if (!writeFull(to, std::string_view(buffer.data(), n))) return false;
    offset += n;
    size -= n;
  }
  return true;
}

std::optional<uint32_t> crcOfRange(int fd, uint64_t offset, uint64_t size) {
  std::vector<char> buffer(static_cast<size_t>(std::min<uint64_t>(size, kChunk)));
  uint32_t crc = 0;
  while (size > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(size, buffer.size()));
    if (!preadFull(fd, offset, n, buffer.data())) return std::nullopt;
    crc = crc32c(crc, buffer.data(), n);
    offset += n;
    size -= n;
  }
  return crc;
}

bool readObjectFile(int fd, uint64_t expected_id, FileInfo& info, std::string& error) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    error = std::string("fstat: ") + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "not a regular file";
    return false;
  }
  uint64_t file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < kHeaderSize) {
    error = "shorter than the header";
    return false;
  }
  char head[kHeaderSize];
  if (!preadFull(fd, 0, kHeaderSize, head)) {
    error = "cannot read the header";
    return false;
  }
  auto header = decodeHeader(std::string_view(head, kHeaderSize));
  if (!header) {
    error = "bad header";
    return false;
  }
  if (header->id != expected_id) {
    error = "id does not match the file name";
    return false;
  }
  // The size check comes before any allocation sized by the header.
  if (header->fileSize() != file_size) {
    error = "size " + std::to_string(file_size) + " does not match the header's " +
            std::to_string(header->fileSize());
    return false;
  }
  std::string meta(header->meta_length, '\0');
  if (!preadFull(fd, kHeaderSize, meta.size(), meta.data())) {
    error = "cannot read the meta";
    return false;
  }
  if (crc32c(0, meta.data(), meta.size()) != header->meta_crc) {
    error = "meta checksum mismatch";
    return false;
  }
  if (!decodeMeta(meta, info.meta)) {
    error = "malformed meta";
    return false;
  }
  info.header = *header;
  return true;
}

void setWritesPausedForTesting(bool paused) { g_writes_paused.store(paused); }
bool writesPausedForTesting() { return g_writes_paused.load(std::memory_order_relaxed); }

}  // namespace verge::cache::disk
