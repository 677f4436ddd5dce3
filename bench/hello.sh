#!/usr/bin/env bash
# bench/hello.sh: verge against workerd (and nginx) on three workers.
#
# One run measures, on this machine and on 127.0.0.1 only:
#   1. throughput with wrk for three workers (BENCH_WORKERS):
#        hello      bench/hello/worker.js        GET /
#        realistic  bench/hello/realistic.js     GET /api/x?id=5
#        hono       bench/hello/hono/app.js      GET /api/users/42/posts?limit=5
#      each served by
#        - verge serve, threads = 1 ("per thread")
#        - verge serve, threads = nproc ("all cores")
#        - workerd (npm package, pinned in bench/package.json; one event loop
#          thread, always)
#        - nginx, `return 200 "Hello World\n"`, worker_processes = nproc
#          (hello only).
#      Each runtime gets the code as its users deploy it: verge's [[workers]]
#      path is the source file itself (verge bundles it with esbuild at start,
#      "hono" resolving from bench/node_modules); workerd embeds hello and
#      realistic as they are, and for hono what `wrangler deploy` would
#      upload: an esbuild bundle (tools/bundler's esbuild, wrangler's options).
#      Every request carries `User-Agent: wrk-bench` (wrk sends none itself).
#      BENCH_ROUNDS rounds; each round runs every (worker, server) pair once,
#      on a fresh server process, in interleaved order (forward, then backward)
#      so that the noise of this shared machine spreads over all pairs. A run:
#      one checked request (status and body printed), a wrk warm-up, then the
#      measured wrk run, with the server's CPU time (utime + stime of the
#      process and its children, from /proc) read just before and after it.
#      Reported per pair, median over the rounds: requests/s and server CPU
#      microseconds per request (robust where requests/s swings run to run),
#      plus the ratios and the goals of issue 17;
#   2. cold start: time of the first request to a never-loaded worker
#      (verge and workerd), plus the time from spawn until listening;
#   3. memory per idle isolate in verge: RSS before/after one request to each
#      of N distinct workers (threads = 1), divided by N;
#   4. RSS stability of verge: RSS after a warm-up vs after 1M requests.
# Sections 2-4 use the hello worker. It only measures and prints; it asserts
# nothing (exit status 0 unless the benchmark itself could not run).
#
# Usage: bench/hello.sh      (on the shared machine: flock /tmp/verge-cpu.lock bench/hello.sh)
# Environment (all optional):
#   BENCH_WORKERS         workers of section 1, a subset of "hello realistic hono" (default all three)
#   BENCH_ONLY=throughput run section 1 only
#   BENCH_ROUNDS          rounds of section 1 (default 3)
#   BENCH_DURATION        wrk duration of each measured run (default 5s)
#   BENCH_WARMUP          wrk warm-up before each measured run (default 2s)
#   BENCH_WRK_THREADS     wrk threads (default 2)
#   BENCH_CONNECTIONS     wrk connections (default 64)
#   BENCH_COLD_RUNS       fresh processes per cold-start figure (default 5)
#   BENCH_ISOLATES        workers in the memory test (default 50)
#   BENCH_WARM_REQUESTS   warm-up requests of the RSS test (default 50000)
#   BENCH_LONG_REQUESTS   total requests of the RSS test (default 1000000)
#   BENCH_KEEP_LOGS=1     keep the temp dir with configs, bundles, wrk and server logs
#   VERGE                 verge binary (default build/verge)
# shellcheck disable=SC2119  # median (below) reads stdin: it replaces lib.sh's median N...
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
HELLO_DIR=$BENCH_DIR/hello
WORKER_JS=$HELLO_DIR/worker.js
COUNT_LUA=$HELLO_DIR/count.lua
VERGE=${VERGE:-$ROOT/build/verge}

WORKERS=${BENCH_WORKERS:-hello realistic hono}
ONLY=${BENCH_ONLY:-}
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-5s}
WARMUP=${BENCH_WARMUP:-2s}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
COLD_RUNS=${BENCH_COLD_RUNS:-5}
ISOLATES=${BENCH_ISOLATES:-50}
WARM_REQUESTS=${BENCH_WARM_REQUESTS:-50000}
LONG_REQUESTS=${BENCH_LONG_REQUESTS:-1000000}
NPROC=$(nproc)
CLK_TCK=$(getconf CLK_TCK)
UA=wrk-bench

# The workers of section 1: source file, request path, and the body every
# runtime should answer (with User-Agent: wrk-bench).
declare -A W_FILE=() W_PATH=()
for w in hello realistic hono; do
  hello_worker "$w"
  W_FILE[$w]=$HELLO_FILE
  W_PATH[$w]=$HELLO_PATH
done
declare -A W_BODY=(
  [hello]="Hello World"
  [realistic]='{"id":"5","path":"/api/x","ua":"wrk-bench"}'
  [hono]='{"user":"42","limit":5,"agent":"wrk-bench","posts":[]}'
)
# Goals of issue 17, as "worker scope competitor minimum ratio of requests/s".
GOALS=(
  "realistic per-thread workerd 2"
  "realistic all-cores workerd 4"
  "hono per-thread workerd 2"
  "hono all-cores workerd 4"
  "hello all-cores workerd 5"
  "hello all-cores nginx 0.7"
)

case $ONLY in
  "" | all | throughput) ;;
  *) die "BENCH_ONLY must be 'throughput' (or empty for everything), not '$ONLY'" ;;
esac
read -r -a WORKER_LIST <<<"$WORKERS"
((${#WORKER_LIST[@]} > 0)) || die "BENCH_WORKERS is empty"
for w in "${WORKER_LIST[@]}"; do
  [[ -n ${W_FILE[$w]:-} ]] || die "unknown worker '$w' in BENCH_WORKERS (known: hello realistic hono)"
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer, not '$ROUNDS'"
has_worker() { [[ " ${WORKER_LIST[*]} " == *" $1 "* ]]; }

for tool in wrk curl nginx awk sort; do
  command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
done
[[ -x $VERGE ]] || die "no verge binary at $VERGE (build it: ninja -C build)"

# --- workerd and Hono from npm, pinned in bench/package.json ----------------
find_workerd
if has_worker hono; then
  bench_npm_package hono
  find_esbuild
fi

# --- processes and cleanup --------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/verge-bench-hello.XXXXXX")
declare -a PIDS=()


bench_start  # bench/lib.sh: cleanup on exit, private copy of verge

# --- helpers ----------------------------------------------------------------

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
med() { printf '%s\n' "$@" | median; }

# check_hello NAME URL: one request (with the benchmark's User-Agent); prints
# the status and the start of the body it got, and sets CHECK_STATUS and
# CHECK_BODY (the body without trailing newlines).
CHECK_STATUS=
CHECK_BODY=
check_hello() {
  local name=$1 url=$2
  CHECK_STATUS=$(curl -s -H "User-Agent: $UA" -o "$TMP/check-$name.body" -w '%{http_code}' "$url" || true)
  CHECK_STATUS=${CHECK_STATUS:-000}
  CHECK_BODY=$(head -c 200 "$TMP/check-$name.body" 2>/dev/null || true)
  # Shown as it came, control characters made visible, newlines as \n.
  printf '   %s answered %s: %s\n' "$name" "$CHECK_STATUS" \
    "$(head -c 200 "$TMP/check-$name.body" 2>/dev/null | cat -v | sed -z 's/\n/\\n/g')"
  [[ $CHECK_STATUS == 200 ]] || warn "$name answered $CHECK_STATUS, not 200"
}

# --- server launchers (each sets LAUNCH_PID and LAUNCH_PORT) -----------------
LAUNCH_PID=
LAUNCH_PORT=
LAUNCH_T0=

# verge_config FILE PORT THREADS [NAME FILE]: a node config serving one worker
# (default: hello, worker.js) on "*".
verge_config() { verge_node_config "$1" "$2" "$3" "${4:-hello}" "${5:-$WORKER_JS}"; }

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

start_workerd() {  # start_workerd PORT TAG [CAPNP] (default: bench/hello/workerd.capnp)
  LAUNCH_PORT=$1
  LAUNCH_T0=$(now_us)
  "$WORKERD" serve "${3:-$HELLO_DIR/workerd.capnp}" config --socket-addr "http=127.0.0.1:$LAUNCH_PORT" \
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

# --- workerd's copies of the workers ------------------------------------------
# workerd_capnp NAME MODULE: writes $TMP/workerd-NAME/config.capnp, a config
# like bench/hello/workerd.capnp that embeds MODULE (a file in that folder)
# as the worker's ES module; sets W_CAPNP[NAME].
declare -A W_CAPNP=()
workerd_capnp() {
  local name=$1 module=$2 dir=$TMP/workerd-$1
  cat >"$dir/config.capnp" <<EOF
# workerd config of bench/hello.sh for the $name worker (generated).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "$name", worker = .benchWorker),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8080", http = (), service = "$name"),
  ],
);

const benchWorker :Workerd.Worker = (
  modules = [
    (name = "$module", esModule = embed "$module"),
  ],
  compatibilityDate = "2024-09-23",
);
EOF
  W_CAPNP[$name]=$dir/config.capnp
}
for w in "${WORKER_LIST[@]}"; do
  mkdir -p "$TMP/workerd-$w"
  if [[ $w == hono ]]; then
    # What `wrangler deploy` uploads: one esbuild bundle with wrangler's options.
    wrangler_bundle "${W_FILE[$w]}" "$TMP/workerd-$w/app.js" >"$TMP/esbuild-$w.log" 2>&1 || {
      cat "$TMP/esbuild-$w.log" >&2
      die "esbuild could not bundle ${W_FILE[$w]}"
    }
    workerd_capnp "$w" app.js
  else
    cp "${W_FILE[$w]}" "$TMP/workerd-$w/"
    workerd_capnp "$w" "$(basename "${W_FILE[$w]}")"
  fi
done

# =============================================================================
echo "verge benchmark: hello, realistic, hono against workerd and nginx — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "verge:   $("$VERGE" --version 2>&1 | head -1) ($VERGE_SRC, built $(date -u -r "$VERGE_SRC" '+%Y-%m-%d %H:%M UTC'))"
echo "workerd: $("$WORKERD" --version 2>&1 | head -1)"
echo "nginx:   $(nginx -v 2>&1 | head -1)"
echo "wrk:     $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
if has_worker hono; then
  echo "esbuild: $("$ESBUILD" --version) (tools/bundler; workerd runs a wrangler-equivalent esbuild bundle of hono/app.js, verge bundles the source itself)"
fi
echo "wrk settings: -t$WRK_THREADS -c$CONNS -d$DURATION --latency -H 'User-Agent: $UA' (after a $WARMUP warm-up); wrk shares the $NPROC cores with the server"
echo "workers: ${WORKER_LIST[*]}; $ROUNDS rounds, every (worker, server) pair once per round on a fresh server process"
echo

# --- 1. throughput ----------------------------------------------------------
SERVERS=(verge1 vergeN workerd nginx)
declare -A S_LABEL=(
  [verge1]="verge serve (threads=1)"
  [vergeN]="verge serve (threads=$NPROC)"
  [workerd]="workerd $("$WORKERD" --version 2>&1 | awk '{print $2}')"
  [nginx]="nginx (worker_processes=$NPROC)"
)
PAIRS=()
for w in "${WORKER_LIST[@]}"; do
  for s in "${SERVERS[@]}"; do
    [[ $s == nginx && $w != hello ]] && continue
    PAIRS+=("$w:$s")
  done
done

# Per pair "worker:server": the values of the rounds (space-separated lists),
# totals, and notes that the summary must show.
declare -A RPS=() CPU_US=() CPU_PCT=() P99=() NON2XX=() SOCKERR=() NOTE=()
add_note() {  # add_note KEY TEXT: once per distinct text
  [[ ${NOTE[$1]:-} == *"$2"* ]] && return
  NOTE[$1]=${NOTE[$1]:+${NOTE[$1]}; }$2
}

# launch WORKER SERVER PORT: starts SERVER serving WORKER on PORT.
launch() {
  local w=$1 s=$2 port=$3 threads
  case $s in
    verge1 | vergeN)
      threads=1
      [[ $s == vergeN ]] && threads=$NPROC
      verge_config "$TMP/verge-$w-$threads.toml" "$port" "$threads" "$w" "${W_FILE[$w]}"
      start_verge "$TMP/verge-$w-$threads.toml" "$port" "$w-$threads"
      ;;
    workerd) start_workerd "$port" "$w" "${W_CAPNP[$w]}" ;;
    nginx) start_nginx "$port" ;;
  esac
}

# run_pair ROUND WORKER SERVER: one fresh server, one check, the warm-up and
# the measured run.
run_pair() {
  local r=$1 w=$2 s=$3 key=$2:$3 tag=$2-$3-r$1 port pid url
  local out=$TMP/wrk-$2-$3-r$1.txt c0 c1 m0 m1 t0 t1 w0 w1 reqs
  local -a cpu_pids
  log "1/4 throughput, round $r/$ROUNDS: $w on ${S_LABEL[$s]}"
  free_port; port=$PORT
  if ! launch "$w" "$s" "$port"; then
    add_note "$key" "did not start in round $r"
    return 0
  fi
  pid=$LAUNCH_PID
  url="http://127.0.0.1:$port${W_PATH[$w]}"
  check_hello "$tag" "$url"
  [[ $CHECK_STATUS == 200 ]] || add_note "$key" "check answered $CHECK_STATUS"
  if [[ $CHECK_BODY != "${W_BODY[$w]}" ]]; then
    warn "$tag: the body is not the expected '${W_BODY[$w]}'"
    add_note "$key" "unexpected body"
  fi
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$WARMUP" -H "User-Agent: $UA" "$url" >"$TMP/wrk-$tag-warmup.txt" 2>&1 || true
  # The server and its children (nginx's workers), now that all are up.
  read -r -a cpu_pids <<<"$pid $(child_pids "$pid" | tr '\n' ' ')"
  c0=$(cpu_ticks "${cpu_pids[@]}")
  m0=$(machine_ticks)
  children_cpu_s; w0=$CHILD_CPU
  t0=$(now_us)
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency -H "User-Agent: $UA" "$url" >"$out" 2>&1 || true
  t1=$(now_us)
  children_cpu_s; w1=$CHILD_CPU
  m1=$(machine_ticks)
  c1=$(cpu_ticks "${cpu_pids[@]}")
  local alive=1
  if ! kill -0 "$pid" 2>/dev/null; then
    alive=0
    add_note "$key" "process died in round $r"
    warn "$tag (pid $pid) is gone after the run"
  fi
  stop_pid "$pid"

  local rps p99 non2xx sockerr cpu_us cpu_pct wrk_pct other_pct
  rps=$(wrk_rps "$out")
  reqs=$(wrk_requests "$out")
  p99=$(wrk_p99_ms "$out")
  non2xx=$(wrk_non2xx "$out")
  sockerr=$(wrk_sockerr "$out")
  # Server CPU time per request, and in % of one core over the run (not
  # known when the server died: /proc no longer has its counters).
  cpu_us=$(awk -v c=$((c1 - c0)) -v hz="$CLK_TCK" -v n="${reqs:-0}" -v ok=$alive 'BEGIN {if (ok && n > 0) printf "%.1f", c / hz * 1e6 / n}')
  cpu_pct=$(awk -v c=$((c1 - c0)) -v hz="$CLK_TCK" -v us=$((t1 - t0)) 'BEGIN {printf "%.0f", us ? c / hz / (us / 1e6) * 100 : 0}')
  wrk_pct=$(awk -v a="$w0" -v b="$w1" -v us=$((t1 - t0)) 'BEGIN {printf "%.0f", us ? (b - a) / (us / 1e6) * 100 : 0}')
  # Everything else on the machine (other engineers' builds): the noise.
  other_pct=$(awk -v m0="$m0" -v m1="$m1" -v n="$NPROC" -v s="$cpu_pct" -v k="$wrk_pct" 'BEGIN {
    split(m0, a, " "); split(m1, b, " "); t = b[2] - a[2]
    o = (t > 0) ? (b[1] - a[1]) / t * n * 100 - s - k : 0
    printf "%.0f", (o < 0) ? 0 : o}')
  if [[ -n $rps ]]; then
    RPS[$key]+=" $rps"
    P99[$key]+=" ${p99:-}"
  else
    add_note "$key" "wrk measured nothing in round $r"
  fi
  [[ -n $cpu_us ]] && CPU_US[$key]+=" $cpu_us"
  CPU_PCT[$key]+=" $cpu_pct"
  NON2XX[$key]=$((${NON2XX[$key]:-0} + ${non2xx:-0}))
  SOCKERR[$key]=$(sockerr_add "${SOCKERR[$key]:-none}" "$sockerr")
  ((${non2xx:-0} == 0)) || add_note "$key" "non-2xx answers"
  printf '   %s req/s, server CPU %s µs/req (%s%% of a core; wrk %s%%, anything else %s%%), p99 %s ms, non-2xx %s, socket errors %s\n' \
    "$(fmt "$rps" 0)" "$(fmt "$cpu_us" 1)" "$cpu_pct" "$wrk_pct" "$other_pct" "$(fmt "$p99" 2)" "${non2xx:-?}" "$sockerr"
  ((other_pct <= 20)) || warn "other processes took ${other_pct}% of a core during this run: its figures are noisy"
}

for ((r = 1; r <= ROUNDS; r++)); do
  # Forward in odd rounds, backward in even ones, so that a drift of the
  # machine's load over time does not always favour the same pairs.
  if ((r % 2)); then
    for ((i = 0; i < ${#PAIRS[@]}; i++)); do run_pair "$r" "${PAIRS[$i]%%:*}" "${PAIRS[$i]#*:}"; done
  else
    for ((i = ${#PAIRS[@]} - 1; i >= 0; i--)); do run_pair "$r" "${PAIRS[$i]%%:*}" "${PAIRS[$i]#*:}"; done
  fi
done

# med_list "V1 V2 ...": the median of a space-separated list ("" if empty).
med_list() {
  local -a v
  read -r -a v <<<"$1"
  ((${#v[@]})) || return 0
  med "${v[@]}"
}
# ratio_x A B: "A/B" as "2.31x", or "n/a".
fmt_x() { [[ $1 == nan ]] && echo n/a || echo "${1}x"; }
ratio_x() { fmt_x "$(ratio "$1" "$2")"; }
# The medians of a pair over the rounds.
pair_rps() { med_list "${RPS[$1]:-}"; }
pair_cpu() { med_list "${CPU_US[$1]:-}"; }

throughput_summary() {
  local w s key label lo hi
  echo "throughput: median of $ROUNDS rounds of wrk -t$WRK_THREADS -c$CONNS -d$DURATION (after a $WARMUP warm-up), User-Agent: $UA"
  echo "  CPU µs/req: the server's user + system CPU time over the measured run / requests (CLK_TCK $CLK_TCK);"
  echo "  CPU %: of one core ($NPROC cores, shared with wrk)"
  for w in "${WORKER_LIST[@]}"; do
    echo
    printf '%-38s %11s %12s %6s %9s %8s  %-17s %s\n' "$w: GET ${W_PATH[$w]}" "requests/s" "CPU µs/req" "CPU %" "p99 (ms)" "non-2xx" "req/s min..max" "socket errors"
    for s in "${SERVERS[@]}"; do
      key=$w:$s
      [[ " ${PAIRS[*]} " == *" $key "* ]] || continue
      label="  ${S_LABEL[$s]}"
      lo=$(tr ' ' '\n' <<<"${RPS[$key]:-}" | sort -g | awk 'NF {print; exit}')
      hi=$(tr ' ' '\n' <<<"${RPS[$key]:-}" | sort -g | awk 'NF {v = $1} END {print v}')
      printf '%-38s %11s %12s %6s %9s %8s  %-17s %s%s\n' "$label" "$(fmt "$(pair_rps "$key")" 0)" "$(fmt "$(pair_cpu "$key")" 1)" \
        "$(fmt "$(med_list "${CPU_PCT[$key]:-}")" 0)" "$(fmt "$(med_list "${P99[$key]:-}")" 2)" "${NON2XX[$key]:-?}" \
        "$(fmt "$lo" 0)..$(fmt "$hi" 0)" "${SOCKERR[$key]:-?}" "${NOTE[$key]:+  [NOTE: ${NOTE[$key]}]}"
    done
    [[ $w == hono ]] && echo "  (workerd runs a wrangler-equivalent esbuild bundle of hono/app.js; verge bundles the source at start)"
    printf '  %-48s %8s\n' "per thread: verge(threads=1) / workerd req/s" "$(ratio_x "$(pair_rps "$w:verge1")" "$(pair_rps "$w:workerd")")"
    printf '  %-48s %8s\n' "per thread: workerd / verge(threads=1) CPU/req" "$(ratio_x "$(pair_cpu "$w:workerd")" "$(pair_cpu "$w:verge1")")"
    printf '  %-48s %8s\n' "all cores: verge(threads=$NPROC) / workerd req/s" "$(ratio_x "$(pair_rps "$w:vergeN")" "$(pair_rps "$w:workerd")")"
    printf '  %-48s %8s\n' "all cores: workerd / verge(threads=$NPROC) CPU/req" "$(ratio_x "$(pair_cpu "$w:workerd")" "$(pair_cpu "$w:vergeN")")"
    if [[ $w == hello ]]; then
      printf '  %-48s %8s\n' "all cores: verge(threads=$NPROC) / nginx req/s" "$(ratio_x "$(pair_rps "$w:vergeN")" "$(pair_rps "$w:nginx")")"
    fi
  done
  echo
  echo "goals of issue 17 (median requests/s)"
  local goal gw scope other min server r met
  for goal in "${GOALS[@]}"; do
    read -r gw scope other min <<<"$goal"
    has_worker "$gw" || continue
    server=verge1
    [[ $scope == all-cores ]] && server=vergeN
    r=$(ratio "$(pair_rps "$gw:$server")" "$(pair_rps "$gw:$other")")
    met=$(awk -v r="$r" -v t="$min" 'BEGIN {print (r != "nan" && r + 0 >= t) ? "MET" : "NOT MET"}')
    if [[ -n ${NOTE[$gw:$server]:-}${NOTE[$gw:$other]:-} ]]; then met="$met (but see the NOTE above)"; fi
    printf '  %-58s %8s  %s\n' "$gw $scope: verge(threads=$([[ $server == verge1 ]] && echo 1 || echo "$NPROC")) >= ${min}x $other" \
      "$(fmt_x "$r")" "$met"
  done
}

if [[ $ONLY == throughput ]]; then
  echo
  echo "================================ SUMMARY ================================"
  throughput_summary
  echo "========================================================================="
  exit 0
fi

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
throughput_summary
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
