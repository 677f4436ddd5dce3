#!/usr/bin/env bash
# Runs the shared-cache conformance suite (http-cache-tests, the suite behind
# https://cache-tests.fyi) against verge:
#
#   the suite's origin server  <-  verge serve (one zone)  <-  the suite's CLI client
#
#   tests/conformance/run.sh [-o OUT.json] [-i TEST_ID]
#
#   -o OUT.json  where verge's results go (default: a new temp file; the path
#                is printed). The format is the package's results/*.json, so
#                tests/conformance/score.mjs can compare it with them.
#   -i TEST_ID   run one test only, printing every request and response as
#                the client and the origin saw them (the CLI's --id mode);
#                nothing is written to OUT.json then.
#
# VERGE_BIN picks the binary (default build/verge; it is not rebuilt here).
# Both servers listen on free loopback ports; every process this script
# starts is stopped by its PID when it exits, however it exits.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VERGE_BIN="${VERGE_BIN:-$ROOT/build/verge}"
PKG="$ROOT/tests/node_modules/http-cache-tests"
OUT=""
TEST_ID=""

usage() { echo "usage: $0 [-o OUT.json] [-i TEST_ID]" >&2; exit 2; }
while getopts "o:i:h" opt; do
  case "$opt" in
    o) OUT="$OPTARG" ;;
    i) TEST_ID="$OPTARG" ;;
    *) usage ;;
  esac
done

command -v node >/dev/null || { echo "run.sh: node not found (scripts/setup.sh installs it)" >&2; exit 2; }
[ -x "$VERGE_BIN" ] || { echo "run.sh: no verge binary at $VERGE_BIN (make build, or set VERGE_BIN)" >&2; exit 2; }
# scripts/setup.sh installs tests/package.json's packages; a tree whose
# node_modules predates this dependency gets it here the same way.
if [ ! -f "$PKG/cli.mjs" ]; then
  echo "run.sh: installing tests/ npm packages (http-cache-tests)" >&2
  (cd "$ROOT/tests" && npm install --no-audit --no-fund --silent) >&2
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/verge-conformance.XXXXXX")"
ORIGIN_PID=""
VERGE_PID=""
CLI_PID=""

stop_pid() {  # stop_pid PID: TERM, then KILL after 5 s; only the PID given
  local pid="$1"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  stop_pid "$CLI_PID"
  stop_pid "$VERGE_PID"
  stop_pid "$ORIGIN_PID"
  if [ "$rc" != 0 ]; then
    for log in origin.log verge.log cli.err; do
      [ -s "$TMP/$log" ] && { echo "--- $log (last lines)" >&2; tail -n 20 "$TMP/$log" >&2; }
    done
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_port LOGFILE REGEX PID: prints the port captured by REGEX's first
# group once the log shows it; fails if PID dies or 20 s pass first.
wait_port() {
  local log="$1" re="$2" pid="$3" port
  for _ in $(seq 200); do
    port="$(sed -nE "s#.*${re}.*#\1#p" "$log" | head -n 1)"
    if [ -n "$port" ]; then echo "$port"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "run.sh: process $pid exited early" >&2; return 1; }
    sleep 0.1
  done
  echo "run.sh: no listening line in $log after 20 s" >&2
  return 1
}

# The suite's origin. It reads its settings as npm would pass them; port 0
# lets the kernel pick a free one, which it prints.
(cd "$PKG" && npm_config_protocol=http npm_config_port=0 npm_config_pidfile="$TMP/origin.pid" \
  exec node --no-warnings server/server.mjs) >"$TMP/origin.log" 2>&1 &
ORIGIN_PID=$!
ORIGIN_PORT="$(wait_port "$TMP/origin.log" 'Listening on http://[^ ]*:([0-9]+)/' "$ORIGIN_PID")"

# verge in front: one zone for the Host the client sends (127.0.0.1:PORT).
# The cache starts empty in a data_dir of its own.
cat >"$TMP/node.toml" <<EOF
[server]
listen = "127.0.0.1:0"
threads = 1
data_dir = "$TMP/data"

[[zones]]
name = "conformance"
hosts = ["127.0.0.1"]
origin = "http://127.0.0.1:$ORIGIN_PORT"
EOF
"$VERGE_BIN" serve --config "$TMP/node.toml" >"$TMP/verge.log" 2>&1 &
VERGE_PID=$!
VERGE_PORT="$(wait_port "$TMP/verge.log" 'listening on http://127\.0\.0\.1:([0-9]+)' "$VERGE_PID")"
BASE="http://127.0.0.1:$VERGE_PORT"
echo "run.sh: origin on :$ORIGIN_PORT (pid $ORIGIN_PID), verge on :$VERGE_PORT (pid $VERGE_PID)" >&2

# The client. cli.mjs reads --base/--id as npm passes them (npm_config_*,
# falling back to npm_package_config_*): both are set so an empty id means
# "every test". It runs in the background so that a signal to this script
# stops it at once (bash runs traps only between commands).
run_cli() {  # run_cli STDOUT STDERR
  (cd "$PKG" && npm_config_base="$BASE" npm_package_config_base="$BASE" \
    npm_config_id="$TEST_ID" npm_package_config_id="$TEST_ID" \
    exec timeout 300 node --no-warnings cli.mjs) >"$1" 2>"$2" &
  CLI_PID=$!
  wait "$CLI_PID"
  CLI_PID=""
}

if [ -n "$TEST_ID" ]; then
  run_cli /dev/stdout /dev/stderr
  echo "--- what the origin logged"
  cat "$TMP/origin.log"
  exit 0
fi

[ -n "$OUT" ] || OUT="$(mktemp "${TMPDIR:-/tmp}/verge-conformance-XXXXXX.json")"
run_cli "$TMP/verge.json" "$TMP/cli.err"
# The client reports a crash on stderr and still exits 0: check that what it
# printed is a whole results object before handing it on.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
  const n = Object.keys(r).length
  if (n < 300) { console.error(`run.sh: only ${n} results`); process.exit(1) }
  console.error(`run.sh: ${n} results`)
' "$TMP/verge.json"
cp "$TMP/verge.json" "$OUT"
echo "$OUT"
