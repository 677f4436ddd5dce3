// Tests of the edge cache's storage (cache::Store): both tiers, variants,
// eviction, persistence across re-opens, invalid files, every purge and its
// races with queued writes, header updates, threads, and kill -9.
#include "cache/store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "cache/disk_tier.h"

namespace verge::cache {
namespace {

namespace fs = std::filesystem;
using ObjectPtr = std::shared_ptr<const Object>;

// Deterministic bytes for (key, version): any mix-up of bodies between
// objects or versions shows up as a mismatch.
std::string makeBody(std::string_view key, int version, size_t size) {
  std::mt19937_64 rng(std::hash<std::string_view>{}(key)*1000003 + static_cast<uint64_t>(version));
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

ObjectMeta makeMeta(std::string key, std::string variant = "", std::string path = "/",
                    std::string host = "example.com", std::string zone = "zone1",
                    std::vector<std::string> tags = {}) {
  ObjectMeta m;
  m.url_key = std::move(key);
  m.variant = std::move(variant);
  m.zone = std::move(zone);
  m.host = std::move(host);
  m.path = std::move(path);
  m.tags = std::move(tags);
  m.status = 200;
  m.headers = {{"content-type", "text/plain"}, {"cache-control", "max-age=60"}};
  m.request_time = 1000;
  m.response_time = 1001;
  return m;
}

std::string fullBody(const Object& o) {
  std::string out;
  EXPECT_TRUE(o.read(0, o.bodySize(), out));
  return out;
}

void expectSameMeta(const ObjectMeta& a, const ObjectMeta& b) {
  EXPECT_EQ(a.url_key, b.url_key);
  EXPECT_EQ(a.variant, b.variant);
  EXPECT_EQ(a.zone, b.zone);
  EXPECT_EQ(a.host, b.host);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.headers, b.headers);
  EXPECT_EQ(a.request_time, b.request_time);
  EXPECT_EQ(a.response_time, b.response_time);
  EXPECT_EQ(a.ttl_override, b.ttl_override);
}

size_t countFiles(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) ++n;
  }
  return n;
}

uint64_t bytesOfFiles(const fs::path& dir) {
  uint64_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

// Every test gets a fresh directory; the writer is never left paused.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("verge-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
  }
  void TearDown() override {
    disk::setWritesPausedForTesting(false);
    fs::remove_all(dir_);
  }
  StoreOptions diskOptions() const {
    StoreOptions o;
    o.dir = dir_;
    o.memory_bytes = 16 << 20;
    o.disk_bytes = 256 << 20;
    o.max_memory_object = 64 << 10;
    return o;
  }
  static StoreOptions memoryOptions() {
    StoreOptions o;
    o.memory_bytes = 16 << 20;
    return o;
  }
  fs::path objectsDir() const { return dir_ / "objects"; }
  fs::path tmpDir() const { return dir_ / "tmp"; }

  fs::path dir_;
};

// --- memory tier -------------------------------------------------------------------

TEST_F(StoreTest, InsertThenLookup) {
  Store store(memoryOptions());
  EXPECT_TRUE(store.lookup("k").empty());
  ObjectMeta m = makeMeta("k");
  m.ttl_override = 30;
  store.insert(m, "hello");
  auto found = store.lookup("k");
  ASSERT_EQ(found.size(), 1u);
  expectSameMeta(found[0]->meta(), m);
  ASSERT_NE(found[0]->memoryBody(), nullptr);
  EXPECT_EQ(*found[0]->memoryBody(), "hello");
  EXPECT_EQ(found[0]->bodySize(), 5u);
  std::string part;
  EXPECT_TRUE(found[0]->read(1, 3, part));
  EXPECT_EQ(part, "ell");
  EXPECT_TRUE(found[0]->read(3, 100, part));  // clamped to the end
  EXPECT_EQ(part, "elllo");
  EXPECT_TRUE(found[0]->read(99, 1, part));  // past the end: nothing
  EXPECT_EQ(part, "elllo");
  EXPECT_EQ(store.stats().memory_objects, 1u);
}

TEST_F(StoreTest, VariantsAreNewestFirstAndTheSameVariantIsReplaced) {
  Store store(memoryOptions());
  store.insert(makeMeta("k", "gzip"), "a");
  store.insert(makeMeta("k", "br"), "b");
  auto found = store.lookup("k");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0]->meta().variant, "br");
  EXPECT_EQ(found[1]->meta().variant, "gzip");
  uint64_t old_id = found[1]->id();

  store.insert(makeMeta("k", "gzip"), "a2");
  found = store.lookup("k");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0]->meta().variant, "gzip");
  EXPECT_EQ(*found[0]->memoryBody(), "a2");
  EXPECT_NE(found[0]->id(), old_id);
  EXPECT_EQ(found[1]->meta().variant, "br");
  EXPECT_EQ(store.stats().memory_objects, 2u);
}

TEST_F(StoreTest, AtMostMaxVariantsTheOldestGoFirst) {
  StoreOptions o = memoryOptions();
  o.max_variants = 3;
  Store store(o);
  for (int i = 0; i < 5; ++i) store.insert(makeMeta("k", "v" + std::to_string(i)), "x");
  auto found = store.lookup("k");
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0]->meta().variant, "v4");
  EXPECT_EQ(found[1]->meta().variant, "v3");
  EXPECT_EQ(found[2]->meta().variant, "v2");
  EXPECT_EQ(store.stats().memory_objects, 3u);
  EXPECT_EQ(store.purgeZone("zone1"), 3u);  // the dropped ones left the index too
}

TEST_F(StoreTest, AVariantFloodDoesNotEvictTheServedVariant) {
  StoreOptions o = memoryOptions();
  o.max_variants = 3;
  Store store(o);
  store.insert(makeMeta("k", "popular"), "p");
  auto served = store.lookup("k");
  ASSERT_EQ(served.size(), 1u);
  store.markUsed(*served[0]);
  // An attacker stores many variants nobody else asks for.
  for (int i = 0; i < 10; ++i) store.insert(makeMeta("k", "junk" + std::to_string(i)), "x");
  auto found = store.lookup("k");
  ASSERT_EQ(found.size(), 3u);
  std::vector<std::string> variants;
  for (const auto& f : found) variants.push_back(f->meta().variant);
  EXPECT_EQ(variants, (std::vector<std::string>{"junk9", "junk8", "popular"}));
}

TEST_F(StoreTest, AmongServedVariantsTheLeastRecentlyServedGoes) {
  StoreOptions o = memoryOptions();
  o.max_variants = 2;
  Store store(o);
  store.insert(makeMeta("k", "a"), "a");
  store.insert(makeMeta("k", "b"), "b");
  auto found = store.lookup("k");  // b, a
  ASSERT_EQ(found.size(), 2u);
  store.markUsed(*found[0]);  // b
  store.markUsed(*found[1]);  // a, more recently
  store.insert(makeMeta("k", "c"), "c");  // over the cap: both served, b is older
  found = store.lookup("k");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0]->meta().variant, "c");
  EXPECT_EQ(found[1]->meta().variant, "a");
  // markUsed on an object that is gone is harmless.
  Store other(memoryOptions());
  other.markUsed(*found[0]);
}

TEST_F(StoreTest, TheMemoryTierStaysWithinItsBudget) {
  StoreOptions o = memoryOptions();
  o.memory_bytes = 16 * 64 * 1024;  // 64 KiB per shard
  Store store(o);
  for (int i = 0; i < 2000; ++i)
    store.insert(makeMeta("k" + std::to_string(i)), std::string(2000, 'x'));
  StoreStats st = store.stats();
  EXPECT_LE(st.memory_bytes, o.memory_bytes);
  EXPECT_GT(st.memory_objects, 100u);
  EXPECT_LT(st.memory_objects, 2000u);
  // Bytes are counted honestly: at least the bodies.
  EXPECT_GE(st.memory_bytes, st.memory_objects * 2000);
  EXPECT_FALSE(store.lookup("k1999").empty());  // the newest is there
  size_t present = 0;
  for (int i = 0; i < 2000; ++i) present += store.lookup("k" + std::to_string(i)).size();
  EXPECT_EQ(present, st.memory_objects);  // evicted objects are gone entirely
  // A hot object survives the churn of one-hit wonders.
  store.insert(makeMeta("hot"), std::string(2000, 'h'));
  for (int i = 0; i < 4000; ++i) {
    ASSERT_FALSE(store.lookup("hot").empty()) << "after " << i << " inserts";
    store.insert(makeMeta("cold" + std::to_string(i)), std::string(2000, 'c'));
  }
}

TEST_F(StoreTest, WithoutADiskObjectsLargerThanAShardAreNotStored) {
  StoreOptions o = memoryOptions();
  o.memory_bytes = 16 * 10000;
  Store store(o);
  store.insert(makeMeta("big"), std::string(20000, 'x'));
  EXPECT_TRUE(store.lookup("big").empty());
  EXPECT_EQ(store.stats().memory_objects, 0u);
}

TEST_F(StoreTest, AHeldObjectStaysReadableAfterItIsPurged) {
  Store store(memoryOptions());
  store.insert(makeMeta("k"), "body");
  ObjectPtr held = store.lookup("k").at(0);
  EXPECT_EQ(store.remove("k"), 1u);
  EXPECT_TRUE(store.lookup("k").empty());
  EXPECT_EQ(fullBody(*held), "body");
}

// --- disk tier ------------------------------------------------------------------------

TEST_F(StoreTest, ObjectsSurviveAReopen) {
  std::vector<ObjectMeta> metas;
  for (int i = 0; i < 20; ++i) {
    ObjectMeta m =
        makeMeta("key" + std::to_string(i), i % 3 ? "" : "gzip", "/p" + std::to_string(i),
                 "example.com", "zone1", {"t" + std::to_string(i % 4), "all"});
    m.status = 200 + i;
    m.headers.push_back({"x-index", std::to_string(i)});
    m.headers.push_back({"set-thing", std::string(i, 'v')});
    m.request_time = 5000 + i;
    m.response_time = 6000 + i;
    m.ttl_override = i % 2 ? -1 : i * 10;
    metas.push_back(m);
  }
  // Sizes around the memory/disk limit (64 KiB) and an empty body.
  auto sizeOf = [](int i) { return i == 0 ? size_t{0} : size_t(i) * 9000; };
  {
    Store store(diskOptions());
    for (int i = 0; i < 20; ++i) store.insert(metas[i], makeBody(metas[i].url_key, 1, sizeOf(i)));
    // A second variant of key0.
    store.insert(makeMeta("key0", "br"), "brotli");
    store.flush();
    EXPECT_EQ(countFiles(objectsDir()), 21u);
  }
  Store store(diskOptions());
  EXPECT_EQ(store.stats().disk_objects, 21u);
  EXPECT_EQ(store.stats().memory_objects, 0u);  // nothing read yet
  for (int i = 0; i < 20; ++i) {
    auto found = store.lookup(metas[i].url_key);
    ASSERT_EQ(found.size(), i == 0 ? 2u : 1u) << i;
    const Object& o = i == 0 ? *found[1] : *found[0];
    expectSameMeta(o.meta(), metas[i]);
    EXPECT_EQ(o.bodySize(), sizeOf(i));
    EXPECT_EQ(fullBody(o), makeBody(metas[i].url_key, 1, sizeOf(i))) << i;
    // Small ones are promoted into memory, large ones are read from disk.
    EXPECT_EQ(o.memoryBody() != nullptr, sizeOf(i) <= (64u << 10)) << i;
  }
  auto key0 = store.lookup("key0");
  EXPECT_EQ(key0[0]->meta().variant, "br");  // order kept across the reopen
  EXPECT_EQ(fullBody(*key0[0]), "brotli");
  EXPECT_GT(store.stats().memory_objects, 0u);
  // Ids keep counting above the ones on disk.
  store.insert(makeMeta("new"), "n");
  EXPECT_GT(store.lookup("new").at(0)->id(), key0[0]->id());
}

TEST_F(StoreTest, ALargeObjectIsServedFromMemoryUntilWrittenThenFromItsFile) {
  Store store(diskOptions());
  const std::string body = makeBody("big", 1, 3 << 20);
  disk::setWritesPausedForTesting(true);
  store.insert(makeMeta("big"), body);
  {
    auto found = store.lookup("big");
    ASSERT_EQ(found.size(), 1u);
    ASSERT_NE(found[0]->memoryBody(), nullptr);  // the pending copy
    EXPECT_EQ(fullBody(*found[0]), body);
    EXPECT_EQ(countFiles(objectsDir()), 0u);
  }
  disk::setWritesPausedForTesting(false);
  store.flush();
  EXPECT_EQ(countFiles(objectsDir()), 1u);
  ObjectPtr o = store.lookup("big").at(0);
  EXPECT_EQ(o->memoryBody(), nullptr);  // disk-only now
  EXPECT_EQ(store.stats().memory_objects, 0u);
  std::string part;
  EXPECT_TRUE(o->read(0, 10, part));
  EXPECT_EQ(part, body.substr(0, 10));
  part.clear();
  EXPECT_TRUE(o->read(1 << 20, 4096, part));
  EXPECT_EQ(part, body.substr(1 << 20, 4096));
  part.clear();
  EXPECT_TRUE(o->read(body.size() - 5, 100, part));  // clamped
  EXPECT_EQ(part, body.substr(body.size() - 5));
  part = "keep";
  EXPECT_TRUE(o->read(body.size(), 10, part));
  EXPECT_EQ(part, "keep");
  // A reader holding the object keeps reading after a purge unlinks it.
  EXPECT_EQ(store.purgeUrl("zone1", "example.com", "/"), 1u);
  EXPECT_EQ(countFiles(objectsDir()), 0u);
  part.clear();
  EXPECT_TRUE(o->read(0, body.size(), part));
  EXPECT_EQ(part, body);
}

TEST_F(StoreTest, ALargeObjectFoundAtOpenIsReadInRanges) {
  const std::string body = makeBody("big", 1, 5 << 20);
  {
    Store store(diskOptions());
    store.insert(makeMeta("big"), body);
  }  // the destructor finishes the write
  Store store(diskOptions());
  ObjectPtr o = store.lookup("big").at(0);
  EXPECT_EQ(o->memoryBody(), nullptr);
  for (uint64_t offset : {uint64_t{0}, uint64_t{12345}, uint64_t{4 << 20}}) {
    std::string part;
    EXPECT_TRUE(o->read(offset, 70000, part));
    EXPECT_EQ(part, body.substr(offset, 70000));
  }
  EXPECT_EQ(fullBody(*o), body);
}

TEST_F(StoreTest, OpenDeletesTemporariesAndInvalidFiles) {
  const std::string good_body = makeBody("good", 1, 1000);
  uint64_t truncated_id = 0, flipped_id = 0, flipped_body_id = 0, liar_id = 0;
  {
    Store store(diskOptions());
    store.insert(makeMeta("good"), good_body);
    store.insert(makeMeta("truncated"), makeBody("truncated", 1, 5000));
    store.insert(makeMeta("flipped"), makeBody("flipped", 1, 5000));
    store.insert(makeMeta("flipped-body"), makeBody("flipped-body", 1, 500000));  // disk-only
    store.insert(makeMeta("liar"), makeBody("liar", 1, 5000));
    truncated_id = store.lookup("truncated").at(0)->id();
    flipped_id = store.lookup("flipped").at(0)->id();
    flipped_body_id = store.lookup("flipped-body").at(0)->id();
    liar_id = store.lookup("liar").at(0)->id();
  }
  disk::Layout layout(dir_);
  // A truncated real file.
  fs::resize_file(layout.objectPath(truncated_id),
                  fs::file_size(layout.objectPath(truncated_id)) - 1);
  auto patch = [](const fs::path& p, uint64_t offset, std::string_view bytes) {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  };
  // A flipped byte in the meta (caught by its CRC at open).
  patch(layout.objectPath(flipped_id), disk::kHeaderSize + 3, "\x7f");
  // A flipped byte in a disk-only body (caught before it is first served).
  patch(layout.objectPath(flipped_body_id), fs::file_size(layout.objectPath(flipped_body_id)) - 10,
        "?");
  // A header claiming a 4 GiB meta and a huge body, with a valid header CRC:
  // must be rejected by the size check without allocating.
  {
    disk::Header h;
    h.meta_length = disk::kMaxMetaBytes;
    h.body_length = uint64_t{1} << 40;
    h.id = liar_id;
    patch(layout.objectPath(liar_id), 0, disk::encodeHeader(h));
  }
  // Garbage: in tmp/, a badly named file, a well-named file of junk, a stray folder.
  std::ofstream(tmpDir() / "0000000000000001.1") << "half a write";
  std::ofstream(objectsDir() / "00" / "not-an-object") << "junk";
  std::ofstream(layout.objectPath(0xabcdef01)) << std::string(100, 'j');
  std::ofstream(layout.objectPath(0xabcdef02)) << "";
  fs::create_directories(objectsDir() / "zz" / "deeper");
  std::ofstream(objectsDir() / "stray-file") << "x";

  Store store(diskOptions());
  EXPECT_EQ(countFiles(tmpDir()), 0u);
  EXPECT_FALSE(fs::exists(objectsDir() / "00" / "not-an-object"));
  EXPECT_FALSE(fs::exists(layout.objectPath(0xabcdef01)));
  EXPECT_FALSE(fs::exists(layout.objectPath(0xabcdef02)));
  EXPECT_FALSE(fs::exists(objectsDir() / "zz"));
  EXPECT_FALSE(fs::exists(objectsDir() / "stray-file"));
  EXPECT_TRUE(store.lookup("truncated").empty());
  EXPECT_TRUE(store.lookup("flipped").empty());
  EXPECT_TRUE(store.lookup("liar").empty());
  EXPECT_FALSE(fs::exists(layout.objectPath(truncated_id)));
  EXPECT_FALSE(fs::exists(layout.objectPath(flipped_id)));
  // The body flip passes the open scan (bodies are not read then) but is
  // caught on first use, and the file goes.
  EXPECT_TRUE(store.lookup("flipped-body").empty());
  EXPECT_FALSE(fs::exists(layout.objectPath(flipped_body_id)));
  auto good = store.lookup("good");
  ASSERT_EQ(good.size(), 1u);
  EXPECT_EQ(fullBody(*good[0]), good_body);
  EXPECT_EQ(store.stats().disk_objects, 1u);
  EXPECT_EQ(countFiles(objectsDir()), 1u);
}

TEST_F(StoreTest, MetaDecodingRejectsEveryTruncation) {
  ObjectMeta m = makeMeta("k", "v", "/p", "h", "z", {"a", "b"});
  std::string bytes = disk::encodeMeta(m);
  EXPECT_EQ(bytes.size(), disk::encodedMetaSize(m));
  ObjectMeta out;
  ASSERT_TRUE(disk::decodeMeta(bytes, out));
  expectSameMeta(out, m);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(disk::decodeMeta(std::string_view(bytes).substr(0, n), out)) << n;
  }
  EXPECT_FALSE(disk::decodeMeta(bytes + "x", out));
  // A header count far beyond the bytes present.
  std::string lying = bytes;
  // Where the header count sits: five strings, the tags, the status.
  size_t count_at = 5 * 4 + 1 + 1 + 1 + 1 + 2 + 4 + 2 * (4 + 1) + 4;
  lying.replace(count_at, 4, "\xff\xff\xff\x7f", 4);
  EXPECT_FALSE(disk::decodeMeta(lying, out));
}

TEST_F(StoreTest, TheDiskBudgetIsKeptAndEvictedFilesAreUnlinked) {
  StoreOptions o = diskOptions();
  o.disk_bytes = 2 << 20;
  Store store(o);
  for (int i = 0; i < 300; ++i) {
    std::string key = "k" + std::to_string(i);
    store.insert(makeMeta(key), makeBody(key, 1, 20000));
  }
  store.flush();
  StoreStats st = store.stats();
  EXPECT_LE(st.disk_bytes, o.disk_bytes);
  EXPECT_LT(st.disk_objects, 300u);
  EXPECT_EQ(countFiles(objectsDir()), st.disk_objects);
  EXPECT_EQ(bytesOfFiles(objectsDir()), st.disk_bytes);
  EXPECT_LE(st.memory_objects, st.disk_objects);  // memory is a subset
  size_t present = 0;
  for (int i = 0; i < 300; ++i) present += store.lookup("k" + std::to_string(i)).size();
  EXPECT_EQ(present, st.disk_objects);
}

TEST_F(StoreTest, ObjectsLargerThanTheDiskBudgetAreNotStored) {
  StoreOptions o = diskOptions();
  o.disk_bytes = 100000;
  Store store(o);
  store.insert(makeMeta("big"), std::string(100000, 'x'));
  EXPECT_TRUE(store.lookup("big").empty());
  store.flush();
  EXPECT_EQ(countFiles(objectsDir()), 0u);
}

TEST_F(StoreTest, ASecondStoreCannotOpenTheSameDirectory) {
  Store store(diskOptions());
  EXPECT_THROW(Store second(diskOptions()), std::runtime_error);
}

TEST_F(StoreTest, AnUnusableDirectoryThrows) {
  std::ofstream(dir_.string()) << "a file, not a folder";
  StoreOptions o = diskOptions();
  EXPECT_THROW(Store store(o), std::runtime_error);
  fs::remove(dir_);
}

// --- purge -----------------------------------------------------------------------------

// Four objects for each purge kind to pick from.
void fillForPurge(Store& store) {
  store.insert(makeMeta("a1", "", "/a/1", "example.com", "zone1", {"red"}), "a1");
  store.insert(makeMeta("a2", "", "/a/2?x=1", "example.com", "zone1", {"blue"}), "a2");
  store.insert(makeMeta("b", "", "/b", "example.com", "zone1", {"red"}), "b");
  store.insert(makeMeta("other-host", "", "/a/1", "other.com", "zone1", {"red"}), "o");
  store.insert(makeMeta("other-zone", "", "/a/1", "example.com", "zone2", {"red"}), "z");
  // Two variants of one URL.
  store.insert(makeMeta("a1", "br", "/a/1", "example.com", "zone1", {"red"}), "a1br");
}

struct PurgeCase {
  const char* name;
  std::function<size_t(Store&)> purge;
  std::vector<std::string> gone;
};

TEST_F(StoreTest, EveryPurgeRemovesExactlyItsObjectsDurably) {
  const std::vector<std::string> all = {"a1", "a2", "b", "other-host", "other-zone"};
  const std::vector<PurgeCase> cases = {
      {"url", [](Store& s) { return s.purgeUrl("zone1", "example.com", "/a/1"); }, {"a1"}},
      {"url-with-query",
       [](Store& s) { return s.purgeUrl("zone1", "example.com", "/a/2?x=1"); },
       {"a2"}},
      {"url-host-case", [](Store& s) { return s.purgeUrl("zone1", "EXAMPLE.com", "/b"); }, {"b"}},
      {"prefix",
       [](Store& s) { return s.purgePrefix("zone1", "example.com", "/a/"); },
       {"a1", "a2"}},
      {"prefix-all",
       [](Store& s) { return s.purgePrefix("zone1", "example.com", "/"); },
       {"a1", "a2", "b"}},
      {"tag", [](Store& s) { return s.purgeTag("zone1", "RED"); }, {"a1", "b", "other-host"}},
      {"host", [](Store& s) { return s.purgeHost("zone1", "example.com"); }, {"a1", "a2", "b"}},
      {"zone", [](Store& s) { return s.purgeZone("zone1"); }, {"a1", "a2", "b", "other-host"}},
      {"remove", [](Store& s) { return s.remove("a1"); }, {"a1"}},
      {"nothing", [](Store& s) { return s.purgePrefix("zone1", "example.com", "/c"); }, {}},
  };
  for (const PurgeCase& c : cases) {
    SCOPED_TRACE(c.name);
    fs::remove_all(dir_);
    size_t expected = c.gone.size();
    for (const auto& g : c.gone) expected += g == "a1";  // its second variant
    {
      Store store(diskOptions());
      fillForPurge(store);
      store.flush();
      EXPECT_EQ(countFiles(objectsDir()), 6u);
      EXPECT_EQ(c.purge(store), expected);
      // Done before the purge returned: no lookup, no file.
      EXPECT_EQ(countFiles(objectsDir()), 6u - expected);
      EXPECT_EQ(store.stats().disk_objects, 6u - expected);
      for (const auto& key : all) {
        bool gone = std::find(c.gone.begin(), c.gone.end(), key) != c.gone.end();
        EXPECT_EQ(store.lookup(key).empty(), gone) << key;
      }
      EXPECT_EQ(c.purge(store), 0u);  // idempotent
    }
    Store store(diskOptions());  // and it does not come back
    for (const auto& key : all) {
      bool gone = std::find(c.gone.begin(), c.gone.end(), key) != c.gone.end();
      EXPECT_EQ(store.lookup(key).empty(), gone) << key << " after reopen";
    }
  }
}

TEST_F(StoreTest, PurgeIndexesAreRebuiltOnOpen) {
  {
    Store store(diskOptions());
    store.insert(makeMeta("a", "", "/x/a", "Example.COM", "zone1", {"Red"}), "a");
    store.insert(makeMeta("b", "", "/x/b", "example.com", "zone1", {"blue"}), "b");
    store.insert(makeMeta("c", "", "/y", "example.com", "zone1", {"red"}), "c");
    store.insert(makeMeta("d", "", "/", "other.com", "zone2", {}), "d");
  }
  Store store(diskOptions());
  EXPECT_EQ(store.purgeTag("zone1", "RED"), 2u);
  EXPECT_EQ(store.purgePrefix("zone1", "EXAMPLE.com", "/x/"), 1u);
  EXPECT_EQ(store.purgeZone("zone2"), 1u);
  EXPECT_EQ(store.stats().disk_objects, 0u);
  EXPECT_EQ(countFiles(objectsDir()), 0u);
}

TEST_F(StoreTest, PurgesWorkWithoutADisk) {
  Store store(memoryOptions());
  fillForPurge(store);
  EXPECT_EQ(store.purgeTag("zone1", "red"), 4u);
  EXPECT_EQ(store.purgeHost("zone1", "example.com"), 1u);
  EXPECT_EQ(store.purgeZone("zone2"), 1u);
  EXPECT_EQ(store.stats().memory_objects, 0u);
}

TEST_F(StoreTest, APurgeOvertakesAQueuedWrite) {
  {
    Store store(diskOptions());
    disk::setWritesPausedForTesting(true);
    store.insert(makeMeta("small", "", "/s"), "small body");
    store.insert(makeMeta("large", "", "/l"), makeBody("large", 1, 1 << 20));
    store.insert(makeMeta("kept", "", "/k"), "kept");
    EXPECT_EQ(store.purgeUrl("zone1", "example.com", "/s"), 1u);
    EXPECT_EQ(store.purgeUrl("zone1", "example.com", "/l"), 1u);
    EXPECT_TRUE(store.lookup("small").empty());
    EXPECT_TRUE(store.lookup("large").empty());
    disk::setWritesPausedForTesting(false);
    store.flush();
    EXPECT_EQ(countFiles(objectsDir()), 1u);  // only "kept"
    EXPECT_EQ(countFiles(tmpDir()), 0u);
  }
  Store store(diskOptions());
  EXPECT_TRUE(store.lookup("small").empty());
  EXPECT_TRUE(store.lookup("large").empty());
  EXPECT_EQ(store.lookup("kept").size(), 1u);
}

TEST_F(StoreTest, AReplacedObjectIsUnlinkedAndDoesNotComeBack) {
  {
    Store store(diskOptions());
    store.insert(makeMeta("k"), "version 1");
    store.flush();
    store.insert(makeMeta("k"), "version 2");
    store.flush();
    EXPECT_EQ(countFiles(objectsDir()), 1u);
    // Replaced again while its write is still queued.
    disk::setWritesPausedForTesting(true);
    store.insert(makeMeta("k"), "version 3");
    store.insert(makeMeta("k"), "version 4");
    EXPECT_EQ(*store.lookup("k").at(0)->memoryBody(), "version 4");
    disk::setWritesPausedForTesting(false);
    store.flush();
    EXPECT_EQ(countFiles(objectsDir()), 1u);
  }
  Store store(diskOptions());
  auto found = store.lookup("k");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(fullBody(*found[0]), "version 4");
}

TEST_F(StoreTest, AfterACrashBetweenRenameAndUnlinkTheNewerCopyWins) {
  // Simulate it: two valid files for one (url_key, variant).
  disk::Layout layout(dir_);
  fs::path old_copy = dir_ / "old-copy";
  {
    Store store(diskOptions());
    store.insert(makeMeta("k"), "old");
    store.flush();
    fs::copy_file(layout.objectPath(store.lookup("k").at(0)->id()), old_copy);
    store.insert(makeMeta("k"), "new");
  }
  // Put the old file back under its own id.
  std::string bytes;
  {
    std::ifstream in(old_copy, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto header = disk::decodeHeader(bytes);
  ASSERT_TRUE(header);
  std::ofstream(layout.objectPath(header->id), std::ios::binary) << bytes;
  fs::remove(old_copy);
  ASSERT_EQ(countFiles(objectsDir()), 2u);
  Store store(diskOptions());
  auto found = store.lookup("k");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(fullBody(*found[0]), "new");
  EXPECT_EQ(countFiles(objectsDir()), 1u);
}

// --- updateHeaders -----------------------------------------------------------------------

TEST_F(StoreTest, UpdateHeadersKeepsTheBodyAndIdAndPersists) {
  const std::string small = "small body";
  const std::string large = makeBody("large", 1, 1 << 20);
  http::HeaderList fresh = {{"cache-control", "max-age=600"}, {"etag", "\"v2\""}};
  {
    Store store(diskOptions());
    store.insert(makeMeta("small"), small);
    store.insert(makeMeta("large"), large);
    store.flush();
    for (const char* key : {"small", "large"}) {
      ObjectPtr before = store.lookup(key).at(0);
      EXPECT_TRUE(store.updateHeaders(*before, fresh, 2000, 2001));
      ObjectPtr after = store.lookup(key).at(0);
      EXPECT_EQ(after->id(), before->id());
      EXPECT_EQ(after->meta().headers, fresh);
      EXPECT_EQ(after->meta().request_time, 2000);
      EXPECT_EQ(after->meta().response_time, 2001);
      EXPECT_EQ(fullBody(*after), key == std::string("small") ? small : large);
      // The old pointer still shows what it showed.
      EXPECT_EQ(before->meta().request_time, 1000);
    }
    store.flush();
    EXPECT_EQ(countFiles(objectsDir()), 2u);
    EXPECT_EQ(countFiles(tmpDir()), 0u);
  }
  Store store(diskOptions());
  for (const char* key : {"small", "large"}) {
    ObjectPtr o = store.lookup(key).at(0);
    EXPECT_EQ(o->meta().headers, fresh);
    EXPECT_EQ(o->meta().response_time, 2001);
    EXPECT_EQ(fullBody(*o), key == std::string("small") ? small : large);
  }
}

TEST_F(StoreTest, UpdateHeadersOfAGoneObjectIsANoOp) {
  Store store(diskOptions());
  store.insert(makeMeta("k"), "v1");
  ObjectPtr v1 = store.lookup("k").at(0);
  store.insert(makeMeta("k"), "v2");  // replaced
  EXPECT_FALSE(store.updateHeaders(*v1, {}, 1, 2));
  EXPECT_EQ(fullBody(*store.lookup("k").at(0)), "v2");
  store.remove("k");
  EXPECT_FALSE(store.updateHeaders(*v1, {}, 1, 2));
  EXPECT_TRUE(store.lookup("k").empty());
}

TEST_F(StoreTest, UpdateHeadersRacingAQueuedWriteLeavesTheNewestVersion) {
  {
    Store store(diskOptions());
    disk::setWritesPausedForTesting(true);
    store.insert(makeMeta("k"), "body");
    ObjectPtr o = store.lookup("k").at(0);
    EXPECT_TRUE(store.updateHeaders(*o, {{"x-v", "2"}}, 1, 2));
    EXPECT_TRUE(store.updateHeaders(*store.lookup("k").at(0), {{"x-v", "3"}}, 1, 3));
    disk::setWritesPausedForTesting(false);
  }
  Store store(diskOptions());
  ObjectPtr o = store.lookup("k").at(0);
  EXPECT_EQ(o->meta().headers, (http::HeaderList{{"x-v", "3"}}));
  EXPECT_EQ(fullBody(*o), "body");
}

TEST_F(StoreTest, UpdateHeadersWithoutADisk) {
  Store store(memoryOptions());
  store.insert(makeMeta("k"), "body");
  EXPECT_TRUE(store.updateHeaders(*store.lookup("k").at(0), {{"a", "b"}}, 7, 8));
  ObjectPtr o = store.lookup("k").at(0);
  EXPECT_EQ(o->meta().headers, (http::HeaderList{{"a", "b"}}));
  EXPECT_EQ(*o->memoryBody(), "body");
}

// --- threads and crashes -------------------------------------------------------------------

// Bodies follow from (key, version), and the version travels in a header, so
// any object found can be checked.
constexpr size_t kCrashKeys = 40;
size_t sizeFor(size_t key, int version) {
  return (key % 5 == 0) ? (200000 + 1000 * (version % 7))
                        : (100 + 37 * ((key * 13 + version) % 300));
}
void insertVersion(Store& store, size_t key, int version) {
  std::string k = "key" + std::to_string(key);
  ObjectMeta m = makeMeta(k, "", "/" + k);
  m.headers.push_back({"x-version", std::to_string(version)});
  store.insert(std::move(m), makeBody(k, version, sizeFor(key, version)));
}
// Checks one object: meta and body belong together.
void checkObject(const Object& o) {
  const auto& h = o.meta().headers;
  ASSERT_FALSE(h.empty());
  ASSERT_EQ(h.back().first, "x-version");
  int version = std::stoi(h.back().second);
  size_t key = std::stoul(o.meta().url_key.substr(3));
  EXPECT_EQ(o.bodySize(), sizeFor(key, version));
  EXPECT_EQ(fullBody(o), makeBody(o.meta().url_key, version, sizeFor(key, version)))
      << o.meta().url_key << " v" << version;
}

TEST_F(StoreTest, ConcurrentLookupsInsertsAndPurges) {
  StoreOptions o = diskOptions();
  o.memory_bytes = 16 * 200000;  // small, so the tiers evict and promote
  o.disk_bytes = 4 << 20;
  {
    Store store(o);
    std::atomic<int> version{1};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(t);
        for (int i = 0; i < 1500; ++i) {
          size_t key = rng() % kCrashKeys;
          switch (rng() % 10) {
            case 0:
            case 1:
            case 2:
              insertVersion(store, key, version++);
              break;
            case 3:
              if (rng() % 4 == 0)
                store.purgeUrl("zone1", "example.com", "/key" + std::to_string(key));
              break;
            case 4:
              if (auto found = store.lookup("key" + std::to_string(key)); !found.empty()) {
                store.updateHeaders(*found[0], found[0]->meta().headers, 5, 6);
              }
              break;
            default:
              for (const auto& obj : store.lookup("key" + std::to_string(key))) checkObject(*obj);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    store.flush();
    StoreStats st = store.stats();
    EXPECT_LE(st.disk_bytes, o.disk_bytes);
    EXPECT_LE(st.memory_bytes, o.memory_bytes);
    EXPECT_EQ(countFiles(objectsDir()), st.disk_objects);
    EXPECT_EQ(countFiles(tmpDir()), 0u);
  }
  Store store(o);
  for (size_t k = 0; k < kCrashKeys; ++k) {
    for (const auto& obj : store.lookup("key" + std::to_string(k))) checkObject(*obj);
  }
}

TEST_F(StoreTest, KillDashNineDuringInsertsLeavesOnlyValidObjects) {
  StoreOptions o = diskOptions();
  o.disk_bytes = 8 << 20;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child: insert (and replace, and sometimes purge) until killed.
    try {
      Store store(o);
      for (int version = 1;; ++version) {
        insertVersion(store, static_cast<size_t>(version) % kCrashKeys, version);
        if (version % 50 == 0) store.purgePrefix("zone1", "example.com", "/key1");
        // Once per round of keys, let the writer catch up. Without it, on a
        // loaded machine every object can be replaced before its first write
        // (the store then rightly writes none), and nothing is left to check.
        if (version % kCrashKeys == 0) store.flush();
      }
    } catch (...) {
      ::_exit(3);
    }
  }
  // Let it get going (files on disk, some replaced), then kill it mid-flight.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (countFiles(objectsDir()) < 30 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(child, &status, WNOHANG) == child) FAIL() << "the child exited: " << status;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  Store store(o);
  EXPECT_EQ(countFiles(tmpDir()), 0u);
  size_t found = 0;
  for (size_t k = 0; k < kCrashKeys; ++k) {
    auto objects = store.lookup("key" + std::to_string(k));
    EXPECT_LE(objects.size(), 1u);
    for (const auto& obj : objects) {
      checkObject(*obj);
      ++found;
    }
  }
  EXPECT_GT(found, 0u);
  EXPECT_EQ(countFiles(objectsDir()), store.stats().disk_objects);
}

}  // namespace
}  // namespace verge::cache
