#!/usr/bin/env bash
# bench/cache.sh: edge-cache benchmark of verge against nginx's proxy cache.
#
# One run measures, on this machine and on 127.0.0.1 only, with one origin:
# nginx serving two static files, /1k.bin (1 KiB) and /100k.bin (100 KiB),
# with `Cache-Control: public, max-age=3600`:
#   1. HIT throughput, per object size: requests/s, p50 and p99 with wrk for
#        - verge serve, threads = nproc, one [[zones]] entry (host bench.test,
#          origin the nginx above), default cache budgets; a hit of these
#          sizes is served from the memory tier;
#        - nginx as a caching reverse proxy, worker_processes = nproc
#          (proxy_cache_path in a temp dir, keepalive upstream, reuseport,
#          access_log off), in two profiles, because neither is best for
#          both sizes: `sendfile on` (best for 100 KiB) and `sendfile off`
#          with output_buffers 2 128k (best for 1 KiB);
#      and the ratio verge / the better nginx profile per size (the target
#      is >= 0.9x). Both caches are warmed, and one curl per object must see
#      cf-cache-status: HIT (verge) or X-Cache-Status: HIT (nginx) and the
#      origin's exact bytes before the timed run (a failed check is reported
#      in the summary, and the run is still timed). The origin's own request counter (stub_status) shows
#      how many requests reached it during each timed run (0 for real HITs).
#      For reference, the origin serving the files directly is timed too.
#   2. MISS latency: wrk at low concurrency with bench/cache/unique.lua,
#      which makes every URL unique (/1k.bin?n=<tag>-<thread>-<counter>), so
#      every request through a cache is a MISS (and is stored: both caches
#      write each miss to their disk cache), through verge, through the nginx
#      proxy (sendfile profile), and directly against the origin. Printed: p50/p99 of each
#      and the overhead of each cache over the direct request (p50 difference
#      in ms and ratio), plus the origin connections the misses used.
#   3. Eviction policy: runs bench/eviction.sh (hit ratio of the eviction
#      policy in an offline simulation) when it exists, and prints its output.
# It only measures and prints; it asserts nothing (exit status 0 unless the
# benchmark itself could not run).
#
# Usage: bench/cache.sh
# Environment (all optional):
#   BENCH_DURATION          wrk duration of each timed run (default 10s)
#   BENCH_WARMUP            wrk warm-up before each timed run (default 3s)
#   BENCH_WRK_THREADS       wrk threads of the HIT runs (default 2)
#   BENCH_CONNECTIONS       wrk connections of the HIT runs (default 64)
#   BENCH_MISS_THREADS      wrk threads of the MISS runs (default 1)
#   BENCH_MISS_CONNECTIONS  wrk connections of the MISS runs (default 1)
#   BENCH_SKIP_EVICTION=1   do not run bench/eviction.sh
#   BENCH_KEEP_LOGS=1       keep the temp dir with configs, wrk and server logs
#   VERGE                   verge binary (default build/verge)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
UNIQUE_LUA=$BENCH_DIR/cache/unique.lua
EVICTION_SH=$BENCH_DIR/eviction.sh
VERGE=${VERGE:-$ROOT/build/verge}

DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-3s}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
MISS_THREADS=${BENCH_MISS_THREADS:-1}
MISS_CONNS=${BENCH_MISS_CONNECTIONS:-1}
NPROC=$(nproc)
CLK_TCK=$(getconf CLK_TCK)
HOST=bench.test
TARGET_RATIO=0.9
SIZES=(1k 100k)
declare -A SIZE_BYTES=([1k]=1024 [100k]=102400)

for tool in wrk curl nginx awk cmp; do
  command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
done
[[ -x $VERGE ]] || die "no verge binary at $VERGE (build it: ninja -C build)"
((MISS_CONNS >= MISS_THREADS)) || die "BENCH_MISS_CONNECTIONS must be >= BENCH_MISS_THREADS"

# --- processes and cleanup --------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/verge-bench-cache.XXXXXX")
declare -a PIDS=()

bench_start  # bench/lib.sh: cleanup on exit, private copy of verge

# The origin's files: random bytes, so no layer can compress them.
WWW=$TMP/www
mkdir -p "$WWW"
for size in "${SIZES[@]}"; do
  head -c "${SIZE_BYTES[$size]}" /dev/urandom >"$WWW/$size.bin"
done

# --- server launchers (each sets LAUNCH_PID and LAUNCH_PORT) -----------------
LAUNCH_PID=
LAUNCH_PORT=

# nginx runs in the foreground as the current user, with every path it
# writes (pid, logs, temp files, cache) under its own temp dir. Started as
# root, nginx would switch its workers to `nobody`, which cannot read the
# 0700 temp dir; `user` keeps them on the current user.
NGINX_USER=
((EUID == 0)) && NGINX_USER="user $(id -un) $(id -gn);"

# nginx_conf DIR HTTP_BLOCK: writes DIR/nginx.conf, the settings every nginx
# instance shares plus HTTP_BLOCK inside http { }.
# tcp_nopush stays off: with `sendfile on; tcp_nopush on` nginx 1.22 corks
# each response and never sets TCP_NODELAY on these keep-alive connections,
# so the tail of every 100 KiB cache hit waited for wrk's delayed ACK (40 ms):
# 1.8k req/s instead of 27k. tcp_nopush only saves a packet per response.
nginx_conf() {
  local dir=$1
  mkdir -p "$dir/logs" "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
$NGINX_USER
worker_processes $NPROC;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush off;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
$2
}
EOF
}

start_nginx() {  # start_nginx NAME PORT (config in $TMP/NAME/nginx.conf)
  local dir=$TMP/$1
  LAUNCH_PORT=$2
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" >/dev/null 2>>"$dir/logs/stderr.log" &
  LAUNCH_PID=$!
  PIDS+=("$LAUNCH_PID")
  wait_listen "$LAUNCH_PORT" "$LAUNCH_PID" "nginx ($1)" || {
    tail -n 20 "$dir/logs/error.log" "$dir/logs/stderr.log" >&2
    return 1
  }
}

# The origin: static files with a shared-cacheable Cache-Control, and
# stub_status, whose counters tell how many requests and connections reached
# the origin during a run.
start_origin() {  # start_origin PORT
  nginx_conf "$TMP/origin" "    server {
        listen 127.0.0.1:$1 reuseport;
        root $WWW;
        location / {
            add_header Cache-Control \"public, max-age=3600\";
        }
        location = /nginx_status {
            stub_status;
        }
    }"
  start_nginx origin "$1"
}

# nginx as a caching reverse proxy, set up as its docs recommend for it:
# a keepalive upstream (HTTP/1.1, no Connection header), the cache on the
# file system (served from the page cache once warm). Profiles:
#   sf   sendfile on: a cached body goes from the cache file to the socket
#        without a copy; costs a second system call per response;
#   buf  sendfile off, output_buffers 2 128k: read() + writev(), one write
#        per response for both sizes.
declare -A NGINX_PROFILE=(
  [sf]="sendfile on;"
  [buf]="sendfile off; output_buffers 2 128k;"
)
NGINX_PROFILES=(sf buf)
start_nginx_proxy() {  # start_nginx_proxy PORT ORIGIN_PORT PROFILE
  local dir=$TMP/nginx-$3
  nginx_conf "$dir" "    proxy_cache_path $dir/cache levels=1:2 keys_zone=bench:10m max_size=1g inactive=60m use_temp_path=off;
    upstream origin {
        server 127.0.0.1:$2;
        keepalive 32;
    }
    server {
        listen 127.0.0.1:$1 reuseport;
        ${NGINX_PROFILE[$3]}
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host \$host;
            proxy_cache bench;
            proxy_cache_valid 200 1h;
            add_header X-Cache-Status \$upstream_cache_status;
        }
    }"
  start_nginx "nginx-$3" "$1"
}

start_verge() {  # start_verge PORT ORIGIN_PORT
  LAUNCH_PORT=$1
  cat >"$TMP/verge.toml" <<EOF
[server]
listen = "127.0.0.1:$1"
threads = $NPROC
data_dir = "$TMP/verge-data"

[[zones]]
name = "bench"
hosts = ["$HOST"]
origin = "http://127.0.0.1:$2"
EOF
  "$VERGE" serve --config "$TMP/verge.toml" >/dev/null 2>>"$TMP/verge.err" &
  LAUNCH_PID=$!
  PIDS+=("$LAUNCH_PID")
  wait_listen "$LAUNCH_PORT" "$LAUNCH_PID" "verge serve" || {
    tail -n 20 "$TMP/verge.err" >&2
    return 1
  }
}

# server_pids PID: PID and its children (nginx: master and workers).
server_pids() { echo "$1"; child_pids "$1"; }

# origin_counters: "accepts requests" from the origin's stub_status.
origin_counters() {
  curl -s "http://127.0.0.1:$ORIGIN_PORT/nginx_status" | awk 'NR == 3 {print $1, $3}'
}

# --- checks -----------------------------------------------------------------
declare -A CHECK=()
# header_value FILE NAME: the value of header NAME (any case) in a curl -D dump.
header_value() {
  awk -v h="$(printf '%s' "$2" | tr '[:upper:]' '[:lower:]'):" \
    'tolower($1) == h {sub(/^[^:]*: */, ""); sub(/\r$/, ""); print; exit}' "$1"
}

# check_cached KEY BASE PATH HEADER: GETs PATH (Host: bench.test) up to three
# times until HEADER says HIT; CHECK[KEY] = "ok (statuses)" when the last
# answer is a 200 HIT with the origin's exact bytes, else what went wrong.
check_cached() {
  local key=$1 base=$2 path=$3 hdr=$4 code st seen=""
  local hf=$TMP/hdr-${key//\//-} bf=$TMP/body-${key//\//-}
  for _ in 1 2 3; do
    code=$(curl -s -D "$hf" -o "$bf" -w '%{http_code}' -H "Host: $HOST" "$base$path") || code=000
    st=$(header_value "$hf" "$hdr")
    seen+="${seen:+, }$code ${st:-(no $hdr)}"
    [[ $code == 200 && $st == HIT ]] && break
  done
  if [[ $code != 200 || $st != HIT ]]; then
    CHECK[$key]="NOT A HIT: $seen"
  elif ! cmp -s "$bf" "$WWW$path"; then
    CHECK[$key]="WRONG BODY ($(stat -c %s "$bf") bytes): $seen"
  else
    CHECK[$key]="ok ($seen)"
  fi
  printf '   check %-6s %s\n' "$path" "${CHECK[$key]}"
}

check_origin() {  # check_origin KEY PATH
  local key=$1 path=$2 code cc
  local hf=$TMP/hdr-${key//\//-} bf=$TMP/body-${key//\//-}
  code=$(curl -s -D "$hf" -o "$bf" -w '%{http_code}' "http://127.0.0.1:$ORIGIN_PORT$path") || code=000
  cc=$(header_value "$hf" cache-control)
  if [[ $code == 200 && $cc == "public, max-age=3600" ]] && cmp -s "$bf" "$WWW$path"; then
    CHECK[$key]="ok (200, cache-control: $cc)"
  else
    CHECK[$key]="FAILED: $code, cache-control: ${cc:-none}"
  fi
  printf '   check %-6s %s\n' "$path" "${CHECK[$key]}"
}

# --- timed runs -------------------------------------------------------------
declare -A RPS=() P50=() P99=() NON2XX=() SOCKERR=() NOTE=()
declare -A CPU=() ORIGIN_CPU=() WRK_CPU=() OTHER_CPU=() ORIGIN_REQS=() ORIGIN_CONNS=() STATUSES=()

# wrk_args KIND BASE TAG: sets WRK_ARGS. KIND is hit-1k, hit-100k or miss;
# TAG makes the URLs of a MISS run differ from those of any other run.
declare -a WRK_ARGS=()
wrk_args() {
  case $1 in
    hit-*) WRK_ARGS=(-t"$WRK_THREADS" -c"$CONNS" "$2/${1#hit-}.bin") ;;
    miss) WRK_ARGS=(-t"$MISS_THREADS" -c"$MISS_CONNS" -s "$UNIQUE_LUA" "$2" -- /1k.bin "$3") ;;
  esac
}

# timed KEY KIND BASE PID: warm-up, then the measured wrk run, with the CPU
# of the server under test (PID and its children), of the origin, of wrk and
# of the rest of the machine, and the requests that reached the origin.
timed() {
  local key=$1 kind=$2 base=$3 pid=$4
  local out=$TMP/wrk-${key//\//-}.txt warm=$TMP/wrk-${key//\//-}-warmup.txt a0 r0 a1 r1
  local -a srv origin
  if ! kill -0 "$pid" 2>/dev/null; then
    NOTE[$key]="not timed: server gone"
    warn "$key: not timed, the server (pid $pid) is gone"
    return
  fi
  wrk_args "$kind" "$base" "warm-${key//\//-}"
  wrk "${WRK_ARGS[@]:0:2}" -d"$WARMUP" -H "Host: $HOST" "${WRK_ARGS[@]:2}" >"$warm" 2>&1 || true
  wrk_args "$kind" "$base" "run-${key//\//-}"
  mapfile -t srv < <(server_pids "$pid")
  mapfile -t origin < <(server_pids "$ORIGIN_PID")
  [[ $pid == "$ORIGIN_PID" ]] && origin=()
  local c0 c1 o0 o1 m0 m1 w0 w1 t0 t1 oc0 oc1
  oc0=$(origin_counters)
  c0=$(cpu_ticks "${srv[@]}")
  o0=$(cpu_ticks "${origin[@]}")
  m0=$(machine_ticks)
  children_cpu_s; w0=$CHILD_CPU
  t0=$(now_us)
  wrk "${WRK_ARGS[@]:0:2}" -d"$DURATION" --latency -H "Host: $HOST" "${WRK_ARGS[@]:2}" >"$out" 2>&1 || true
  t1=$(now_us)
  children_cpu_s; w1=$CHILD_CPU
  m1=$(machine_ticks)
  o1=$(cpu_ticks "${origin[@]}")
  c1=$(cpu_ticks "${srv[@]}")
  oc1=$(origin_counters)
  RPS[$key]=$(wrk_rps "$out")
  P50[$key]=$(wrk_p50_ms "$out")
  P99[$key]=$(wrk_p99_ms "$out")
  NON2XX[$key]=$(wrk_non2xx "$out")
  SOCKERR[$key]=$(wrk_sockerr "$out")
  STATUSES[$key]=$(awk '/^cache-status:/ {sub(/^cache-status: /, ""); print; exit}' "$out")
  # stub_status counts the request that reads it: one for the second read.
  read -r a0 r0 <<<"$oc0"
  read -r a1 r1 <<<"$oc1"
  ORIGIN_CONNS[$key]=$((a1 - a0 - 1))
  ORIGIN_REQS[$key]=$((r1 - r0 - 1))
  local us=$((t1 - t0))
  CPU[$key]=$(awk -v c=$((c1 - c0)) -v hz="$CLK_TCK" -v us="$us" 'BEGIN {printf "%.0f", us ? c / hz / (us / 1e6) * 100 : 0}')
  ORIGIN_CPU[$key]=$(awk -v c=$((o1 - o0)) -v hz="$CLK_TCK" -v us="$us" 'BEGIN {printf "%.0f", us ? c / hz / (us / 1e6) * 100 : 0}')
  WRK_CPU[$key]=$(awk -v a="$w0" -v b="$w1" -v us="$us" 'BEGIN {printf "%.0f", us ? (b - a) / (us / 1e6) * 100 : 0}')
  local machine
  machine=$(awk -v m0="$m0" -v m1="$m1" -v n="$NPROC" 'BEGIN {
    split(m0, a, " "); split(m1, b, " "); t = b[2] - a[2]
    printf "%.0f", (t > 0) ? (b[1] - a[1]) / t * n * 100 : 0}')
  OTHER_CPU[$key]=$((machine - ${CPU[$key]} - ${ORIGIN_CPU[$key]} - ${WRK_CPU[$key]}))
  ((${OTHER_CPU[$key]} < 0)) && OTHER_CPU[$key]=0
  if ! kill -0 "$pid" 2>/dev/null; then
    NOTE[$key]="server died during the run"
    warn "$key: the server (pid $pid) is gone after the run"
  fi
  sed 's/^/   | /' "$out"
  printf '   | (CPU during the run, %% of one core: server %s, origin %s, wrk %s, anything else %s, machine %s of %s;\n' \
    "${CPU[$key]}" "${ORIGIN_CPU[$key]}" "${WRK_CPU[$key]}" "${OTHER_CPU[$key]}" "$machine" "$((NPROC * 100))"
  printf '   |  requests that reached the origin: %s on %s new connections; warm-up: %s requests, %s non-2xx)\n' \
    "${ORIGIN_REQS[$key]}" "${ORIGIN_CONNS[$key]}" "$(wrk_requests "$warm")" "$(wrk_non2xx "$warm")"
  if ((${OTHER_CPU[$key]} > 20)); then
    warn "other processes used ${OTHER_CPU[$key]}% of a core during this run: the figures are disturbed"
    NOTE[$key]="disturbed: other processes used ${OTHER_CPU[$key]}% of a core"
  fi
}

# =============================================================================
echo "verge edge-cache benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "verge:   $("$VERGE" --version 2>&1 | head -1) ($VERGE_SRC, built $(date -u -r "$VERGE_SRC" '+%Y-%m-%d %H:%M UTC'))"
echo "nginx:   $(nginx -v 2>&1 | head -1) (origin and caching proxy)"
echo "wrk:     $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
echo "HIT runs:  wrk -t$WRK_THREADS -c$CONNS -d$DURATION --latency (after a $WARMUP warm-up)"
echo "MISS runs: wrk -t$MISS_THREADS -c$MISS_CONNS -d$DURATION --latency -s bench/cache/unique.lua (after a $WARMUP warm-up)"
echo "wrk, the server under test and the origin share the $NPROC cores"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average: $LOAD_START (anything else running competes with wrk and the servers)"
echo

log "origin: nginx (worker_processes = $NPROC) serving /1k.bin and /100k.bin"
free_port; ORIGIN_PORT=$PORT
start_origin "$ORIGIN_PORT"
ORIGIN_PID=$LAUNCH_PID
ORIGIN=http://127.0.0.1:$ORIGIN_PORT
for size in "${SIZES[@]}"; do check_origin "origin/$size" "/$size.bin"; done

# run_cache NAME HEADER [nomiss]: HIT runs (both sizes) and the MISS run
# against the cache server just started (LAUNCH_PID / LAUNCH_PORT).
run_cache() {
  local name=$1 hdr=$2 pid=$LAUNCH_PID base=http://127.0.0.1:$LAUNCH_PORT size
  for size in "${SIZES[@]}"; do check_cached "$name/$size" "$base" "/$size.bin" "$hdr"; done
  for size in "${SIZES[@]}"; do
    log "$name: HIT /$size.bin"
    timed "$name/$size" "hit-$size" "$base" "$pid"
  done
  [[ ${3:-} == nomiss ]] && return
  log "$name: MISS /1k.bin?n=<unique>"
  timed "$name/miss" miss "$base" "$pid"
}

echo
log "1+2/3 verge serve (threads = $NPROC), zone $HOST -> origin"
free_port
start_verge "$PORT" "$ORIGIN_PORT"
run_cache verge cf-cache-status
verge_pid=$LAUNCH_PID
if ! kill -0 "$verge_pid" 2>/dev/null; then
  NOTE[verge]="verge exited during the run"
  warn "verge (pid $verge_pid) exited; its stderr:"
  tail -n 30 "$TMP/verge.err" >&2
fi
stop_pid "$verge_pid"

for profile in "${NGINX_PROFILES[@]}"; do
  echo
  log "1+2/3 nginx caching proxy (worker_processes = $NPROC, ${NGINX_PROFILE[$profile]})"
  free_port
  start_nginx_proxy "$PORT" "$ORIGIN_PORT" "$profile"
  # The MISS run with the first profile only: a miss is one small file.
  run_cache "nginx-$profile" X-Cache-Status "$([[ $profile == "${NGINX_PROFILES[0]}" ]] || echo nomiss)"
  stop_pid "$LAUNCH_PID"
done

echo
log "reference: the origin serving the files directly"
for size in "${SIZES[@]}"; do
  log "origin: /$size.bin"
  timed "origin/$size" "hit-$size" "$ORIGIN" "$ORIGIN_PID"
done
log "origin: /1k.bin?n=<unique>"
timed origin/miss miss "$ORIGIN" "$ORIGIN_PID"
stop_pid "$ORIGIN_PID"

# --- summary ----------------------------------------------------------------
cell() {  # cell KEY: "req/s p50 p99 non-2xx" or the note
  local key=$1
  if [[ -n ${RPS[$key]:-} ]]; then
    printf '%10s %8s %8s %7s' "$(fmt "${RPS[$key]}" 0)" "$(fmt "${P50[$key]:-}" 3)" "$(fmt "${P99[$key]:-}" 3)" "${NON2XX[$key]:-?}"
  else
    printf '%36s' "${NOTE[$key]:-n/a}"
  fi
}
extra() {  # extra KEY: CPU and origin traffic of a run
  local key=$1
  [[ -n ${RPS[$key]:-} ]] || return 0
  local sock=${SOCKERR[$key]:-none}
  [[ $sock == none ]] && sock='' || sock="socket errors: $sock "
  printf '%3s/%3s/%3s/%3s  %9s  %s%s' "${CPU[$key]}" "${ORIGIN_CPU[$key]}" "${WRK_CPU[$key]}" "${OTHER_CPU[$key]}" \
    "${ORIGIN_REQS[$key]}" "$sock" "${NOTE[$key]:-}"
}
label() {
  case $1 in
    verge) echo "verge serve (threads=$NPROC)" ;;
    nginx-sf) echo "nginx proxy_cache, sendfile on" ;;
    nginx-buf) echo "nginx proxy_cache, sendfile off" ;;
    origin) echo "origin nginx, direct" ;;
  esac
}
xratio() { ratio "$1" "$2" | sed 's/^nan$/n\/a/; s/[0-9]$/&x/'; }
# best_nginx SIZE: the nginx profile with the most requests/s for SIZE.
best_nginx() {
  local p best='' rps=-1
  for p in "${NGINX_PROFILES[@]}"; do
    if [[ -n ${RPS[nginx-$p/$1]:-} ]] && awk -v a="${RPS[nginx-$p/$1]}" -v b="$rps" 'BEGIN {exit !(a > b)}'; then
      best=nginx-$p; rps=${RPS[nginx-$p/$1]}
    fi
  done
  echo "${best:-nginx-${NGINX_PROFILES[0]}}"
}
NAMES=(verge)
for profile in "${NGINX_PROFILES[@]}"; do NAMES+=("nginx-$profile"); done
MISS_NGINX=nginx-${NGINX_PROFILES[0]}

echo
echo "========================================== SUMMARY =========================================="
echo "1. HIT throughput: wrk -t$WRK_THREADS -c$CONNS -d$DURATION --latency, Host: $HOST; nginx workers=$NPROC"
printf '%-36s %10s %8s %8s %7s  %-15s  %9s\n' "" "req/s" "p50 ms" "p99 ms" "non-2xx" "CPU s/o/wrk/oth" "to origin"
for size in "${SIZES[@]}"; do
  echo "/$size.bin ($((SIZE_BYTES[$size] / 1024)) KiB)"
  for name in "${NAMES[@]}" origin; do
    printf '  %-34s %s  %s\n' "$(label "$name")" "$(cell "$name/$size")" "$(extra "$name/$size")"
  done
  best=$(best_nginx "$size")
  r=$(ratio "${RPS[verge/$size]:-}" "${RPS[$best/$size]:-}")
  met=$(awk -v r="$r" -v t="$TARGET_RATIO" 'BEGIN {print (r != "nan" && r + 0 >= t) ? "met" : "NOT met"}')
  printf '  %-34s %10s   (vs %s; target >= %sx: %s)\n' "verge / best nginx req/s" "$(xratio "${RPS[verge/$size]:-}" "${RPS[$best/$size]:-}")" \
    "$(label "$best")" "$TARGET_RATIO" "$met"
  printf '  %-34s %10s\n' "verge / best nginx p50 latency" "$(xratio "${P50[verge/$size]:-}" "${P50[$best/$size]:-}")"
done
for name in "${NAMES[@]}"; do
  for size in "${SIZES[@]}"; do
    [[ ${CHECK[$name/$size]:-} == ok* ]] || warn "$name /$size.bin was timed although its check said: ${CHECK[$name/$size]:-not checked}"
  done
done
echo
echo "2. MISS latency: wrk -t$MISS_THREADS -c$MISS_CONNS -d$DURATION --latency, unique URLs /1k.bin?n=..."
printf '%-36s %10s %8s %8s %7s  %-15s  %9s\n' "" "req/s" "p50 ms" "p99 ms" "non-2xx" "CPU s/o/wrk/oth" "to origin"
for name in verge "$MISS_NGINX" origin; do
  printf '  %-34s %s  %s\n' "$(label "$name")" "$(cell "$name/miss")" "$(extra "$name/miss")"
done
for name in verge "$MISS_NGINX" origin; do
  printf '  %-34s %s\n' "  $name: cache status" "${STATUSES[$name/miss]:-n/a}"
done
for name in verge "$MISS_NGINX"; do
  printf '  %-34s %s\n' "  $name: origin traffic" "${ORIGIN_REQS[$name/miss]:-?} requests on ${ORIGIN_CONNS[$name/miss]:-?} new connections"
done
for name in verge "$MISS_NGINX"; do
  d50=$(awk -v a="${P50[$name/miss]:-}" -v b="${P50[origin/miss]:-}" 'BEGIN {if (a == "" || b == "") print "n/a"; else printf "%+.3f ms", a - b}')
  d99=$(awk -v a="${P99[$name/miss]:-}" -v b="${P99[origin/miss]:-}" 'BEGIN {if (a == "" || b == "") print "n/a"; else printf "%+.3f ms", a - b}')
  printf '  %-34s p50 %s (%s)   p99 %s (%s)\n' "${name%%-*} MISS overhead over direct" \
    "$d50" "$(xratio "${P50[$name/miss]:-}" "${P50[origin/miss]:-}")" "$d99" "$(xratio "${P99[$name/miss]:-}" "${P99[origin/miss]:-}")"
done
printf '  %-34s %10s   (p99: %s)\n' "verge / nginx MISS p50 latency" "$(xratio "${P50[verge/miss]:-}" "${P50[$MISS_NGINX/miss]:-}")" \
  "$(xratio "${P99[verge/miss]:-}" "${P99[$MISS_NGINX/miss]:-}")"
echo "  (CPU s/o/wrk/oth: % of one core over the timed run, the most is $((NPROC * 100)): the server under test"
echo "   (nginx: master + workers), the origin, wrk, and the rest of the machine;"
echo "   to origin: requests the origin counted during the timed run, from its stub_status)"
echo "  load average at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "============================================================================================="

# --- 3. eviction policy -----------------------------------------------------
echo
if [[ ${BENCH_SKIP_EVICTION:-0} == 1 ]]; then
  echo "3. eviction policy: skipped (BENCH_SKIP_EVICTION=1)"
elif [[ -f $EVICTION_SH ]]; then
  # A separate script (an offline simulation, no servers; it builds its
  # simulator target in build/ when that is out of date).
  log "3/3 eviction policy: bench/eviction.sh"
  bash "$EVICTION_SH" || warn "bench/eviction.sh exited with status $?"
else
  echo "3. eviction policy: bench/eviction.sh is not there yet; not measured"
fi
