// R2 on the local disk: object bytes in files under `root/objects/`, metadata
// in SQLite (`root/r2.sqlite`), for every bucket of a node. A put streams
// into a temporary file that becomes visible only when its metadata row
// commits, so a crash mid-put leaves the previous object intact and a
// half-written file is never served (orphans are removed on open).
//
// An ObjectStore is one SQLite connection: use one per thread over the same
// root. Semantics follow Cloudflare's R2 Workers API documentation.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace verge::storage {

class Database;

// A refused request; what() is the message the binding throws, e.g.
// "put: The key is too long (1025 bytes; the limit is 1024)." or
// "completeMultipartUpload: The specified multipart upload does not exist. (10024)".
class R2Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct R2HttpMetadata {
  std::optional<std::string> content_type;
  std::optional<std::string> content_language;
  std::optional<std::string> content_disposition;
  std::optional<std::string> content_encoding;
  std::optional<std::string> cache_control;
  std::optional<int64_t> cache_expiry_ms;  // epoch milliseconds
};

// Hex digests; only those computed or supplied are set. md5 is always set
// for single-part puts.
struct R2Checksums {
  std::optional<std::string> md5, sha1, sha256, sha384, sha512;
};

struct R2Object {
  std::string key;
  std::string version;  // random 32-hex id, new on every write
  uint64_t size = 0;
  std::string etag;     // hex md5 for a single put; "<hex md5 of part md5s>-<N>" for multipart
  int64_t uploaded_ms = 0;
  R2HttpMetadata http_metadata;
  std::map<std::string, std::string> custom_metadata;
  R2Checksums checksums;
  std::string storage_class = "Standard";
};

// onlyIf. etag lists may hold "*" (any). Dates are epoch milliseconds.
struct R2Conditional {
  std::vector<std::string> etag_matches;
  std::vector<std::string> etag_does_not_match;
  std::optional<int64_t> uploaded_before_ms;
  std::optional<int64_t> uploaded_after_ms;
  bool seconds_granularity = false;
};

// {offset, length} or {suffix}. Validated against the object's size.
struct R2Range {
  std::optional<uint64_t> offset;
  std::optional<uint64_t> length;
  std::optional<uint64_t> suffix;
};

// Reads an object's bytes in chunks (blocking file reads; chunks ≤ 64 KiB).
class R2Reader {
 public:
  virtual ~R2Reader() = default;
  // Appends up to `max` bytes to `out`; returns false at the end.
  virtual bool read(std::string& out, size_t max = 64 * 1024) = 0;
};

struct R2GetResult {
  R2Object object;
  // When onlyIf did not hold: the object's metadata and no body (the binding
  // then returns an R2Object without a body, as Cloudflare does).
  bool precondition_failed = false;
  uint64_t range_offset = 0;   // the bytes the body covers
  uint64_t range_length = 0;
  std::unique_ptr<R2Reader> body;  // null when precondition_failed
};

struct R2PutOptions {
  R2HttpMetadata http_metadata;
  std::map<std::string, std::string> custom_metadata;
  std::optional<R2Conditional> only_if;
  R2Checksums expected;  // given by the caller: must match what was written (else R2Error)
};

// A put in progress: append chunks, then commit or abort. Destroying an
// uncommitted writer aborts it.
class R2PutWriter {
 public:
  virtual ~R2PutWriter() = default;
  virtual void append(std::string_view chunk) = 0;
  // Makes the object visible. nullopt when onlyIf did not hold (nothing
  // changes). Throws R2Error for a checksum mismatch.
  virtual std::optional<R2Object> commit(const R2PutOptions& options) = 0;
  virtual void abort() = 0;
};

struct R2ListOptions {
  std::string prefix;
  std::string delimiter;  // empty: none
  std::string cursor;
  std::string start_after;
  size_t limit = 1000;    // 1..1000
  bool include_http_metadata = false;
  bool include_custom_metadata = false;
};

struct R2ListResult {
  std::vector<R2Object> objects;
  std::vector<std::string> delimited_prefixes;
  bool truncated = false;
  std::string cursor;  // set when truncated
};

struct R2UploadedPart {
  int part_number = 0;
  std::string etag;
};

class ObjectStore {
 public:
  // Opens (creating) `root`, removes orphaned temporary and unreferenced
  // files. Throws R2Error / SqliteError.
  explicit ObjectStore(const std::filesystem::path& root);
  ~ObjectStore();

  std::optional<R2Object> head(std::string_view bucket, std::string_view key);
  // nullopt when the key does not exist. Throws R2Error for a range that
  // cannot be satisfied.
  std::optional<R2GetResult> get(std::string_view bucket, std::string_view key,
                                 const std::optional<R2Range>& range,
                                 const std::optional<R2Conditional>& only_if);
  std::unique_ptr<R2PutWriter> beginPut(std::string_view bucket, std::string_view key);
  void remove(std::string_view bucket, const std::vector<std::string>& keys);
  R2ListResult list(std::string_view bucket, const R2ListOptions& options);

  // Multipart uploads (parts ≥ 5 MiB except the last, as on R2, checked at
  // complete; part numbers 1..10000).
  std::string createMultipartUpload(std::string_view bucket, std::string_view key,
                                    const R2HttpMetadata& http_metadata,
                                    const std::map<std::string, std::string>& custom_metadata);
  // Streams a part: the writer's commit() (options ignored) returns nothing
  // useful; use finishUploadPart after append() for the part's etag.
  std::unique_ptr<R2PutWriter> beginUploadPart(std::string_view bucket, std::string_view key,
                                               std::string_view upload_id, int part_number);
  R2UploadedPart finishUploadPart(R2PutWriter& writer);
  R2Object completeMultipartUpload(std::string_view bucket, std::string_view key,
                                   std::string_view upload_id,
                                   const std::vector<R2UploadedPart>& parts);
  void abortMultipartUpload(std::string_view bucket, std::string_view key,
                            std::string_view upload_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace verge::storage
