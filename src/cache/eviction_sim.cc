// verge_eviction_sim: compares the hit ratios of the cache's S3-FIFO policy
// and byte-weighted LRU (cache/s3fifo.h) on one synthetic CDN-like trace, at
// several cache sizes, and prints a table. Run by bench/eviction.sh.
//
// The trace (seeded, so every run and both policies see the same one):
//   - `objects` objects with sizes uniform in 2..14 KiB; their popularity is
//     Zipf(alpha) (rank r is requested with probability ~ 1/r^alpha);
//   - `requests` requests drawn from that distribution;
//   - every `scan-every` requests, a sequential scan of `scan-objects`
//     never-seen-before objects (each requested once, same size
//     distribution): a crawler or a bulk export passing through. With the
//     defaults there are 19 scans of 5,000 objects each (~5% of the working
//     set's bytes per scan: 5x a 1% cache, half a 10% cache).
//     --scan-every=0 turns scans off.
// A request that hits counts as a hit; a miss inserts the object. Sizes are
// given as a share of the working set (the bytes of all `objects` objects).
//
// Usage: verge_eviction_sim [--objects=N] [--requests=N] [--alpha=A]
//          [--seed=N] [--scan-every=N] [--scan-objects=N] [--sizes=0.01,0.05,0.1]
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "cache/s3fifo.h"

namespace {

struct Request {
  uint64_t key;
  uint64_t size;
};

struct Config {
  uint64_t objects = 100000;
  uint64_t requests = 2000000;
  double alpha = 0.9;
  uint64_t seed = 42;
  uint64_t scan_every = 100000;
  uint64_t scan_objects = 5000;
  std::vector<double> sizes = {0.01, 0.05, 0.10};
};

// A uniform double in [0, 1) from 53 random bits (reproducible across
// standard libraries, unlike std::uniform_real_distribution).
double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

uint64_t objectSize(std::mt19937_64& rng) { return 1024 * (2 + rng() % 13); }

struct Trace {
  std::vector<Request> requests;
  uint64_t working_set_bytes = 0;
  uint64_t scan_requests = 0;
  size_t scans = 0;
};

Trace makeTrace(const Config& c) {
  std::mt19937_64 rng(c.seed);
  std::vector<uint64_t> size(c.objects);
  Trace t;
  for (auto& s : size) {
    s = objectSize(rng);
    t.working_set_bytes += s;
  }
  // The Zipf CDF over ranks; rank r is object r (sizes are independent of
  // rank, so which objects are popular does not favour small or large ones).
  std::vector<double> cdf(c.objects);
  double total = 0;
  for (uint64_t r = 0; r < c.objects; ++r) {
    total += 1.0 / std::pow(static_cast<double>(r + 1), c.alpha);
    cdf[r] = total;
  }
  uint64_t next_scan_key = c.objects;  // scan keys are never repeated
  const uint64_t scans = c.scan_every > 0 ? (c.requests - 1) / c.scan_every : 0;
  t.requests.reserve(c.requests + scans * c.scan_objects);
  for (uint64_t i = 0; i < c.requests; ++i) {
    if (c.scan_every > 0 && i > 0 && i % c.scan_every == 0) {
      for (uint64_t k = 0; k < c.scan_objects; ++k) {
        t.requests.push_back({next_scan_key++, objectSize(rng)});
      }
      t.scan_requests += c.scan_objects;
      ++t.scans;
    }
    double u = uniform(rng) * total;
    uint64_t r = static_cast<uint64_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    if (r >= c.objects) r = c.objects - 1;
    t.requests.push_back({r, size[r]});
  }
  return t;
}

struct Result {
  double hit_ratio = 0;
  double byte_hit_ratio = 0;
};

template <typename Policy>
Result run(const Trace& t, uint64_t capacity) {
  Policy policy(capacity);
  std::vector<uint64_t> evicted;
  uint64_t hits = 0, hit_bytes = 0, bytes = 0;
  for (const Request& r : t.requests) {
    bytes += r.size;
    if (policy.access(r.key)) {
      ++hits;
      hit_bytes += r.size;
      continue;
    }
    evicted.clear();
    policy.insert(r.key, r.size, evicted);
  }
  Result out;
  out.hit_ratio = static_cast<double>(hits) / static_cast<double>(t.requests.size());
  out.byte_hit_ratio = static_cast<double>(hit_bytes) / static_cast<double>(bytes);
  return out;
}

bool parseArg(std::string_view arg, Config& c) {
  auto eq = arg.find('=');
  if (arg.substr(0, 2) != "--" || eq == std::string_view::npos) return false;
  std::string_view name = arg.substr(2, eq - 2);
  std::string value(arg.substr(eq + 1));
  char* end = nullptr;
  if (name == "alpha") {
    c.alpha = std::strtod(value.c_str(), &end);
    return *end == '\0' && c.alpha > 0;
  }
  if (name == "sizes") {
    c.sizes.clear();
    const char* p = value.c_str();
    while (*p) {
      double v = std::strtod(p, &end);
      if (end == p || v <= 0) return false;
      c.sizes.push_back(v);
      p = *end == ',' ? end + 1 : end;
      if (*end != ',' && *end != '\0') return false;
    }
    return !c.sizes.empty();
  }
  uint64_t v = std::strtoull(value.c_str(), &end, 10);
  if (*end != '\0') return false;
  if (name == "objects")
    c.objects = v;
  else if (name == "requests")
    c.requests = v;
  else if (name == "seed")
    c.seed = v;
  else if (name == "scan-every")
    c.scan_every = v;
  else if (name == "scan-objects")
    c.scan_objects = v;
  else
    return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    if (!parseArg(argv[i], c)) {
      std::fprintf(stderr,
                   "usage: %s [--objects=N] [--requests=N] [--alpha=A] [--seed=N] "
                   "[--scan-every=N] [--scan-objects=N] [--sizes=0.01,0.05,0.1]\n",
                   argv[0]);
      return 2;
    }
  }
  if (c.objects == 0 || c.requests == 0) {
    std::fprintf(stderr, "%s: --objects and --requests must be positive\n", argv[0]);
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  Trace trace = makeTrace(c);
  const double mib = 1024.0 * 1024.0;
  std::printf("trace: %" PRIu64 " objects of 2-14 KiB (working set %.1f MiB), %" PRIu64
              " Zipf(%.2f) requests, seed %" PRIu64 "\n",
              c.objects, static_cast<double>(trace.working_set_bytes) / mib, c.requests, c.alpha,
              c.seed);
  std::printf(
      "scans: %zu scans of %" PRIu64 " never-repeated objects, one every %" PRIu64
      " requests (%" PRIu64 " requests, %.1f%% of %zu)\n\n",
      trace.scans, c.scan_objects, c.scan_every, trace.scan_requests,
      100.0 * static_cast<double>(trace.scan_requests) / static_cast<double>(trace.requests.size()),
      trace.requests.size());
  std::printf("%-22s %10s %10s %12s %14s %14s\n", "cache size", "LRU hit", "S3-FIFO hit",
              "S3-FIFO/LRU", "LRU byte hit", "S3 byte hit");
  bool always_better = true;
  for (double share : c.sizes) {
    uint64_t capacity = static_cast<uint64_t>(share * static_cast<double>(trace.working_set_bytes));
    Result lru = run<verge::cache::Lru>(trace, capacity);
    Result s3 = run<verge::cache::S3Fifo>(trace, capacity);
    always_better = always_better && s3.hit_ratio > lru.hit_ratio;
    char label[64];
    std::snprintf(label, sizeof label, "%5.1f%% (%.1f MiB)", share * 100,
                  static_cast<double>(capacity) / mib);
    std::printf("%-22s %10.4f %10.4f %12.3f %14.4f %14.4f\n", label, lru.hit_ratio, s3.hit_ratio,
                lru.hit_ratio > 0 ? s3.hit_ratio / lru.hit_ratio : 0.0, lru.byte_hit_ratio,
                s3.byte_hit_ratio);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("\nS3-FIFO beats LRU at every size: %s   (%.1f s)\n", always_better ? "yes" : "NO",
              secs);
  return 0;
}
