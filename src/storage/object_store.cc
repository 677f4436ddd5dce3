// R2 on the local disk. Layout under `root`:
//
//   r2.sqlite        metadata: objects, multipart uploads and their parts,
//                    and files waiting to be deleted (r2_garbage)
//   r2.lock          flock()ed shared by every open ObjectStore; whoever gets
//                    it exclusively at open knows nobody else is writing and
//                    may remove orphans
//   tmp/<rand>.tmp   bytes of a put or part being received
//   objects/<name>   immutable object bodies (named by version) and parts
//
// A write goes: stream into tmp/ → fsync → rename into objects/ → fsync the
// directory → one SQLite transaction that points the row at the new file and
// queues the old file in r2_garbage → unlink the old file. A row therefore
// only ever names a complete, durable file; a crash leaves at worst an
// unreferenced file, which the next exclusive open removes.
#include "storage/object_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "base/log.h"
#include "storage/sqlite.h"

namespace verge::storage {

namespace fs = std::filesystem;

namespace {

// Limits from Cloudflare's R2 documentation (platform/limits, api/error-codes).
constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kMaxCustomMetadataBytes = 8192;
constexpr uint64_t kMaxUploadBytes = 5ull << 30;  // one put, or one part
constexpr uint64_t kMinPartBytes = 5ull << 20;    // every part but the last
constexpr int kMaxPartNumber = 10000;
constexpr size_t kMaxListLimit = 1000;
constexpr size_t kMaxReadChunk = 64 * 1024;
constexpr size_t kCopyBufferBytes = 256 * 1024;
// R2 aborts multipart uploads that were not completed within 7 days.
constexpr int64_t kUploadLifetimeMs = 7LL * 24 * 3600 * 1000;

// R2's error codes; the Workers binding ends each message with one.
constexpr int kInternalError = 10001;
constexpr int kEntityTooSmall = 10011;
constexpr int kMetadataTooLarge = 10012;
constexpr int kInvalidDigest = 10014;
constexpr int kInvalidObjectName = 10020;
constexpr int kInvalidMaxKeys = 10022;
constexpr int kNoSuchUpload = 10024;
constexpr int kInvalidPart = 10025;
constexpr int kBadDigest = 10037;
constexpr int kInvalidRange = 10039;
constexpr int kNonUniformParts = 10048;
constexpr int kEntityTooLarge = 100100;

// "<op>: <message> (<code>)", the shape of R2's binding errors. code 0: none.
[[noreturn]] void fail(std::string_view op, std::string_view message, int code = 0) {
  std::string text;
  text.reserve(op.size() + message.size() + 12);
  text.append(op).append(": ").append(message);
  if (code != 0) text.append(" (").append(std::to_string(code)).append(")");
  throw R2Error(text);
}

// A failure of verge's own storage (disk full, I/O error, a missing file).
// The detail goes to the operator's log; the worker sees R2's generic error.
[[noreturn]] void internalError(std::string_view op, std::string_view what, int err = 0) {
  std::string line = "r2 (internal): ";
  line.append(op).append(": ").append(what);
  if (err != 0) line.append(": ").append(std::strerror(err));
  base::logLine(base::LogLevel::kError, line);
  fail(op, "We encountered an internal error. Please try again.", kInternalError);
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string toHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> fromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hexValue(hex[i]), lo = hexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// 128 random bits as 32 hex digits: versions, upload ids and file names.
// Random rather than counted so that stores on other threads (or processes)
// sharing the root never pick the same name.
std::string randomHex() {
  unsigned char bytes[16];
  int rc = RAND_bytes(bytes, sizeof bytes);
  VERGE_ASSERT(rc == 1);
  return toHex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

// One running hash (OpenSSL EVP).
class Digest {
 public:
  explicit Digest(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    VERGE_ASSERT(ctx_ != nullptr);
    int rc = EVP_DigestInit_ex(ctx_, md, nullptr);
    VERGE_ASSERT(rc == 1);
  }
  ~Digest() { EVP_MD_CTX_free(ctx_); }
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void update(std::string_view data) {
    int rc = EVP_DigestUpdate(ctx_, data.data(), data.size());
    VERGE_ASSERT(rc == 1);
  }
  // The raw digest bytes; the Digest is spent afterwards.
  std::string finish() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    int rc = EVP_DigestFinal_ex(ctx_, out, &length);
    VERGE_ASSERT(rc == 1);
    return std::string(reinterpret_cast<const char*>(out), length);
  }

 private:
  EVP_MD_CTX* ctx_;
};

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Makes a rename or unlink in `dir` durable.
bool fsyncDir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.get() >= 0 && ::fsync(fd.get()) == 0;
}

void writeAll(int fd, std::string_view data, std::string_view op) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      internalError(op, "writing a staged file", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads up to `max` bytes at `offset`, appending to `out`; 0 at end of file.
size_t preadAppend(int fd, std::string& out, size_t max, uint64_t offset, std::string_view op) {
  size_t old = out.size();
  out.resize(old + max);
  for (;;) {
    ssize_t n = ::pread(fd, out.data() + old, max, static_cast<off_t>(offset));
    if (n >= 0) {
      out.resize(old + static_cast<size_t>(n));
      return static_cast<size_t>(n);
    }
    if (errno != EINTR) {
      out.resize(old);
      internalError(op, "reading an object file", errno);
    }
  }
}

// Bytes being received into root/tmp/, md5 computed as they arrive. The file
// is removed on destruction unless keep() was called after its metadata
// committed.
class StagedFile {
 public:
  StagedFile(const fs::path& tmp_dir, std::string_view op) : md5_(EVP_md5()) {
    path_ = tmp_dir / (randomHex() + ".tmp");
    fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd_.get() < 0) internalError(op, "creating " + path_.string(), errno);
  }
  ~StagedFile() {
    fd_.reset();
    if (!kept_) ::unlink(path_.c_str());
  }
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  void append(std::string_view chunk, std::string_view op) {
    if (size_ + chunk.size() > kMaxUploadBytes) {
      fail(op, "Your proposed upload exceeds the maximum allowed object size.", kEntityTooLarge);
    }
    writeAll(fd_.get(), chunk, op);
    md5_.update(chunk);
    size_ += chunk.size();
  }

  // Appends `length` bytes of `src` from its current offset, without hashing
  // (multipart assembly: the parts were hashed when they arrived).
  void copyFrom(int src, uint64_t length, std::string_view op) {
    bool kernel_copy = true;
    std::string buffer;
    while (length > 0) {
      if (kernel_copy) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(length, 1ull << 30));
        ssize_t n = ::copy_file_range(src, nullptr, fd_.get(), nullptr, want, 0);
        if (n > 0) {
          length -= static_cast<uint64_t>(n);
          size_ += static_cast<uint64_t>(n);
          continue;
        }
        if (n == 0) internalError(op, "a part file is shorter than recorded");
        if (errno == EINTR) continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
          internalError(op, "copying a part", errno);
        }
        kernel_copy = false;  // not supported here: plain reads and writes
        buffer.resize(kCopyBufferBytes);
      }
      size_t want = static_cast<size_t>(std::min<uint64_t>(length, buffer.size()));
      ssize_t n = ::read(src, buffer.data(), want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) internalError(op, "reading a part", errno);
      if (n == 0) internalError(op, "a part file is shorter than recorded");
      writeAll(fd_.get(), std::string_view(buffer.data(), static_cast<size_t>(n)), op);
      length -= static_cast<uint64_t>(n);
      size_ += static_cast<uint64_t>(n);
    }
  }

  uint64_t size() const { return size_; }
  const fs::path& path() const { return path_; }
  std::string md5() {
    if (!md5_raw_) md5_raw_ = md5_.finish();
    return *md5_raw_;
  }

  // Durably moves the file to dir/name: fsync the data, rename, fsync the
  // directory. From here on a metadata row may name it.
  void publish(const fs::path& dir, const std::string& name, std::string_view op) {
    if (::fsync(fd_.get()) != 0) internalError(op, "fsync of a staged file", errno);
    fd_.reset();
    fs::path target = dir / name;
    if (::rename(path_.c_str(), target.c_str()) != 0) {
      internalError(op, "renaming into " + dir.string(), errno);
    }
    path_ = std::move(target);
    if (!fsyncDir(dir)) internalError(op, "fsync of " + dir.string(), errno);
  }

  // The metadata now references the file: the destructor leaves it alone.
  void keep() { kept_ = true; }

 private:
  fs::path path_;
  UniqueFd fd_;
  uint64_t size_ = 0;
  Digest md5_;
  std::optional<std::string> md5_raw_;
  bool kept_ = false;
};

// --- validation ------------------------------------------------------------

void checkKey(std::string_view op, std::string_view key, bool for_write) {
  if (key.size() > kMaxKeyBytes) {
    fail(op,
         "The key is too long (" + std::to_string(key.size()) + " bytes; the limit is " +
             std::to_string(kMaxKeyBytes) + ").",
         kInvalidObjectName);
  }
  if (for_write && key.empty()) fail(op, "The key must not be empty.", kInvalidObjectName);
}

void checkCustomMetadata(std::string_view op, const std::map<std::string, std::string>& custom) {
  size_t total = 0;
  for (const auto& [name, value] : custom) total += name.size() + value.size();
  if (total > kMaxCustomMetadataBytes) {
    fail(op,
         "Your metadata headers exceed the maximum allowed metadata size (" +
             std::to_string(total) + " bytes of custom metadata; the limit is " +
             std::to_string(kMaxCustomMetadataBytes) + ").",
         kMetadataTooLarge);
  }
}

// --- conditions (R2Conditional, RFC 9110 section 13 precedence) -------------

struct EtagRef {
  enum class Kind { kStrong, kWeak, kAny } kind;
  std::string_view value;
};

// Entries may be "*", `"abc"`, `W/"abc"`, or bare `abc`; a single entry may
// also hold a comma-separated header value.
std::vector<EtagRef> parseEtags(const std::vector<std::string>& entries) {
  std::vector<EtagRef> out;
  for (const std::string& entry : entries) {
    std::string_view rest = entry;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (item.empty()) continue;
      if (item == "*") {
        out.push_back({EtagRef::Kind::kAny, {}});
        continue;
      }
      EtagRef::Kind kind = EtagRef::Kind::kStrong;
      if (item.size() >= 2 && (item[0] == 'W' || item[0] == 'w') && item[1] == '/') {
        kind = EtagRef::Kind::kWeak;
        item.remove_prefix(2);
      }
      if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
        item = item.substr(1, item.size() - 2);
      }
      out.push_back({kind, item});
    }
  }
  return out;
}

// If-Match uses the strong comparison: a weak tag never matches.
bool strongMatch(const std::vector<EtagRef>& tags, std::string_view etag) {
  for (const EtagRef& t : tags) {
    if (t.kind == EtagRef::Kind::kAny) return true;
    if (t.kind == EtagRef::Kind::kStrong && t.value == etag) return true;
  }
  return false;
}

// If-None-Match uses the weak comparison.
bool weakMatch(const std::vector<EtagRef>& tags, std::string_view etag) {
  for (const EtagRef& t : tags) {
    if (t.kind == EtagRef::Kind::kAny || t.value == etag) return true;
  }
  return false;
}

struct CurrentVersion {
  std::string version;
  std::string etag;
  int64_t uploaded_ms = 0;
};

int64_t floorToSecond(int64_t ms) { return ms - (((ms % 1000) + 1000) % 1000); }

// R2's rules: etagMatches ≈ If-Match, etagDoesNotMatch ≈ If-None-Match,
// uploadedBefore ≈ If-Unmodified-Since (skipped when etagMatches held),
// uploadedAfter ≈ If-Modified-Since (skipped when etagDoesNotMatch held).
// A missing object fails etagMatches and uploadedAfter and passes the others.
bool conditionHolds(const R2Conditional& c, const std::optional<CurrentVersion>& current) {
  std::vector<EtagRef> if_match = parseEtags(c.etag_matches);
  std::vector<EtagRef> if_none_match = parseEtags(c.etag_does_not_match);
  if (!current) return if_match.empty() && !c.uploaded_after_ms;

  bool match_ok = if_match.empty() || strongMatch(if_match, current->etag);
  bool none_match_ok = if_none_match.empty() || !weakMatch(if_none_match, current->etag);
  if (!match_ok || !none_match_ok) return false;

  int64_t uploaded = current->uploaded_ms;
  auto granular = [&](int64_t ms) { return c.seconds_granularity ? floorToSecond(ms) : ms; };
  if (c.uploaded_before_ms && if_match.empty() &&
      !(granular(uploaded) < granular(*c.uploaded_before_ms))) {
    return false;
  }
  if (c.uploaded_after_ms && if_none_match.empty() &&
      !(granular(uploaded) > granular(*c.uploaded_after_ms))) {
    return false;
  }
  return true;
}

// --- ranges ----------------------------------------------------------------

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// {offset, length}, {offset}, {length} or {suffix}. A start at or past the
// end, a zero length or a zero suffix cannot be satisfied (R2: 10039); a
// length or suffix past the end is cut to the object.
ByteRange resolveRange(const std::optional<R2Range>& range, uint64_t size) {
  if (!range || (!range->offset && !range->length && !range->suffix)) return {0, size};
  const R2Range& r = *range;
  if (r.suffix) {
    if (r.offset || r.length) fail("get", "A range suffix is incompatible with offset and length.");
    if (*r.suffix == 0) fail("get", "The requested range is not satisfiable.", kInvalidRange);
    uint64_t length = std::min(*r.suffix, size);
    return {size - length, length};
  }
  uint64_t offset = r.offset.value_or(0);
  if (offset >= size) fail("get", "The requested range is not satisfiable.", kInvalidRange);
  if (r.length && *r.length == 0) {
    fail("get", "The requested range is not satisfiable.", kInvalidRange);
  }
  return {offset, std::min(r.length.value_or(size - offset), size - offset)};
}

// --- row encoding ----------------------------------------------------------

// Custom metadata as one BLOB: (u32 length, bytes) for each name and value.
std::string encodeCustom(const std::map<std::string, std::string>& custom) {
  std::string out;
  auto put = [&](const std::string& s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    for (int i = 0; i < 4; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
    out += s;
  };
  for (const auto& [name, value] : custom) {
    put(name);
    put(value);
  }
  return out;
}

std::map<std::string, std::string> decodeCustom(std::string_view blob) {
  std::map<std::string, std::string> out;
  auto take = [&](std::string& s) {
    if (blob.size() < 4) return false;
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i)
      n |= static_cast<uint32_t>(static_cast<unsigned char>(blob[i])) << (8 * i);
    blob.remove_prefix(4);
    if (blob.size() < n) return false;
    s.assign(blob.substr(0, n));
    blob.remove_prefix(n);
    return true;
  };
  std::string name, value;
  while (!blob.empty() && take(name) && take(value)) out[name] = value;
  return out;
}

// The object columns, in the order readObject() expects.
constexpr const char* kObjectColumns =
    "key, version, size, etag, uploaded_ms, content_type, content_language, "
    "content_disposition, content_encoding, cache_control, cache_expiry_ms, custom_metadata, "
    "md5, sha1, sha256, sha384, sha512";

void bindHttp(Statement& s, int first, const R2HttpMetadata& h) {
  const std::optional<std::string>* texts[] = {&h.content_type, &h.content_language,
                                               &h.content_disposition, &h.content_encoding,
                                               &h.cache_control};
  int i = first;
  for (const auto* t : texts) {
    if (*t) {
      s.bindText(i, **t);
    } else {
      s.bindNull(i);
    }
    ++i;
  }
  if (h.cache_expiry_ms) {
    s.bind(i, static_cast<int64_t>(*h.cache_expiry_ms));
  } else {
    s.bindNull(i);
  }
}

R2HttpMetadata readHttp(const Statement& s, int first) {
  R2HttpMetadata h;
  h.content_type = s.columnTextOrNull(first);
  h.content_language = s.columnTextOrNull(first + 1);
  h.content_disposition = s.columnTextOrNull(first + 2);
  h.content_encoding = s.columnTextOrNull(first + 3);
  h.cache_control = s.columnTextOrNull(first + 4);
  if (s.columnType(first + 5) != SQLITE_NULL) h.cache_expiry_ms = s.columnInt(first + 5);
  return h;
}

R2Object readObject(const Statement& s, bool with_http, bool with_custom) {
  R2Object o;
  o.key = s.columnText(0);
  o.version = s.columnText(1);
  o.size = static_cast<uint64_t>(s.columnInt(2));
  o.etag = s.columnText(3);
  o.uploaded_ms = s.columnInt(4);
  if (with_http) o.http_metadata = readHttp(s, 5);
  if (with_custom) o.custom_metadata = decodeCustom(s.columnText(11));
  o.checksums.md5 = s.columnTextOrNull(12);
  o.checksums.sha1 = s.columnTextOrNull(13);
  o.checksums.sha256 = s.columnTextOrNull(14);
  o.checksums.sha384 = s.columnTextOrNull(15);
  o.checksums.sha512 = s.columnTextOrNull(16);
  return o;
}

void bindOptionalText(Statement& s, int i, const std::optional<std::string>& v) {
  if (v) {
    s.bindText(i, *v);
  } else {
    s.bindNull(i);
  }
}

// The smallest byte string above every string that starts with `prefix`
// (nullopt: there is none, e.g. for "" or "\xff\xff").
std::optional<std::string> prefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    auto c = static_cast<unsigned char>(prefix.back());
    if (c != 0xff) {
      prefix.back() = static_cast<char>(c + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

// --- readers ---------------------------------------------------------------

// Owns the file descriptor, so it keeps reading the version it opened even
// after the object is overwritten or deleted (the name is unlinked, the
// inode lives on), and may outlive the ObjectStore.
class FileReader : public R2Reader {
 public:
  FileReader(UniqueFd fd, uint64_t offset, uint64_t length)
      : fd_(std::move(fd)), offset_(offset), remaining_(length) {}

  // Returns false only when nothing was appended: the range is exhausted.
  bool read(std::string& out, size_t max) override {
    if (remaining_ == 0) return false;
    if (max == 0) return true;
    size_t want = static_cast<size_t>(std::min<uint64_t>({remaining_, max, kMaxReadChunk}));
    size_t n = preadAppend(fd_.get(), out, want, offset_, "get");
    if (n == 0) internalError("get", "an object file is shorter than its metadata says");
    offset_ += n;
    remaining_ -= n;
    return true;
  }

 private:
  UniqueFd fd_;
  uint64_t offset_;
  uint64_t remaining_;
};

// --- the store -------------------------------------------------------------

// Everything one ObjectStore owns. (ObjectStore::Impl derives from it so the
// writers below, which live in this file's anonymous namespace, can name it.)
struct Store {
  fs::path root, tmp_dir, objects_dir;
  UniqueFd lock_fd;
  std::unique_ptr<Database> db;
  // Prepared statements by SQL text (string literals: stable keys).
  std::unordered_map<const char*, Statement> statements;
  // Files already unlinked whose r2_garbage rows are still to be deleted;
  // the next write transaction does it, rather than a commit of its own.
  std::vector<std::string> unlinked;

  ~Store() {
    if (unlinked.empty() || !db) return;
    try {
      WriteTxn txn(*this);
      txn.commit();
    } catch (const SqliteError& e) {
      // Harmless: the rows name files that no longer exist; open clears them.
      base::logLine(base::LogLevel::kWarn, std::string("r2 (internal): ") + e.what());
    }
  }

  // A cached statement, reset (bindings cleared, read snapshot released)
  // when the Query goes out of scope.
  class Query {
   public:
    explicit Query(Statement& s) : s_(s) {}
    ~Query() { s_.reset(); }
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    Statement* operator->() { return &s_; }
    Statement& operator*() { return s_; }

   private:
    Statement& s_;
  };

  Query query(const char* sql) {
    auto it = statements.find(sql);
    if (it == statements.end()) it = statements.emplace(sql, db->prepare(sql)).first;
    return Query(it->second);
  }

  // BEGIN IMMEDIATE (writers on other threads wait on SQLite's busy
  // timeout), plus the deferred r2_garbage deletions; rolled back unless
  // commit() runs.
  class WriteTxn {
   public:
    explicit WriteTxn(Store& s) : s_(s), txn_(*s.db) {
      for (const std::string& file : s_.unlinked) {
        Query q = s_.query("DELETE FROM r2_garbage WHERE file = ?");
        q->bindText(1, file);
        q->step();
      }
    }
    void commit() {
      txn_.commit();
      s_.unlinked.clear();
    }

   private:
    Store& s_;
    Database::Transaction txn_;
  };

  std::optional<CurrentVersion> currentVersion(std::string_view bucket, std::string_view key) {
    Query q =
        query("SELECT version, etag, uploaded_ms FROM r2_objects WHERE bucket = ? AND key = ?");
    q->bindText(1, bucket).bindBlob(2, key);
    if (!q->step()) return std::nullopt;
    return CurrentVersion{q->columnText(0), q->columnText(1), q->columnInt(2)};
  }

  std::optional<R2Object> selectObject(std::string_view bucket, std::string_view key) {
    static const std::string sql =
        std::string("SELECT ") + kObjectColumns + " FROM r2_objects WHERE bucket = ? AND key = ?";
    Query q = query(sql.c_str());
    q->bindText(1, bucket).bindBlob(2, key);
    if (!q->step()) return std::nullopt;
    return readObject(*q, true, true);
  }

  // Inside a transaction: points (bucket, key) at `o` and queues the file of
  // the version it replaces. Returns that file, if any.
  std::optional<std::string> replaceObjectRow(std::string_view bucket, const R2Object& o) {
    std::optional<std::string> old;
    if (auto current = currentVersion(bucket, o.key)) {
      old = current->version;
      queueGarbage(*old);
    }
    Query q = query(
        "INSERT OR REPLACE INTO r2_objects (bucket, key, version, size, etag, uploaded_ms, "
        "content_type, content_language, content_disposition, content_encoding, cache_control, "
        "cache_expiry_ms, custom_metadata, md5, sha1, sha256, sha384, sha512) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q->bindText(1, bucket).bindBlob(2, o.key).bindText(3, o.version);
    q->bind(4, static_cast<int64_t>(o.size)).bindText(5, o.etag).bind(6, o.uploaded_ms);
    bindHttp(*q, 7, o.http_metadata);
    q->bindBlob(13, encodeCustom(o.custom_metadata));
    bindOptionalText(*q, 14, o.checksums.md5);
    bindOptionalText(*q, 15, o.checksums.sha1);
    bindOptionalText(*q, 16, o.checksums.sha256);
    bindOptionalText(*q, 17, o.checksums.sha384);
    bindOptionalText(*q, 18, o.checksums.sha512);
    q->step();
    return old;
  }

  void queueGarbage(const std::string& file) {
    Query q = query("INSERT OR IGNORE INTO r2_garbage (file) VALUES (?)");
    q->bindText(1, file);
    q->step();
  }

  // After the commit that made them unreferenced: unlink now, delete the
  // r2_garbage rows with the next write transaction.
  void collectGarbage(const std::vector<std::string>& files) {
    for (const std::string& file : files) {
      fs::path path = objects_dir / file;
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        base::logLine(base::LogLevel::kWarn, "r2 (internal): cannot remove " + path.string() +
                                                 ": " + std::strerror(errno));
        continue;  // stays queued; retried on the next open
      }
      unlinked.push_back(file);
    }
  }

  // Parts' files of an upload, in the transaction that drops the upload.
  std::vector<std::string> dropUpload(std::string_view upload_id) {
    std::vector<std::string> files;
    {
      Query q = query("SELECT file FROM r2_parts WHERE upload_id = ?");
      q->bindText(1, upload_id);
      while (q->step()) files.push_back(q->columnText(0));
    }
    for (const std::string& f : files) queueGarbage(f);
    {
      Query q = query("DELETE FROM r2_parts WHERE upload_id = ?");
      q->bindText(1, upload_id);
      q->step();
    }
    Query q = query("DELETE FROM r2_uploads WHERE upload_id = ?");
    q->bindText(1, upload_id);
    q->step();
    return files;
  }

  bool uploadExists(std::string_view bucket, std::string_view key, std::string_view upload_id) {
    Query q = query("SELECT 1 FROM r2_uploads WHERE upload_id = ? AND bucket = ? AND key = ?");
    q->bindText(1, upload_id).bindText(2, bucket).bindBlob(3, key);
    return q->step();
  }

  void createSchema() {
    Database::Transaction txn(*db);
    db->exec(R"sql(
      CREATE TABLE IF NOT EXISTS r2_objects (
        bucket TEXT NOT NULL,
        key BLOB NOT NULL,
        version TEXT NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        uploaded_ms INTEGER NOT NULL,
        content_type TEXT, content_language TEXT, content_disposition TEXT,
        content_encoding TEXT, cache_control TEXT, cache_expiry_ms INTEGER,
        custom_metadata BLOB NOT NULL,
        md5 TEXT, sha1 TEXT, sha256 TEXT, sha384 TEXT, sha512 TEXT,
        PRIMARY KEY (bucket, key)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS r2_objects_by_version ON r2_objects (version);
      CREATE TABLE IF NOT EXISTS r2_uploads (
        upload_id TEXT PRIMARY KEY,
        bucket TEXT NOT NULL,
        key BLOB NOT NULL,
        created_ms INTEGER NOT NULL,
        content_type TEXT, content_language TEXT, content_disposition TEXT,
        content_encoding TEXT, cache_control TEXT, cache_expiry_ms INTEGER,
        custom_metadata BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS r2_parts (
        upload_id TEXT NOT NULL REFERENCES r2_uploads (upload_id),
        part_number INTEGER NOT NULL,
        file TEXT NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        PRIMARY KEY (upload_id, part_number)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS r2_parts_by_file ON r2_parts (file);
      CREATE TABLE IF NOT EXISTS r2_garbage (file TEXT PRIMARY KEY) WITHOUT ROWID;
    )sql");
    txn.commit();
  }

  // Crash recovery, run only while no other store has the root open: drop
  // staged files, queued garbage, expired uploads and every object file no
  // row references (a crash between rename and commit leaves one).
  void removeOrphans() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(tmp_dir, ec)) fs::remove_all(entry.path(), ec);

    std::vector<std::string> garbage;
    {
      WriteTxn txn(*this);
      std::vector<std::string> expired;
      {
        Query q = query("SELECT upload_id FROM r2_uploads WHERE created_ms < ?");
        q->bind(1, nowMs() - kUploadLifetimeMs);
        while (q->step()) expired.push_back(q->columnText(0));
      }
      for (const std::string& id : expired) dropUpload(id);
      {
        Query q = query("SELECT file FROM r2_garbage");
        while (q->step()) garbage.push_back(q->columnText(0));
      }
      txn.commit();
    }
    collectGarbage(garbage);
    if (!unlinked.empty()) {
      WriteTxn txn(*this);
      txn.commit();
    }

    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(objects_dir, ec)) {
      names.push_back(entry.path().filename().string());
    }
    for (const std::string& name : names) {
      bool referenced = false;
      {
        Query q = query(
            "SELECT 1 FROM r2_objects WHERE version = ?1 "
            "UNION ALL SELECT 1 FROM r2_parts WHERE file = ?1 LIMIT 1");
        q->bindText(1, name);
        referenced = q->step();
      }
      if (!referenced) {
        base::logLine(base::LogLevel::kInfo,
                      "r2: removing orphaned " + (objects_dir / name).string());
        fs::remove_all(objects_dir / name, ec);
      }
    }
    fsyncDir(objects_dir);
  }
};

// Verifies the digests the caller supplied; md5 is always computed while
// the bytes arrive, the SHA family only when asked for (one extra pass over
// the staged file, which is still in the page cache).
R2Checksums verifyChecksums(StagedFile& file, const R2Checksums& expected, std::string_view op) {
  struct Algorithm {
    const char* name;
    const EVP_MD* md;
    const std::optional<std::string>* expected;
    std::optional<std::string> R2Checksums::*field;
  };
  const Algorithm algorithms[] = {
      {"MD5", EVP_md5(), &expected.md5, &R2Checksums::md5},
      {"SHA-1", EVP_sha1(), &expected.sha1, &R2Checksums::sha1},
      {"SHA-256", EVP_sha256(), &expected.sha256, &R2Checksums::sha256},
      {"SHA-384", EVP_sha384(), &expected.sha384, &R2Checksums::sha384},
      {"SHA-512", EVP_sha512(), &expected.sha512, &R2Checksums::sha512},
  };

  // Malformed digests are refused before any hashing.
  for (const Algorithm& a : algorithms) {
    if (!*a.expected) continue;
    const std::string& hex = **a.expected;
    if (hex.size() != static_cast<size_t>(EVP_MD_get_size(a.md)) * 2 || !fromHex(hex)) {
      fail(op,
           std::string("The ") + a.name + " checksum you specified is not valid (expected " +
               std::to_string(EVP_MD_get_size(a.md) * 2) + " hex digits).",
           kInvalidDigest);
    }
  }

  R2Checksums actual;
  actual.md5 = toHex(file.md5());
  std::vector<std::pair<const Algorithm*, std::unique_ptr<Digest>>> extra;
  for (size_t i = 1; i < std::size(algorithms); ++i) {  // [0] is md5, already done
    const Algorithm& a = algorithms[i];
    if (*a.expected) extra.emplace_back(&a, std::make_unique<Digest>(a.md));
  }
  if (!extra.empty()) {
    UniqueFd fd(::open(file.path().c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) internalError(op, "reopening a staged file", errno);
    std::string chunk;
    uint64_t offset = 0;
    for (;;) {
      chunk.clear();
      size_t n = preadAppend(fd.get(), chunk, kCopyBufferBytes, offset, op);
      if (n == 0) break;
      offset += n;
      for (auto& [a, digest] : extra) digest->update(chunk);
    }
    for (auto& [a, digest] : extra) actual.*(a->field) = toHex(digest->finish());
  }

  for (const Algorithm& a : algorithms) {
    if (!*a.expected) continue;
    std::string want = **a.expected;
    std::transform(want.begin(), want.end(), want.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::string& got = *(actual.*(a.field));
    if (want != got) {
      fail(op,
           std::string("The ") + a.name +
               " checksum you specified did not match what we received. You provided " + want +
               "; the data has " + got + ".",
           kBadDigest);
    }
  }
  return actual;
}

class PutWriter : public R2PutWriter {
 public:
  // `store` must outlive the writer.
  PutWriter(Store& store, std::string bucket, std::string key)
      : store_(store),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        file_(std::make_unique<StagedFile>(store.tmp_dir, "put")) {}

  void append(std::string_view chunk) override {
    VERGE_ASSERT(file_ != nullptr);  // not after commit() or abort()
    file_->append(chunk, "put");
  }

  std::optional<R2Object> commit(const R2PutOptions& options) override {
    VERGE_ASSERT(file_ != nullptr);
    // Whatever happens below, this writer is finished; the staged (or
    // published but unreferenced) file goes away with `file`.
    std::unique_ptr<StagedFile> file = std::move(file_);
    checkCustomMetadata("put", options.custom_metadata);
    R2Object o;
    o.checksums = verifyChecksums(*file, options.expected, "put");
    const R2Conditional* only_if = options.only_if ? &*options.only_if : nullptr;
    // Checked here without a lock only to skip the fsyncs when it already
    // fails; the transaction below decides.
    if (only_if && !conditionHolds(*only_if, store_.currentVersion(bucket_, key_))) {
      return std::nullopt;
    }

    o.key = key_;
    o.version = randomHex();
    o.size = file->size();
    o.etag = *o.checksums.md5;
    o.http_metadata = options.http_metadata;
    o.custom_metadata = options.custom_metadata;
    file->publish(store_.objects_dir, o.version, "put");

    std::optional<std::string> old;
    {
      Store::WriteTxn txn(store_);
      if (only_if && !conditionHolds(*only_if, store_.currentVersion(bucket_, key_))) {
        return std::nullopt;
      }
      o.uploaded_ms = nowMs();
      old = store_.replaceObjectRow(bucket_, o);
      txn.commit();
    }
    file->keep();
    if (old) store_.collectGarbage({*old});
    return o;
  }

  void abort() override { file_.reset(); }

 private:
  Store& store_;
  std::string bucket_, key_;
  std::unique_ptr<StagedFile> file_;  // null once committed or aborted
};

class PartWriter : public R2PutWriter {
 public:
  // `store` must outlive the writer.
  PartWriter(Store& store, std::string bucket, std::string key, std::string upload_id,
             int part_number)
      : store_(store),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        upload_id_(std::move(upload_id)),
        part_number_(part_number),
        file_(std::make_unique<StagedFile>(store.tmp_dir, "uploadPart")) {}

  void append(std::string_view chunk) override {
    VERGE_ASSERT(file_ != nullptr);
    file_->append(chunk, "uploadPart");
  }

  std::optional<R2Object> commit(const R2PutOptions&) override {
    finish();
    return std::nullopt;
  }

  void abort() override { file_.reset(); }

  // Stores the part (replacing an earlier upload of the same number).
  R2UploadedPart finish() {
    if (result_) return *result_;
    VERGE_ASSERT(file_ != nullptr);  // aborted writers cannot finish
    std::unique_ptr<StagedFile> file = std::move(file_);
    std::string etag = toHex(file->md5());
    std::string name = randomHex();
    file->publish(store_.objects_dir, name, "uploadPart");

    std::optional<std::string> old;
    {
      Store::WriteTxn txn(store_);
      if (!store_.uploadExists(bucket_, key_, upload_id_)) {
        fail("uploadPart", "The specified multipart upload does not exist.", kNoSuchUpload);
      }
      {
        auto q = store_.query("SELECT file FROM r2_parts WHERE upload_id = ? AND part_number = ?");
        q->bindText(1, upload_id_).bind(2, static_cast<int64_t>(part_number_));
        if (q->step()) old = q->columnText(0);
      }
      if (old) store_.queueGarbage(*old);
      auto q = store_.query(
          "INSERT OR REPLACE INTO r2_parts (upload_id, part_number, file, size, etag) "
          "VALUES (?, ?, ?, ?, ?)");
      q->bindText(1, upload_id_).bind(2, static_cast<int64_t>(part_number_)).bindText(3, name);
      q->bind(4, static_cast<int64_t>(file->size())).bindText(5, etag);
      q->step();
      txn.commit();
    }
    file->keep();
    if (old) store_.collectGarbage({*old});
    result_ = R2UploadedPart{part_number_, etag};
    return *result_;
  }

 private:
  Store& store_;
  std::string bucket_, key_, upload_id_;
  int part_number_;
  std::unique_ptr<StagedFile> file_;
  std::optional<R2UploadedPart> result_;
};

std::string_view unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace

struct ObjectStore::Impl : Store {};

ObjectStore::ObjectStore(const fs::path& root) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.root = root;
  s.tmp_dir = root / "tmp";
  s.objects_dir = root / "objects";
  std::error_code ec;
  fs::create_directories(s.tmp_dir, ec);
  if (!ec) fs::create_directories(s.objects_dir, ec);
  if (ec) throw R2Error("R2 store at " + root.string() + ": " + ec.message());

  fs::path lock_path = root / "r2.lock";
  s.lock_fd = UniqueFd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (s.lock_fd.get() < 0) {
    throw R2Error("R2 store at " + root.string() +
                  ": cannot open r2.lock: " + std::strerror(errno));
  }
  // Exclusive only if no other store (thread or process) has this root open:
  // then no put is in flight and orphans can be told apart from work in
  // progress. Otherwise join the others with a shared lock.
  bool exclusive = ::flock(s.lock_fd.get(), LOCK_EX | LOCK_NB) == 0;
  if (!exclusive) {
    while (::flock(s.lock_fd.get(), LOCK_SH) != 0) {
      if (errno != EINTR) {
        throw R2Error("R2 store at " + root.string() + ": flock: " + std::strerror(errno));
      }
    }
  }

  s.db = Database::open(root / "r2.sqlite");
  // FULL rather than the wrapper's NORMAL: old object files are unlinked right
  // after a commit, so the commit must survive a power cut, not only a crash.
  s.db->exec("PRAGMA synchronous=FULL");
  s.createSchema();
  if (exclusive) {
    s.removeOrphans();
    // Downgrade to let other stores in. (Not atomic on Linux, but until it
    // returns this store has not started any write another opener's
    // recovery could mistake for an orphan.)
    while (::flock(s.lock_fd.get(), LOCK_SH) != 0 && errno == EINTR) {
    }
  }
}

ObjectStore::~ObjectStore() = default;

std::optional<R2Object> ObjectStore::head(std::string_view bucket, std::string_view key) {
  checkKey("head", key, false);
  return impl_->selectObject(bucket, key);
}

std::optional<R2GetResult> ObjectStore::get(std::string_view bucket, std::string_view key,
                                            const std::optional<R2Range>& range,
                                            const std::optional<R2Conditional>& only_if) {
  checkKey("get", key, false);
  // A concurrent overwrite may unlink the file between reading the row and
  // opening it; the row then names a newer version, so look again.
  for (int attempt = 0;; ++attempt) {
    std::optional<R2Object> o = impl_->selectObject(bucket, key);
    if (!o) return std::nullopt;
    R2GetResult result;
    if (only_if && !conditionHolds(*only_if, CurrentVersion{o->version, o->etag, o->uploaded_ms})) {
      result.object = std::move(*o);
      result.precondition_failed = true;
      return result;
    }
    ByteRange r = resolveRange(range, o->size);
    fs::path path = impl_->objects_dir / o->version;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT && attempt < 8) continue;
      internalError("get", "opening " + path.string(), errno);
    }
    result.object = std::move(*o);
    result.range_offset = r.offset;
    result.range_length = r.length;
    result.body = std::make_unique<FileReader>(std::move(fd), r.offset, r.length);
    return result;
  }
}

std::unique_ptr<R2PutWriter> ObjectStore::beginPut(std::string_view bucket, std::string_view key) {
  checkKey("put", key, true);
  return std::make_unique<PutWriter>(*impl_, std::string(bucket), std::string(key));
}

void ObjectStore::remove(std::string_view bucket, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) checkKey("delete", key, false);
  std::vector<std::string> garbage;
  {
    Store::WriteTxn txn(*impl_);
    for (const std::string& key : keys) {
      auto current = impl_->currentVersion(bucket, key);
      if (!current) continue;
      impl_->queueGarbage(current->version);
      garbage.push_back(current->version);
      auto q = impl_->query("DELETE FROM r2_objects WHERE bucket = ? AND key = ?");
      q->bindText(1, bucket).bindBlob(2, key);
      q->step();
    }
    txn.commit();
  }
  impl_->collectGarbage(garbage);
}

R2ListResult ObjectStore::list(std::string_view bucket, const R2ListOptions& options) {
  if (options.limit < 1 || options.limit > kMaxListLimit) {
    fail("list", "MaxKeys params must be positive integer <= 1000.", kInvalidMaxKeys);
  }
  // Keys are listed from an inclusive lower bound: the prefix, moved up past
  // startAfter and the cursor (which encodes the bound where a page ended).
  std::string lower = options.prefix;
  if (!options.start_after.empty()) lower = std::max(lower, options.start_after + '\0');
  if (!options.cursor.empty()) {
    std::optional<std::string> bound = fromHex(options.cursor);
    if (!bound) fail("list", "The cursor is not valid; pass one returned by an earlier list().");
    lower = std::max(lower, *bound);
  }
  const std::optional<std::string> upper = prefixEnd(options.prefix);
  const std::string& delimiter = options.delimiter;

  static const std::string sql_bounded = std::string("SELECT ") + kObjectColumns +
                                         " FROM r2_objects WHERE bucket = ?1 AND key >= ?2 "
                                         "AND key < ?3 ORDER BY key LIMIT ?4";
  static const std::string sql_open = std::string("SELECT ") + kObjectColumns +
                                      " FROM r2_objects WHERE bucket = ?1 AND key >= ?2 "
                                      "ORDER BY key LIMIT ?4";
  const char* sql = upper ? sql_bounded.c_str() : sql_open.c_str();

  R2ListResult result;
  size_t count = 0;  // objects and delimited prefixes both count, as on R2
  bool exhausted = false;
  while (count < options.limit && !exhausted) {
    auto q = impl_->query(sql);
    q->bindText(1, bucket).bindBlob(2, lower);
    if (upper) q->bindBlob(3, *upper);
    q->bind(4, static_cast<int64_t>(options.limit - count));
    while (count < options.limit) {
      if (!q->step()) {
        exhausted = true;
        break;
      }
      std::string key = q->columnText(0);
      size_t at =
          delimiter.empty() ? std::string::npos : key.find(delimiter, options.prefix.size());
      if (at != std::string::npos) {
        // Everything under this prefix is one entry; query again past all of it.
        std::string common = key.substr(0, at + delimiter.size());
        std::optional<std::string> next = prefixEnd(common);
        result.delimited_prefixes.push_back(std::move(common));
        ++count;
        if (next) {
          lower = std::move(*next);
        } else {
          exhausted = true;
        }
        break;
      }
      result.objects.push_back(
          readObject(*q, options.include_http_metadata, options.include_custom_metadata));
      ++count;
      lower = key + '\0';
    }
  }

  if (!exhausted) {
    auto q = impl_->query(upper ? "SELECT 1 FROM r2_objects WHERE bucket = ?1 AND key >= ?2 "
                                  "AND key < ?3 LIMIT 1"
                                : "SELECT 1 FROM r2_objects WHERE bucket = ?1 AND key >= ?2 "
                                  "LIMIT 1");
    q->bindText(1, bucket).bindBlob(2, lower);
    if (upper) q->bindBlob(3, *upper);
    if (q->step()) {
      result.truncated = true;
      result.cursor = toHex(lower);
    }
  }
  return result;
}

std::string ObjectStore::createMultipartUpload(
    std::string_view bucket, std::string_view key, const R2HttpMetadata& http_metadata,
    const std::map<std::string, std::string>& custom_metadata) {
  checkKey("createMultipartUpload", key, true);
  checkCustomMetadata("createMultipartUpload", custom_metadata);
  std::string upload_id = randomHex();
  auto q = impl_->query(
      "INSERT INTO r2_uploads (upload_id, bucket, key, created_ms, content_type, "
      "content_language, content_disposition, content_encoding, cache_control, cache_expiry_ms, "
      "custom_metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q->bindText(1, upload_id).bindText(2, bucket).bindBlob(3, key).bind(4, nowMs());
  bindHttp(*q, 5, http_metadata);
  q->bindBlob(11, encodeCustom(custom_metadata));
  q->step();
  return upload_id;
}

std::unique_ptr<R2PutWriter> ObjectStore::beginUploadPart(std::string_view bucket,
                                                          std::string_view key,
                                                          std::string_view upload_id,
                                                          int part_number) {
  checkKey("uploadPart", key, true);
  if (part_number < 1 || part_number > kMaxPartNumber) {
    fail("uploadPart", "Part number must be an integer between 1 and 10000, inclusive (got " +
                           std::to_string(part_number) + ").");
  }
  // Checked again when the part is stored; this only saves streaming a part
  // into an upload that is already gone.
  if (!impl_->uploadExists(bucket, key, upload_id)) {
    fail("uploadPart", "The specified multipart upload does not exist.", kNoSuchUpload);
  }
  return std::make_unique<PartWriter>(*impl_, std::string(bucket), std::string(key),
                                      std::string(upload_id), part_number);
}

R2UploadedPart ObjectStore::finishUploadPart(R2PutWriter& writer) {
  auto* part = dynamic_cast<PartWriter*>(&writer);
  VERGE_ASSERT(part != nullptr);  // only writers from beginUploadPart
  return part->finish();
}

R2Object ObjectStore::completeMultipartUpload(std::string_view bucket, std::string_view key,
                                              std::string_view upload_id,
                                              const std::vector<R2UploadedPart>& parts) {
  static constexpr std::string_view kOp = "completeMultipartUpload";
  checkKey(kOp, key, true);
  Impl& s = *impl_;

  R2Object o;
  o.key = std::string(key);
  {
    auto q = s.query(
        "SELECT content_type, content_language, content_disposition, content_encoding, "
        "cache_control, cache_expiry_ms, custom_metadata FROM r2_uploads "
        "WHERE upload_id = ? AND bucket = ? AND key = ?");
    q->bindText(1, upload_id).bindText(2, bucket).bindBlob(3, key);
    if (!q->step()) fail(kOp, "The specified multipart upload does not exist.", kNoSuchUpload);
    o.http_metadata = readHttp(*q, 0);
    o.custom_metadata = decodeCustom(q->columnText(6));
  }
  if (parts.empty()) fail(kOp, "You must specify at least one part.", kInvalidPart);

  struct Stored {
    std::string file;
    uint64_t size;
    std::string etag;
  };
  std::map<int, Stored> stored;
  {
    auto q = s.query("SELECT part_number, file, size, etag FROM r2_parts WHERE upload_id = ?");
    q->bindText(1, upload_id);
    while (q->step()) {
      stored[static_cast<int>(q->columnInt(0))] =
          Stored{q->columnText(1), static_cast<uint64_t>(q->columnInt(2)), q->columnText(3)};
    }
  }

  std::vector<const Stored*> chosen;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0 && parts[i].part_number <= parts[i - 1].part_number) {
      fail(kOp,
           "The list of parts was not in ascending order. Parts must be ordered by part number.",
           kInvalidPart);
    }
    auto it = stored.find(parts[i].part_number);
    if (it == stored.end() || unquote(parts[i].etag) != it->second.etag) {
      fail(kOp,
           "One or more of the specified parts could not be found (part " +
               std::to_string(parts[i].part_number) + ").",
           kInvalidPart);
    }
    chosen.push_back(&it->second);
  }
  // R2: every part but the last ≥ 5 MiB, all of them the same size, and the
  // last no larger than the others.
  for (size_t i = 0; i + 1 < chosen.size(); ++i) {
    if (chosen[i]->size < kMinPartBytes) {
      fail(kOp,
           "Your proposed upload is smaller than the minimum allowed object size (part " +
               std::to_string(parts[i].part_number) + " has " + std::to_string(chosen[i]->size) +
               " bytes; every part but the last needs at least 5 MiB).",
           kEntityTooSmall);
    }
  }
  for (size_t i = 1; i < chosen.size(); ++i) {
    bool last = i + 1 == chosen.size();
    if (last ? chosen[i]->size > chosen[0]->size : chosen[i]->size != chosen[0]->size) {
      fail(kOp,
           "All non-trailing parts must have the same size, and the last part may not be "
           "larger than them.",
           kNonUniformParts);
    }
  }

  // Assemble the body by copying the part files (kernel-side when possible,
  // never the whole object in memory). The etag is R2's: md5 of the parts'
  // binary md5s, then "-<count>".
  StagedFile file(s.tmp_dir, kOp);
  Digest etag_hash(EVP_md5());
  for (const Stored* part : chosen) {
    fs::path path = s.objects_dir / part->file;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) internalError(kOp, "opening part " + path.string(), errno);
    file.copyFrom(fd.get(), part->size, kOp);
    std::optional<std::string> part_md5 = fromHex(part->etag);
    VERGE_ASSERT(part_md5 && part_md5->size() == 16);  // written by PartWriter::finish
    etag_hash.update(*part_md5);
  }
  o.etag = toHex(etag_hash.finish()) + "-" + std::to_string(chosen.size());
  o.size = file.size();
  o.version = randomHex();
  file.publish(s.objects_dir, o.version, kOp);

  std::vector<std::string> garbage;
  {
    Store::WriteTxn txn(s);
    // Another thread may have completed, aborted or re-uploaded a part since.
    if (!s.uploadExists(bucket, key, upload_id)) {
      fail(kOp, "The specified multipart upload does not exist.", kNoSuchUpload);
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      auto q = s.query("SELECT file FROM r2_parts WHERE upload_id = ? AND part_number = ?");
      q->bindText(1, upload_id).bind(2, static_cast<int64_t>(parts[i].part_number));
      if (!q->step() || q->columnText(0) != chosen[i]->file) {
        fail(kOp,
             "One or more of the specified parts could not be found (part " +
                 std::to_string(parts[i].part_number) + " changed during completion).",
             kInvalidPart);
      }
    }
    o.uploaded_ms = nowMs();
    if (auto old = s.replaceObjectRow(bucket, o)) garbage.push_back(*old);
    std::vector<std::string> part_files = s.dropUpload(upload_id);
    garbage.insert(garbage.end(), part_files.begin(), part_files.end());
    txn.commit();
  }
  file.keep();
  s.collectGarbage(garbage);
  return o;
}

void ObjectStore::abortMultipartUpload(std::string_view bucket, std::string_view key,
                                       std::string_view upload_id) {
  checkKey("abortMultipartUpload", key, false);
  std::vector<std::string> garbage;
  {
    Store::WriteTxn txn(*impl_);
    if (!impl_->uploadExists(bucket, key, upload_id)) {
      fail("abortMultipartUpload", "The specified multipart upload does not exist.", kNoSuchUpload);
    }
    garbage = impl_->dropUpload(upload_id);
    txn.commit();
  }
  impl_->collectGarbage(garbage);
}

}  // namespace verge::storage
