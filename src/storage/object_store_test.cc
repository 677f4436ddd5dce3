#include "storage/object_store.h"
#include "storage/test_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include "storage/sqlite.h"

// The options structs are written with designated initializers that leave
// the other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace verge::storage {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBucket = "bucket";
constexpr size_t kMiB = 1024 * 1024;

using test::TempDir;

std::string toHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Incremental digest for expectations computed independently of the store.
class Hash {
 public:
  explicit Hash(const EVP_MD* md = EVP_md5()) : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(ctx_, md, nullptr);
  }
  ~Hash() { EVP_MD_CTX_free(ctx_); }
  void update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }
  std::string raw() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, out, &n);
    return std::string(reinterpret_cast<const char*>(out), n);
  }
  std::string hex() { return toHex(raw()); }

 private:
  EVP_MD_CTX* ctx_;
};

std::string digestHex(const EVP_MD* md, std::string_view data) {
  Hash h(md);
  h.update(data);
  return h.hex();
}
std::string md5Raw(std::string_view data) {
  Hash h;
  h.update(data);
  return h.raw();
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The message of the R2Error `f` throws ("" and a failure if none).
template <typename F>
std::string r2Error(F&& f) {
  try {
    f();
  } catch (const R2Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an R2Error";
  return "";
}

size_t countFiles(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

bool isHex(std::string_view s, size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(c) && !std::isupper(c);
         });
}

long vmRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string readAll(R2GetResult& result) {
  EXPECT_NE(result.body, nullptr);
  std::string out;
  if (!result.body) return out;
  while (result.body->read(out)) {
  }
  return out;
}

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::make_unique<ObjectStore>(root()); }

  fs::path root() const { return dir_.path() / "r2"; }
  fs::path objectsDir() const { return root() / "objects"; }
  fs::path tmpDir() const { return root() / "tmp"; }
  void reopen() {
    store_.reset();
    store_ = std::make_unique<ObjectStore>(root());
  }

  // Streams `data` in a few chunks; nullopt when onlyIf did not hold.
  std::optional<R2Object> tryPut(std::string_view key, std::string_view data,
                                 const R2PutOptions& options = {}) {
    auto writer = store_->beginPut(kBucket, key);
    size_t third = data.size() / 3;
    writer->append(data.substr(0, third));
    writer->append(data.substr(third, third));
    writer->append(data.substr(2 * third));
    return writer->commit(options);
  }
  R2Object put(std::string_view key, std::string_view data, const R2PutOptions& options = {}) {
    std::optional<R2Object> o = tryPut(key, data, options);
    EXPECT_TRUE(o.has_value()) << key;
    return o.value_or(R2Object{});
  }

  std::optional<R2GetResult> get(std::string_view key, std::optional<R2Range> range = std::nullopt,
                                 std::optional<R2Conditional> only_if = std::nullopt) {
    return store_->get(kBucket, key, range, only_if);
  }
  std::string body(std::string_view key, std::optional<R2Range> range = std::nullopt) {
    auto result = get(key, range);
    EXPECT_TRUE(result.has_value()) << key;
    return result ? readAll(*result) : "";
  }

  R2UploadedPart uploadPart(std::string_view key, const std::string& upload_id, int number,
                            std::string_view data) {
    auto writer = store_->beginUploadPart(kBucket, key, upload_id, number);
    for (size_t at = 0; at < data.size(); at += 64 * 1024) {
      writer->append(data.substr(at, 64 * 1024));
    }
    return store_->finishUploadPart(*writer);
  }

  TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

// --- put / get / head / delete ----------------------------------------------

TEST_F(ObjectStoreTest, PutGetHeadRoundTrip) {
  R2PutOptions options;
  options.http_metadata.content_type = "text/plain";
  options.http_metadata.content_language = "en";
  options.http_metadata.content_disposition = "inline";
  options.http_metadata.content_encoding = "identity";
  options.http_metadata.cache_control = "max-age=60";
  options.http_metadata.cache_expiry_ms = 1'700'000'000'000;
  options.custom_metadata = {{"owner", "ada"}, {"ünïcode", "välue"}};
  R2Object put_result = put("dir/hello.txt", "hello", options);

  EXPECT_EQ(put_result.key, "dir/hello.txt");
  EXPECT_EQ(put_result.size, 5u);
  EXPECT_EQ(put_result.etag, "5d41402abc4b2a76b9719d911017c592");  // md5("hello")
  EXPECT_EQ(put_result.checksums.md5, put_result.etag);
  EXPECT_FALSE(put_result.checksums.sha256);
  EXPECT_TRUE(isHex(put_result.version, 32)) << put_result.version;
  EXPECT_EQ(put_result.storage_class, "Standard");
  EXPECT_NEAR(static_cast<double>(put_result.uploaded_ms),
              static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count()),
              60'000);

  auto got = get("dir/hello.txt");
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->precondition_failed);
  EXPECT_EQ(got->range_offset, 0u);
  EXPECT_EQ(got->range_length, 5u);
  EXPECT_EQ(readAll(*got), "hello");
  for (const R2Object& o : {got->object, *store_->head(kBucket, "dir/hello.txt")}) {
    EXPECT_EQ(o.version, put_result.version);
    EXPECT_EQ(o.etag, put_result.etag);
    EXPECT_EQ(o.uploaded_ms, put_result.uploaded_ms);
    EXPECT_EQ(o.http_metadata.content_type, "text/plain");
    EXPECT_EQ(o.http_metadata.content_language, "en");
    EXPECT_EQ(o.http_metadata.content_disposition, "inline");
    EXPECT_EQ(o.http_metadata.content_encoding, "identity");
    EXPECT_EQ(o.http_metadata.cache_control, "max-age=60");
    EXPECT_EQ(o.http_metadata.cache_expiry_ms, 1'700'000'000'000);
    EXPECT_EQ(o.custom_metadata, options.custom_metadata);
    EXPECT_EQ(o.checksums.md5, put_result.etag);
  }

  // Buckets are separate namespaces; missing keys are nullopt.
  EXPECT_FALSE(store_->head("other-bucket", "dir/hello.txt"));
  EXPECT_FALSE(get("missing"));
  EXPECT_FALSE(store_->head(kBucket, "missing"));

  // Empty bodies and binary keys work.
  R2Object empty = put(std::string("bin\0key\xff", 8), "");
  EXPECT_EQ(empty.etag, "d41d8cd98f00b204e9800998ecf8427e");  // md5("")
  EXPECT_EQ(body(std::string("bin\0key\xff", 8)), "");
}

TEST_F(ObjectStoreTest, DeleteOneAndManyKeys) {
  for (std::string key : {"a", "b", "c", "d"}) put(key, "value of " + key);
  EXPECT_EQ(countFiles(objectsDir()), 4u);

  store_->remove(kBucket, {"a"});
  EXPECT_FALSE(get("a"));
  store_->remove(kBucket, {"b", "c", "never-existed"});
  EXPECT_FALSE(store_->head(kBucket, "b"));
  EXPECT_FALSE(store_->head(kBucket, "c"));
  EXPECT_EQ(body("d"), "value of d");
  EXPECT_EQ(countFiles(objectsDir()), 1u);  // deleted bodies are gone from disk
  store_->remove(kBucket, {});              // nothing to do
  store_->remove(kBucket, {"a"});           // deleting twice is fine
}

TEST_F(ObjectStoreTest, OverwriteReplacesVersionAndRemovesOldFile) {
  R2Object first = put("k", "first");
  R2Object second = put("k", "second body");
  EXPECT_NE(first.version, second.version);
  EXPECT_NE(first.etag, second.etag);
  EXPECT_EQ(body("k"), "second body");
  EXPECT_EQ(store_->head(kBucket, "k")->size, 11u);
  EXPECT_EQ(countFiles(objectsDir()), 1u);
  EXPECT_TRUE(fs::exists(objectsDir() / second.version));
  EXPECT_EQ(countFiles(tmpDir()), 0u);
  // The same bytes again: same etag, new version.
  R2Object third = put("k", "second body");
  EXPECT_EQ(third.etag, second.etag);
  EXPECT_NE(third.version, second.version);

  // Replaced files were queued in r2_garbage in the overwriting transaction;
  // those rows are gone once the store closes.
  store_.reset();
  auto db = Database::open(root() / "r2.sqlite");
  Statement count = db->prepare("SELECT COUNT(*) FROM r2_garbage");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.columnInt(0), 0);
}

TEST_F(ObjectStoreTest, AbandonedPutLeavesNothing) {
  {
    auto writer = store_->beginPut(kBucket, "never");
    writer->append("partial bytes");
    EXPECT_EQ(countFiles(tmpDir()), 1u);
  }  // destroyed without commit
  {
    auto writer = store_->beginPut(kBucket, "never");
    writer->append("more");
    writer->abort();
    writer->abort();  // idempotent
  }
  EXPECT_EQ(countFiles(tmpDir()), 0u);
  EXPECT_EQ(countFiles(objectsDir()), 0u);
  EXPECT_FALSE(get("never"));
}

TEST_F(ObjectStoreTest, KeyAndMetadataLimits) {
  std::string key1024(1024, 'k');
  put(key1024, "ok");
  EXPECT_EQ(body(key1024), "ok");

  std::string key1025(1025, 'k');
  std::string message = r2Error([&] { store_->beginPut(kBucket, key1025); });
  EXPECT_TRUE(contains(message, "put: ")) << message;
  EXPECT_TRUE(contains(message, "1025 bytes")) << message;
  EXPECT_TRUE(contains(message, "the limit is 1024")) << message;
  EXPECT_TRUE(contains(message, "(10020)")) << message;
  EXPECT_TRUE(contains(r2Error([&] { get(key1025); }), "get: "));
  EXPECT_TRUE(contains(r2Error([&] { store_->head(kBucket, key1025); }), "(10020)"));
  EXPECT_TRUE(contains(r2Error([&] { store_->remove(kBucket, {key1025}); }), "delete: "));
  EXPECT_TRUE(contains(r2Error([&] { store_->beginPut(kBucket, ""); }), "(10020)"));
  EXPECT_TRUE(contains(r2Error([&] { store_->createMultipartUpload(kBucket, key1025, {}, {}); }),
                       "(10020)"));

  // Custom metadata: 8192 bytes of names and values in total.
  R2PutOptions fits;
  fits.custom_metadata = {{"a", std::string(4095, 'x')}, {"b", std::string(4095, 'y')}};
  EXPECT_EQ(put("meta", "v", fits).custom_metadata.size(), 2u);
  R2PutOptions too_big = fits;
  too_big.custom_metadata["c"] = "z";
  message = r2Error([&] { tryPut("meta2", "v", too_big); });
  EXPECT_TRUE(
      contains(message, "put: Your metadata headers exceed the maximum allowed metadata size"))
      << message;
  EXPECT_TRUE(contains(message, "(10012)")) << message;
  EXPECT_FALSE(get("meta2"));
  EXPECT_TRUE(contains(
      r2Error([&] { store_->createMultipartUpload(kBucket, "m", {}, too_big.custom_metadata); }),
      "(10012)"));
  EXPECT_EQ(countFiles(tmpDir()), 0u);
}

// --- checksums ----------------------------------------------------------------

TEST_F(ObjectStoreTest, ChecksumsVerifiedAndStored) {
  const std::string data = "The quick brown fox jumps over the lazy dog";
  R2PutOptions options;
  std::string sha256 = digestHex(EVP_sha256(), data);
  std::transform(sha256.begin(), sha256.end(), sha256.begin(), ::toupper);  // any case
  options.expected.sha256 = sha256;
  R2Object o = put("fox", data, options);
  EXPECT_EQ(o.checksums.md5, "9e107d9d372bb6826bd81d3542a419d6");
  EXPECT_EQ(o.checksums.sha256, "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
  EXPECT_FALSE(o.checksums.sha1);  // only computed when asked for
  EXPECT_EQ(store_->head(kBucket, "fox")->checksums.sha256, o.checksums.sha256);

  R2PutOptions all;
  all.expected.md5 = digestHex(EVP_md5(), data);
  all.expected.sha1 = digestHex(EVP_sha1(), data);
  all.expected.sha384 = digestHex(EVP_sha384(), data);
  all.expected.sha512 = digestHex(EVP_sha512(), data);
  o = put("fox2", data, all);
  EXPECT_EQ(o.checksums.sha1, "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
  EXPECT_EQ(o.checksums.sha384, all.expected.sha384);
  EXPECT_EQ(o.checksums.sha512, all.expected.sha512);
  EXPECT_FALSE(o.checksums.sha256);
  R2Object head = *store_->head(kBucket, "fox2");
  EXPECT_EQ(head.checksums.sha1, o.checksums.sha1);
  EXPECT_EQ(head.checksums.sha512, o.checksums.sha512);

  R2PutOptions wrong_md5;
  wrong_md5.expected.md5 = std::string(32, '0');
  std::string message = r2Error([&] { tryPut("fox3", data, wrong_md5); });
  EXPECT_TRUE(contains(message, "MD5 checksum you specified did not match")) << message;
  EXPECT_TRUE(contains(message, "(10037)")) << message;

  R2PutOptions malformed;
  malformed.expected.sha256 = "abc";
  message = r2Error([&] { tryPut("fox3", data, malformed); });
  EXPECT_TRUE(contains(message, "(10014)")) << message;
  malformed.expected.sha256 = std::string(64, 'g');
  EXPECT_TRUE(contains(r2Error([&] { tryPut("fox3", data, malformed); }), "(10014)"));
  EXPECT_FALSE(get("fox3"));
}

TEST_F(ObjectStoreTest, WrongChecksumLeavesOldObjectIntact) {
  R2Object old = put("doc", "version one");
  R2PutOptions options;
  options.expected.sha256 = digestHex(EVP_sha256(), "something else");
  std::string message = r2Error([&] { tryPut("doc", "version two", options); });
  EXPECT_TRUE(contains(message, "put: The SHA-256 checksum you specified did not match"))
      << message;
  EXPECT_TRUE(contains(message, "(10037)")) << message;

  auto got = get("doc");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->object.version, old.version);
  EXPECT_EQ(got->object.etag, old.etag);
  EXPECT_EQ(readAll(*got), "version one");
  EXPECT_EQ(countFiles(objectsDir()), 1u);
  EXPECT_EQ(countFiles(tmpDir()), 0u);
}

// --- conditionals ---------------------------------------------------------------

TEST_F(ObjectStoreTest, ConditionalGetOnEtags) {
  R2Object o = put("c", "conditional");
  const std::string& e = o.etag;
  auto passes = [&](R2Conditional c) {
    auto r = get("c", std::nullopt, c);
    EXPECT_TRUE(r);
    if (!r) return false;
    EXPECT_EQ(r->object.etag, e);  // metadata either way
    EXPECT_EQ(r->object.size, 11u);
    EXPECT_EQ(r->precondition_failed, r->body == nullptr);
    if (!r->precondition_failed) {
      EXPECT_EQ(readAll(*r), "conditional");
    }
    return !r->precondition_failed;
  };
  EXPECT_TRUE(passes({.etag_matches = {e}}));
  EXPECT_TRUE(passes({.etag_matches = {"\"" + e + "\""}}));
  EXPECT_TRUE(passes({.etag_matches = {"*"}}));
  EXPECT_TRUE(passes({.etag_matches = {"other", e}}));
  EXPECT_TRUE(passes({.etag_matches = {"\"other\", \"" + e + "\""}}));  // a header value
  EXPECT_FALSE(passes({.etag_matches = {"other"}}));
  EXPECT_FALSE(passes({.etag_matches = {"W/\"" + e + "\""}}));  // strong comparison

  EXPECT_TRUE(passes({.etag_does_not_match = {"other"}}));
  EXPECT_FALSE(passes({.etag_does_not_match = {e}}));
  EXPECT_FALSE(passes({.etag_does_not_match = {"\"" + e + "\""}}));
  EXPECT_FALSE(passes({.etag_does_not_match = {"W/\"" + e + "\""}}));  // weak comparison
  EXPECT_FALSE(passes({.etag_does_not_match = {"*"}}));

  EXPECT_TRUE(passes({.etag_matches = {e}, .etag_does_not_match = {"other"}}));
  EXPECT_FALSE(passes({.etag_matches = {e}, .etag_does_not_match = {e}}));

  // A missing key is null whatever the condition.
  EXPECT_FALSE(get("nope", std::nullopt, R2Conditional{.etag_does_not_match = {"*"}}));
}

TEST_F(ObjectStoreTest, ConditionalGetOnDatesAndSecondsGranularity) {
  R2Object o = put("d", "dated");
  const int64_t u = o.uploaded_ms;
  auto passes = [&](R2Conditional c) {
    auto r = get("d", std::nullopt, c);
    EXPECT_TRUE(r);
    return r && !r->precondition_failed;
  };
  EXPECT_TRUE(passes({.uploaded_before_ms = u + 1000}));
  EXPECT_FALSE(passes({.uploaded_before_ms = u - 1000}));
  EXPECT_FALSE(passes({.uploaded_before_ms = u}));  // strictly before
  EXPECT_TRUE(passes({.uploaded_after_ms = u - 1000}));
  EXPECT_FALSE(passes({.uploaded_after_ms = u + 1000}));
  EXPECT_FALSE(passes({.uploaded_after_ms = u}));  // strictly after

  // RFC 9110 precedence: a passing etagMatches overrides uploadedBefore, a
  // passing etagDoesNotMatch overrides uploadedAfter — but not the other way.
  EXPECT_TRUE(passes({.etag_matches = {o.etag}, .uploaded_before_ms = u - 1000}));
  EXPECT_TRUE(passes({.etag_does_not_match = {"x"}, .uploaded_after_ms = u + 1000}));
  EXPECT_FALSE(passes({.etag_matches = {o.etag}, .uploaded_after_ms = u + 1000}));
  EXPECT_FALSE(passes({.etag_does_not_match = {"x"}, .uploaded_before_ms = u - 1000}));

  // secondsGranularity compares whole seconds: a date in the same second as
  // the upload is then neither before nor after it.
  const int64_t second = u - u % 1000;
  if (u % 1000 != 0) {
    EXPECT_TRUE(passes({.uploaded_after_ms = second}));
    EXPECT_FALSE(passes({.uploaded_after_ms = second, .seconds_granularity = true}));
  }
  if (u % 1000 != 999) {
    EXPECT_TRUE(passes({.uploaded_before_ms = second + 999}));
    EXPECT_FALSE(passes({.uploaded_before_ms = second + 999, .seconds_granularity = true}));
  }
  EXPECT_TRUE(passes({.uploaded_after_ms = second - 1, .seconds_granularity = true}));
  EXPECT_TRUE(passes({.uploaded_before_ms = second + 1000, .seconds_granularity = true}));
}

TEST_F(ObjectStoreTest, ConditionalPut) {
  auto with = [](R2Conditional c) {
    R2PutOptions o;
    o.only_if = std::move(c);
    return o;
  };
  // Create-only: etagDoesNotMatch "*".
  std::optional<R2Object> created = tryPut("p", "one", with({.etag_does_not_match = {"*"}}));
  ASSERT_TRUE(created);
  EXPECT_FALSE(tryPut("p", "two", with({.etag_does_not_match = {"*"}})));
  EXPECT_EQ(body("p"), "one");
  EXPECT_EQ(store_->head(kBucket, "p")->version, created->version);

  // Compare-and-swap on the etag.
  std::optional<R2Object> swapped = tryPut("p", "three", with({.etag_matches = {created->etag}}));
  ASSERT_TRUE(swapped);
  EXPECT_FALSE(tryPut("p", "four", with({.etag_matches = {created->etag}})));  // stale
  EXPECT_EQ(body("p"), "three");

  // Dates against the current object.
  EXPECT_FALSE(tryPut("p", "five", with({.uploaded_after_ms = swapped->uploaded_ms + 60'000})));
  EXPECT_TRUE(tryPut("p", "six", with({.uploaded_before_ms = swapped->uploaded_ms + 60'000})));
  EXPECT_EQ(body("p"), "six");

  // A missing object fails etagMatches and uploadedAfter, passes the others.
  EXPECT_FALSE(tryPut("new1", "x", with({.etag_matches = {"*"}})));
  EXPECT_FALSE(tryPut("new2", "x", with({.uploaded_after_ms = 0})));
  EXPECT_TRUE(tryPut("new3", "x", with({.etag_does_not_match = {"abc"}})));
  EXPECT_TRUE(tryPut("new4", "x", with({.uploaded_before_ms = 0})));
  EXPECT_FALSE(get("new1"));
  EXPECT_FALSE(get("new2"));

  // Refused puts leave no files behind.
  EXPECT_EQ(countFiles(objectsDir()), 3u);
  EXPECT_EQ(countFiles(tmpDir()), 0u);
}

// --- ranges ---------------------------------------------------------------------

TEST_F(ObjectStoreTest, Ranges) {
  put("r", "0123456789");
  struct Case {
    R2Range range;
    std::string body;
    uint64_t offset;
  };
  const Case cases[] = {
      {{.offset = 2, .length = 3}, "234", 2},
      {{.offset = 7}, "789", 7},
      {{.offset = 0}, "0123456789", 0},
      {{.length = 4}, "0123", 0},
      {{.offset = 8, .length = 100}, "89", 8},  // cut at the end
      {{.length = 100}, "0123456789", 0},
      {{.suffix = 3}, "789", 7},
      {{.suffix = 10}, "0123456789", 0},
      {{.suffix = 100}, "0123456789", 0},
      {{}, "0123456789", 0},
  };
  for (const Case& c : cases) {
    auto r = get("r", c.range);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->range_offset, c.offset) << c.body;
    EXPECT_EQ(r->range_length, c.body.size()) << c.body;
    EXPECT_EQ(r->object.size, 10u);
    EXPECT_EQ(readAll(*r), c.body);
  }
  // Small reads: the reader honours `max`.
  auto r = get("r", R2Range{.offset = 1, .length = 5});
  std::string out;
  EXPECT_TRUE(r->body->read(out, 2));
  EXPECT_EQ(out, "12");
  EXPECT_TRUE(r->body->read(out, 2));
  EXPECT_TRUE(r->body->read(out, 2));
  EXPECT_FALSE(r->body->read(out, 2));
  EXPECT_EQ(out, "12345");
}

TEST_F(ObjectStoreTest, RangeErrors) {
  put("r", "0123456789");
  put("empty", "");
  auto expectInvalid = [&](std::string_view key, R2Range range) {
    std::string message = r2Error([&] { get(key, range); });
    EXPECT_TRUE(contains(message, "get: The requested range is not satisfiable")) << message;
    EXPECT_TRUE(contains(message, "(10039)")) << message;
  };
  expectInvalid("r", {.offset = 10});
  expectInvalid("r", {.offset = 11, .length = 1});
  expectInvalid("r", {.offset = 1'000'000});
  expectInvalid("r", {.length = 0});
  expectInvalid("r", {.offset = 3, .length = 0});
  expectInvalid("r", {.suffix = 0});
  expectInvalid("empty", {.offset = 0});
  expectInvalid("empty", {.length = 1});
  std::string message = r2Error([&] { get("r", R2Range{.offset = 1, .suffix = 2}); });
  EXPECT_TRUE(contains(message, "suffix is incompatible")) << message;
  // No range on an empty object is fine; a failed precondition skips the range.
  EXPECT_EQ(body("empty"), "");
  auto r = get("r", R2Range{.offset = 99}, R2Conditional{.etag_matches = {"nope"}});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->precondition_failed);
}

// --- list -------------------------------------------------------------------------

TEST_F(ObjectStoreTest, ListPrefixAndInclude) {
  R2PutOptions options;
  options.http_metadata.content_type = "image/png";
  options.custom_metadata = {{"k", "v"}};
  for (std::string key : {"img/a.png", "img/b.png", "imgx", "txt/a", "zz"}) put(key, key, options);
  put("other", "x");
  store_->remove(kBucket, {"other"});

  R2ListResult all = store_->list(kBucket, {});
  ASSERT_EQ(all.objects.size(), 5u);
  EXPECT_FALSE(all.truncated);
  EXPECT_TRUE(all.cursor.empty());
  EXPECT_EQ(all.objects[0].key, "img/a.png");
  EXPECT_EQ(all.objects[4].key, "zz");
  EXPECT_EQ(all.objects[0].size, 9u);
  EXPECT_EQ(all.objects[0].etag, digestHex(EVP_md5(), "img/a.png"));
  EXPECT_FALSE(all.objects[0].http_metadata.content_type);  // not asked for
  EXPECT_TRUE(all.objects[0].custom_metadata.empty());

  R2ListResult img = store_->list(kBucket, {.prefix = "img/"});
  ASSERT_EQ(img.objects.size(), 2u);
  EXPECT_EQ(img.objects[1].key, "img/b.png");
  EXPECT_EQ(store_->list(kBucket, {.prefix = "img"}).objects.size(), 3u);
  EXPECT_EQ(store_->list(kBucket, {.prefix = "nothing"}).objects.size(), 0u);
  EXPECT_EQ(store_->list("other-bucket", {}).objects.size(), 0u);

  R2ListResult http = store_->list(kBucket, {.prefix = "txt/", .include_http_metadata = true});
  ASSERT_EQ(http.objects.size(), 1u);
  EXPECT_EQ(http.objects[0].http_metadata.content_type, "image/png");
  EXPECT_TRUE(http.objects[0].custom_metadata.empty());
  R2ListResult custom = store_->list(kBucket, {.prefix = "txt/", .include_custom_metadata = true});
  EXPECT_FALSE(custom.objects[0].http_metadata.content_type);
  EXPECT_EQ(custom.objects[0].custom_metadata, options.custom_metadata);
}

TEST_F(ObjectStoreTest, ListDelimiterCountsPrefixesAgainstLimit) {
  for (std::string key : {"a/1", "a/2", "a/b/3", "b/1", "c", "d/x", "d/y"}) put(key, "v");

  R2ListResult top = store_->list(kBucket, {.delimiter = "/"});
  ASSERT_EQ(top.objects.size(), 1u);
  EXPECT_EQ(top.objects[0].key, "c");
  EXPECT_EQ(top.delimited_prefixes, (std::vector<std::string>{"a/", "b/", "d/"}));
  EXPECT_FALSE(top.truncated);

  // Prefixes count against the limit, and the cursor skips a whole prefix.
  R2ListResult page1 = store_->list(kBucket, {.delimiter = "/", .limit = 2});
  EXPECT_TRUE(page1.objects.empty());
  EXPECT_EQ(page1.delimited_prefixes, (std::vector<std::string>{"a/", "b/"}));
  ASSERT_TRUE(page1.truncated);
  R2ListResult page2 =
      store_->list(kBucket, {.delimiter = "/", .cursor = page1.cursor, .limit = 2});
  ASSERT_EQ(page2.objects.size(), 1u);
  EXPECT_EQ(page2.objects[0].key, "c");
  EXPECT_EQ(page2.delimited_prefixes, (std::vector<std::string>{"d/"}));
  EXPECT_FALSE(page2.truncated);

  R2ListResult in_a = store_->list(kBucket, {.prefix = "a/", .delimiter = "/"});
  ASSERT_EQ(in_a.objects.size(), 2u);
  EXPECT_EQ(in_a.objects[0].key, "a/1");
  EXPECT_EQ(in_a.objects[1].key, "a/2");
  EXPECT_EQ(in_a.delimited_prefixes, (std::vector<std::string>{"a/b/"}));

  // Multi-character delimiters.
  put("x--1--2", "v");
  put("x--3", "v");
  R2ListResult dashes = store_->list(kBucket, {.prefix = "x", .delimiter = "--"});
  EXPECT_TRUE(dashes.objects.empty());
  EXPECT_EQ(dashes.delimited_prefixes, (std::vector<std::string>{"x--"}));
}

TEST_F(ObjectStoreTest, ListCursorPaging2500Keys) {
  std::vector<std::string> keys;
  for (int i = 0; i < 2500; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "page/%05d", (i * 7919) % 2500);  // not in order
    keys.push_back(key);
    put(key, "v");
  }
  put("pagf", "outside the prefix");
  std::sort(keys.begin(), keys.end());

  std::vector<std::string> seen;
  std::vector<size_t> page_sizes;
  std::string cursor;
  for (;;) {
    R2ListResult page = store_->list(kBucket, {.prefix = "page/", .cursor = cursor});
    page_sizes.push_back(page.objects.size());
    for (const R2Object& o : page.objects) seen.push_back(o.key);
    if (!page.truncated) {
      EXPECT_TRUE(page.cursor.empty());
      break;
    }
    EXPECT_FALSE(page.cursor.empty());
    cursor = page.cursor;
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{1000, 1000, 500}));
  EXPECT_EQ(seen, keys);

  // Smaller pages, with deletes between them: nothing is skipped or repeated.
  seen.clear();
  cursor.clear();
  int pages = 0;
  for (;; ++pages) {
    R2ListResult page = store_->list(kBucket, {.prefix = "page/", .cursor = cursor, .limit = 300});
    for (const R2Object& o : page.objects) seen.push_back(o.key);
    if (!page.truncated) break;
    cursor = page.cursor;
    if (pages == 0) store_->remove(kBucket, {keys[0], keys[301]});  // one seen, one not yet
  }
  EXPECT_EQ(pages, 8);
  EXPECT_EQ(seen.size(), 2499u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
}

TEST_F(ObjectStoreTest, ListStartAfterAndErrors) {
  for (int i = 0; i < 10; ++i) put("k" + std::to_string(i), "v");
  R2ListResult after = store_->list(kBucket, {.start_after = "k4"});
  ASSERT_EQ(after.objects.size(), 5u);
  EXPECT_EQ(after.objects[0].key, "k5");
  EXPECT_EQ(store_->list(kBucket, {.start_after = "k45"}).objects[0].key, "k5");
  EXPECT_EQ(store_->list(kBucket, {.start_after = "a"}).objects.size(), 10u);
  EXPECT_EQ(store_->list(kBucket, {.start_after = "k9"}).objects.size(), 0u);

  R2ListResult limited = store_->list(kBucket, {.start_after = "k1", .limit = 3});
  ASSERT_EQ(limited.objects.size(), 3u);
  EXPECT_EQ(limited.objects[2].key, "k4");
  EXPECT_TRUE(limited.truncated);
  R2ListResult rest =
      store_->list(kBucket, {.cursor = limited.cursor, .start_after = "k1", .limit = 1000});
  EXPECT_EQ(rest.objects.size(), 5u);
  EXPECT_EQ(rest.objects[0].key, "k5");

  // A limit that ends exactly at the last key is not truncated.
  EXPECT_FALSE(store_->list(kBucket, {.limit = 10}).truncated);
  EXPECT_TRUE(store_->list(kBucket, {.limit = 9}).truncated);

  for (size_t bad : {size_t{0}, size_t{1001}}) {
    std::string message = r2Error([&] { store_->list(kBucket, {.limit = bad}); });
    EXPECT_EQ(message, "list: MaxKeys params must be positive integer <= 1000. (10022)");
  }
  EXPECT_TRUE(
      contains(r2Error([&] { store_->list(kBucket, {.cursor = "not a cursor"}); }), "list: "));
}

// --- multipart --------------------------------------------------------------------

// Part i (1-based) of a test upload: `size` bytes that differ per part.
std::string partData(int i, size_t size) {
  std::string data(size, static_cast<char>('a' + i));
  for (size_t at = 0; at < size; at += 4096) data[at] = static_cast<char>(i * 31 + at / 4096);
  return data;
}

TEST_F(ObjectStoreTest, MultipartHappyPath) {
  R2HttpMetadata http;
  http.content_type = "video/mp4";
  std::string id = store_->createMultipartUpload(kBucket, "movie", http, {{"title", "big"}});
  EXPECT_TRUE(isHex(id, 32)) << id;

  std::vector<std::string> data = {partData(1, 5 * kMiB), partData(2, 5 * kMiB),
                                   partData(3, 5 * kMiB), partData(4, 12345)};
  // Any upload order; re-uploading a number replaces the earlier part.
  R2UploadedPart p2 = uploadPart("movie", id, 2, data[1]);
  R2UploadedPart p4 = uploadPart("movie", id, 4, data[3]);
  R2UploadedPart p1 = uploadPart("movie", id, 1, data[0]);
  uploadPart("movie", id, 3, partData(9, 5 * kMiB));
  R2UploadedPart p3 = uploadPart("movie", id, 3, data[2]);
  EXPECT_EQ(p1.part_number, 1);
  EXPECT_EQ(p3.part_number, 3);
  EXPECT_EQ(p1.etag, digestHex(EVP_md5(), data[0]));
  EXPECT_EQ(countFiles(objectsDir()), 4u);  // the replaced part 3 is gone

  // Quoted part etags are accepted too.
  p2.etag = "\"" + p2.etag + "\"";
  R2Object o = store_->completeMultipartUpload(kBucket, "movie", id, {p1, p2, p3, p4});

  Hash etag_of_parts;
  for (const std::string& d : data) etag_of_parts.update(md5Raw(d));
  EXPECT_EQ(o.etag, etag_of_parts.hex() + "-4");
  EXPECT_EQ(o.size, 15 * kMiB + 12345);
  EXPECT_TRUE(isHex(o.version, 32));
  EXPECT_FALSE(o.checksums.md5);  // as on R2: no md5 for multipart objects
  EXPECT_EQ(o.http_metadata.content_type, "video/mp4");
  EXPECT_EQ(o.custom_metadata.at("title"), "big");

  auto got = get("movie");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->object.etag, o.etag);
  EXPECT_EQ(got->object.http_metadata.content_type, "video/mp4");
  std::string chunk;
  Hash whole, expected;
  uint64_t total = 0;
  while (got->body->read(chunk)) {
    whole.update(chunk);
    total += chunk.size();
    chunk.clear();
  }
  for (const std::string& d : data) expected.update(d);
  EXPECT_EQ(total, o.size);
  EXPECT_EQ(whole.hex(), expected.hex());
  EXPECT_EQ(body("movie", R2Range{.offset = 5 * kMiB - 2, .length = 4}),
            data[0].substr(5 * kMiB - 2) + data[1].substr(0, 2));

  // The parts are gone; the upload is finished.
  EXPECT_EQ(countFiles(objectsDir()), 1u);
  EXPECT_EQ(countFiles(tmpDir()), 0u);
  std::string message = r2Error([&] {
    store_->completeMultipartUpload(kBucket, "movie", id, {p1, p2, p3, p4});
  });
  EXPECT_TRUE(contains(message, "(10024)")) << message;

  // A single part may be any size; it replaces an existing object.
  std::string id2 = store_->createMultipartUpload(kBucket, "movie", {}, {});
  R2UploadedPart only = uploadPart("movie", id2, 7, "tiny");
  R2Object small = store_->completeMultipartUpload(kBucket, "movie", id2, {only});
  EXPECT_EQ(small.etag, digestHex(EVP_md5(), md5Raw("tiny")) + "-1");
  EXPECT_EQ(body("movie"), "tiny");
  EXPECT_FALSE(store_->head(kBucket, "movie")->http_metadata.content_type);
  EXPECT_EQ(countFiles(objectsDir()), 1u);
}

TEST_F(ObjectStoreTest, MultipartPartTooSmall) {
  std::string id = store_->createMultipartUpload(kBucket, "small", {}, {});
  R2UploadedPart p1 = uploadPart("small", id, 1, partData(1, kMiB));
  R2UploadedPart p2 = uploadPart("small", id, 2, partData(2, kMiB));
  R2UploadedPart p3 = uploadPart("small", id, 3, "end");
  std::string message = r2Error([&] {
    store_->completeMultipartUpload(kBucket, "small", id, {p1, p2, p3});
  });
  EXPECT_TRUE(contains(message,
                       "completeMultipartUpload: Your proposed upload is smaller than "
                       "the minimum allowed object size"))
      << message;
  EXPECT_TRUE(contains(message, "(10011)")) << message;
  EXPECT_FALSE(get("small"));
  // The upload survives a refused completion.
  store_->abortMultipartUpload(kBucket, "small", id);
  EXPECT_EQ(countFiles(objectsDir()), 0u);
  EXPECT_EQ(countFiles(tmpDir()), 0u);
}

TEST_F(ObjectStoreTest, MultipartPartsMustBeUniformOrderedAndKnown) {
  std::string id = store_->createMultipartUpload(kBucket, "u", {}, {});
  R2UploadedPart p1 = uploadPart("u", id, 1, partData(1, 6 * kMiB));
  R2UploadedPart p2 = uploadPart("u", id, 2, partData(2, 5 * kMiB));
  R2UploadedPart p3 = uploadPart("u", id, 3, "end");
  auto complete = [&](std::vector<R2UploadedPart> parts) {
    return r2Error([&] { store_->completeMultipartUpload(kBucket, "u", id, parts); });
  };
  std::string message = complete({p1, p2, p3});
  EXPECT_TRUE(contains(message, "All non-trailing parts must have the same size")) << message;
  EXPECT_TRUE(contains(message, "(10048)")) << message;
  EXPECT_TRUE(contains(complete({p2, R2UploadedPart{3, p1.etag}}), "(10025)"));  // wrong etag

  R2UploadedPart p4 = uploadPart("u", id, 4, partData(4, 6 * kMiB));
  EXPECT_TRUE(contains(complete({p2, p4}), "(10048)"));  // last larger than the others
  message = complete({p2, p1});
  EXPECT_TRUE(contains(message, "ascending order")) << message;
  EXPECT_TRUE(contains(complete({p1, p1}), "ascending order"));
  EXPECT_TRUE(contains(complete({R2UploadedPart{5, p1.etag}}), "(10025)"));  // never uploaded
  EXPECT_TRUE(contains(complete({}), "completeMultipartUpload: "));

  for (int bad : {0, -1, 10001}) {
    message = r2Error([&] { store_->beginUploadPart(kBucket, "u", id, bad); });
    EXPECT_TRUE(contains(message, "between 1 and 10000")) << message;
  }
  store_->beginUploadPart(kBucket, "u", id, 10000)->abort();

  // A subset of the uploaded parts makes the object; the others are dropped.
  R2Object o = store_->completeMultipartUpload(kBucket, "u", id, {p1, p4});
  EXPECT_EQ(o.size, 12 * kMiB);
  EXPECT_TRUE(o.etag.ends_with("-2"));
  EXPECT_EQ(countFiles(objectsDir()), 1u);
}

TEST_F(ObjectStoreTest, MultipartAbort) {
  std::string id = store_->createMultipartUpload(kBucket, "gone", {}, {});
  R2UploadedPart p1 = uploadPart("gone", id, 1, partData(1, 5 * kMiB));
  uploadPart("gone", id, 2, "tail");
  auto late = store_->beginUploadPart(kBucket, "gone", id, 3);
  late->append("still streaming when the upload is aborted");
  EXPECT_EQ(countFiles(objectsDir()), 2u);

  store_->abortMultipartUpload(kBucket, "gone", id);
  EXPECT_EQ(countFiles(objectsDir()), 0u);
  std::string message = r2Error([&] { store_->finishUploadPart(*late); });
  EXPECT_EQ(message, "uploadPart: The specified multipart upload does not exist. (10024)");
  late.reset();
  EXPECT_EQ(countFiles(objectsDir()), 0u);
  EXPECT_EQ(countFiles(tmpDir()), 0u);

  message = r2Error([&] { store_->completeMultipartUpload(kBucket, "gone", id, {p1}); });
  EXPECT_EQ(message,
            "completeMultipartUpload: The specified multipart upload does not exist. (10024)");
  message = r2Error([&] { store_->abortMultipartUpload(kBucket, "gone", id); });
  EXPECT_EQ(message,
            "abortMultipartUpload: The specified multipart upload does not exist. (10024)");
  EXPECT_FALSE(get("gone"));
}

TEST_F(ObjectStoreTest, MultipartUnknownUploadId) {
  const std::string kMissing = "The specified multipart upload does not exist. (10024)";
  std::string message = r2Error([&] { store_->beginUploadPart(kBucket, "k", "no-such-id", 1); });
  EXPECT_EQ(message, "uploadPart: " + kMissing);
  message = r2Error([&] {
    store_->completeMultipartUpload(kBucket, "k", "no-such-id", {R2UploadedPart{1, "x"}});
  });
  EXPECT_EQ(message, "completeMultipartUpload: " + kMissing);
  message = r2Error([&] { store_->abortMultipartUpload(kBucket, "k", "no-such-id"); });
  EXPECT_EQ(message, "abortMultipartUpload: " + kMissing);

  // An upload belongs to its bucket and key.
  std::string id = store_->createMultipartUpload(kBucket, "k", {}, {});
  EXPECT_TRUE(
      contains(r2Error([&] { store_->beginUploadPart(kBucket, "other", id, 1); }), kMissing));
  EXPECT_TRUE(
      contains(r2Error([&] { store_->beginUploadPart("other-bucket", "k", id, 1); }), kMissing));
  store_->abortMultipartUpload(kBucket, "k", id);
}

// --- durability -------------------------------------------------------------------

TEST_F(ObjectStoreTest, CrashRecoveryRemovesOrphans) {
  R2Object kept = put("kept", "survives");
  std::string id = store_->createMultipartUpload(kBucket, "mp", {}, {});
  R2UploadedPart part = uploadPart("mp", id, 1, "part bytes");
  // No SQLite connection may cross fork(): close ours first.
  store_.reset();

  // A process killed mid-put leaves its staged file behind.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ObjectStore s(root());
    auto w = s.beginPut(kBucket, "from-child");
    w->append("committed by the child");
    w->commit({});
    auto partial = s.beginPut(kBucket, "partial");
    partial->append(std::string(kMiB, 'p'));
    ::_exit(0);  // "crash": no destructors, no abort
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(countFiles(tmpDir()), 1u);

  // A crash between rename and commit leaves an unreferenced object file; a
  // crash after commit leaves the replaced file queued in r2_garbage.
  std::ofstream(tmpDir() / "another.tmp") << "half a body";
  const std::string orphan = "0123456789abcdef0123456789abcdef";
  const std::string queued = "fedcba9876543210fedcba9876543210";
  std::ofstream(objectsDir() / orphan) << "never committed";
  std::ofstream(objectsDir() / queued) << "replaced version";
  Database::open(root() / "r2.sqlite")
      ->exec("INSERT INTO r2_garbage (file) VALUES ('" + queued + "')");

  // While another store has the root open, orphans cannot be told from work
  // in progress, so nothing is removed (a shared flock stands in for it).
  {
    int other = ::open((root() / "r2.lock").c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(other, 0);
    ASSERT_EQ(::flock(other, LOCK_SH), 0);
    ObjectStore second(root());
    EXPECT_TRUE(fs::exists(objectsDir() / orphan));
    EXPECT_TRUE(fs::exists(objectsDir() / queued));
    EXPECT_EQ(countFiles(tmpDir()), 2u);
    EXPECT_EQ(second.head(kBucket, "kept")->version, kept.version);
    ::close(other);
  }

  reopen();  // the only store now: recovery runs
  EXPECT_EQ(countFiles(tmpDir()), 0u);
  EXPECT_FALSE(fs::exists(objectsDir() / orphan));
  EXPECT_FALSE(fs::exists(objectsDir() / queued));
  EXPECT_EQ(countFiles(objectsDir()), 3u);  // kept, from-child, the part
  EXPECT_EQ(body("kept"), "survives");
  EXPECT_EQ(store_->head(kBucket, "kept")->version, kept.version);
  EXPECT_EQ(body("from-child"), "committed by the child");
  EXPECT_FALSE(get("partial"));
  R2Object mp = store_->completeMultipartUpload(kBucket, "mp", id, {part});
  EXPECT_EQ(body("mp"), "part bytes");
  EXPECT_EQ(mp.size, 10u);
}

TEST_F(ObjectStoreTest, ReaderSurvivesOverwriteAndDelete) {
  std::string big(3 * kMiB, 'o');
  put("live", big);
  auto before_overwrite = get("live");
  auto before_delete = get("live", R2Range{.suffix = 5});
  put("live", "new");
  EXPECT_EQ(countFiles(objectsDir()), 1u);     // the old name is unlinked ...
  EXPECT_EQ(readAll(*before_overwrite), big);  // ... but the open file still reads
  store_->remove(kBucket, {"live"});
  EXPECT_EQ(readAll(*before_delete), "ooooo");
  // A reader may also outlive its store.
  put("live", "again");
  auto last = get("live");
  store_.reset();
  EXPECT_EQ(readAll(*last), "again");
}

TEST_F(ObjectStoreTest, ConcurrentStoresShareRoot) {
  constexpr int kThreads = 3;
  constexpr int kRounds = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        ObjectStore s(root());  // one store per thread over one root
        for (int i = 0; i < kRounds; ++i) {
          std::string mine = "t" + std::to_string(t) + "-" + std::to_string(i);
          std::string value = mine + std::string(1000 + i * 10, 'x');
          auto w = s.beginPut(kBucket, "shared");
          w->append(value);
          w->commit({});
          w = s.beginPut(kBucket, mine);
          w->append(value);
          w->commit({});
          // Whatever version we read, its body matches its etag.
          auto got = s.get(kBucket, "shared", std::nullopt, std::nullopt);
          if (!got) throw std::runtime_error("shared vanished");
          Hash h;
          std::string chunk;
          while (got->body->read(chunk)) {
            h.update(chunk);
            chunk.clear();
          }
          if (h.hex() != got->object.etag) throw std::runtime_error("body does not match etag");
          if (i % 10 == 9) s.remove(kBucket, {mine});
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "thread " << t << ": " << e.what();
        ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  R2ListResult listed = store_->list(kBucket, {});
  EXPECT_EQ(listed.objects.size(), 1u + kThreads * (kRounds - kRounds / 10));
  EXPECT_EQ(countFiles(objectsDir()), listed.objects.size());  // no leaked versions
  EXPECT_EQ(countFiles(tmpDir()), 0u);
}

TEST_F(ObjectStoreTest, LargeObjectStreamsInBoundedMemory) {
  constexpr size_t kChunk = 64 * 1024;
  constexpr size_t kSize = 200 * kMiB;
  const long baseline_kb = vmRssKb();
  ASSERT_GT(baseline_kb, 0);
  long peak_kb = baseline_kb;

  Hash expected;
  std::string chunk(kChunk, '\0');
  auto writer = store_->beginPut(kBucket, "big");
  for (size_t i = 0; i < kSize / kChunk; ++i) {
    std::fill(chunk.begin(), chunk.end(), static_cast<char>(i * 13));
    std::memcpy(chunk.data(), &i, sizeof i);
    expected.update(chunk);
    writer->append(chunk);
    if (i % 64 == 0) peak_kb = std::max(peak_kb, vmRssKb());
  }
  std::optional<R2Object> o = writer->commit({});
  ASSERT_TRUE(o);
  writer.reset();
  const std::string md5 = expected.hex();
  EXPECT_EQ(o->size, kSize);
  EXPECT_EQ(o->etag, md5);
  peak_kb = std::max(peak_kb, vmRssKb());

  auto got = get("big");
  ASSERT_TRUE(got);
  Hash actual;
  uint64_t total = 0;
  std::string buffer;
  for (size_t n = 0; got->body->read(buffer, kChunk); ++n) {
    EXPECT_LE(buffer.size(), kChunk);
    actual.update(buffer);
    total += buffer.size();
    buffer.clear();
    if (n % 64 == 0) peak_kb = std::max(peak_kb, vmRssKb());
  }
  EXPECT_EQ(total, kSize);
  EXPECT_EQ(actual.hex(), md5);

  // Well below the 200 MB object: bytes stream through, never accumulate.
  const long growth_mb = (peak_kb - baseline_kb) / 1024;
  RecordProperty("rss_baseline_kb", std::to_string(baseline_kb));
  RecordProperty("rss_peak_kb", std::to_string(peak_kb));
  EXPECT_LT(growth_mb, 32) << "RSS grew by " << growth_mb << " MB (baseline " << baseline_kb / 1024
                           << " MB)";
}

}  // namespace
}  // namespace verge::storage
