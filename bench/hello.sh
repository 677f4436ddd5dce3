#!/usr/bin/env bash
# bench/hello.sh: hello-world benchmark of verge against workerd and nginx.
#
# One run measures, on this machine and on 127.0.0.1 only:
#   1. throughput (requests/s) and p99 latency with wrk, for
#        - verge serve, threads = nproc, serving bench/hello/worker.js
#        - workerd (npm package, pinned in bench/package.json), the same file
#          as an ES module (bench/hello/workerd.capnp)
#        - nginx, `return 200 "Hello World\n"`, worker_processes = nproc
#      and the ratios verge/workerd and verge/nginx;
#   2. cold start: time of the first request to a never-loaded worker
#      (verge and workerd), plus the time from spawn until listening;
#   3. memory per idle isolate in verge: RSS before/after one request to each
#      of N distinct workers (threads = 1), divided by N;
#   4. RSS stability of verge: RSS after a warm-up vs after 1M requests.
# It only measures and prints; it asserts nothing (exit status 0 unless the
# benchmark itself could not run).
#
# Usage: bench/hello.sh
# Environment (all optional):
#   BENCH_DURATION        wrk duration of each throughput run (default 10s)
#   BENCH_WARMUP          wrk warm-up before each throughput run (default 3s)
#   BENCH_WRK_THREADS     wrk threads (default 2)
#   BENCH_CONNECTIONS     wrk connections (default 64)
#   BENCH_COLD_RUNS       fresh processes per cold-start figure (default 5)
#   BENCH_ISOLATES        workers in the memory test (default 50)
#   BENCH_WARM_REQUESTS   warm-up requests of the RSS test (default 50000)
#   BENCH_LONG_REQUESTS   total requests of the RSS test (default 1000000)
#   BENCH_KEEP_LOGS=1     keep the temp dir with configs, wrk and server logs
#   VERGE                 verge binary (default build/verge)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
HELLO_DIR=$BENCH_DIR/hello
WORKER_JS=$HELLO_DIR/worker.js
COUNT_LUA=$HELLO_DIR/count.lua
VERGE=${VERGE:-$ROOT/build/verge}

DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-3s}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
COLD_RUNS=${BENCH_COLD_RUNS:-5}
ISOLATES=${BENCH_ISOLATES:-50}
WARM_REQUESTS=${BENCH_WARM_REQUESTS:-50000}
LONG_REQUESTS=${BENCH_LONG_REQUESTS:-1000000}
NPROC=$(nproc)
TARGET_RATIO=3.5


for tool in wrk curl nginx awk sort; do
  command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
done
[[ -x $VERGE ]] || die "no verge binary at $VERGE (build it: ninja -C build)"

# --- workerd from npm, pinned in bench/package.json -------------------------
find_workerd

# --- processes and cleanup --------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/verge-bench-hello.XXXXXX")
declare -a PIDS=()


bench_start  # bench/lib.sh: cleanup on exit, private copy of verge

# --- helpers ----------------------------------------------------------------





rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }


# check_hello NAME URL: one request; prints the status and body it got.
check_hello() {
  local name=$1 url=$2 out
  out=$(curl -s -o "$TMP/check-$name.body" -w '%{http_code}' "$url" || echo 000)
  printf '   %s answered %s: %q\n' "$name" "$out" "$(head -c 200 "$TMP/check-$name.body" 2>/dev/null)"
}

# --- server launchers (each sets LAUNCH_PID and LAUNCH_PORT) -----------------
LAUNCH_PID=
LAUNCH_PORT=
LAUNCH_T0=

# verge_config FILE PORT THREADS: a node config serving worker.js on "*".
verge_config() { verge_node_config "$1" "$2" "$3" hello "$WORKER_JS"; }

start_verge() {  # start_verge CONFIG PORT TAG
  LAUNCH_PORT=$2
  LAUNCH_T0=$(now_us)
  "$VERGE" serve --config "$1" >/dev/null 2>>"$TMP/verge-$3.err" &
  LAUNCH_PID=$!
  PIDS+=("$LAUNCH_PID")
  wait_listen "$LAUNCH_PORT" "$LAUNCH_PID" "verge serve ($3)" || {
    tail -n 20 "$TMP/verge-$3.err" >&2
    return 1
  }
}

start_workerd() {  # start_workerd PORT TAG
  LAUNCH_PORT=$1
  LAUNCH_T0=$(now_us)
  "$WORKERD" serve "$HELLO_DIR/workerd.capnp" config --socket-addr "http=127.0.0.1:$LAUNCH_PORT" \
    >/dev/null 2>>"$TMP/workerd-$2.err" &
  LAUNCH_PID=$!
  PIDS+=("$LAUNCH_PID")
  wait_listen "$LAUNCH_PORT" "$LAUNCH_PID" "workerd ($2)" || {
    tail -n 20 "$TMP/workerd-$2.err" >&2
    return 1
  }
}

start_nginx() {  # start_nginx PORT
  LAUNCH_PORT=$1
  local dir=$TMP/nginx
  mkdir -p "$dir/logs" "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
worker_processes $NPROC;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$LAUNCH_PORT;
        location / {
            default_type text/plain;
            return 200 "Hello World\\n";
        }
    }
}
EOF
  LAUNCH_T0=$(now_us)
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" >/dev/null 2>>"$dir/logs/stderr.log" &
  LAUNCH_PID=$!
  PIDS+=("$LAUNCH_PID")
  wait_listen "$LAUNCH_PORT" "$LAUNCH_PID" "nginx" || {
    tail -n 20 "$dir/logs/error.log" "$dir/logs/stderr.log" >&2
    return 1
  }
}

# --- result stores ----------------------------------------------------------
declare -A RPS=() P99=() NON2XX=() SOCKERR=() REQS=() RSS_AFTER=() NOTE=()

# throughput NAME URL PID: warm-up, then the measured wrk run.
throughput() {
  local name=$1 url=$2 pid=$3 out=$TMP/wrk-$1.txt
  check_hello "$name" "$url"
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$WARMUP" "$url" >"$TMP/wrk-$name-warmup.txt" 2>&1 || true
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency "$url" >"$out" 2>&1 || true
  RPS[$name]=$(wrk_rps "$out")
  P99[$name]=$(wrk_p99_ms "$out")
  NON2XX[$name]=$(wrk_non2xx "$out")
  SOCKERR[$name]=$(wrk_sockerr "$out")
  REQS[$name]=$(wrk_requests "$out")
  RSS_AFTER[$name]=$(rss_kb "$pid")
  if ! kill -0 "$pid" 2>/dev/null; then
    NOTE[$name]="process died during the run"
    warn "$name (pid $pid) is gone after the run"
  fi
  sed 's/^/   | /' "$out"
}

# =============================================================================
echo "verge hello-world benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "verge:   $("$VERGE" --version 2>&1 | head -1) ($VERGE_SRC, built $(date -u -r "$VERGE_SRC" '+%Y-%m-%d %H:%M UTC'))"
echo "workerd: $("$WORKERD" --version 2>&1 | head -1)"
echo "nginx:   $(nginx -v 2>&1 | head -1)"
echo "wrk:     $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
echo "wrk settings: -t$WRK_THREADS -c$CONNS -d$DURATION --latency (after a $WARMUP warm-up); wrk shares the $NPROC cores with the server"
echo

# --- 1. throughput ----------------------------------------------------------
log "1/4 throughput: verge serve (threads = $NPROC)"
free_port; port=$PORT
verge_config "$TMP/verge-throughput.toml" "$port" "$NPROC"
start_verge "$TMP/verge-throughput.toml" "$port" throughput
throughput verge "http://127.0.0.1:$port/" "$LAUNCH_PID"
stop_pid "$LAUNCH_PID"

log "1/4 throughput: workerd"
free_port; port=$PORT
start_workerd "$port" throughput
throughput workerd "http://127.0.0.1:$port/" "$LAUNCH_PID"
stop_pid "$LAUNCH_PID"

log "1/4 throughput: nginx (worker_processes = $NPROC)"
free_port; port=$PORT
start_nginx "$port"
throughput nginx "http://127.0.0.1:$port/" "$LAUNCH_PID"
stop_pid "$LAUNCH_PID"

# --- 2. cold start ----------------------------------------------------------
# For each run: a fresh process, wait until its port listens (watching
# /proc/net/tcp, so no request is sent), then time the first request with
# curl (time_total), then a second one on the same connection, so on the same
# server thread and the same, now warm, isolate.
declare -a COLD_VERGE=() WARM_VERGE=() START_VERGE=() COLD_WORKERD=() WARM_WORKERD=() START_WORKERD=()
# two_requests URL -> "<status1> <ms1> <status2> <ms2>": two requests on one
# keep-alive connection (so both reach the same server thread).
two_requests() {
  curl -s -o /dev/null -o /dev/null -w '%{http_code} %{time_total}\n' "$1" "$1" |
    awk '{s[NR] = $1; t[NR] = $2 * 1000} END {printf "%s %.3f %s %.3f", s[1], t[1], s[2], t[2]}'
}
COLD_LINE=
cold_run() {  # cold_run verge|workerd: sets COLD_LINE="listen_ms first_ms second_ms"
  local kind=$1 port t_listen
  free_port; port=$PORT
  if [[ $kind == verge ]]; then
    verge_config "$TMP/verge-cold.toml" "$port" "$NPROC"
    rm -rf "$TMP/verge-data-hello-$NPROC"
    start_verge "$TMP/verge-cold.toml" "$port" cold
  else
    start_workerd "$port" cold
  fi
  t_listen=$(($(now_us) - LAUNCH_T0))
  local st1 ms1 st2 ms2
  read -r st1 ms1 st2 ms2 <<<"$(two_requests "http://127.0.0.1:$port/")"
  stop_pid "$LAUNCH_PID"
  [[ $st1 == 200 && $st2 == 200 ]] || warn "$kind cold start: statuses $st1 / $st2"
  COLD_LINE="$(awk -v u="$t_listen" 'BEGIN {printf "%.3f", u / 1000}') $ms1 $ms2"
}
for kind in verge workerd; do
  log "2/4 cold start: $kind ($COLD_RUNS fresh processes)"
  for ((r = 1; r <= COLD_RUNS; r++)); do
    cold_run "$kind"
    read -r s c w <<<"$COLD_LINE"
    printf '   run %d: spawn->listening %8.2f ms   first request %7.2f ms   second request %6.2f ms\n' "$r" "$s" "$c" "$w"
    if [[ $kind == verge ]]; then
      START_VERGE+=("$s"); COLD_VERGE+=("$c"); WARM_VERGE+=("$w")
    else
      START_WORKERD+=("$s"); COLD_WORKERD+=("$c"); WARM_WORKERD+=("$w")
    fi
  done
done
med() { printf '%s\n' "$@" | median; }

# --- 3. memory per idle isolate ----------------------------------------------
log "3/4 memory per isolate: verge serve, threads = 1, $ISOLATES workers routed by Host w1.test..w$ISOLATES.test"
free_port; port=$PORT
mem_cfg=$TMP/verge-isolates.toml
mkdir -p "$TMP/isolates"
{
  echo "[server]"
  echo "listen = \"127.0.0.1:$port\""
  echo "threads = 1"
  echo "data_dir = \"$TMP/verge-data-isolates\""
  for ((i = 1; i <= ISOLATES; i++)); do
    cp "$WORKER_JS" "$TMP/isolates/w$i.js"
    echo
    echo "[[workers]]"
    echo "name = \"w$i\""
    echo "path = \"$TMP/isolates/w$i.js\""
    echo "routes = [\"w$i.test\"]"
  done
} >"$mem_cfg"
start_verge "$mem_cfg" "$port" isolates
mem_pid=$LAUNCH_PID
sleep 1
MEM_BEFORE=$(rss_kb "$mem_pid")
mem_bad=0
MEM_FIRST=$MEM_BEFORE
for ((i = 1; i <= ISOLATES; i++)); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: w$i.test" "http://127.0.0.1:$port/" || echo 000)
  [[ $code == 200 ]] || mem_bad=$((mem_bad + 1))
  if ((i == 1)); then sleep 0.5; MEM_FIRST=$(rss_kb "$mem_pid"); fi
done
sleep 1
MEM_AFTER=$(rss_kb "$mem_pid")
# A second round touches the same (now loaded) isolates again: RSS should not
# move much if the first round really was isolate creation.
for ((i = 1; i <= ISOLATES; i++)); do
  curl -s -o /dev/null -H "Host: w$i.test" "http://127.0.0.1:$port/" || true
done
sleep 1
MEM_AFTER2=$(rss_kb "$mem_pid")
stop_pid "$mem_pid"
MEM_PER_KB=$(awk -v a="$MEM_AFTER" -v b="$MEM_BEFORE" -v n="$ISOLATES" 'BEGIN {printf "%.0f", (a - b) / n}')
# The first isolate of a thread also pays for per-thread setup; the marginal
# figure leaves it out.
MEM_MARGINAL_KB=$(awk -v a="$MEM_AFTER" -v b="$MEM_FIRST" -v n="$ISOLATES" 'BEGIN {printf "%.0f", (n > 1) ? (a - b) / (n - 1) : 0}')
printf '   RSS before %s MiB, after the first worker %s MiB, after one request to each %s MiB, after a second round %s MiB; non-200 answers: %d\n' \
  "$(mib "$MEM_BEFORE")" "$(mib "$MEM_FIRST")" "$(mib "$MEM_AFTER")" "$(mib "$MEM_AFTER2")" "$mem_bad"

# --- 4. RSS stability --------------------------------------------------------
# A fixed number of requests per phase: bench/hello/count.lua stops each wrk
# thread after its share and drops a marker file; then wrk gets SIGINT.
counted_wrk() {  # counted_wrk URL TOTAL OUTFILE
  local url=$1 total=$2 out=$3 per dir wpid i
  per=$(((total + WRK_THREADS - 1) / WRK_THREADS))
  dir=$(mktemp -d "$TMP/count.XXXXXX")
  wrk -t"$WRK_THREADS" -c"$CONNS" -d3600s -s "$COUNT_LUA" "$url" -- "$per" "$dir" >"$out" 2>&1 &
  wpid=$!
  PIDS+=("$wpid")
  while kill -0 "$wpid" 2>/dev/null; do
    local n=0
    for f in "$dir"/done.*; do [[ -e $f ]] && n=$((n + 1)); done
    ((n >= WRK_THREADS)) && break
    if [[ -n ${RSS_PID:-} ]] && ! kill -0 "$RSS_PID" 2>/dev/null; then
      warn "verge (pid $RSS_PID) died during the RSS run"
      break
    fi
    sleep 0.2
  done
  kill -INT "$wpid" 2>/dev/null || true
  wait "$wpid" 2>/dev/null || true
  local -a keep=()
  for p in "${PIDS[@]}"; do [[ $p == "$wpid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
log "4/4 RSS stability: verge serve (threads = $NPROC), $WARM_REQUESTS warm-up requests, then up to $LONG_REQUESTS in total"
free_port; port=$PORT
verge_config "$TMP/verge-rss.toml" "$port" "$NPROC"
start_verge "$TMP/verge-rss.toml" "$port" rss
RSS_PID=$LAUNCH_PID
RSS_START=$(rss_kb "$RSS_PID")
t0=$(now_us)
counted_wrk "http://127.0.0.1:$port/" "$WARM_REQUESTS" "$TMP/wrk-rss-warmup.txt"
RSS_WARM=$(rss_kb "$RSS_PID")
REQ_WARM=$(wrk_requests "$TMP/wrk-rss-warmup.txt")
counted_wrk "http://127.0.0.1:$port/" "$((LONG_REQUESTS - WARM_REQUESTS))" "$TMP/wrk-rss-long.txt"
RSS_LONG=$(rss_kb "$RSS_PID")
REQ_LONG=$(wrk_requests "$TMP/wrk-rss-long.txt")
RSS_SECS=$(awk -v u="$(($(now_us) - t0))" 'BEGIN {printf "%.0f", u / 1e6}')
sleep 2
RSS_IDLE=$(rss_kb "$RSS_PID")
RSS_HWM=$(hwm_kb "$RSS_PID")
RSS_NON2XX=$(($(wrk_non2xx "$TMP/wrk-rss-warmup.txt") + $(wrk_non2xx "$TMP/wrk-rss-long.txt")))
RSS_SOCKERR="warm-up: $(wrk_sockerr "$TMP/wrk-rss-warmup.txt"); long: $(wrk_sockerr "$TMP/wrk-rss-long.txt")"
RSS_ALIVE=yes
kill -0 "$RSS_PID" 2>/dev/null || RSS_ALIVE=no
REQ_TOTAL=$((${REQ_WARM:-0} + ${REQ_LONG:-0}))
[[ $RSS_ALIVE == yes ]] && stop_pid "$RSS_PID"
printf '   %s requests in %s s; RSS at start %s MiB, after warm-up (%s req) %s MiB, after %s req %s MiB, 2 s later %s MiB, peak %s MiB\n' \
  "$REQ_TOTAL" "$RSS_SECS" "$(mib "$RSS_START")" "$REQ_WARM" "$(mib "$RSS_WARM")" "$REQ_TOTAL" "$(mib "$RSS_LONG")" \
  "$(mib "$RSS_IDLE")" "$(mib "$RSS_HWM")"

# --- summary ----------------------------------------------------------------
echo
echo "================================ SUMMARY ================================"
printf '%-34s %14s %12s %10s  %s\n' "throughput (wrk -t$WRK_THREADS -c$CONNS -d$DURATION)" "requests/s" "p99 (ms)" "non-2xx" "socket errors"
for name in verge workerd nginx; do
  label=$name
  case $name in
    verge) label="verge serve (threads=$NPROC)" ;;
    workerd) label="workerd $("$WORKERD" --version 2>&1 | awk '{print $2}')" ;;
    nginx) label="nginx (worker_processes=$NPROC)" ;;
  esac
  printf '%-34s %14s %12s %10s  %s%s\n' "$label" "$(fmt "${RPS[$name]:-}" 0)" "$(fmt "${P99[$name]:-}" 2)" \
    "${NON2XX[$name]:-?}" "${SOCKERR[$name]:-?}" "${NOTE[$name]:+  [${NOTE[$name]}]}"
done
R_VW=$(ratio "${RPS[verge]:-}" "${RPS[workerd]:-}")
R_VN=$(ratio "${RPS[verge]:-}" "${RPS[nginx]:-}")
echo
printf '%-34s %14s\n' "verge / workerd requests/s" "${R_VW}x"
printf '%-34s %14s\n' "verge / nginx requests/s" "${R_VN}x"
met=$(awk -v r="$R_VW" -v t="$TARGET_RATIO" 'BEGIN {print (r != "nan" && r + 0 >= t) ? "MET" : "NOT MET"}')
printf '%-34s %14s\n' "target verge >= ${TARGET_RATIO}x workerd" "$met"
echo
sum_med() {  # median of a[i] + b[i]
  local -n a=$1 b=$2
  local i
  for i in "${!a[@]}"; do awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN {print x + y}'; done | median
}
printf '%-34s %14s %14s %14s %14s\n' "cold start (median of $COLD_RUNS, ms)" "first request" "second request" "spawn->listen" "spawn->1st resp"
printf '%-34s %14s %14s %14s %14s\n' "verge serve (threads=$NPROC)" "$(fmt "$(med "${COLD_VERGE[@]}")" 2)" \
  "$(fmt "$(med "${WARM_VERGE[@]}")" 2)" "$(fmt "$(med "${START_VERGE[@]}")" 1)" "$(fmt "$(sum_med START_VERGE COLD_VERGE)" 1)"
printf '%-34s %14s %14s %14s %14s\n' "workerd" "$(fmt "$(med "${COLD_WORKERD[@]}")" 2)" \
  "$(fmt "$(med "${WARM_WORKERD[@]}")" 2)" "$(fmt "$(med "${START_WORKERD[@]}")" 1)" "$(fmt "$(sum_med START_WORKERD COLD_WORKERD)" 1)"
echo "  (first/second request: curl time_total, two requests on one connection to a fresh process;"
echo "   spawn->listen is polled every few ms, so it is accurate to about 10 ms)"
echo "  (workerd compiles its workers before it listens, so its first request is not an isolate cold start;"
echo "   verge creates an isolate on a thread's first request to a worker)"
echo
printf '%-34s %s\n' "verge memory per idle isolate" "$(mib "$MEM_PER_KB") MiB  (($(mib "$MEM_AFTER") - $(mib "$MEM_BEFORE")) MiB / $ISOLATES workers, threads=1; non-200: $mem_bad)"
printf '%-34s %s\n' "  marginal, first isolate excluded" "$(mib "$MEM_MARGINAL_KB") MiB  (($(mib "$MEM_AFTER") - $(mib "$MEM_FIRST")) MiB / $((ISOLATES - 1)) workers)"
echo
printf '%-34s %s\n' "verge RSS after warm-up" "$(mib "$RSS_WARM") MiB  (after $REQ_WARM requests)"
printf '%-34s %s\n' "verge RSS after long run" "$(mib "$RSS_LONG") MiB  (after $REQ_TOTAL requests, ${RSS_SECS} s)"
printf '%-34s %s\n' "verge RSS growth" "$(awk -v a="$RSS_LONG" -v b="$RSS_WARM" 'BEGIN {printf "%+.1f MiB (%+.1f%%)", (a - b) / 1024, b ? (a - b) * 100 / b : 0}')  (peak $(mib "$RSS_HWM") MiB; non-2xx $RSS_NON2XX; socket errors $RSS_SOCKERR; alive at end: $RSS_ALIVE)"
echo "========================================================================="
