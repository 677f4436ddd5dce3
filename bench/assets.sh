#!/usr/bin/env bash
# bench/assets.sh: static assets served by verge against nginx.
#
# One run measures, on this machine and on 127.0.0.1 only, throughput
# (requests/s) and p99 latency with wrk for a 1 KiB and a 100 KiB file of
# one folder, served by
#   - verge serve, threads = nproc, an assets-only project (wrangler.toml
#     with [assets] and no main: no isolate, answered in C++);
#   - nginx, worker_processes = nproc, `root` on the same folder, with
#     `etag on` and sendfile (its defaults);
# and prints the ratio verge/nginx for each file (goal: >= 0.8).
# It only measures and prints; it asserts nothing.
#
# Usage: bench/assets.sh
# Environment (all optional):
#   BENCH_DURATION      wrk duration of each run (default 10s)
#   BENCH_WARMUP        wrk warm-up before each run (default 2s)
#   BENCH_WRK_THREADS   wrk threads (default 2)
#   BENCH_CONNECTIONS   wrk connections (default 64)
#   BENCH_KEEP_LOGS=1   keep the temp dir
#   VERGE               verge binary (default build/verge)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
VERGE=${VERGE:-$ROOT/build/verge}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
NPROC=$(nproc)
TARGET_RATIO=0.8

for tool in wrk curl nginx awk head; do
  command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
done
[[ -x $VERGE ]] || die "no verge binary at $VERGE (build it: ninja -C build)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/verge-bench-assets.XXXXXX")
declare -a PIDS=()
bench_start

# The site: two files of known sizes, and an index.
SITE=$TMP/site
mkdir -p "$SITE/public"
head -c 1024 /dev/urandom | base64 -w 0 | head -c 1024 >"$SITE/public/1k.txt"
head -c $((100 * 1024)) /dev/urandom >"$SITE/public/100k.bin"
echo '<h1>bench</h1>' >"$SITE/public/index.html"
# nginx's workers run as an unprivileged user when started as root: let them read.
chmod -R a+rX "$TMP"
printf 'name = "bench-assets"\ncompatibility_date = "2025-06-01"\n\n[assets]\ndirectory = "./public"\n' >"$SITE/wrangler.toml"

declare -A RPS=() P99=() NON2XX=() SOCKERR=()
run_wrk() {  # run_wrk NAME URL
  local name=$1 url=$2 out=$TMP/wrk-$1.txt code
  code=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$url" || echo 000)
  printf '   %s: %s (status, bytes)\n' "$name" "$code"
  [[ $code == "200 "* ]] || warn "$name does not answer 200: $code"
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$WARMUP" "$url" >/dev/null 2>&1 || true
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency "$url" >"$out" 2>&1 || true
  RPS[$name]=$(wrk_rps "$out")
  P99[$name]=$(wrk_p99_ms "$out")
  NON2XX[$name]=$(wrk_non2xx "$out")
  SOCKERR[$name]=$(wrk_sockerr "$out")
}

echo "verge static assets benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $NPROC cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr)"
echo "verge:   $("$VERGE" --version 2>&1 | head -1) ($VERGE_SRC)"
echo "nginx:   $(nginx -v 2>&1 | head -1)"
echo "wrk settings: -t$WRK_THREADS -c$CONNS -d$DURATION --latency (after a $WARMUP warm-up); wrk shares the $NPROC cores with the server"
echo

log "verge serve (threads = $NPROC), assets-only project"
free_port; vport=$PORT
cat >"$TMP/verge.toml" <<CONF
[server]
listen = "127.0.0.1:$vport"
threads = $NPROC
data_dir = "$TMP/verge-data"

[[workers]]
name = "site"
path = "$SITE"
routes = ["*"]
CONF
"$VERGE" serve --config "$TMP/verge.toml" >/dev/null 2>>"$TMP/verge.err" &
vpid=$!
PIDS+=("$vpid")
wait_listen "$vport" "$vpid" "verge serve" || { tail -n 20 "$TMP/verge.err" >&2; exit 1; }
run_wrk verge-1k "http://127.0.0.1:$vport/1k.txt"
run_wrk verge-100k "http://127.0.0.1:$vport/100k.bin"
stop_pid "$vpid"

log "nginx (worker_processes = $NPROC), root on the same folder"
free_port; nport=$PORT
mkdir -p "$TMP/nginx/logs" "$TMP/nginx/tmp"
cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes $NPROC;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path $TMP/nginx/tmp/body;
    proxy_temp_path $TMP/nginx/tmp/proxy;
    fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
    uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
    scgi_temp_path $TMP/nginx/tmp/scgi;
    types { text/plain txt; application/octet-stream bin; text/html html; }
    server {
        listen 127.0.0.1:$nport;
        root $SITE/public;
        etag on;
        add_header Cache-Control "public, max-age=0, must-revalidate";
    }
}
CONF
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log" >/dev/null 2>>"$TMP/nginx/logs/stderr.log" &
npid=$!
PIDS+=("$npid")
wait_listen "$nport" "$npid" "nginx" || { tail -n 20 "$TMP/nginx/logs/error.log" >&2; exit 1; }
run_wrk nginx-1k "http://127.0.0.1:$nport/1k.txt"
run_wrk nginx-100k "http://127.0.0.1:$nport/100k.bin"
stop_pid "$npid"

echo
echo "================================ SUMMARY ================================"
printf '%-30s %14s %12s %10s  %s\n' "wrk -t$WRK_THREADS -c$CONNS -d$DURATION" "requests/s" "p99 (ms)" "non-2xx" "socket errors"
for name in verge-1k nginx-1k verge-100k nginx-100k; do
  printf '%-30s %14s %12s %10s  %s\n' "$name" "$(fmt "${RPS[$name]:-}" 0)" "$(fmt "${P99[$name]:-}" 2)" \
    "${NON2XX[$name]:-?}" "${SOCKERR[$name]:-?}"
done
echo
for size in 1k 100k; do
  r=$(ratio "${RPS[verge-$size]:-}" "${RPS[nginx-$size]:-}")
  met=$(awk -v r="$r" -v t="$TARGET_RATIO" 'BEGIN {print (r != "nan" && r + 0 >= t) ? "MET" : "NOT MET"}')
  printf '%-30s %14s   (goal >= %sx: %s)\n' "verge / nginx, $size file" "${r}x" "$TARGET_RATIO" "$met"
done
echo "========================================================================="
