// The disk tier's files: where objects live under the store's directory,
// the format of one object file, and the checked I/O the store uses on it.
// The policy (what is stored, eviction, the writer thread, purge) is in
// store.cc; this file knows nothing about indexes or locks.
//
// Layout under the store's root:
//   objects/ab/0123456789abcdef   one file per object, named by its id in
//                                 hex; `ab` is the id's low byte, so ids
//                                 (which count up) spread over 256 folders
//   tmp/<id>.<generation>         a write in progress; renamed into
//                                 objects/ when complete, deleted on open
//   lock                          flock()ed while a store has the root open
//
// Object file (integers little-endian):
//   header, kHeaderSize = 64 bytes:
//      0 u32 magic "VCO1"        4 u16 version (1)      6 u16 header size (64)
//      8 u32 meta length        12 u32 meta CRC-32C    16 u64 body length
//     24 u32 body CRC-32C       28 u32 flags (0)        32 u64 object id
//     40 u64 generation (bumps on each header update)
//     48 12 zero bytes          60 u32 CRC-32C of bytes 0..59
//   meta: the serialised ObjectMeta (encodeMeta), `meta length` bytes
//   body: `body length` bytes
// A file is valid only if its size is exactly 64 + meta length + body
// length, every CRC matches, the meta decodes with no byte left over and
// the header's id matches the file name. Files are untrusted input: every
// length is checked against the file size before anything is allocated.
//
// Crash safety: files are written to tmp/ and renamed into place, without
// fsync. kill -9 cannot tear a file (the page cache survives the process),
// so a crash leaves either the whole object or a temporary that the next
// open deletes. A power loss may lose recent objects; on filesystems that
// order data before the size update (ext4 data=ordered, xfs), a file whose
// data did not reach the disk shows up short and fails the size check, and
// the CRCs catch the rest: the header and meta at open, the body whenever it
// is read whole (promotion to memory) or, for disk-only objects found at
// open, once before their first use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "cache/store.h"

namespace verge::cache::disk {

inline constexpr size_t kHeaderSize = 64;
inline constexpr uint16_t kVersion = 1;
// Larger metadata is refused when writing and rejected when reading, so a
// corrupt length cannot make us allocate gigabytes.
inline constexpr uint32_t kMaxMetaBytes = 4u << 20;

// CRC-32C (Castagnoli), software slicing-by-8. Pass the previous result as
// `crc` to continue a running checksum (start with 0).
uint32_t crc32c(uint32_t crc, const void* data, size_t size);

struct Header {
  uint32_t meta_length = 0;
  uint32_t meta_crc = 0;
  uint64_t body_length = 0;
  uint32_t body_crc = 0;
  uint64_t id = 0;
  uint64_t generation = 0;

  uint64_t bodyOffset() const { return kHeaderSize + meta_length; }
  uint64_t fileSize() const { return bodyOffset() + body_length; }
};

// The 64 header bytes (computes the header CRC).
std::string encodeHeader(const Header& header);
// Parses and checks magic, version, size, reserved bytes and CRC; nullopt
// when any is wrong. `bytes` must hold at least kHeaderSize bytes.
std::optional<Header> decodeHeader(std::string_view bytes);

std::string encodeMeta(const ObjectMeta& meta);
// encodeMeta(meta).size(), without encoding.
size_t encodedMetaSize(const ObjectMeta& meta);
// False when `bytes` is not exactly one well-formed encoding.
bool decodeMeta(std::string_view bytes, ObjectMeta& meta);

// The size of the file an object will occupy (for the disk budget).
inline uint64_t fileSizeFor(size_t meta_length, uint64_t body_length) {
  return kHeaderSize + meta_length + body_length;
}

// Paths under a store root.
class Layout {
 public:
  explicit Layout(std::filesystem::path root) : root_(std::move(root)) {}
  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path objectsDir() const { return root_ / "objects"; }
  std::filesystem::path tmpDir() const { return root_ / "tmp"; }
  std::filesystem::path lockFile() const { return root_ / "lock"; }
  std::filesystem::path objectPath(uint64_t id) const;
  std::filesystem::path tempPath(uint64_t id, uint64_t generation) const;
  // The id a file at objects/<folder>/<name> must hold, or nullopt when the
  // names are not ones objectPath() produces.
  static std::optional<uint64_t> parseObjectPath(std::string_view folder, std::string_view name);
  // Whether `name` is one of the 256 fan-out folder names ("00".."ff").
  static bool isObjectFolder(std::string_view name);

 private:
  std::filesystem::path root_;
};

// An object file opened and checked up to the body (body CRC not checked).
struct FileInfo {
  Header header;
  ObjectMeta meta;
};

// Reads and validates the header and meta of the object file open as `fd`,
// expecting id `expected_id`. On failure returns false and says why in
// `error` (for the log).
bool readObjectFile(int fd, uint64_t expected_id, FileInfo& info, std::string& error);

// pread()s exactly `size` bytes at `offset` into `out` (EINTR and short
// reads handled). False on an I/O error or an early end of file.
bool preadFull(int fd, uint64_t offset, size_t size, char* out);
// write()s all of `data`. False on an error (errno set).
bool writeFull(int fd, std::string_view data);
// pwrite()s all of `data` at `offset`. False on an error (errno set).
bool pwriteFull(int fd, uint64_t offset, std::string_view data);
// Copies `size` bytes at `offset` of `from` to the end of `to`, computing
// their CRC-32C into `crc` (running). False on an error or early end.
bool copyRange(int from, uint64_t offset, uint64_t size, int to, uint32_t& crc);
// The CRC-32C of `size` bytes at `offset` of `fd`, read in chunks.
std::optional<uint32_t> crcOfRange(int fd, uint64_t offset, uint64_t size);

// Test hook: while set, every store's writer thread holds off before its
// next write, so a test can keep a write queued (e.g. to purge it first).
// Never set outside tests.
void setWritesPausedForTesting(bool paused);
bool writesPausedForTesting();

}  // namespace verge::cache::disk
