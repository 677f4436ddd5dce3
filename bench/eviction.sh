#!/usr/bin/env bash
# bench/eviction.sh: hit ratio of the edge cache's eviction policy, S3-FIFO
# (src/cache/s3fifo.h), against byte-weighted LRU as the peer.
#
# Builds and runs verge_eviction_sim (src/cache/eviction_sim.cc), which
# replays one seeded synthetic trace through both policies at several cache
# sizes: 100k objects of 2-14 KiB with Zipf(0.9) popularity, 2M requests,
# and every 100k requests a sequential scan of 5,000 never-repeated objects
# (a crawler passing through). It prints, per cache size (a share of the
# working set's bytes), the hit ratio of each policy, the ratio S3-FIFO/LRU
# and the byte hit ratios. It only measures and prints; exit status 0 unless
# the benchmark itself could not run. No network, no servers.
#
# Usage: bench/eviction.sh [simulator options, e.g. --alpha=1.0 --sizes=0.01,0.1]
#   (see the top of src/cache/eviction_sim.cc; --scan-every=0 turns scans off)
# Environment (optional):
#   BUILD_DIR   CMake build directory to build the simulator in (default build/;
#               configured with Ninja if it is not configured yet)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
BUILD_DIR=${BUILD_DIR:-$ROOT/build}

command -v cmake >/dev/null || die "needs 'cmake' on PATH"
if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
  log "configuring $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja >/dev/null
fi
log "building verge_eviction_sim in $BUILD_DIR"
cmake --build "$BUILD_DIR" --target verge_eviction_sim >/dev/null
SIM=$BUILD_DIR/src/cache/verge_eviction_sim
[[ -x $SIM ]] || die "no simulator at $SIM after the build"

echo "verge eviction benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr)"
echo "policies: S3-FIFO (10% small FIFO, main FIFO, ghost; 2-bit counters) vs byte-weighted LRU"
echo
"$SIM" "$@"
