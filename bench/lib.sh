# bench/lib.sh: helpers shared by the benchmark scripts (sourced, not run).
# The including script defines PIDS=() (processes to stop on exit).

log() { printf '== %s\n' "$*"; }
warn() { printf '!! %s\n' "$*"; }
die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

forget_pid() {
  local -a keep=()
  local p
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

stop_pid() {  # stop_pid PID: SIGTERM, wait up to 15 s, then SIGKILL
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "pid $pid did not stop on SIGTERM within 15s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  forget_pid "$pid"
}

# Stops every process in PIDS and removes TMP (kept with BENCH_KEEP_LOGS=1).
cleanup() {
  local pid i
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
  if [[ ${BENCH_KEEP_LOGS:-0} == 1 ]]; then
    echo "logs kept in $TMP"
  else
    rm -rf "$TMP"
  fi
}

# Call once TMP exists: cleans up on exit and Ctrl-C, and runs a private copy
# of verge so a rebuild during the run cannot mix binaries.
# A script that compares builds (ab.sh, instructions.sh) sets VERGE empty
# and copies its binaries itself.
bench_start() {
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  [[ -n ${VERGE:-} ]] || return 0
  VERGE_SRC=$VERGE  # for the report: which binary was copied
  cp "$VERGE" "$TMP/verge"
  VERGE=$TMP/verge
}

# hello_worker NAME: sets HELLO_FILE and HELLO_PATH to the source file and
# the request path of one of the workers bench/hello.sh measures (hello,
# realistic, hono); false for another name.
hello_worker() {
  case $1 in
    hello) HELLO_FILE=$BENCH_DIR/hello/worker.js HELLO_PATH=/ ;;
    realistic) HELLO_FILE=$BENCH_DIR/hello/realistic.js HELLO_PATH='/api/x?id=5' ;;
    hono) HELLO_FILE=$BENCH_DIR/hello/hono/app.js HELLO_PATH='/api/users/42/posts?limit=5' ;;
    *) return 1 ;;
  esac
}

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# True when something uses local port PORT (any TCP state, IPv4 or IPv6).
# (grep, not a bash read loop: bash reads /proc files a byte at a time.)
port_in_use() {
  local port_hex
  printf -v port_hex '%04X' "$1"
  grep -qE "^ *[0-9]+: [0-9A-F]+:$port_hex " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# True when 127.0.0.1:PORT (or 0.0.0.0:PORT) is in LISTEN state. Reads
# /proc/net/tcp, so it does not connect (a connect could count as a request).
is_listening() {
  local port_hex
  printf -v port_hex '%04X' "$1"
  grep -qE "^ *[0-9]+: (0100007F|00000000):$port_hex [0-9A-F]+:[0-9A-F]+ 0A " /proc/net/tcp
}

# free_port: sets PORT to a port nothing uses and this run has not used yet.
declare -A HANDED_OUT=()
PORT=
free_port() {
  local p i
  for ((i = 0; i < 500; i++)); do
    p=$((20000 + RANDOM % 40000))
    [[ -n ${HANDED_OUT[$p]:-} ]] && continue
    port_in_use "$p" && continue
    HANDED_OUT[$p]=1
    PORT=$p
    return
  done
  die "no free port found"
}

# wait_listen PORT PID NAME: waits (up to 60 s) until PORT listens. Polls
# every 2 ms so that spawn → listen times are measured closely.
wait_listen() {
  local port=$1 pid=$2 name=$3 i
  for ((i = 0; i < 30000; i++)); do
    is_listening "$port" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      warn "$name (pid $pid) exited before listening on $port"
      return 1
    fi
    sleep 0.002
  done
  warn "$name did not listen on $port within 60s"
  return 1
}

fmt() { awk -v v="$1" -v d="${2:-1}" 'BEGIN {if (v == "" || v == "nan") print "n/a"; else printf "%.*f", d, v}'; }
# median N...: the median of the numbers given (the lower middle one for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "" || b == "" || b + 0 == 0) print "nan"; else printf "%.2f", a / b}'; }

# wrk_latency_ms FILE PCT: the PCT% line (50, 99, ...) of wrk --latency, in ms.
wrk_latency_ms() {
  awk -v pct="$2%" '$1 == pct {
         v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
         f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1
         printf "%.3f", v * f; exit
       }' "$1"
}
wrk_p99_ms() { wrk_latency_ms "$1" 99; }
wrk_p50_ms() { wrk_latency_ms "$1" 50; }
wrk_rps() { awk '$1 == "Requests/sec:" {print $2; exit}' "$1"; }
wrk_requests() { awk '/ requests in / {print $1; exit}' "$1"; }
wrk_non2xx() { awk '/Non-2xx or 3xx responses:/ {print $NF; f = 1} END {if (!f) print 0}' "$1"; }
wrk_sockerr() { awk '/Socket errors:/ {sub(/.*Socket errors: /, ""); print; f = 1} END {if (!f) print "none"}' "$1"; }

# --- CPU accounting (first used by bindings.sh, which keeps its own copies) --

# child_pids PID: the direct children of PID (from /proc, no name matching).
child_pids() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | awk 'NF' || true; }

# cpu_ticks PID...: user + system CPU ticks of these processes, summed.
cpu_ticks() {
  local pid total=0 t
  for pid in "$@"; do
    # Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
    t=$(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# machine_ticks: "busy total" jiffies of all CPUs, from the first line of /proc/stat.
machine_ticks() { awk '$1 == "cpu" {b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6; exit}' /proc/stat; }

# children_cpu_s: sets CHILD_CPU to the user + system seconds of this shell's
# waited-for children (the second line of `times`), so the difference around
# a foreground wrk is wrk's own CPU time. Call it directly, not in $(...):
# a subshell would report its own, empty, children. Needs TMP.
CHILD_CPU=0
children_cpu_s() {
  times >"$TMP/times.txt"
  CHILD_CPU=$(awk 'NR == 2 {
    s = 0
    for (i = 1; i <= 2; i++) { v = $i; m = v; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", v); sub(/s$/, "", v); s += m * 60 + v }
    printf "%.3f", s
  }' "$TMP/times.txt")
}

# find_workerd: sets WORKERD to the workerd binary from npm (bench/package.json),
# installing it first if needed. If npm did not run workerd's postinstall,
# bin/workerd is a node launcher that spawns the real binary; the platform
# package's binary is used instead, so the PID a script stops is workerd's.
find_workerd() {
  WORKERD=$BENCH_DIR/node_modules/workerd/bin/workerd
  if [[ ! -x $WORKERD ]]; then
    log "installing workerd (npm install --prefix bench)"
    npm install --prefix "$BENCH_DIR" --no-audit --no-fund >&2
  fi
  [[ -x $WORKERD ]] || WORKERD=$BENCH_DIR/node_modules/.bin/workerd
  if [[ $(head -c 4 "$WORKERD" 2>/dev/null | od -An -c | tr -d ' ') != '177ELF' ]]; then
    for cand in "$BENCH_DIR"/node_modules/@cloudflare/workerd-linux-*/bin/workerd; do
      [[ -x $cand ]] && WORKERD=$cand && break
    done
  fi
  [[ -x $WORKERD ]] || die "workerd is not installed under $BENCH_DIR/node_modules"
}

# --- servers ------------------------------------------------------------------

# verge_node_config FILE PORT THREADS NAME WORKER_PATH: a node config that
# serves one worker on every host, with its data under $TMP. Extra TOML for
# a section of its own (e.g. [limits]) may be appended to FILE.
verge_node_config() {
  cat >"$1" <<TOML
[server]
listen = "127.0.0.1:$2"
threads = $3
data_dir = "$TMP/verge-data-$4-$3"

[[workers]]
name = "$4"
path = "$5"
routes = ["*"]
TOML
}

# serve_verge CONFIG PORT TAG: starts `verge serve --config CONFIG` (stderr
# in $TMP/verge-TAG.err), sets LAUNCH_PID and waits until PORT listens.
LAUNCH_PID=
serve_verge() {
  "$VERGE" serve --config "$1" >/dev/null 2>>"$TMP/verge-$3.err" &
  LAUNCH_PID=$!
  PIDS+=("$LAUNCH_PID")
  wait_listen "$2" "$LAUNCH_PID" "verge serve ($3)" || { tail -n 20 "$TMP/verge-$3.err" >&2; return 1; }
}

# serve_workerd CAPNP PORT: starts workerd with CAPNP's `config` on PORT
# (stderr in $TMP/workerd.err), sets LAUNCH_PID and waits until it listens.
serve_workerd() {
  "$WORKERD" serve "$1" config --socket-addr "http=127.0.0.1:$2" >/dev/null 2>>"$TMP/workerd.err" &
  LAUNCH_PID=$!
  PIDS+=("$LAUNCH_PID")
  wait_listen "$2" "$LAUNCH_PID" "workerd" || { tail -n 20 "$TMP/workerd.err" >&2; return 1; }
}

# sockerr_add A B: two wrk "Socket errors" figures (as wrk_sockerr prints
# them, or "none") added field by field; "none" when all are zero.
sockerr_add() {
  awk -v a="$1" -v b="$2" '
    function add(s,   n, i, parts, kv) {
      n = split(s, parts, /, */)
      for (i = 1; i <= n; i++) if (split(parts[i], kv, " ") == 2) v[kv[1]] += kv[2]
    }
    BEGIN {
      add(a); add(b)
      if (v["connect"] + v["read"] + v["write"] + v["timeout"] == 0) { print "none"; exit }
      printf "connect %d, read %d, write %d, timeout %d\n", v["connect"], v["read"], v["write"], v["timeout"]
    }'
}

# --- npm packages and bundling --------------------------------------------------

# bench_npm_package NAME: makes sure bench/node_modules has NAME (pinned in
# bench/package.json), running `npm install --prefix bench` if it does not.
bench_npm_package() {
  [[ -f $BENCH_DIR/node_modules/$1/package.json ]] && return 0
  log "installing $1 (npm install --prefix bench)"
  npm install --prefix "$BENCH_DIR" --no-audit --no-fund >&2
  [[ -f $BENCH_DIR/node_modules/$1/package.json ]] || die "$1 is not installed under $BENCH_DIR/node_modules"
}

# find_esbuild: sets ESBUILD to the esbuild verge bundles with (the version
# wrangler pins, in tools/bundler), running `npm ci --prefix tools/bundler`
# if it is missing.
find_esbuild() {
  local dir
  dir=$(dirname "$BENCH_DIR")/tools/bundler
  ESBUILD=$dir/node_modules/.bin/esbuild
  if [[ ! -x $ESBUILD ]]; then
    log "installing esbuild (npm ci --prefix tools/bundler)"
    npm ci --prefix "$dir" --no-audit --no-fund >&2
  fi
  [[ -x $ESBUILD ]] || die "esbuild is not installed under $dir/node_modules"
}

# wrangler_bundle ENTRY OUTFILE: bundles ENTRY as `wrangler deploy` does
# before it uploads a module worker (wrangler's esbuild options), with the
# ESBUILD of find_esbuild.
wrangler_bundle() {
  "$ESBUILD" "$1" --bundle --format=esm --platform=neutral --target=es2022 --keep-names \
    --conditions=workerd,worker,browser --main-fields=workerd,worker,browser,module,main \
    --outfile="$2"
}
