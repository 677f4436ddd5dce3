#!/usr/bin/env bash
# bench/ab.sh: two verge binaries against each other on the workers of
# bench/hello.sh, to see what a change does to the cost of a request.
#
#   bench/ab.sh OLD_VERGE NEW_VERGE      (on the shared machine: under flock /tmp/verge-cpu.lock)
#
# Each round runs, for every worker, OLD then NEW back to back (verge serve,
# threads = 1, a fresh process each; one checked request, a warm-up, then
# a measured wrk run) and reads the server's CPU time around the measured
# run. Machine noise moves both runs of a pair alike, so the per-round
# ratio OLD/NEW of CPU per request is steadier than either figure; the
# summary prints its median over the rounds (> 1: NEW costs less).
# A binary built from another checkout bundles with that checkout's
# tools/bundler, as it would in use.
# Environment: BENCH_ROUNDS (5), BENCH_DURATION (4s), BENCH_WARMUP (2s),
# BENCH_WRK_THREADS (2), BENCH_CONNECTIONS (64), BENCH_WORKERS
# ("hello realistic hono").
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
[[ $# -eq 2 ]] || die "usage: bench/ab.sh OLD_VERGE NEW_VERGE"
OLD=$(realpath "$1")
NEW=$(realpath "$2")
[[ -x $OLD && -x $NEW ]] || die "both arguments must be verge binaries"
ROUNDS=${BENCH_ROUNDS:-5}
DURATION=${BENCH_DURATION:-4s}
WARMUP=${BENCH_WARMUP:-2s}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
WORKERS=${BENCH_WORKERS:-hello realistic hono}
CLK_TCK=$(getconf CLK_TCK)
bench_npm_package hono

TMP=$(mktemp -d "${TMPDIR:-/tmp}/verge-bench-ab.XXXXXX")
declare -a PIDS=()
VERGE=
bench_start  # bench/lib.sh: cleanup on exit
cp "$OLD" "$TMP/verge-old"
cp "$NEW" "$TMP/verge-new"

declare -A CPU=()
# run WORKER old|new ROUND: one measured run; records CPU µs/req.
run() {
  local worker=$1 which=$2 round=$3 file path port pid t0 t1 reqs
  hello_worker "$worker" || die "unknown worker '$worker' (hello, realistic, hono)"
  file=$HELLO_FILE path=$HELLO_PATH
  free_port; port=$PORT
  VERGE=$TMP/verge-$which
  verge_node_config "$TMP/$worker-$which.toml" "$port" 1 "$worker-$which-$round" "$file"
  serve_verge "$TMP/$worker-$which.toml" "$port" "$worker-$which"
  pid=$LAUNCH_PID
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -A wrk-bench "http://127.0.0.1:$port$path" || echo 000)
  [[ $code == 200 ]] || warn "$worker on $which answered $code"
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$WARMUP" -H 'User-Agent: wrk-bench' "http://127.0.0.1:$port$path" >/dev/null 2>&1 || true
  t0=$(cpu_ticks "$pid")
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" -H 'User-Agent: wrk-bench' "http://127.0.0.1:$port$path" >"$TMP/wrk.txt" 2>&1 || true
  t1=$(cpu_ticks "$pid")
  stop_pid "$pid"
  reqs=$(wrk_requests "$TMP/wrk.txt")
  CPU[$worker-$which-$round]=$(awk -v t=$((t1 - t0)) -v n="${reqs:-0}" -v hz="$CLK_TCK" 'BEGIN {printf "%.1f", n ? t * 1e6 / hz / n : 0}')
  printf '   round %d %-9s %-3s %9s req/s  %6s µs/req\n' "$round" "$worker" "$which" "$(wrk_rps "$TMP/wrk.txt")" "${CPU[$worker-$which-$round]}"
}

echo "verge A/B — $(date -u '+%Y-%m-%d %H:%M UTC'): OLD $OLD, NEW $NEW"
echo "threads = 1; wrk -t$WRK_THREADS -c$CONNS -d$DURATION after a $WARMUP warm-up; $ROUNDS rounds"
for ((r = 1; r <= ROUNDS; r++)); do
  for w in $WORKERS; do
    run "$w" old "$r"
    run "$w" new "$r"
  done
done
echo
printf '%-10s %18s %18s %22s\n' worker "OLD µs/req (med)" "NEW µs/req (med)" "median OLD/NEW ratio"
for w in $WORKERS; do
  olds=() news=() ratios=()
  for ((r = 1; r <= ROUNDS; r++)); do
    olds+=("${CPU[$w-old-$r]}"); news+=("${CPU[$w-new-$r]}")
    ratios+=("$(ratio "${CPU[$w-old-$r]}" "${CPU[$w-new-$r]}")")
  done
  printf '%-10s %18s %18s %21sx\n' "$w" "$(median "${olds[@]}")" "$(median "${news[@]}")" "$(median "${ratios[@]}")"
done
