// S3-FIFO and LRU eviction policies (see s3fifo.h).
#include "cache/s3fifo.h"

#include <algorithm>

namespace verge::cache {

// --- S3Fifo ----------------------------------------------------------------

void S3Fifo::Fifo::pushHead(Node* n) {
  n->older = head;
  n->newer = nullptr;
  if (head) head->newer = n;
  head = n;
  if (!tail) tail = n;
}

void S3Fifo::Fifo::unlink(Node* n) {
  if (n->newer)
    n->newer->older = n->older;
  else
    head = n->older;
  if (n->older)
    n->older->newer = n->newer;
  else
    tail = n->newer;
  n->newer = n->older = nullptr;
}

S3Fifo::S3Fifo(uint64_t capacity_bytes, S3FifoOptions options)
    : capacity_(capacity_bytes),
      small_capacity_(static_cast<uint64_t>(static_cast<double>(capacity_bytes) *
                                            std::clamp(options.small_ratio, 0.0, 1.0))),
      ghost_capacity_(static_cast<uint64_t>(static_cast<double>(capacity_bytes) *
                                            std::max(options.ghost_ratio, 0.0))),
      move_threshold_(std::max(options.move_to_main_threshold, 1)) {}

S3Fifo::~S3Fifo() = default;

bool S3Fifo::access(uint64_t key) {
  auto it = nodes_.find(key);
  if (it == nodes_.end()) return false;
  // The whole cost of a hit: no list moves, so readers never reorder.
  if (it->second.freq < kMaxFreq) ++it->second.freq;
  return true;
}

bool S3Fifo::insert(uint64_t key, uint64_t size, std::vector<uint64_t>& evicted,
                    uint64_t fingerprint) {
  if (size > capacity_) return false;
  auto [it, fresh] = nodes_.try_emplace(key);
  if (!fresh) {
    // Callers must not insert a resident key; treat it as a resize so the
    // byte counts stay right even if one does.
    return resize(key, size, evicted);
  }
  Node& n = it->second;
  n.key = key;
  n.size = size;
  n.fingerprint = fingerprint;
  if (forget(fingerprint)) {
    // Evicted from small recently and wanted again: it earned main.
    n.queue = Queue::kMain;
    main_.pushHead(&n);
    main_bytes_ += size;
  } else {
    n.queue = Queue::kSmall;
    small_.pushHead(&n);
    small_bytes_ += size;
  }
  evictUntilFits(evicted);
  return true;
}

bool S3Fifo::resize(uint64_t key, uint64_t size, std::vector<uint64_t>& evicted) {
  auto it = nodes_.find(key);
  if (it == nodes_.end()) return false;
  Node& n = it->second;
  if (size > capacity_) {
    removeNode(&n);
    evicted.push_back(key);
    return false;
  }
  uint64_t& queue_bytes = n.queue == Queue::kSmall ? small_bytes_ : main_bytes_;
  queue_bytes = queue_bytes - n.size + size;
  n.size = size;
  evictUntilFits(evicted);
  return true;
}

bool S3Fifo::erase(uint64_t key) {
  auto it = nodes_.find(key);
  if (it == nodes_.end()) return false;
  removeNode(&it->second);
  return true;
}

bool S3Fifo::inMain(uint64_t key) const {
  auto it = nodes_.find(key);
  return it != nodes_.end() && it->second.queue == Queue::kMain;
}

void S3Fifo::removeNode(Node* n) {
  if (n->queue == Queue::kSmall) {
    small_.unlink(n);
    small_bytes_ -= n->size;
  } else {
    main_.unlink(n);
    main_bytes_ -= n->size;
  }
  nodes_.erase(n->key);
}

void S3Fifo::evictUntilFits(std::vector<uint64_t>& evicted) {
  // Each step either evicts, moves a key from small to main, or spends one
  // unit of a main key's counter, so the loop ends: counters are bounded
  // and a key moves to main at most once.
  while (bytes() > capacity_) {
    if (small_bytes_ > small_capacity_ || main_.tail == nullptr) {
      evictFromSmall(evicted);
    } else {
      evictFromMain(evicted);
    }
  }
}

void S3Fifo::evictFromSmall(std::vector<uint64_t>& evicted) {
  Node* t = small_.tail;
  small_.unlink(t);
  small_bytes_ -= t->size;
  if (t->freq >= move_threshold_) {
    // Hit while in small: it is not a one-hit wonder; keep it in main (the
    // counter carries over and is spent by main's reinsertions).
    t->queue = Queue::kMain;
    main_.pushHead(t);
    main_bytes_ += t->size;
    return;
  }
  remember(t->fingerprint, t->size);
  evicted.push_back(t->key);
  nodes_.erase(t->key);
}

void S3Fifo::evictFromMain(std::vector<uint64_t>& evicted) {
  Node* t = main_.tail;
  main_.unlink(t);
  if (t->freq > 0) {
    // Used since it was last queued: another round, one count spent.
    --t->freq;
    main_.pushHead(t);
    return;
  }
  main_bytes_ -= t->size;
  evicted.push_back(t->key);
  nodes_.erase(t->key);
}

void S3Fifo::remember(uint64_t fingerprint, uint64_t size) {
  forget(fingerprint);  // a re-remembered fingerprint moves to the head
  uint64_t seq = ++ghost_seq_;
  ghost_.push_back({fingerprint, size, seq});
  ghost_index_[fingerprint] = seq;
  ghost_bytes_ += size;
  while (ghost_bytes_ > ghost_capacity_ && !ghost_.empty()) {
    GhostEntry old = ghost_.front();
    ghost_.pop_front();
    auto it = ghost_index_.find(old.fingerprint);
    if (it != ghost_index_.end() && it->second == old.seq) {
      ghost_index_.erase(it);
      ghost_bytes_ -= old.size;
    }
  }
  // Forgotten entries stay in the deque until they reach its front; compact
  // when they outnumber the live ones so the deque stays proportional.
  if (ghost_.size() > 2 * ghost_index_.size() + 64) {
    std::deque<GhostEntry> live;
    for (const GhostEntry& e : ghost_) {
      auto it = ghost_index_.find(e.fingerprint);
      if (it != ghost_index_.end() && it->second == e.seq) live.push_back(e);
    }
    ghost_.swap(live);
  }
}

bool S3Fifo::forget(uint64_t fingerprint) {
  auto it = ghost_index_.find(fingerprint);
  if (it == ghost_index_.end()) return false;
  // The deque entry becomes stale; its bytes stop counting now. Entries are
  // queued in seq order (compaction keeps the order), so a binary search
  // finds its size.
  uint64_t seq = it->second;
  ghost_index_.erase(it);
  auto pos = std::lower_bound(ghost_.begin(), ghost_.end(), seq,
                              [](const GhostEntry& e, uint64_t s) { return e.seq < s; });
  if (pos != ghost_.end() && pos->seq == seq) ghost_bytes_ -= pos->size;
  return true;
}

// --- Lru -------------------------------------------------------------------

Lru::Lru(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}
Lru::~Lru() = default;

void Lru::unlink(Node* n) {
  if (n->prev)
    n->prev->next = n->next;
  else
    front_ = n->next;
  if (n->next)
    n->next->prev = n->prev;
  else
    back_ = n->prev;
  n->prev = n->next = nullptr;
}

void Lru::pushFront(Node* n) {
  n->prev = nullptr;
  n->next = front_;
  if (front_) front_->prev = n;
  front_ = n;
  if (!back_) back_ = n;
}

bool Lru::access(uint64_t key) {
  auto it = nodes_.find(key);
  if (it == nodes_.end()) return false;
  unlink(&it->second);
  pushFront(&it->second);
  return true;
}

bool Lru::insert(uint64_t key, uint64_t size, std::vector<uint64_t>& evicted,
                 uint64_t /*fingerprint*/) {
  if (size > capacity_) return false;
  auto [it, fresh] = nodes_.try_emplace(key);
  if (!fresh) return resize(key, size, evicted);
  it->second.key = key;
  it->second.size = size;
  pushFront(&it->second);
  bytes_ += size;
  evictUntilFits(evicted);
  return true;
}

bool Lru::resize(uint64_t key, uint64_t size, std::vector<uint64_t>& evicted) {
  auto it = nodes_.find(key);
  if (it == nodes_.end()) return false;
  if (size > capacity_) {
    erase(key);
    evicted.push_back(key);
    return false;
  }
  bytes_ = bytes_ - it->second.size + size;
  it->second.size = size;
  evictUntilFits(evicted);
  return true;
}

bool Lru::erase(uint64_t key) {
  auto it = nodes_.find(key);
  if (it == nodes_.end()) return false;
  unlink(&it->second);
  bytes_ -= it->second.size;
  nodes_.erase(it);
  return true;
}

void Lru::evictUntilFits(std::vector<uint64_t>& evicted) {
  while (bytes_ > capacity_ && back_) {
    Node* victim = back_;
    uint64_t key = victim->key;
    unlink(victim);
    bytes_ -= victim->size;
    evicted.push_back(key);
    nodes_.erase(key);
  }
}

}  // namespace verge::cache
