#!/usr/bin/env bash
# bench/bindings.sh: storage-binding benchmark of verge against miniflare.
#
# One run measures, on this machine and on 127.0.0.1 only, requests/s and p99
# latency with wrk for three routes of one worker (bench/bindings/worker.js):
#   1. GET  /kv              KV get of a hot key (seeded once, BENCH_KV_BYTES
#                            bytes), answering its text;
#   2. GET  /d1/select?id=N  D1 point SELECT by primary key on a table of
#                            BENCH_ROWS rows, answering the row as JSON; N is
#                            drawn per request by bench/bindings/select.lua;
#   3. POST /d1/insert       D1 INSERT of one row per request, answering
#                            {"last_row_id":N} (bench/bindings/insert.lua).
# The same worker.js runs on
#   - verge serve, threads = nproc, project folder bench/bindings (its
#     wrangler.toml binds KV and DB), data in a temp data_dir;
#   - miniflare (npm package, pinned in bench/package.json: 4.20260424.0 is
#     the newest miniflare 4 that supports Node 20, which Debian 12 has),
#     started by bench/bindings/miniflare.mjs with the same bindings, KV and
#     D1 persisted in a temp dir.
# Each server is started fresh, seeded once (POST /seed), and every route is
# checked once (status 200 and the expected body) before it is timed. Printed
# per route: requests/s, p99, non-2xx and socket errors for both, server CPU,
# and the ratio verge/miniflare. It only measures and prints; it asserts
# nothing (exit status 0 unless the benchmark itself could not run).
#
# Usage: bench/bindings.sh
# Environment (all optional):
#   BENCH_DURATION        wrk duration of each timed run (default 10s)
#   BENCH_WARMUP          wrk warm-up before each timed run (default 3s)
#   BENCH_WRK_THREADS     wrk threads (default 2)
#   BENCH_CONNECTIONS     wrk connections (default 32)
#   BENCH_ROWS            rows in the D1 table of the SELECT route (default 10000)
#   BENCH_KV_BYTES        size of the hot KV value (default 100)
#   BENCH_KEEP_LOGS=1     keep the temp dir with configs, data, wrk and server logs
#   VERGE                 verge binary (default build/verge)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
PROJECT_DIR=$BENCH_DIR/bindings
SELECT_LUA=$PROJECT_DIR/select.lua
INSERT_LUA=$PROJECT_DIR/insert.lua
MINIFLARE_MJS=$PROJECT_DIR/miniflare.mjs
VERGE=${VERGE:-$ROOT/build/verge}

DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-3s}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-32}
ROWS=${BENCH_ROWS:-10000}
KV_BYTES=${BENCH_KV_BYTES:-100}
NPROC=$(nproc)
CLK_TCK=$(getconf CLK_TCK)


for tool in wrk curl node npm awk cmp; do
  command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
done
[[ -x $VERGE ]] || die "no verge binary at $VERGE (build it: ninja -C build)"
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROWS must be a positive integer"
[[ $KV_BYTES =~ ^[1-9][0-9]*$ ]] || die "BENCH_KV_BYTES must be a positive integer"

# --- miniflare from npm, pinned in bench/package.json -------------------------
MF_PIN=$(node -e 'console.log(require(process.argv[1]).dependencies.miniflare)' "$BENCH_DIR/package.json")
mf_installed() {
  node -e 'console.log(require(process.argv[1]).version)' \
    "$BENCH_DIR/node_modules/miniflare/package.json" 2>/dev/null || true
}
if [[ $(mf_installed) != "$MF_PIN" ]]; then
  log "installing miniflare $MF_PIN (npm install --prefix bench)"
  npm install --prefix "$BENCH_DIR" --no-audit --no-fund >&2
fi
MF_VERSION=$(mf_installed)
[[ $MF_VERSION == "$MF_PIN" ]] || die "miniflare $MF_PIN is not installed under $BENCH_DIR/node_modules"

# --- processes and cleanup --------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/verge-bench-bindings.XXXXXX")
declare -a PIDS=()


bench_start  # bench/lib.sh: cleanup on exit, private copy of verge

# The hot KV value: KV_BYTES printable bytes.
KV_VALUE=$(awk -v n="$KV_BYTES" 'BEGIN {s = ""; while (length(s) < n) s = s "verge-bench-hot-kv-value-0123456789|"; print substr(s, 1, n)}')
printf '%s' "$KV_VALUE" >"$TMP/kv-expected"

# --- server launchers (each sets LAUNCH_PID, LAUNCH_PORT, LAUNCH_CPU_PIDS) ---
LAUNCH_PID=
LAUNCH_PORT=
declare -a LAUNCH_CPU_PIDS=()

start_verge() {  # start_verge PORT
  LAUNCH_PORT=$1
  cat >"$TMP/verge.toml" <<EOF
[server]
listen = "127.0.0.1:$LAUNCH_PORT"
threads = $NPROC
data_dir = "$TMP/verge-data"

[[workers]]
name = "bench-bindings"
path = "$PROJECT_DIR"
routes = ["*"]
EOF
  "$VERGE" serve --config "$TMP/verge.toml" >/dev/null 2>>"$TMP/verge.err" &
  LAUNCH_PID=$!
  PIDS+=("$LAUNCH_PID")
  LAUNCH_CPU_PIDS=("$LAUNCH_PID")
  wait_listen "$LAUNCH_PORT" "$LAUNCH_PID" "verge serve" || {
    tail -n 20 "$TMP/verge.err" >&2
    return 1
  }
}

# miniflare runs in two processes: node (bench/bindings/miniflare.mjs, which
# only starts and stops miniflare) and the workerd it spawns, which serves the
# requests and runs the KV and D1 simulators. Both are tracked by PID.
MF_WORKERD_PID=
MF_WORKERD_BIN=
start_miniflare() {  # start_miniflare PORT
  LAUNCH_PORT=$1
  node "$MINIFLARE_MJS" "$LAUNCH_PORT" "$TMP/miniflare-data" >"$TMP/miniflare.out" 2>>"$TMP/miniflare.err" &
  LAUNCH_PID=$!
  PIDS+=("$LAUNCH_PID")
  local i
  for ((i = 0; i < 600; i++)); do
    grep -q '^miniflare ready' "$TMP/miniflare.out" 2>/dev/null && break
    if ! kill -0 "$LAUNCH_PID" 2>/dev/null; then
      warn "miniflare (pid $LAUNCH_PID) exited before it was ready"
      tail -n 20 "$TMP/miniflare.err" >&2
      return 1
    fi
    sleep 0.1
  done
  grep -q '^miniflare ready' "$TMP/miniflare.out" || { warn "miniflare not ready within 60s"; return 1; }
  wait_listen "$LAUNCH_PORT" "$LAUNCH_PID" "miniflare" || return 1
  MF_WORKERD_PID=$(child_pids "$LAUNCH_PID" | head -1)
  LAUNCH_CPU_PIDS=("$LAUNCH_PID")
  if [[ -n $MF_WORKERD_PID ]]; then
    MF_WORKERD_BIN=$(readlink "/proc/$MF_WORKERD_PID/exe" 2>/dev/null || true)
    PIDS+=("$MF_WORKERD_PID")
    LAUNCH_CPU_PIDS+=("$MF_WORKERD_PID")
  else
    warn "could not find miniflare's workerd child process; its CPU is not counted"
  fi
}

stop_miniflare() {
  stop_pid "$LAUNCH_PID"   # miniflare.mjs disposes of miniflare, which stops workerd
  if [[ -n $MF_WORKERD_PID ]]; then
    kill -0 "$MF_WORKERD_PID" 2>/dev/null && stop_pid "$MF_WORKERD_PID"
    forget_pid "$MF_WORKERD_PID"
  fi
}

# --- checks -----------------------------------------------------------------
declare -A CHECK=() SEED=()
CHECK_BODY=
# http NAME METHOD URL [BODY]: one curl request; sets CHECK_CODE and the body
# file $TMP/body-NAME.
CHECK_CODE=
http() {
  local name=$1 method=$2 url=$3 body=${4-}
  local -a args=(-s -o "$TMP/body-$name" -w '%{http_code}' -X "$method")
  [[ $method == POST ]] && args+=(--data-binary "$body" -H 'content-type: text/plain')
  CHECK_CODE=$(curl "${args[@]}" "$url") || CHECK_CODE=000
  CHECK_BODY=$(head -c 300 "$TMP/body-$name" 2>/dev/null || true)
}
# shown BODY: BODY as one printable line of at most 120 characters.
shown() { printf '%s' "$1" | head -c 120 | tr -c '[:print:]' '?'; }

# seed SERVER BASE: POST /seed once; SEED[SERVER] = "ok" or what went wrong.
seed() {
  local s=$1 base=$2 t0 ms
  t0=$(now_us)
  http "$s-seed" POST "$base/seed?rows=$ROWS" "$KV_VALUE"
  ms=$(awk -v u="$(($(now_us) - t0))" 'BEGIN {printf "%.0f", u / 1000}')
  if [[ $CHECK_CODE == 200 && $CHECK_BODY == "{\"items\":$ROWS,\"kv_bytes\":$KV_BYTES}" ]]; then
    SEED[$s]="ok ($ms ms)"
  else
    SEED[$s]="FAILED: $CHECK_CODE $(shown "$CHECK_BODY")"
  fi
  printf '   seed (%s rows, %s-byte KV value): %s; answer: %s %s\n' "$ROWS" "$KV_BYTES" "${SEED[$s]}" "$CHECK_CODE" "$(shown "$CHECK_BODY")"
}

select_expected() { printf '{"id":%d,"name":"item-%d","score":%d}' "$1" "$1" "$(($1 * 7))"; }

# check_route SERVER ROUTE BASE: CHECK[SERVER/ROUTE] = "ok" or what went wrong.
check_route() {
  local s=$1 route=$2 base=$3 result=ok id
  case $route in
    kv)
      http "$s-kv" GET "$base/kv"
      if [[ $CHECK_CODE != 200 ]] || ! cmp -s "$TMP/body-$s-kv" "$TMP/kv-expected"; then
        result="FAILED: GET /kv -> $CHECK_CODE $(shown "$CHECK_BODY")"
      fi
      ;;
    select)
      for id in 1 $(((ROWS + 1) / 2)) "$ROWS"; do
        http "$s-select" GET "$base/d1/select?id=$id"
        if [[ $CHECK_CODE != 200 || $CHECK_BODY != "$(select_expected "$id")" ]]; then
          result="FAILED: GET /d1/select?id=$id -> $CHECK_CODE $(shown "$CHECK_BODY") (expected $(select_expected "$id"))"
          break
        fi
      done
      ;;
    insert)
      http "$s-insert" POST "$base/d1/insert" '{"event":"check"}'
      if [[ $CHECK_CODE != 200 || ! $CHECK_BODY =~ ^\{\"last_row_id\":[0-9]+\}$ ]]; then
        result="FAILED: POST /d1/insert -> $CHECK_CODE $(shown "$CHECK_BODY")"
      fi
      ;;
  esac
  CHECK[$s/$route]=$result
  if [[ $result == ok ]]; then
    printf '   check %-6s ok; last answer: %s %s\n' "$route" "$CHECK_CODE" "$(shown "$CHECK_BODY")"
  else
    printf '   check %-6s %s\n' "$route" "$result"
  fi
}

# --- timed runs -------------------------------------------------------------
declare -A RPS=() P99=() P50=() NON2XX=() SOCKERR=() REQS=() CPU=() NOTE=() WARM_REQS=() WARM_NON2XX=()
declare -A WRK_CPU=() MACHINE_CPU=() OTHER_CPU=()
declare -A INSERT_ROWS=()

# wrk_args ROUTE BASE: sets WRK_ARGS, the route-specific wrk arguments.
declare -a WRK_ARGS=()
wrk_args() {
  case $1 in
    kv) WRK_ARGS=("$2/kv") ;;
    select) WRK_ARGS=(-s "$SELECT_LUA" "$2/d1/select" -- "$ROWS") ;;
    insert) WRK_ARGS=(-s "$INSERT_LUA" "$2/d1/insert") ;;
  esac
}

# timed SERVER ROUTE BASE PID: warm-up, then the measured wrk run.
timed() {
  local s=$1 route=$2 base=$3 pid=$4 key=$1/$2
  local out=$TMP/wrk-$s-$route.txt warm=$TMP/wrk-$s-$route-warmup.txt c0 c1 t0 t1
  if [[ ${CHECK[$key]:-} != ok ]]; then
    NOTE[$key]="not timed: check failed"
    warn "$s $route: not timed, its check failed"
    return
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    NOTE[$key]="not timed: server gone"
    warn "$s $route: not timed, the server (pid $pid) is gone"
    return
  fi
  wrk_args "$route" "$base"
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$WARMUP" "${WRK_ARGS[@]}" >"$warm" 2>&1 || true
  local m0 m1 w0 w1
  c0=$(cpu_ticks "${LAUNCH_CPU_PIDS[@]}")
  m0=$(machine_ticks)
  children_cpu_s; w0=$CHILD_CPU
  t0=$(now_us)
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency "${WRK_ARGS[@]}" >"$out" 2>&1 || true
  t1=$(now_us)
  children_cpu_s; w1=$CHILD_CPU
  m1=$(machine_ticks)
  c1=$(cpu_ticks "${LAUNCH_CPU_PIDS[@]}")
  RPS[$key]=$(wrk_rps "$out")
  P99[$key]=$(wrk_p99_ms "$out")
  P50[$key]=$(wrk_p50_ms "$out")
  NON2XX[$key]=$(wrk_non2xx "$out")
  SOCKERR[$key]=$(wrk_sockerr "$out")
  REQS[$key]=$(wrk_requests "$out")
  WARM_REQS[$key]=$(wrk_requests "$warm")
  WARM_NON2XX[$key]=$(wrk_non2xx "$warm")
  # Server CPU over the measured run, in % of one core (the machine has $NPROC).
  CPU[$key]=$(awk -v c=$((c1 - c0)) -v hz="$CLK_TCK" -v us=$((t1 - t0)) 'BEGIN {printf "%.0f", us ? c / hz / (us / 1e6) * 100 : 0}')
  WRK_CPU[$key]=$(awk -v a="$w0" -v b="$w1" -v us=$((t1 - t0)) 'BEGIN {printf "%.0f", us ? (b - a) / (us / 1e6) * 100 : 0}')
  # Whole machine, in % of one core (the most is NPROC x 100).
  MACHINE_CPU[$key]=$(awk -v m0="$m0" -v m1="$m1" -v n="$NPROC" 'BEGIN {
    split(m0, a, " "); split(m1, b, " "); t = b[2] - a[2]
    printf "%.0f", (t > 0) ? (b[1] - a[1]) / t * n * 100 : 0}')
  OTHER_CPU[$key]=$(( ${MACHINE_CPU[$key]} - ${CPU[$key]} - ${WRK_CPU[$key]} ))
  (( ${OTHER_CPU[$key]} < 0 )) && OTHER_CPU[$key]=0
  if ! kill -0 "$pid" 2>/dev/null; then
    NOTE[$key]="server died during the run"
    warn "$s (pid $pid) is gone after the $route run"
  fi
  sed 's/^/   | /' "$out"
  printf '   | (CPU during the run, %% of one core: server %s, wrk %s, anything else %s, machine %s of %s;\n' \
    "${CPU[$key]}" "${WRK_CPU[$key]}" "${OTHER_CPU[$key]}" "${MACHINE_CPU[$key]}" "$((NPROC * 100))"
  printf '   |  warm-up: %s requests, %s non-2xx)\n' "${WARM_REQS[$key]:-?}" "${WARM_NON2XX[$key]:-?}"
  if (( ${OTHER_CPU[$key]} > 20 )); then
    warn "other processes used ${OTHER_CPU[$key]}% of a core during this run: the figures are disturbed"
  fi
}

# count_inserts SERVER BASE: rows in `events` after the INSERT runs, next to
# the 2xx INSERT answers (check + warm-up + measured run).
count_inserts() {
  local s=$1 base=$2 key=$1/insert
  [[ -z ${REQS[$key]:-} ]] && return
  http "$s-count" GET "$base/d1/count"
  local n answered
  n=$(printf '%s' "$CHECK_BODY" | sed -n 's/^{"n":\([0-9]*\)}$/\1/p')
  answered=$((1 + ${WARM_REQS[$key]:-0} - ${WARM_NON2XX[$key]:-0} + ${REQS[$key]:-0} - ${NON2XX[$key]:-0}))
  INSERT_ROWS[$s]="${n:-?} rows in events; $answered INSERTs answered 2xx (check + warm-up + run)"
  printf '   after the INSERT runs: %s\n' "${INSERT_ROWS[$s]}"
}

# run_server SERVER: start, seed, check every route, time every route, stop.
ROUTES=(kv select insert)
run_server() {
  local s=$1 base route pid
  free_port
  if [[ $s == verge ]]; then
    start_verge "$PORT" || { NOTE[$s]="did not start"; return; }
  else
    start_miniflare "$PORT" || { NOTE[$s]="did not start"; stop_miniflare; return; }
  fi
  pid=$LAUNCH_PID
  base="http://127.0.0.1:$LAUNCH_PORT"
  seed "$s" "$base"
  for route in "${ROUTES[@]}"; do
    if [[ ${SEED[$s]} == ok* ]]; then
      check_route "$s" "$route" "$base"
    else
      CHECK[$s/$route]="not checked: seed failed"
    fi
  done
  for route in "${ROUTES[@]}"; do
    log "$s: $route"
    timed "$s" "$route" "$base" "$pid"
  done
  kill -0 "$pid" 2>/dev/null && count_inserts "$s" "$base"
  if [[ $s == verge ]]; then
    if ! kill -0 "$pid" 2>/dev/null; then
      NOTE[$s]="verge exited during the run"
      warn "verge (pid $pid) exited; its stderr:"
      tail -n 30 "$TMP/verge.err" >&2
    fi
    stop_pid "$pid"
  else
    stop_miniflare
  fi
}

# =============================================================================
echo "verge storage-bindings benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:   $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "verge:     $("$VERGE" --version 2>&1 | head -1) ($VERGE_SRC, built $(date -u -r "$VERGE_SRC" '+%Y-%m-%d %H:%M UTC'))"
echo "miniflare: $MF_VERSION (node $(node --version))"
echo "wrk:       $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
echo "wrk settings: -t$WRK_THREADS -c$CONNS -d$DURATION --latency (after a $WARMUP warm-up); wrk shares the $NPROC cores with the server"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average: $LOAD_START (anything else running competes with wrk and the server)"
echo "data: KV hot value $KV_BYTES bytes; D1 items table $ROWS rows (ids drawn uniformly by select.lua)"
echo

log "verge serve (threads = $NPROC)"
run_server verge
echo
log "miniflare $MF_VERSION"
run_server miniflare
# The version of the workerd binary miniflare ran (seen in /proc while it ran).
MF_WORKERD_VERSION=
[[ -n $MF_WORKERD_BIN && -x $MF_WORKERD_BIN ]] && MF_WORKERD_VERSION=$("$MF_WORKERD_BIN" --version 2>&1 | head -1 || true)

# --- summary ----------------------------------------------------------------
route_label() {
  case $1 in
    kv) echo "GET /kv (KV get, hot key)" ;;
    select) echo "GET /d1/select?id=N" ;;
    insert) echo "POST /d1/insert" ;;
  esac
}
cell() {  # cell SERVER ROUTE: "rps p99 non2xx" or the note
  local key=$1/$2
  if [[ -n ${RPS[$key]:-} ]]; then
    printf '%10s %9s %8s' "$(fmt "${RPS[$key]}" 0)" "$(fmt "${P99[$key]:-}" 2)" "${NON2XX[$key]:-?}"
  else
    printf '%29s' "${NOTE[$key]:-${NOTE[$1]:-n/a}}"
  fi
}
echo
echo "=================================== SUMMARY ==================================="
echo "wrk -t$WRK_THREADS -c$CONNS -d$DURATION --latency; verge serve threads=$NPROC; miniflare $MF_VERSION${MF_WORKERD_VERSION:+ ($MF_WORKERD_VERSION)}"
printf '%-31s | %-29s | %-29s | %s\n' "" "verge" "miniflare" "verge /"
printf '%-31s | %10s %9s %8s | %10s %9s %8s | %s\n' "route" "req/s" "p99 ms" "non-2xx" "req/s" "p99 ms" "non-2xx" "miniflare"
for route in "${ROUTES[@]}"; do
  printf '%-31s | %s | %s | %8s\n' "$(route_label "$route")" "$(cell verge "$route")" "$(cell miniflare "$route")" \
    "$(ratio "${RPS[verge/$route]:-}" "${RPS[miniflare/$route]:-}" | sed 's/^nan$/n\/a/; s/[0-9]$/&x/')"
done
echo
printf '%-31s | %-29s | %-29s\n' "details" "verge" "miniflare"
for route in "${ROUTES[@]}"; do
  printf '%-31s | %-29s | %-29s\n' "  $route: p50 ms" "$(fmt "${P50[verge/$route]:-}" 2)" "$(fmt "${P50[miniflare/$route]:-}" 2)"
  printf '%-31s | %-29s | %-29s\n' "  $route: CPU srv/wrk/other %" \
    "${CPU[verge/$route]:-?} / ${WRK_CPU[verge/$route]:-?} / ${OTHER_CPU[verge/$route]:-?}" \
    "${CPU[miniflare/$route]:-?} / ${WRK_CPU[miniflare/$route]:-?} / ${OTHER_CPU[miniflare/$route]:-?}"
  printf '%-31s | %-29s | %-29s\n' "  $route: socket errors" "${SOCKERR[verge/$route]:-n/a}" "${SOCKERR[miniflare/$route]:-n/a}"
  printf '%-31s | %-29s | %-29s\n' "  $route: check" "${CHECK[verge/$route]:-n/a}" "${CHECK[miniflare/$route]:-n/a}"
done
printf '%-31s | %-29s | %-29s\n' "  seed" "${SEED[verge]:-n/a}" "${SEED[miniflare]:-n/a}"
echo "  rows after INSERT runs: verge: ${INSERT_ROWS[verge]:-n/a}"
echo "                          miniflare: ${INSERT_ROWS[miniflare]:-n/a}"
echo "  (CPU: % of one core over the measured run, the most is $((NPROC * 100)); srv = all the server's"
echo "   processes (miniflare: node + workerd), other = the rest of the machine minus server and wrk)"
echo "  load average at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "==============================================================================="
