#!/usr/bin/env bash
# bench/instructions.sh: user-space instructions per request of verge
# (one or two builds) on the workers of bench/hello.sh, counted by
# valgrind's callgrind. Unlike time, an instruction count does not move with
# the machine's load, so it shows what a change does to the work a request
# takes, to a fraction of a percent. It leaves out the kernel (the socket
# calls are the same for every build) and says nothing about cache misses.
#
#   bench/instructions.sh NEW_VERGE [OLD_VERGE]
#
# For each worker and build: verge serve (threads = 1) under callgrind,
# BENCH_WARM requests (default 3000) so that V8 has compiled the hot code,
# counters zeroed, BENCH_REQUESTS requests (default 2000) one after another
# on a keep-alive connection, counters dumped; prints instructions per
# request and, with two builds, OLD / NEW. Needs valgrind (apt-get install
# valgrind). A build from another checkout bundles with that checkout's
# tools/bundler, as it would in use.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
[[ $# -ge 1 && $# -le 2 ]] || die "usage: bench/instructions.sh NEW_VERGE [OLD_VERGE]"
command -v valgrind >/dev/null || die "needs valgrind (apt-get install valgrind)"
NEW=$(realpath "$1")
OLD=${2:+$(realpath "$2")}
WARM=${BENCH_WARM:-3000}
REQUESTS=${BENCH_REQUESTS:-2000}
WORKERS=${BENCH_WORKERS:-hello realistic hono}
bench_npm_package hono

TMP=$(mktemp -d "${TMPDIR:-/tmp}/verge-bench-instructions.XXXXXX")
declare -a PIDS=()
VERGE=
bench_start  # bench/lib.sh: cleanup on exit

# requests PORT PATH N: N GETs on one keep-alive connection.
requests() {
  python3 - "$@" <<'PY'
import http.client, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
for _ in range(n):
    c.request("GET", path, headers={"User-Agent": "wrk-bench"})
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("status %d for %s" % (r.status, path))
PY
}

# count BINARY WORKER_FILE PATH TAG: prints instructions per request.
count() {
  local bin=$1 file=$2 path=$3 tag=$4 port pid out i
  free_port; port=$PORT
  verge_node_config "$TMP/$tag.toml" "$port" 1 "$tag" "$file"
  out=$TMP/$tag.callgrind
  valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file="$out" \
    "$bin" serve --config "$TMP/$tag.toml" >/dev/null 2>"$TMP/$tag.err" &
  pid=$!
  PIDS+=("$pid")
  for ((i = 0; i < 1200; i++)); do is_listening "$port" && break; sleep 0.1; done
  is_listening "$port" || { tail -5 "$TMP/$tag.err" >&2; die "verge under valgrind did not listen ($tag)"; }
  requests "$port" "$path" "$WARM"
  callgrind_control -z "$pid" >/dev/null 2>&1
  requests "$port" "$path" "$REQUESTS"
  callgrind_control -d "$pid" >/dev/null 2>&1
  sleep 1
  local dump
  dump=$(find "$TMP" -name "$tag.callgrind.*" -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2)
  stop_pid "$pid"
  awk -v n="$REQUESTS" '/^(summary|totals):/ {printf "%.0f", $2 / n; exit}' "$dump"
}

echo "verge instructions per request — $(date -u '+%Y-%m-%d %H:%M UTC'); callgrind, threads = 1, $REQUESTS requests after $WARM"
echo "NEW $NEW${OLD:+, OLD $OLD}"
printf '%-10s %14s' worker NEW
[[ -n $OLD ]] && printf ' %14s %10s' OLD "OLD / NEW"
echo
for w in $WORKERS; do
  hello_worker "$w" || die "unknown worker '$w' (hello, realistic, hono)"
  file=$HELLO_FILE path=$HELLO_PATH
  new=$(count "$NEW" "$file" "$path" "$w-new")
  printf '%-10s %14s' "$w" "$new"
  if [[ -n $OLD ]]; then
    old=$(count "$OLD" "$file" "$path" "$w-old")
    printf ' %14s %9sx' "$old" "$(ratio "$old" "$new")"
  fi
  echo
done
