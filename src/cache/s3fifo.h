// Byte-weighted eviction policies for the cache tiers, independent of HTTP:
// they see 64-bit keys and sizes, nothing else.
//
// S3Fifo is S3-FIFO (Yang et al., "FIFO queues are all you need for cache
// eviction", SOSP'23): a small FIFO (~10% of the bytes) that new keys enter,
// a main FIFO for keys that proved themselves, and a ghost FIFO remembering
// (fingerprints of) keys recently evicted from the small FIFO. A hit only
// bumps a 2-bit saturating counter; no list is reordered on a hit, which is
// what makes it cheap under a lock and scan-resistant: a one-hit wonder
// leaves through the small FIFO without touching what main holds.
//
// Lru is plain byte-weighted least-recently-used with the same interface,
// for comparison (cache/eviction_sim.cc).
//
// Neither class locks; callers serialise access (the store holds a shard or
// index lock around every call).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

namespace verge::cache {

struct S3FifoOptions {
  // Share of the capacity for the small FIFO (the paper's 10%).
  double small_ratio = 0.10;
  // Ghost entries are kept while their total size is at most this share of
  // the capacity (the paper sizes the ghost like the main FIFO).
  double ghost_ratio = 0.90;
  // A key leaving the small FIFO moves to main when it was hit at least this
  // often while in small (the paper's "accessed at least once").
  int move_to_main_threshold = 1;
};

class S3Fifo {
 public:
  explicit S3Fifo(uint64_t capacity_bytes, S3FifoOptions options = {});
  ~S3Fifo();
  S3Fifo(const S3Fifo&) = delete;
  S3Fifo& operator=(const S3Fifo&) = delete;

  // Counts a hit on `key`: false when it is not resident.
  bool access(uint64_t key);

  // Admits `key` (which must not be resident) with `size` bytes, then evicts
  // until the policy is within its capacity, appending every evicted key to
  // `evicted` (which may include `key` itself: a key larger than the small
  // FIFO leaves at once unless its fingerprint is in the ghost). A key whose
  // fingerprint is in the ghost goes straight to main. Returns false, and
  // changes nothing, when `size` exceeds the whole capacity.
  //
  // `fingerprint` identifies the content for the ghost: the store keys
  // residency by a per-insert id but fingerprints by (url, variant), so a
  // re-fetch of a recently evicted URL is recognised.
  bool insert(uint64_t key, uint64_t size, std::vector<uint64_t>& evicted, uint64_t fingerprint);
  bool insert(uint64_t key, uint64_t size, std::vector<uint64_t>& evicted) {
    return insert(key, size, evicted, key);
  }

  // Changes the size of a resident key (evicting as needed, as insert
  // does). False when not resident or larger than the capacity (the key is
  // then removed and reported in `evicted`).
  bool resize(uint64_t key, uint64_t size, std::vector<uint64_t>& evicted);

  // Removes `key` without remembering it in the ghost (purge, replacement).
  bool erase(uint64_t key);

  bool contains(uint64_t key) const { return nodes_.count(key) != 0; }
  uint64_t bytes() const { return small_bytes_ + main_bytes_; }
  size_t size() const { return nodes_.size(); }
  uint64_t capacity() const { return capacity_; }
  // For tests: whether `key` is resident in the main FIFO.
  bool inMain(uint64_t key) const;

 private:
  enum class Queue : uint8_t { kSmall, kMain };
  struct Node {
    uint64_t key = 0;
    uint64_t size = 0;
    uint64_t fingerprint = 0;
    uint8_t freq = 0;  // saturates at kMaxFreq
    Queue queue = Queue::kSmall;
    Node* newer = nullptr;  // toward the head (most recently queued)
    Node* older = nullptr;  // toward the tail (next to leave)
  };
  // An intrusive FIFO of nodes owned by nodes_: push at the head, pop at the
  // tail, unlink from anywhere in O(1).
  struct Fifo {
    Node* head = nullptr;
    Node* tail = nullptr;
    void pushHead(Node* n);
    void unlink(Node* n);
  };
  struct GhostEntry {
    uint64_t fingerprint;
    uint64_t size;
    uint64_t seq;  // matches ghost_index_ while the entry is current
  };
  static constexpr uint8_t kMaxFreq = 3;

  void evictUntilFits(std::vector<uint64_t>& evicted);
  void evictFromSmall(std::vector<uint64_t>& evicted);
  void evictFromMain(std::vector<uint64_t>& evicted);
  void remember(uint64_t fingerprint, uint64_t size);
  bool forget(uint64_t fingerprint);  // true when it was in the ghost
  void removeNode(Node* n);

  uint64_t capacity_;
  uint64_t small_capacity_;
  uint64_t ghost_capacity_;
  int move_threshold_;
  std::unordered_map<uint64_t, Node> nodes_;  // node addresses are stable
  Fifo small_, main_;
  uint64_t small_bytes_ = 0, main_bytes_ = 0;
  // Ghost: FIFO of fingerprints with lazy deletion (an entry whose seq no
  // longer matches ghost_index_ was forgotten or re-remembered).
  std::deque<GhostEntry> ghost_;
  std::unordered_map<uint64_t, uint64_t> ghost_index_;  // fingerprint -> seq
  uint64_t ghost_bytes_ = 0;
  uint64_t ghost_seq_ = 0;
};

// Byte-weighted LRU with S3Fifo's interface (the fingerprint is ignored).
class Lru {
 public:
  explicit Lru(uint64_t capacity_bytes);
  ~Lru();
  Lru(const Lru&) = delete;
  Lru& operator=(const Lru&) = delete;

  bool access(uint64_t key);  // moves `key` to the front
  bool insert(uint64_t key, uint64_t size, std::vector<uint64_t>& evicted, uint64_t fingerprint);
  bool insert(uint64_t key, uint64_t size, std::vector<uint64_t>& evicted) {
    return insert(key, size, evicted, key);
  }
  bool resize(uint64_t key, uint64_t size, std::vector<uint64_t>& evicted);
  bool erase(uint64_t key);
  bool contains(uint64_t key) const { return nodes_.count(key) != 0; }
  uint64_t bytes() const { return bytes_; }
  size_t size() const { return nodes_.size(); }
  uint64_t capacity() const { return capacity_; }

 private:
  struct Node {
    uint64_t key = 0;
    uint64_t size = 0;
    Node* prev = nullptr;  // toward the most recently used
    Node* next = nullptr;  // toward the least recently used
  };
  void unlink(Node* n);
  void pushFront(Node* n);
  void evictUntilFits(std::vector<uint64_t>& evicted);

  uint64_t capacity_;
  uint64_t bytes_ = 0;
  std::unordered_map<uint64_t, Node> nodes_;
  Node* front_ = nullptr;
  Node* back_ = nullptr;
};

}  // namespace verge::cache
