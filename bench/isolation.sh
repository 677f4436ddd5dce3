#!/usr/bin/env bash
# bench/isolation.sh: does a CPU-bound worker stall the rest of the node?
#
# One `verge serve` (threads = nproc) runs two workers: `healthy` (a small
# JSON answer, host healthy.test) and `burn` (`for (;;) {}`, host burn.test,
# CPU limit BENCH_BURN_CPU_MS). For each N in BENCH_BURNS it starts N burn
# requests, waits a moment so they are all spinning, and measures the
# healthy worker while they spin; N = 0 is the baseline. It prints
# the healthy worker's p50/p99 latency, requests/s, errors and timeouts for
# each N, and the p99 ratio against the baseline. The load is
# bench/isolation/load.py, not wrk: a request stuck behind a spinning
# thread must count in the latency figures (wrk leaves requests that never
# complete out of its percentiles).
#
# With VERGE_BEFORE=path/to/older/verge the same runs are made with that
# binary too, side by side, and the p99 ratio before/after is printed (the
# figure of docs/benchmarks.md was taken with the binary of the commit
# before the scheduler change).
#
# Usage: bench/isolation.sh
# Environment (all optional):
#   BENCH_DURATION      seconds of load per run (default 10)
#   BENCH_CONNECTIONS   concurrent clients of the healthy worker (default 8)
#   BENCH_TIMEOUT       seconds after which a request counts as timed out (default 5)
#   BENCH_BURNS         burn request counts to try (default "0 1 4")
#   BENCH_BURN_CPU_MS   the burn worker's CPU limit (default 30000, Cloudflare's)
#   BENCH_KEEP_LOGS=1   keep the temp dir
#   VERGE, VERGE_BEFORE verge binaries (default build/verge, none)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
VERGE=${VERGE:-$ROOT/build/verge}
BEFORE=${VERGE_BEFORE:-}
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-8}
TIMEOUT=${BENCH_TIMEOUT:-5}
BURNS=${BENCH_BURNS:-0 1 4}
BURN_CPU_MS=${BENCH_BURN_CPU_MS:-30000}
NPROC=$(nproc)

json_field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"; }

for tool in curl awk python3; do command -v "$tool" >/dev/null || die "needs '$tool' on PATH"; done
[[ -x $VERGE ]] || die "no verge binary at $VERGE (build it: make build)"
[[ -z $BEFORE || -x $BEFORE ]] || die "VERGE_BEFORE=$BEFORE is not executable"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/verge-bench-isolation.XXXXXX")
declare -a PIDS=()
bench_start
# The burn worker as a project, for its CPU limit.
mkdir -p "$TMP/burn"
cp "$BENCH_DIR/isolation/burn.js" "$TMP/burn/burn.js"
printf 'name = "burn"\nmain = "burn.js"\n[limits]\ncpu_ms = %s\n' "$BURN_CPU_MS" >"$TMP/burn/wrangler.toml"
if [[ -n $BEFORE ]]; then cp "$BEFORE" "$TMP/verge-before"; BEFORE=$TMP/verge-before; fi

# run_binary TAG BINARY: every N of BURNS against one fresh node.
declare -A P50=() P99=() RPS=() ERRS=()
run_binary() {
  local tag=$1 bin=$2 n i out port pid
  free_port; port=$PORT
  mkdir -p "$TMP/$tag"
  cat >"$TMP/$tag/node.toml" <<TOML
[server]
listen = "127.0.0.1:$port"
threads = $NPROC
data_dir = "$TMP/$tag/data"

[[workers]]
name = "healthy"
path = "$BENCH_DIR/isolation/healthy.js"
routes = ["healthy.test"]

[[workers]]
name = "burn"
path = "$TMP/burn"
routes = ["burn.test"]
TOML
  "$bin" serve --config "$TMP/$tag/node.toml" >/dev/null 2>"$TMP/$tag/verge.err" &
  pid=$!
  PIDS+=("$pid")
  wait_listen "$port" "$pid" "verge ($tag)" || { tail -n 20 "$TMP/$tag/verge.err" >&2; return 1; }
  curl -s -o /dev/null -H 'Host: healthy.test' "http://127.0.0.1:$port/" || true
  for n in $BURNS; do
    local -a burners=()
    for ((i = 0; i < n; i++)); do
      curl -s -o /dev/null -m $((BURN_CPU_MS / 1000 * n + 60)) -H 'Host: burn.test' "http://127.0.0.1:$port/" &
      burners+=($!)
    done
    ((n > 0)) && sleep 1  # let every burn request start spinning
    out=$TMP/$tag/load-$n.json
    python3 "$BENCH_DIR/isolation/load.py" "$port" healthy.test /api "$CONNS" "$DURATION" "$TIMEOUT" >"$out"
    P50[$tag,$n]=$(json_field "$out" p50_ms)
    P99[$tag,$n]=$(json_field "$out" p99_ms)
    RPS[$tag,$n]=$(json_field "$out" rps)
    ERRS[$tag,$n]="max $(fmt "$(json_field "$out" max_ms)" 0) ms, timeouts $(json_field "$out" timeouts), errors $(json_field "$out" errors), non-2xx $(json_field "$out" non2xx)"
    # The burn requests end at their CPU limit; the next N starts on a quiet node.
    for b in "${burners[@]}"; do wait "$b" 2>/dev/null || true; done
  done
  stop_pid "$pid"
}

log "isolation: threads = $NPROC, burn CPU limit ${BURN_CPU_MS} ms, $CONNS clients (a new connection per request) for ${DURATION}s on the healthy worker"
run_binary after "$VERGE"
[[ -n $BEFORE ]] && run_binary before "$BEFORE"

printf '\n%-8s %6s %10s %10s %10s  %s\n' binary burns p50_ms p99_ms req/s errors
for tag in after before; do
  [[ $tag == before && -z $BEFORE ]] && continue
  for n in $BURNS; do
    printf '%-8s %6s %10s %10s %10s  %s\n' "$tag" "$n" "$(fmt "${P50[$tag,$n]}" 2)" \
      "$(fmt "${P99[$tag,$n]}" 2)" "$(fmt "${RPS[$tag,$n]}" 0)" "${ERRS[$tag,$n]}"
  done
done
echo
for n in $BURNS; do
  ((n == 0)) && continue
  printf 'after: p99 with %s burning / baseline p99 = %s\n' "$n" "$(ratio "${P99[after,$n]}" "${P99[after,0]}")"
  if [[ -n $BEFORE ]]; then
    printf 'before/after p99 with %s burning = %s\n' "$n" "$(ratio "${P99[before,$n]}" "${P99[after,$n]}")"
  fi
done
