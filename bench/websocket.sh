#!/usr/bin/env bash
# bench/websocket.sh: WebSocket echo benchmark of verge against workerd.
#
# One run measures, on this machine and on 127.0.0.1 only:
#   1. echo throughput (messages/s, each a round trip) of the same echo
#      worker (bench/websocket/worker.js) under verge serve (threads =
#      nproc) and workerd, for 64-byte and 16 KiB messages, BENCH_ROUNDS
#      runs of each taken in turn (workerd's rate varies from run to run by
#      up to 2x on this machine; the median is reported), with
#      BENCH_CONNECTIONS connections each keeping one message in flight,
#      driven by bench/websocket/wsload.c (one thread of C, so that the
#      load takes little of the CPU the servers share); and the ratio
#      verge/workerd; and each server's CPU time per message (the load
#      shares the two cores, so the rate alone understates a server that
#      could use more of them);
#   2. idle sockets: BENCH_IDLE WebSockets held open on verge (by
#      bench/websocket/load.mjs, npm ws): its RSS growth per socket, and its
#      CPU time while they sit idle.
# It only measures and prints (exit status 0 unless it could not run).
#
# Usage: bench/websocket.sh
# Environment (all optional):
#   BENCH_SECONDS       measured seconds of each echo run (default 10)
#   BENCH_CONNECTIONS   echo connections per run (default 64)
#   BENCH_ROUNDS        runs of each server per message size (default 3)
#   BENCH_IDLE          idle sockets (default 10000)
#   BENCH_KEEP_LOGS=1   keep the temp dir
#   VERGE               verge binary (default build/verge)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
WS_DIR=$BENCH_DIR/websocket
VERGE=${VERGE:-$ROOT/build/verge}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
ROUNDS=${BENCH_ROUNDS:-3}
IDLE=${BENCH_IDLE:-10000}
NPROC=$(nproc)

command -v node >/dev/null || die "needs node on PATH"
command -v cc >/dev/null || die "needs a C compiler (cc) for the load generator"
[[ -x $VERGE ]] || die "no verge binary at $VERGE (build it: ninja -C build)"
find_workerd
[[ -f $BENCH_DIR/node_modules/ws/package.json ]] || npm install --prefix "$BENCH_DIR" --no-audit --no-fund >&2

TMP=$(mktemp -d "${TMPDIR:-/tmp}/verge-bench-ws.XXXXXX")
declare -a PIDS=()
bench_start
cc -O2 -o "$TMP/wsload" "$WS_DIR/wsload.c" || die "could not compile bench/websocket/wsload.c"

# Many sockets need many descriptors, in the servers and the load.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) > IDLE + 2000 )) || warn "ulimit -n is $(ulimit -n): $IDLE idle sockets may not fit"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

start_verge() {  # start_verge PORT
  verge_node_config "$TMP/node.toml" "$1" "$NPROC" echo "$WS_DIR/worker.js"
  # Each WebSocket is one descriptor; the default cap keeps half of them for
  # upstream connections, which this benchmark does not use.
  printf '\n[limits]\nmax_connections = %d\n' $((IDLE + 1000)) >>"$TMP/node.toml"
  serve_verge "$TMP/node.toml" "$1" echo
}
start_workerd() { serve_workerd "$WS_DIR/workerd.capnp" "$1"; }  # start_workerd PORT

# echo_rate PORT BYTES PID: "messages/s server-CPU-µs-per-message" (round
# trips; the CPU time of process PID over the measured seconds).
echo_rate() {
  local out=$TMP/load-$1-$2.txt
  "$TMP/wsload" 127.0.0.1 "$1" "$CONNS" "$2" "$SECONDS_PER_RUN" "$3" >"$out" 2>&1 || warn "load failed: $(head -c 300 "$out")"
  tail -n 1 "$out"
}

declare -A RATE=() CPU=()
free_port; VPORT=$PORT
start_verge "$VPORT"; VERGE_PID=$LAUNCH_PID
free_port; WPORT=$PORT
start_workerd "$WPORT"; WORKERD_PID=$LAUNCH_PID

for bytes in 64 16384; do
  log "echo, $bytes-byte messages, $CONNS connections, ${SECONDS_PER_RUN}s, $ROUNDS rounds"
  v=() w=() vc=() wc=()
  for ((r = 1; r <= ROUNDS; r++)); do
    read -r rate cpu <<<"$(echo_rate "$VPORT" "$bytes" "$VERGE_PID")"
    v+=("$rate") vc+=("$cpu")
    read -r rate cpu <<<"$(echo_rate "$WPORT" "$bytes" "$WORKERD_PID")"
    w+=("$rate") wc+=("$cpu")
    printf '   round %d: verge %s msg/s (%s µs CPU each), workerd %s msg/s (%s µs CPU each)\n' \
      "$r" "${v[-1]}" "${vc[-1]}" "${w[-1]}" "${wc[-1]}"
  done
  RATE[verge-$bytes]=$(median "${v[@]}")
  RATE[workerd-$bytes]=$(median "${w[@]}")
  CPU[verge-$bytes]=$(median "${vc[@]}")
  CPU[workerd-$bytes]=$(median "${wc[@]}")
  printf '   median: verge %s, workerd %s msg/s, ratio %s; CPU per message: verge %s µs, workerd %s µs\n' \
    "${RATE[verge-$bytes]}" "${RATE[workerd-$bytes]}" "$(ratio "${RATE[verge-$bytes]}" "${RATE[workerd-$bytes]}")" \
    "${CPU[verge-$bytes]}" "${CPU[workerd-$bytes]}"
done
stop_pid "$WORKERD_PID"

log "idle: $IDLE WebSockets held open on verge"
before=$(rss_kb "$VERGE_PID")
coproc HOLD { node "$WS_DIR/load.mjs" idle "ws://127.0.0.1:$VPORT/" "$IDLE" 2>"$TMP/idle.err"; }
HOLD_PID=$HOLD_PID
PIDS+=("$HOLD_PID")
if read -r -t 300 line <&"${HOLD[0]}" && [[ $line == "open $IDLE" ]]; then
  sleep 2
  after=$(rss_kb "$VERGE_PID")
  t0=$(cpu_ticks "$VERGE_PID")
  sleep 5
  t1=$(cpu_ticks "$VERGE_PID")
  per=$(awk -v a="$after" -v b="$before" -v n="$IDLE" 'BEGIN {printf "%.1f", (a - b) * 1024 / n / 1024}')
  printf '   RSS %s MiB → %s MiB: %s KiB per socket\n' "$(awk -v k="$before" 'BEGIN {printf "%.1f", k / 1024}')" \
    "$(awk -v k="$after" 'BEGIN {printf "%.1f", k / 1024}')" "$per"
  printf '   CPU of verge over 5 s with them idle: %s ticks (%s per second)\n' "$((t1 - t0))" "$(getconf CLK_TCK)"
else
  warn "the idle sockets did not all open: $(tail -c 300 "$TMP/idle.err")"
fi
[[ -n ${HOLD[1]:-} ]] && exec {HOLD[1]}>&-
stop_pid "$HOLD_PID"

log "summary"
printf '%-28s %12s %12s %8s\n' "median of $ROUNDS" verge workerd ratio
for bytes in 64 16384; do
  printf '%-28s %12s %12s %8s\n' "echo msg/s, $bytes B" "${RATE[verge-$bytes]}" "${RATE[workerd-$bytes]}" \
    "$(ratio "${RATE[verge-$bytes]}" "${RATE[workerd-$bytes]}")"
  # CPU per message: workerd's over verge's, so that above 1 is verge ahead.
  printf '%-28s %12s %12s %8s\n' "  server CPU µs/msg" "${CPU[verge-$bytes]}" "${CPU[workerd-$bytes]}" \
    "$(ratio "${CPU[workerd-$bytes]}" "${CPU[verge-$bytes]}")"
done
