// The edge cache's storage (see store.h): a sharded memory tier, a disk tier
// written by one background thread, and the purge indexes.
//
// Who knows what:
//   - Shards (16, by hash of url_key, each with its own mutex) are what
//     lookup() sees: url_key -> the variants stored for it (Slots), the
//     memory tier's S3-FIFO, and a buffer of hits for the disk tier's policy.
//     A Slot holds the Object itself while it is in memory or waiting for
//     its disk write; otherwise lookup() reads it from its file.
//   - The catalogue (index_mu_) has one Record per stored object, the purge
//     indexes (zone -> host -> path -> ids, zone -> tag -> ids), the disk
//     tier's S3-FIFO and the id counter. lookup() never takes index_mu_.
//   - The writer thread drains a queue of WriteJobs (queue_mu_) and unlinks
//     the files of evicted and replaced objects ("doomed" files).
//
// Lock order: index_mu_ before any shard mutex; queue_mu_ is a leaf;
// unlink_mu_ may be held while taking queue_mu_ and nothing else.
//
// Ids. Every insert gets a fresh id (a counter that resumes above the
// largest id on disk), and the object's file is objects/../<id>. Each
// rewrite of an object's file (updateHeaders) bumps its Record's
// generation. A write job carries (id, generation) and is renamed into
// place only if, under index_mu_, the Record still exists with that
// generation; purge, remove, replacement and eviction erase the Record
// under index_mu_ first, so a write they overtook finds it gone and deletes
// its temporary. In the same critical section they add the object's file
// to the "doomed" list; the writer unlinks doomed files before its next
// write, and purge and remove unlink all of them (their own and any left
// by evictions and replacements) before they return.
//
// Tiers. With a directory, every object is in the disk tier (its policy
// decides what is stored at all); the memory tier is a cache of bodies on
// top, so evicting from memory never loses an object. Without a directory,
// the memory tier is the only home and its evictions remove objects.
#include "cache/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "base/log.h"
#include "cache/disk_tier.h"
#include "cache/s3fifo.h"

namespace verge::cache {
namespace {

constexpr size_t kShards = 16;
// What one stored object costs in memory besides its strings and body: the
// Object and its control block, the Body, the Slot, map nodes and the
// policy's node. Rounded up; it is an estimate, not a measurement.
constexpr uint64_t kObjectOverhead = 384;
// Per header line / tag: vector element and std::string bookkeeping.
constexpr uint64_t kFieldOverhead = 32;
// Hits recorded per shard for the disk tier's policy before one is dropped
// (the counter saturates at 3, so dropping some changes little).
constexpr size_t kMaxBufferedHits = 1024;
// Bodies of large objects wait in memory for the writer; past this much
// (or the memory budget, if larger), inserts of large objects are refused
// while the writer catches up.
constexpr uint64_t kMinPendingLimit = 64ull << 20;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

// The ghost of the S3-FIFO policies remembers (url_key, variant), so a
// re-fetch of an object evicted a moment ago is recognised even though it
// gets a new id.
uint64_t fingerprintOf(std::string_view url_key, std::string_view variant) {
  return mix(std::hash<std::string_view>{}(url_key)*31 + std::hash<std::string_view>{}(variant));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

uint64_t metaBytes(const ObjectMeta& m) {
  uint64_t n = m.url_key.size() + m.variant.size() + m.zone.size() + m.host.size() + m.path.size();
  for (const auto& t : m.tags) n += t.size() + kFieldOverhead;
  for (const auto& [name, value] : m.headers) n += name.size() + value.size() + 2 * kFieldOverhead;
  return n;
}

// What an object costs the memory tier: its body, its meta, the url_key
// copies the shard keeps (slot map key and id -> url map), and overhead.
uint64_t memoryCharge(const ObjectMeta& m, uint64_t body_size) {
  return kObjectOverhead + body_size + metaBytes(m) + 2 * m.url_key.size();
}

// An object's body: in memory, or in a file this Body holds open (so it stays
// readable after the file is unlinked or replaced). Shared by the versions
// of an object that updateHeaders() makes.
struct Body {
  std::string data;
  int fd = -1;
  uint64_t offset = 0;  // where the body starts in fd's file
  Body() = default;
  Body(const Body&) = delete;
  Body& operator=(const Body&) = delete;
  ~Body() {
    if (fd >= 0) ::close(fd);
  }
};

class StoredObject final : public Object {
 public:
  StoredObject(ObjectMeta meta, std::shared_ptr<const Body> body, uint64_t body_size, uint64_t id,
               uint64_t generation)
      : Object(std::move(meta), body_size, id), body_(std::move(body)), generation_(generation) {}

  const std::string* memoryBody() const override { return body_->fd < 0 ? &body_->data : nullptr; }

  bool read(uint64_t offset, uint64_t length, std::string& out) const override {
    if (offset >= body_size_) return true;
    size_t n = static_cast<size_t>(std::min(length, body_size_ - offset));
    if (body_->fd < 0) {
      out.append(body_->data, static_cast<size_t>(offset), n);
      return true;
    }
    size_t old = out.size();
    out.resize(old + n);
    if (!disk::preadFull(body_->fd, body_->offset + offset, n, out.data() + old)) {
      out.resize(old);
      return false;
    }
    return true;
  }

  const std::shared_ptr<const Body>& body() const { return body_; }
  uint64_t generation() const { return generation_; }

 private:
  std::shared_ptr<const Body> body_;
  uint64_t generation_;
};

// One (url_key, variant) as its shard knows it.
struct Slot {
  uint64_t id = 0;
  uint64_t generation = 0;
  std::string variant;
  // Set while the object is in the memory tier or its disk write is queued:
  // lookup() hands this out.
  std::shared_ptr<const StoredObject> held;
  // The last object handed out for a disk-only slot; reused while any
  // reader still holds it, instead of opening the file again.
  std::weak_ptr<const StoredObject> recent;
  uint64_t memory_charge = 0;  // nonzero while counted by the memory policy
  bool writing = false;        // a write of `generation` is queued
  bool body_verified = false;  // the file's body CRC was checked (or we wrote it)
  // For the per-URL variant cap: when the variant was last stored or
  // served (the shard's use clock), and whether it was ever served.
  uint64_t last_use = 0;
  bool served = false;
};

struct Shard {
  std::mutex mu;
  StringMap<std::vector<Slot>> urls;                     // variants, newest first
  uint64_t use_clock = 0;                                // ticks on every insert and markUsed
  std::unordered_map<uint64_t, std::string> memory_url;  // id -> url_key, memory tier only
  std::unique_ptr<S3Fifo> memory;
  std::vector<uint64_t> disk_hits;  // for the disk policy; drained under index_mu_
};

// One stored object as the catalogue knows it.
struct Record {
  std::string url_key, variant, zone, host, path;
  std::vector<std::string> tags;  // lowercase, distinct
  uint64_t generation = 1;
};

using IdSet = std::set<uint64_t>;
struct ZoneIndex {
  // host -> path -> ids: exact paths, and prefixes by a range walk.
  StringMap<std::map<std::string, IdSet, std::less<>>> hosts;
  StringMap<IdSet> tags;
};

struct WriteJob {
  uint64_t id = 0;
  uint64_t generation = 0;
  std::shared_ptr<const StoredObject> object;
  uint64_t pending_bytes = 0;  // body bytes held in memory only for this write
};

Slot* findSlot(Shard& shard, std::string_view url_key, uint64_t id) {
  auto it = shard.urls.find(url_key);
  if (it == shard.urls.end()) return nullptr;
  for (Slot& s : it->second) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

void logWarn(std::string_view message) { base::logLine(base::LogLevel::kWarn, message); }

}  // namespace

struct Store::Impl {
  explicit Impl(StoreOptions o);
  ~Impl();

  Shard& shardFor(std::string_view url_key) {
    return shards[mix(std::hash<std::string_view>{}(url_key)) % kShards];
  }

  // --- catalogue (index_mu held) ---
  void registerLocked(uint64_t id, Record record);
  void unindexLocked(uint64_t id, const Record& record);
  // Forgets the Record (purge indexes, disk policy) and the shard slot;
  // queues the id's file in `files` when there is a disk tier. The first
  // form locks the object's shard; the second is for a shard already held.
  bool removeObjectLocked(uint64_t id, std::vector<uint64_t>& files);
  bool removeInShardLocked(Shard& shard, uint64_t id, std::vector<uint64_t>& files);
  void drainDiskHitsLocked();
  bool currentLocked(uint64_t id, uint64_t generation) const {
    auto it = records.find(id);
    return it != records.end() && it->second.generation == generation;
  }
  size_t removeIdsLocked(std::unique_lock<std::mutex>& index, const std::vector<uint64_t>& ids);

  // --- shards (shard mu held) ---
  void eraseSlotLocked(Shard& shard, std::string_view url_key, uint64_t id);
  void admitToMemoryLocked(Shard& shard, const std::string& url_key, uint64_t id, uint64_t charge,
                           uint64_t fingerprint, std::vector<uint64_t>& files);
  void evictFromMemoryLocked(Shard& shard, const std::vector<uint64_t>& victims,
                             std::vector<uint64_t>& files);

  // --- disk ---
  void openDisk();
  void enqueue(WriteJob job);
  // Queues files to unlink. Called under index_mu_, in the same critical
  // section that erased their Records: a purge that comes later (and so
  // cannot see those objects) still finds their files in the doomed list.
  void doom(const std::vector<uint64_t>& ids);
  // Unlinks every doomed file now; when it returns, every file doomed
  // before the call is gone (also those another thread was unlinking).
  void unlinkDoomed();
  void writerLoop();
  void write(const WriteJob& job);
  bool writeTemp(const std::filesystem::path& tmp, const WriteJob& job, std::string& error);
  struct Loaded {
    std::shared_ptr<const StoredObject> object;
    bool broken = false;  // the file is missing or invalid
  };
  Loaded load(uint64_t id, std::string_view url_key, bool verified);

  StoreOptions options;
  bool has_disk = false;
  std::optional<disk::Layout> layout;
  int lock_fd = -1;
  uint64_t shard_capacity = 0;
  uint64_t pending_limit = 0;
  std::array<Shard, kShards> shards;

  std::mutex index_mu;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, Record> records;
  StringMap<ZoneIndex> zones;
  std::unique_ptr<S3Fifo> disk_policy;

  std::mutex queue_mu;
  std::condition_variable work_cv;  // the writer waits for work
  std::condition_variable idle_cv;  // flush() waits for the writer
  std::deque<WriteJob> jobs;
  std::vector<uint64_t> doomed;  // ids whose files are to be unlinked
  uint64_t pending_bytes = 0;
  bool writer_busy = false;
  bool stopping = false;
  std::thread writer;

  std::mutex unlink_mu;  // whoever unlinks doomed files holds it meanwhile
};

// --- construction ---------------------------------------------------------------

Store::Impl::Impl(StoreOptions o) : options(std::move(o)) {
  if (options.max_variants == 0) options.max_variants = 1;
  shard_capacity = options.memory_bytes / kShards;
  pending_limit = std::max(options.memory_bytes, kMinPendingLimit);
  for (Shard& s : shards) s.memory = std::make_unique<S3Fifo>(shard_capacity);
  if (options.dir.empty()) return;
  has_disk = true;
  layout.emplace(options.dir);
  disk_policy = std::make_unique<S3Fifo>(options.disk_bytes);
  openDisk();
  writer = std::thread([this] { writerLoop(); });
}

Store::Impl::~Impl() {
  if (writer.joinable()) {
    {
      std::lock_guard q(queue_mu);
      stopping = true;
    }
    work_cv.notify_all();
    writer.join();  // the writer finishes the queue first
  }
  if (has_disk) unlinkDoomed();
  if (lock_fd >= 0) ::close(lock_fd);
}

void Store::Impl::openDisk() {
  namespace fs = std::filesystem;
  const disk::Layout& l = *layout;
  std::error_code ec;
  fs::create_directories(l.objectsDir(), ec);
  if (!ec) fs::create_directories(l.tmpDir(), ec);
  if (ec) {
    throw std::runtime_error("cache: cannot create " + l.root().string() + ": " + ec.message());
  }
  // One store per directory: another would delete our temporaries on open
  // and race our unlinks.
  lock_fd = ::open(l.lockFile().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    std::string why = std::strerror(errno);
    if (lock_fd >= 0) ::close(lock_fd);
    lock_fd = -1;
    throw std::runtime_error("cache: cannot lock " + l.lockFile().string() + ": " + why +
                             " (is another verge using this directory?)");
  }
  // Writes that never completed.
  for (const auto& entry : fs::directory_iterator(l.tmpDir(), ec)) fs::remove_all(entry.path(), ec);

  struct Found {
    uint64_t id;
    uint64_t generation;
    uint64_t file_size;
    ObjectMeta meta;
  };
  std::vector<Found> found;
  size_t invalid = 0;
  for (const auto& folder : fs::directory_iterator(l.objectsDir(), ec)) {
    std::string folder_name = folder.path().filename().string();
    std::error_code dir_ec;
    if (!folder.is_directory(dir_ec) || folder.is_symlink(dir_ec) ||
        !disk::Layout::isObjectFolder(folder_name)) {
      fs::remove_all(folder.path(), dir_ec);
      continue;
    }
    for (const auto& file : fs::directory_iterator(folder.path(), dir_ec)) {
      std::string name = file.path().filename().string();
      auto id = disk::Layout::parseObjectPath(folder_name, name);
      std::string error = "unexpected name";
      bool ok = false;
      disk::FileInfo info;
      if (id) {
        int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
          error = std::strerror(errno);
        } else {
          ok = disk::readObjectFile(fd, *id, info, error);
          ::close(fd);
        }
      }
      if (!ok) {
        ++invalid;
        base::logLine(base::LogLevel::kDebug,
                      "cache: deleting invalid file " + file.path().string() + ": " + error);
        std::error_code rm_ec;
        fs::remove_all(file.path(), rm_ec);
        continue;
      }
      // The headers are not kept: lookups read them from the file.
      info.meta.headers.clear();
      info.meta.headers.shrink_to_fit();
      found.push_back({*id, info.header.generation, info.header.fileSize(), std::move(info.meta)});
    }
  }
  if (invalid > 0) {
    logWarn("cache: internal: deleted " + std::to_string(invalid) + " invalid file(s) under " +
            l.objectsDir().string());
  }
  // Oldest first, so that when two files hold the same (url_key, variant)
  // (a crash between a replacement's rename and the old file's unlink) the
  // newer one wins, and so the policy sees objects in insertion order.
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.id < b.id; });
  std::vector<uint64_t> drop;
  {
    StringMap<size_t> newest;  // url_key '\0' variant -> index in found
    for (size_t i = 0; i < found.size(); ++i) {
      std::string key = found[i].meta.url_key + '\0' + found[i].meta.variant;
      auto [it, fresh] = newest.try_emplace(key, i);
      if (!fresh) {
        drop.push_back(found[it->second].id);
        it->second = i;
      }
    }
  }
  std::set<uint64_t> dropped(drop.begin(), drop.end());
  std::unique_lock index(index_mu);
  for (Found& f : found) {
    next_id = std::max(next_id, f.id + 1);
    if (dropped.count(f.id)) continue;
    Record r;
    r.url_key = f.meta.url_key;
    r.variant = f.meta.variant;
    r.zone = f.meta.zone;
    r.host = lower(f.meta.host);
    r.path = f.meta.path;
    for (const auto& tag : f.meta.tags) r.tags.push_back(lower(tag));
    r.generation = f.generation;
    const uint64_t fp = fingerprintOf(r.url_key, r.variant);
    registerLocked(f.id, std::move(r));
    Shard& shard = shardFor(f.meta.url_key);
    {
      std::lock_guard s(shard.mu);
      auto& slots = shard.urls[f.meta.url_key];
      Slot slot;
      slot.id = f.id;
      slot.generation = f.generation;
      slot.variant = f.meta.variant;
      slot.last_use = ++shard.use_clock;
      slots.insert(slots.begin(), std::move(slot));
      // Newest first, so the oldest beyond the limit are at the back.
      while (slots.size() > options.max_variants) {
        uint64_t oldest = slots.back().id;
        removeInShardLocked(shard, oldest, drop);
      }
    }
    std::vector<uint64_t> victims;
    if (!disk_policy->insert(f.id, f.file_size, victims, fp)) victims.push_back(f.id);
    for (uint64_t v : victims) removeObjectLocked(v, drop);
  }
  index.unlock();
  for (uint64_t id : drop) ::unlink(l.objectPath(id).c_str());
}

// --- catalogue ---------------------------------------------------------------------

void Store::Impl::registerLocked(uint64_t id, Record r) {
  std::sort(r.tags.begin(), r.tags.end());
  r.tags.erase(std::unique(r.tags.begin(), r.tags.end()), r.tags.end());
  ZoneIndex& zone = zones[r.zone];
  zone.hosts[r.host][r.path].insert(id);
  for (const std::string& tag : r.tags) zone.tags[tag].insert(id);
  records.emplace(id, std::move(r));
}

void Store::Impl::unindexLocked(uint64_t id, const Record& r) {
  auto z = zones.find(r.zone);
  if (z == zones.end()) return;
  auto h = z->second.hosts.find(r.host);
  if (h != z->second.hosts.end()) {
    auto p = h->second.find(r.path);
    if (p != h->second.end()) {
      p->second.erase(id);
      if (p->second.empty()) h->second.erase(p);
    }
    if (h->second.empty()) z->second.hosts.erase(h);
  }
  for (const std::string& tag : r.tags) {
    auto t = z->second.tags.find(tag);
    if (t == z->second.tags.end()) continue;
    t->second.erase(id);
    if (t->second.empty()) z->second.tags.erase(t);
  }
  if (z->second.hosts.empty() && z->second.tags.empty()) zones.erase(z);
}

bool Store::Impl::removeObjectLocked(uint64_t id, std::vector<uint64_t>& files) {
  auto it = records.find(id);
  if (it == records.end()) return false;
  Shard& shard = shardFor(it->second.url_key);
  std::lock_guard s(shard.mu);
  return removeInShardLocked(shard, id, files);
}

bool Store::Impl::removeInShardLocked(Shard& shard, uint64_t id, std::vector<uint64_t>& files) {
  auto it = records.find(id);
  if (it == records.end()) return false;
  Record record = std::move(it->second);
  records.erase(it);
  unindexLocked(id, record);
  if (disk_policy) disk_policy->erase(id);
  eraseSlotLocked(shard, record.url_key, id);
  if (has_disk) files.push_back(id);
  return true;
}

void Store::Impl::drainDiskHitsLocked() {
  std::vector<uint64_t> hits;
  for (Shard& shard : shards) {
    {
      std::lock_guard s(shard.mu);
      if (shard.disk_hits.empty()) continue;
      hits.swap(shard.disk_hits);
    }
    for (uint64_t id : hits) disk_policy->access(id);
    hits.clear();
  }
}

size_t Store::Impl::removeIdsLocked(std::unique_lock<std::mutex>& index,
                                    const std::vector<uint64_t>& ids) {
  std::vector<uint64_t> files;
  size_t removed = 0;
  for (uint64_t id : ids) removed += removeObjectLocked(id, files) ? 1 : 0;
  doom(files);
  index.unlock();
  // Durable before we return: the files go now, with every other doomed
  // file (an evicted or replaced copy of a purged object among them).
  if (has_disk) unlinkDoomed();
  return removed;
}

// --- shards ---------------------------------------------------------------------------

void Store::Impl::eraseSlotLocked(Shard& shard, std::string_view url_key, uint64_t id) {
  auto it = shard.urls.find(url_key);
  if (it == shard.urls.end()) return;
  auto& slots = it->second;
  for (auto s = slots.begin(); s != slots.end(); ++s) {
    if (s->id != id) continue;
    if (s->memory_charge > 0) {
      shard.memory->erase(id);
      shard.memory_url.erase(id);
    }
    slots.erase(s);
    break;
  }
  if (slots.empty()) shard.urls.erase(it);
}

void Store::Impl::admitToMemoryLocked(Shard& shard, const std::string& url_key, uint64_t id,
                                      uint64_t charge, uint64_t fingerprint,
                                      std::vector<uint64_t>& files) {
  Slot* slot = findSlot(shard, url_key, id);
  if (!slot) return;
  // Registered first: the policy may evict the newcomer itself (a key
  // larger than the small FIFO leaves at once unless the ghost knows it).
  slot->memory_charge = charge;
  shard.memory_url[id] = url_key;
  std::vector<uint64_t> victims;
  if (!shard.memory->insert(id, charge, victims, fingerprint)) {
    victims.push_back(id);  // larger than the whole shard
  }
  evictFromMemoryLocked(shard, victims, files);
}

void Store::Impl::evictFromMemoryLocked(Shard& shard, const std::vector<uint64_t>& victims,
                                        std::vector<uint64_t>& files) {
  for (uint64_t victim : victims) {
    auto u = shard.memory_url.find(victim);
    VERGE_ASSERT(u != shard.memory_url.end());  // every memory-tier id is registered
    std::string url_key = std::move(u->second);
    shard.memory_url.erase(u);
    if (Slot* slot = findSlot(shard, url_key, victim)) slot->memory_charge = 0;
    if (!has_disk) {
      // Memory is the only home: the object goes. Callers that can evict
      // without a disk tier (insert, updateHeaders) hold index_mu.
      removeInShardLocked(shard, victim, files);
      continue;
    }
    Slot* slot = findSlot(shard, url_key, victim);
    if (!slot) continue;
    if (!slot->writing && slot->held) {
      // The disk has it; readers holding the object keep its body alive and
      // later lookups reuse it through `recent`.
      slot->recent = slot->held;
      slot->held.reset();
    }
  }
}

// --- disk: queue, unlinks, writer ----------------------------------------------------

void Store::Impl::enqueue(WriteJob job) {
  {
    std::lock_guard q(queue_mu);
    jobs.push_back(std::move(job));
  }
  work_cv.notify_one();
}

void Store::Impl::doom(const std::vector<uint64_t>& ids) {
  if (ids.empty()) return;
  {
    std::lock_guard q(queue_mu);
    doomed.insert(doomed.end(), ids.begin(), ids.end());
  }
  work_cv.notify_one();
}

void Store::Impl::unlinkDoomed() {
  // Holding unlink_mu_ means every doomed file taken by an earlier caller
  // (the writer, another purge) is gone by the time we have the lock.
  std::lock_guard u(unlink_mu);
  std::vector<uint64_t> batch;
  {
    std::lock_guard q(queue_mu);
    batch.swap(doomed);
  }
  for (uint64_t id : batch) {
    if (::unlink(layout->objectPath(id).c_str()) != 0 && errno != ENOENT) {
      logWarn("cache: internal: cannot unlink " + layout->objectPath(id).string() + ": " +
              std::strerror(errno));
    }
  }
  if (!batch.empty()) idle_cv.notify_all();
}

void Store::Impl::writerLoop() {
  for (;;) {
    while (disk::writesPausedForTesting())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    WriteJob job;
    bool have_job = false;
    {
      std::unique_lock q(queue_mu);
      work_cv.wait(q, [&] { return stopping || !jobs.empty() || !doomed.empty(); });
      if (jobs.empty() && doomed.empty()) return;  // stopping, nothing left
      if (disk::writesPausedForTesting()) continue;
      writer_busy = true;
      if (!jobs.empty()) {
        job = std::move(jobs.front());
        jobs.pop_front();
        have_job = true;
      }
    }
    // Deletions first: they free space, and a replaced object's old file
    // then goes before the new one arrives.
    unlinkDoomed();
    if (have_job) write(job);
    job.object.reset();  // release a large pending body before reporting idle
    {
      std::lock_guard q(queue_mu);
      writer_busy = false;
      pending_bytes -= job.pending_bytes;
    }
    idle_cv.notify_all();
  }
}

bool Store::Impl::writeTemp(const std::filesystem::path& tmp, const WriteJob& job,
                            std::string& error) {
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "open " + tmp.string() + ": " + std::strerror(errno);
    return false;
  }
  const StoredObject& object = *job.object;
  const Body& body = *object.body();
  std::string meta = disk::encodeMeta(object.meta());
  disk::Header header;
  header.meta_length = static_cast<uint32_t>(meta.size());
  header.meta_crc = disk::crc32c(0, meta.data(), meta.size());
  header.body_length = object.bodySize();
  header.id = job.id;
  header.generation = job.generation;
  // The header goes last, once the body's CRC is known (a body copied from
  // the previous file is checksummed as it is copied).
  bool ok = disk::writeFull(fd, std::string(disk::kHeaderSize, '\0')) && disk::writeFull(fd, meta);
  uint32_t crc = 0;
  if (ok && body.fd < 0) {
    crc = disk::crc32c(0, body.data.data(), body.data.size());
    ok = disk::writeFull(fd, body.data);
  } else if (ok) {
    ok = disk::copyRange(body.fd, body.offset, object.bodySize(), fd, crc);
  }
  header.body_crc = crc;
  if (ok) ok = disk::pwriteFull(fd, 0, disk::encodeHeader(header));
  if (!ok) error = "write " + tmp.string() + ": " + std::strerror(errno);
  if (::close(fd) != 0 && ok) {
    error = "close " + tmp.string() + ": " + std::strerror(errno);
    ok = false;
  }
  return ok;
}

void Store::Impl::write(const WriteJob& job) {
  {
    // Skip work a purge, eviction or newer update has made moot.
    std::lock_guard index(index_mu);
    if (!currentLocked(job.id, job.generation)) return;
  }
  const std::filesystem::path tmp = layout->tempPath(job.id, job.generation);
  const std::filesystem::path final_path = layout->objectPath(job.id);
  std::string error;
  bool written = writeTemp(tmp, job, error);
  std::vector<uint64_t> files;
  bool placed = false;
  {
    std::lock_guard index(index_mu);
    drainDiskHitsLocked();
    // The check and the rename happen under index_mu: a purge either saw
    // the Record and will unlink the renamed file, or erased it first and
    // we never rename.
    if (currentLocked(job.id, job.generation)) {
      int renamed = written ? ::rename(tmp.c_str(), final_path.c_str()) : -1;
      if (written && renamed != 0 && errno == ENOENT) {
        // The fan-out folder is made on first use.
        std::error_code ec;
        std::filesystem::create_directories(final_path.parent_path(), ec);
        renamed = ::rename(tmp.c_str(), final_path.c_str());
      }
      if (written && renamed != 0) {
        error = "rename to " + final_path.string() + ": " + std::strerror(errno);
        written = false;
      }
      if (written) {
        placed = true;
        Shard& shard = shardFor(job.object->meta().url_key);
        std::lock_guard s(shard.mu);
        Slot* slot = findSlot(shard, job.object->meta().url_key, job.id);
        if (slot && slot->generation == job.generation) {
          slot->writing = false;
          slot->body_verified = true;
          if (slot->memory_charge == 0 && slot->held) {
            slot->recent = slot->held;
            slot->held.reset();  // disk-only from now on
          }
        }
      } else {
        // Cannot store it: drop the object (and an older generation's file).
        logWarn("cache: internal: dropping " + job.object->meta().url_key + ": " + error);
        removeObjectLocked(job.id, files);
        doom(files);
      }
    }
  }
  if (!placed) ::unlink(tmp.c_str());
  if (!files.empty()) unlinkDoomed();
}

Store::Impl::Loaded Store::Impl::load(uint64_t id, std::string_view url_key, bool verified) {
  Loaded out;
  int fd = ::open(layout->objectPath(id).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    out.broken = true;
    return out;
  }
  disk::FileInfo info;
  std::string error;
  if (!disk::readObjectFile(fd, id, info, error) || info.meta.url_key != url_key) {
    ::close(fd);
    logWarn("cache: internal: invalid file " + layout->objectPath(id).string() + ": " +
            (error.empty() ? "url_key mismatch" : error));
    out.broken = true;
    return out;
  }
  const disk::Header& h = info.header;
  auto body = std::make_shared<Body>();
  bool ok = true;
  if (h.body_length <= options.max_memory_object &&
      memoryCharge(info.meta, h.body_length) <= shard_capacity) {
    // Small enough for memory: read it whole (checking its CRC) and let the
    // file go.
    body->data.resize(static_cast<size_t>(h.body_length));
    ok = disk::preadFull(fd, h.bodyOffset(), body->data.size(), body->data.data()) &&
         disk::crc32c(0, body->data.data(), body->data.size()) == h.body_crc;
    ::close(fd);
  } else {
    // Disk-only: keep the file open for read(). A file found at open is
    // checked once (the whole body) before it is first served.
    body->fd = fd;
    body->offset = h.bodyOffset();
    if (!verified) ok = disk::crcOfRange(fd, h.bodyOffset(), h.body_length) == h.body_crc;
  }
  if (!ok) {
    logWarn("cache: internal: body checksum mismatch in " + layout->objectPath(id).string());
    out.broken = true;
    return out;
  }
  out.object = std::make_shared<StoredObject>(std::move(info.meta), std::move(body), h.body_length,
                                              id, h.generation);
  return out;
}

// --- Store -----------------------------------------------------------------------------

Store::Store(StoreOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Store::~Store() = default;

std::vector<std::shared_ptr<const Object>> Store::lookup(std::string_view url_key) {
  Impl& s = *impl_;
  Shard& shard = s.shardFor(url_key);
  struct Probe {
    size_t position;
    uint64_t id;
    bool verified;
  };
  std::vector<std::shared_ptr<const StoredObject>> found;
  std::vector<Probe> probes;
  {
    std::lock_guard lock(shard.mu);
    auto it = shard.urls.find(url_key);
    if (it == shard.urls.end()) return {};
    for (const Slot& slot : it->second) {
      if (slot.held) {
        found.push_back(slot.held);
        if (slot.memory_charge > 0) shard.memory->access(slot.id);  // a counter bump, no move
      } else if (auto recent = slot.recent.lock()) {
        found.push_back(std::move(recent));
      } else {
        probes.push_back({found.size(), slot.id, slot.body_verified});
        found.push_back(nullptr);
      }
      if (s.has_disk && shard.disk_hits.size() < kMaxBufferedHits)
        shard.disk_hits.push_back(slot.id);
    }
  }

  if (!probes.empty()) {
    // Disk-only variants: read their files with no lock held, then check
    // under the shard lock that each is still the current version.
    std::vector<Impl::Loaded> loaded;
    loaded.reserve(probes.size());
    for (const Probe& p : probes) loaded.push_back(s.load(p.id, url_key, p.verified));
    std::vector<uint64_t> broken;
    std::vector<uint64_t> no_files;  // disk mode evictions never remove objects
    std::unique_lock lock(shard.mu);
    for (size_t i = 0; i < probes.size(); ++i) {
      const Probe& p = probes[i];
      Slot* slot = findSlot(shard, url_key, p.id);
      if (!slot) continue;  // purged or evicted meanwhile
      if (slot->held) {
        found[p.position] = slot->held;  // updated or promoted meanwhile
        continue;
      }
      const auto& object = loaded[i].object;
      if (!object) {
        if (loaded[i].broken) broken.push_back(p.id);
        continue;
      }
      if (object->generation() != slot->generation) continue;  // rewritten meanwhile
      slot->body_verified = true;
      slot->recent = object;
      found[p.position] = object;
      if (object->memoryBody()) {
        // Promotion to the memory tier.
        slot->held = object;
        s.admitToMemoryLocked(shard, std::string(url_key), p.id,
                              memoryCharge(object->meta(), object->bodySize()),
                              fingerprintOf(url_key, object->meta().variant), no_files);
      }
    }
    lock.unlock();
    if (!broken.empty()) {
      // A file that vanished or went bad under us: forget the object so the
      // next request refetches it. Off the normal path, so taking the index
      // lock here (after the shard lock) is fine.
      std::unique_lock index(s.index_mu);
      std::vector<uint64_t> current;
      for (uint64_t id : broken) {
        std::lock_guard l(shard.mu);
        Slot* slot = findSlot(shard, url_key, id);
        if (slot && !slot->held) current.push_back(id);  // still disk-only, still broken
      }
      s.removeIdsLocked(index, current);
    }
  }

  std::vector<std::shared_ptr<const Object>> out;
  out.reserve(found.size());
  for (auto& o : found) {
    if (o) out.push_back(std::move(o));
  }
  return out;
}

void Store::insert(ObjectMeta meta, std::string body) {
  Impl& s = *impl_;
  const uint64_t body_size = body.size();
  const uint64_t charge = memoryCharge(meta, body_size);
  uint64_t disk_size = 0;
  if (s.has_disk) {
    size_t meta_size = disk::encodedMetaSize(meta);
    if (meta_size > disk::kMaxMetaBytes) return;
    disk_size = disk::fileSizeFor(meta_size, body_size);
    if (disk_size > s.options.disk_bytes) return;
  } else if (charge > s.shard_capacity) {
    return;
  }
  const bool in_memory =
      charge <= s.shard_capacity && (!s.has_disk || body_size <= s.options.max_memory_object);
  // A large object's body waits in memory for the writer; bound how much.
  const uint64_t pending = s.has_disk && !in_memory ? body_size : 0;
  if (pending > 0) {
    std::lock_guard q(s.queue_mu);
    if (s.pending_bytes > 0 && s.pending_bytes + pending > s.pending_limit) return;
    s.pending_bytes += pending;
  }

  auto stored_body = std::make_shared<Body>();
  stored_body->data = std::move(body);
  std::vector<uint64_t> files;  // of replaced / evicted objects
  std::shared_ptr<const StoredObject> object;
  bool keep = false;
  {
    std::unique_lock index(s.index_mu);
    if (s.has_disk) s.drainDiskHitsLocked();
    const uint64_t id = s.next_id++;
    object = std::make_shared<StoredObject>(std::move(meta), stored_body, body_size, id, 1);
    const ObjectMeta& m = object->meta();
    const uint64_t fingerprint = fingerprintOf(m.url_key, m.variant);
    Record record;
    record.url_key = m.url_key;
    record.variant = m.variant;
    record.zone = m.zone;
    record.host = lower(m.host);
    record.path = m.path;
    for (const auto& tag : m.tags) record.tags.push_back(lower(tag));
    s.registerLocked(id, std::move(record));

    Shard& shard = s.shardFor(m.url_key);
    {
      std::lock_guard lock(shard.mu);
      // The same variant is replaced; beyond max_variants the oldest go.
      std::vector<uint64_t> drop;
      if (auto it = shard.urls.find(m.url_key); it != shard.urls.end()) {
        std::vector<const Slot*> others;
        for (const Slot& slot : it->second) {
          if (slot.variant == m.variant)
            drop.push_back(slot.id);
          else
            others.push_back(&slot);
        }
        // Over the cap, the variants that go first are those never served
        // since they were stored, then the least recently used: a client
        // that floods a URL with new variants (a Vary header it controls)
        // only pushes out its own, never the ones others are reading.
        while (others.size() + 1 > s.options.max_variants) {
          auto victim = std::min_element(others.begin(), others.end(), [](const Slot* a, const Slot* b) {
            if (a->served != b->served) return !a->served;
            return a->last_use < b->last_use;
          });
          drop.push_back((*victim)->id);
          others.erase(victim);
        }
      }
      for (uint64_t old : drop) s.removeInShardLocked(shard, old, files);
      auto& slots = shard.urls[m.url_key];
      Slot slot;
      slot.id = id;
      slot.generation = 1;
      slot.variant = m.variant;
      slot.held = object;
      slot.writing = s.has_disk;
      slot.body_verified = true;
      slot.last_use = ++shard.use_clock;
      slots.insert(slots.begin(), std::move(slot));
      if (in_memory) s.admitToMemoryLocked(shard, m.url_key, id, charge, fingerprint, files);
    }
    if (s.has_disk) {
      std::vector<uint64_t> victims;
      if (!s.disk_policy->insert(id, disk_size, victims, fingerprint)) victims.push_back(id);
      for (uint64_t v : victims) s.removeObjectLocked(v, files);
    }
    keep = s.has_disk && s.records.count(id) != 0;
    // Replaced and evicted objects' files go on the writer thread; a purge
    // or remove unlinks any still waiting before it returns.
    s.doom(files);
  }
  if (keep) {
    s.enqueue({object->id(), 1, object, pending});
  } else if (pending > 0) {
    std::lock_guard q(s.queue_mu);
    s.pending_bytes -= pending;
  }
}

void Store::markUsed(const Object& object) {
  Impl& s = *impl_;
  Shard& shard = s.shardFor(object.meta().url_key);
  std::lock_guard lock(shard.mu);
  if (Slot* slot = findSlot(shard, object.meta().url_key, object.id())) {
    slot->last_use = ++shard.use_clock;
    slot->served = true;
  }
}

bool Store::updateHeaders(const Object& previous, http::HeaderList headers, int64_t request_time,
                          int64_t response_time) {
  Impl& s = *impl_;
  const auto* prev = dynamic_cast<const StoredObject*>(&previous);
  if (!prev) return false;
  ObjectMeta meta = prev->meta();
  meta.headers = std::move(headers);
  meta.request_time = request_time;
  meta.response_time = response_time;
  const uint64_t charge = memoryCharge(meta, prev->bodySize());
  const size_t meta_size = disk::encodedMetaSize(meta);
  const uint64_t disk_size = disk::fileSizeFor(meta_size, prev->bodySize());
  const std::string url_key = meta.url_key;

  std::vector<uint64_t> files;
  std::shared_ptr<const StoredObject> object;
  uint64_t generation = 0;
  uint64_t pending = 0;
  bool keep = false;
  {
    std::unique_lock index(s.index_mu);
    auto rec = s.records.find(prev->id());
    if (rec == s.records.end()) return false;
    if (s.has_disk && (meta_size > disk::kMaxMetaBytes || disk_size > s.options.disk_bytes)) {
      // The new headers cannot be stored; the old ones must not stay.
      s.removeIdsLocked(index, {prev->id()});
      return false;
    }
    generation = ++rec->second.generation;
    object = std::make_shared<StoredObject>(std::move(meta), prev->body(), prev->bodySize(),
                                            prev->id(), generation);
    Shard& shard = s.shardFor(url_key);
    {
      std::lock_guard lock(shard.mu);
      Slot* slot = findSlot(shard, url_key, prev->id());
      VERGE_ASSERT(slot != nullptr);  // a Record always has its slot
      slot->generation = generation;
      slot->recent = object;
      slot->held = object;  // in memory, or until the rewrite lands
      slot->writing = s.has_disk;
      if (slot->memory_charge > 0) {
        std::vector<uint64_t> victims;
        if (shard.memory->resize(prev->id(), charge, victims)) slot->memory_charge = charge;
        s.evictFromMemoryLocked(shard, victims, files);  // may include this object
      } else if (s.has_disk && object->memoryBody()) {
        pending = object->bodySize();
      }
    }
    if (s.has_disk) {
      std::vector<uint64_t> victims;
      s.disk_policy->resize(prev->id(), disk_size, victims);
      for (uint64_t v : victims) s.removeObjectLocked(v, files);
      keep = s.currentLocked(prev->id(), generation);
    }
    s.doom(files);
  }
  if (keep) {
    {
      std::lock_guard q(s.queue_mu);
      s.pending_bytes += pending;
    }
    s.enqueue({object->id(), generation, object, pending});
  }
  return true;
}

size_t Store::remove(std::string_view url_key) {
  Impl& s = *impl_;
  std::unique_lock index(s.index_mu);
  std::vector<uint64_t> ids;
  {
    Shard& shard = s.shardFor(url_key);
    std::lock_guard lock(shard.mu);
    if (auto it = shard.urls.find(url_key); it != shard.urls.end()) {
      for (const Slot& slot : it->second) ids.push_back(slot.id);
    }
  }
  return s.removeIdsLocked(index, ids);
}

size_t Store::purgeUrl(std::string_view zone, std::string_view host, std::string_view path) {
  Impl& s = *impl_;
  std::unique_lock index(s.index_mu);
  std::vector<uint64_t> ids;
  if (auto z = s.zones.find(zone); z != s.zones.end()) {
    if (auto h = z->second.hosts.find(lower(host)); h != z->second.hosts.end()) {
      if (auto p = h->second.find(path); p != h->second.end()) {
        ids.assign(p->second.begin(), p->second.end());
      }
    }
  }
  return s.removeIdsLocked(index, ids);
}

size_t Store::purgePrefix(std::string_view zone, std::string_view host,
                          std::string_view path_prefix) {
  Impl& s = *impl_;
  std::unique_lock index(s.index_mu);
  std::vector<uint64_t> ids;
  if (auto z = s.zones.find(zone); z != s.zones.end()) {
    if (auto h = z->second.hosts.find(lower(host)); h != z->second.hosts.end()) {
      // Paths with the prefix are contiguous in the map from lower_bound on.
      for (auto p = h->second.lower_bound(path_prefix);
           p != h->second.end() && std::string_view(p->first).starts_with(path_prefix); ++p) {
        ids.insert(ids.end(), p->second.begin(), p->second.end());
      }
    }
  }
  return s.removeIdsLocked(index, ids);
}

size_t Store::purgeTag(std::string_view zone, std::string_view tag) {
  Impl& s = *impl_;
  std::unique_lock index(s.index_mu);
  std::vector<uint64_t> ids;
  if (auto z = s.zones.find(zone); z != s.zones.end()) {
    if (auto t = z->second.tags.find(lower(tag)); t != z->second.tags.end()) {
      ids.assign(t->second.begin(), t->second.end());
    }
  }
  return s.removeIdsLocked(index, ids);
}

size_t Store::purgeHost(std::string_view zone, std::string_view host) {
  Impl& s = *impl_;
  std::unique_lock index(s.index_mu);
  std::vector<uint64_t> ids;
  if (auto z = s.zones.find(zone); z != s.zones.end()) {
    if (auto h = z->second.hosts.find(lower(host)); h != z->second.hosts.end()) {
      for (const auto& [path, set] : h->second) ids.insert(ids.end(), set.begin(), set.end());
    }
  }
  return s.removeIdsLocked(index, ids);
}

size_t Store::purgeZone(std::string_view zone) {
  Impl& s = *impl_;
  std::unique_lock index(s.index_mu);
  std::vector<uint64_t> ids;
  if (auto z = s.zones.find(zone); z != s.zones.end()) {
    for (const auto& [host, paths] : z->second.hosts) {
      for (const auto& [path, set] : paths) ids.insert(ids.end(), set.begin(), set.end());
    }
  }
  return s.removeIdsLocked(index, ids);
}

StoreStats Store::stats() const {
  Impl& s = *impl_;
  StoreStats out;
  for (Shard& shard : s.shards) {
    std::lock_guard lock(shard.mu);
    out.memory_objects += shard.memory->size();
    out.memory_bytes += shard.memory->bytes();
  }
  if (s.has_disk) {
    std::lock_guard index(s.index_mu);
    out.disk_objects = s.disk_policy->size();
    out.disk_bytes = s.disk_policy->bytes();
  }
  return out;
}

void Store::flush() {
  Impl& s = *impl_;
  if (!s.has_disk) return;
  std::unique_lock q(s.queue_mu);
  s.idle_cv.wait(q, [&] { return s.jobs.empty() && s.doomed.empty() && !s.writer_busy; });
}

}  // namespace verge::cache
