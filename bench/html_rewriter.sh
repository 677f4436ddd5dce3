#!/usr/bin/env bash
# bench/html_rewriter.sh: HTMLRewriter benchmark of verge against workerd.
#
# One run measures, on this machine and on 127.0.0.1 only:
#   1. throughput (requests/s, p99) with wrk of the same worker,
#      bench/html_rewriter/worker.js — a 100 KiB page rewritten with five
#      rewrites (an attribute on every link, an element's inner content, a
#      text replace, a comment removal, an injected script) — under
#        - verge serve, threads = 1
#        - verge serve, threads = nproc
#        - workerd (npm package, pinned in bench/package.json), the same file
#          (bench/html_rewriter/workerd.capnp)
#      and the ratios verge/workerd (goals: >= 1x at 1 thread, >= 3x with
#      all cores);
#   2. the rewriter's own speed on one core, no V8 (MB/s of input):
#      build/src/html/verge_html_rewriter_bench, the same page and rewrites
#      with the handlers in C++, and the pass-through floor.
# It only measures and prints; it asserts nothing.
#
# Usage: bench/html_rewriter.sh
# Environment (all optional):
#   BENCH_DURATION      wrk duration of each throughput run (default 10s)
#   BENCH_WARMUP        wrk warm-up before each run (default 3s)
#   BENCH_WRK_THREADS   wrk threads (default 2)
#   BENCH_CONNECTIONS   wrk connections (default 64)
#   BENCH_KEEP_LOGS=1   keep the temp dir with configs, wrk and server logs
#   VERGE               verge binary (default build/verge)
#   REWRITER_BENCH      the micro-benchmark (default build/src/html/verge_html_rewriter_bench)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
WORKER_DIR=$BENCH_DIR/html_rewriter
VERGE=${VERGE:-$ROOT/build/verge}
REWRITER_BENCH=${REWRITER_BENCH:-$ROOT/build/src/html/verge_html_rewriter_bench}

DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-3s}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
NPROC=$(nproc)

for tool in wrk curl awk; do
  command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
done
[[ -x $VERGE ]] || die "no verge binary at $VERGE (build it: ninja -C build)"
[[ -x $REWRITER_BENCH ]] || die "no $REWRITER_BENCH (build it: ninja -C build verge_html_rewriter_bench)"
find_workerd

TMP=$(mktemp -d "${TMPDIR:-/tmp}/verge-bench-html.XXXXXX")
declare -a PIDS=()
bench_start

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

start_verge() {  # start_verge PORT THREADS
  verge_node_config "$TMP/verge-$2.toml" "$1" "$2" rewriter "$WORKER_DIR/worker.js"
  serve_verge "$TMP/verge-$2.toml" "$1" "threads=$2"
}
start_workerd() { serve_workerd "$WORKER_DIR/workerd.capnp" "$1"; }  # start_workerd PORT

declare -A RPS=() P99=() NON2XX=() BODY=()
# throughput NAME URL: checks the answer, warm-up, then the measured run.
throughput() {
  local name=$1 url=$2 out=$TMP/wrk-$1.txt
  curl -s -o "$TMP/body-$name.html" "$url" || true
  BODY[$name]=$(md5sum <"$TMP/body-$name.html" | awk '{print $1}')
  printf '   %s answered %s bytes (md5 %s)\n' "$name" "$(wc -c <"$TMP/body-$name.html")" "${BODY[$name]}"
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$WARMUP" "$url" >/dev/null 2>&1 || true
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency "$url" >"$out" 2>&1 || true
  RPS[$name]=$(wrk_rps "$out")
  P99[$name]=$(wrk_p99_ms "$out")
  NON2XX[$name]=$(wrk_non2xx "$out")
  sed 's/^/   | /' "$out"
}

echo "verge HTMLRewriter benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $NPROC cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr)"
echo "verge:   $VERGE_SRC (built $(date -u -r "$VERGE_SRC" '+%Y-%m-%d %H:%M UTC'))"
echo "workerd: $("$WORKERD" --version 2>&1 | head -1)"
echo "wrk settings: -t$WRK_THREADS -c$CONNS -d$DURATION --latency (after a $WARMUP warm-up); wrk shares the cores with the server"
echo

log "1/2 throughput: verge serve (threads = 1)"
free_port; port=$PORT
start_verge "$port" 1
throughput verge1 "http://127.0.0.1:$port/"
stop_pid "$LAUNCH_PID"

log "1/2 throughput: verge serve (threads = $NPROC)"
free_port; port=$PORT
start_verge "$port" "$NPROC"
throughput verge "http://127.0.0.1:$port/"
stop_pid "$LAUNCH_PID"

log "1/2 throughput: workerd"
free_port; port=$PORT
start_workerd "$port"
throughput workerd "http://127.0.0.1:$port/"
stop_pid "$LAUNCH_PID"

log "2/2 the rewriter alone, one core (no V8)"
"$REWRITER_BENCH" 3 | sed 's/^/   /' | tee "$TMP/micro.txt"

echo
echo "================================ SUMMARY ================================"
printf '%-32s %12s %10s %8s\n' "wrk -t$WRK_THREADS -c$CONNS -d$DURATION" "requests/s" "p99 (ms)" "non-2xx"
for name in verge1 verge workerd; do
  case $name in
    verge1) label="verge serve (threads=1)" ;;
    verge) label="verge serve (threads=$NPROC)" ;;
    workerd) label="workerd $("$WORKERD" --version 2>&1 | awk '{print $2}')" ;;
  esac
  printf '%-32s %12s %10s %8s\n' "$label" "$(fmt "${RPS[$name]:-}" 0)" "$(fmt "${P99[$name]:-}" 2)" "${NON2XX[$name]:-?}"
done
[[ ${BODY[verge]} == "${BODY[workerd]}" ]] && same="yes" || same="NO (compare $TMP/body-*.html)"
echo "same body from verge and workerd: $same"
echo
printf '%-32s %12s   goal >= 1x\n' "verge (1 thread) / workerd" "$(ratio "${RPS[verge1]:-}" "${RPS[workerd]:-}")x"
printf '%-32s %12s   goal >= 3x\n' "verge ($NPROC threads) / workerd" "$(ratio "${RPS[verge]:-}" "${RPS[workerd]:-}")x"
sed 's/^ */rewriter alone: /' "$TMP/micro.txt" | tail -2
echo "========================================================================="
