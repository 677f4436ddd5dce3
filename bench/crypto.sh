#!/usr/bin/env bash
# bench/crypto.sh: WebCrypto throughput of verge against workerd, one thread.
#
# Both runtimes serve the same worker, bench/crypto/worker.js (workerd through
# bench/crypto/workerd.capnp): GET /?op=NAME&n=N performs N operations one
# after the other, each awaited. The script times each request from outside
# (curl time_total; workerd's clock stands still while JS runs, so the worker
# cannot time itself), subtracts the time of an n=0 request, and reports
# operations per second of wall time, and per second of the server's CPU time
# (user + system, from /proc), which a machine shared with other work
# disturbs much less; the ratio is taken on the CPU figure:
#   sha256   crypto.subtle.digest SHA-256 of 1 KiB
#   hmac     HMAC-SHA-256 sign of 1 KiB
#   ecdsa    ECDSA P-256 / SHA-256 verify of a 1 KiB message
#   rsa      RSASSA-PKCS1-v1_5 2048-bit / SHA-256 verify of a 1 KiB message
#   aesgcm   AES-GCM-256 encrypt of 16 KiB
# verge runs `verge serve` with threads = 1; workerd runs one isolate on its
# one thread. Both run at once and their timed requests alternate (BENCH_RUNS
# each, after a warm-up), so load from elsewhere falls on both; the ratio
# verge/workerd per operation (goal: >= 1) is the median of the CPU ratios of
# adjacent pairs. Figures whose CPU runs differ by more than 15% are flagged
# as disturbed (the machine is shared).
#
# Usage: bench/crypto.sh
# Environment (all optional):
#   BENCH_RUNS       timed requests per operation and runtime (default 5)
#   BENCH_SECONDS    target length of one timed request (default 0.5)
#   BENCH_OPS        the operations to run (default "sha256 hmac ecdsa rsa aesgcm")
#   BENCH_KEEP_LOGS=1
#   VERGE            verge binary (default build/verge)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
CRYPTO_DIR=$BENCH_DIR/crypto
VERGE=${VERGE:-$ROOT/build/verge}
RUNS=${BENCH_RUNS:-5}
SECONDS_PER_RUN=${BENCH_SECONDS:-0.5}
read -r -a OPS <<<"${BENCH_OPS:-sha256 hmac ecdsa rsa aesgcm}"

for tool in curl awk sort; do
  command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
done
[[ -x $VERGE ]] || die "no verge binary at $VERGE (build it: ninja -C build)"

# --- workerd from npm, as in bench/hello.sh ----------------------------------
find_workerd

TMP=$(mktemp -d "${TMPDIR:-/tmp}/verge-bench-crypto.XXXXXX")
declare -a PIDS=()
bench_start

# --- servers -------------------------------------------------------------------
start_verge() {  # start_verge PORT
  verge_node_config "$TMP/verge.toml" "$1" 1 crypto "$CRYPTO_DIR/worker.js"
  serve_verge "$TMP/verge.toml" "$1" crypto
}
start_workerd() { serve_workerd "$CRYPTO_DIR/workerd.capnp" "$1"; }  # start_workerd PORT

# timed URL -> seconds (curl time_total); fails unless the answer is 200 "ok".
timed() {
  local out
  out=$(curl -s -o "$TMP/body" -w '%{http_code} %{time_total}' "$1") || return 1
  [[ ${out%% *} == 200 ]] || { warn "$1 answered ${out%% *}: $(head -c 300 "$TMP/body")"; return 1; }
  echo "${out#* }"
}

HZ=$(getconf CLK_TCK)
declare -A BASE=() PID=() N=() T0=() RATES=() CPUS=()

# calibrate NAME OP: warms OP up on NAME, then sets N[NAME] so that one
# request takes about SECONDS_PER_RUN, and T0[NAME] to an n=0 request.
calibrate() {
  local name=$1 op=$2 base=${BASE[$1]} n=1000 t i
  timed "$base/?op=$op&n=200" >/dev/null  # keys are made on the first request
  # Twice: the first runs are slower (the JIT, the heap growing to its
  # working size), so the second estimate is the one to use.
  for i in 1 2; do
    t=$(timed "$base/?op=$op&n=$n")
    n=$(awk -v n="$n" -v t="$t" -v s="$SECONDS_PER_RUN" 'BEGIN {n = int(n * s / (t > 0 ? t : 0.001)); print (n < 100 ? 100 : n)}')
  done
  N[$name]=$n
  T0[$name]=$(timed "$base/?op=$op&n=0")
}

# one_run NAME OP: one timed request; appends its wall and CPU ops/s to
# RATES[NAME] and CPUS[NAME].
one_run() {
  local name=$1 op=$2 n=${N[$1]} c0 c1 t
  c0=$(cpu_ticks "${PID[$name]}")
  t=$(timed "${BASE[$name]}/?op=$op&n=$n")
  c1=$(cpu_ticks "${PID[$name]}")
  RATES[$name]+=" $(awk -v n="$n" -v t="$t" -v z="${T0[$name]}" 'BEGIN {d = t - z; if (d <= 0) d = t; printf "%.0f", n / d}')"
  CPUS[$name]+=" $(awk -v n="$n" -v c="$((c1 - c0))" -v hz="$HZ" 'BEGIN {printf "%.0f", (c > 0) ? n * hz / c : 0}')"
}

max_of() { tr ' ' '\n' | awk 'NF' | sort -g | tail -1; }
median_of() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
spread_of() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[NR] = $1} END {printf "%.0f", v[NR] ? (v[NR] - v[1]) * 100 / v[NR] : 0}'; }

echo "verge WebCrypto benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr)"
echo "verge:   $("$VERGE" --version 2>&1 | head -1) ($VERGE_SRC), threads = 1"
echo "workerd: $("$WORKERD" --version 2>&1 | head -1)"
echo "wall: best of $RUNS requests of ~${SECONDS_PER_RUN}s, minus an n=0 request; cpu: median of the same runs,"
echo "operations per CPU-second of the server. verge and workerd run at once and take turns, request by"
echo "request, so that load from elsewhere on the machine falls on both; the ratio is the median of the"
echo "CPU ratios of the $RUNS pairs of adjacent requests."
echo

free_port; port=$PORT
log "starting verge serve (threads = 1) and workerd"
start_verge "$port"
BASE[verge]="http://127.0.0.1:$port"; PID[verge]=$LAUNCH_PID
free_port; port=$PORT
start_workerd "$port"
BASE[workerd]="http://127.0.0.1:$port"; PID[workerd]=$LAUNCH_PID

declare -A OPS_S=() OPS_CPU=() SPREAD=() PAIR_RATIO=()
for op in "${OPS[@]}"; do
  calibrate verge "$op"
  calibrate workerd "$op"
  RATES=([verge]="" [workerd]="") CPUS=([verge]="" [workerd]="")
  for ((i = 0; i < RUNS; i++)); do
    one_run verge "$op"
    one_run workerd "$op"
  done
  for name in verge workerd; do
    OPS_S[$name/$op]=$(max_of <<<"${RATES[$name]}")
    OPS_CPU[$name/$op]=$(median_of <<<"${CPUS[$name]}")
    SPREAD[$name/$op]=$(spread_of <<<"${CPUS[$name]}")
    printf '   %-8s %-7s n=%-7s wall %8s ops/s (runs:%s)  cpu %8s ops/s (runs:%s)\n' "$name" "$op" "${N[$name]}" \
      "${OPS_S[$name/$op]}" "${RATES[$name]}" "${OPS_CPU[$name/$op]}" "${CPUS[$name]}"
  done
  read -r -a vc <<<"${CPUS[verge]}"
  read -r -a wc <<<"${CPUS[workerd]}"
  PAIR_RATIO[$op]=$(for ((i = 0; i < RUNS; i++)); do echo "$(ratio "${vc[$i]}" "${wc[$i]}")"; done | tr '\n' ' ' | median_of)
done
stop_pid "${PID[verge]}"
stop_pid "${PID[workerd]}"

echo
echo "================================ SUMMARY ================================"
printf '%-34s %10s %10s %10s %10s %7s\n' "operation (one thread, ops/s)" "verge wall" "workerd" "verge cpu" "workerd" "ratio"
declare -A LABEL=(
  [sha256]="SHA-256 digest of 1 KiB"
  [hmac]="HMAC-SHA-256 sign of 1 KiB"
  [ecdsa]="ECDSA P-256 verify"
  [rsa]="RSASSA-PKCS1-v1_5 2048 verify"
  [aesgcm]="AES-GCM-256 encrypt of 16 KiB"
)
for op in "${OPS[@]}"; do
  r=${PAIR_RATIO[$op]:-nan}
  flag=""
  if ((${SPREAD[verge/$op]:-0} > 15 || ${SPREAD[workerd/$op]:-0} > 15)); then flag="  (disturbed: runs spread ${SPREAD[verge/$op]}% / ${SPREAD[workerd/$op]}%)"; fi
  met=$(awk -v r="$r" 'BEGIN {print (r != "nan" && r + 0 >= 1) ? "" : "  below 1x"}')
  printf '%-34s %10s %10s %10s %10s %6sx%s%s\n' "${LABEL[$op]}" "${OPS_S[verge/$op]:-n/a}" "${OPS_S[workerd/$op]:-n/a}" \
    "${OPS_CPU[verge/$op]:-n/a}" "${OPS_CPU[workerd/$op]:-n/a}" "$r" "$met" "$flag"
done
echo "========================================================================="
