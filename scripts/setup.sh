#!/usr/bin/env bash
# Installs everything verge needs to build and test on Debian 12, then
# unpacks V8 (Debian's libnode108 + libnode-dev) into third_party/libnode.
#
# Idempotent: a second run does nothing that is already done. Needs root
# (or sudo) for apt-get; the V8 unpack step does not.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Build and runtime dependencies, all from Debian's archive.
PKGS=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libssl-dev libsqlite3-dev zlib1g-dev libbrotli-dev libzstd-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libicu-dev
  libgtest-dev libgmock-dev googletest
  # request.cf geolocation from MaxMind DB (.mmdb) files
  libmaxminddb-dev libmaxminddb0
  # libnode108's own shared-library dependencies (it is unpacked, not
  # installed, because its node-* dependencies conflict with nodesource's nodejs).
  libbrotli1 libc-ares2 libicu72 libnghttp2-14 libuv1
  # tests and benchmarks
  curl python3 openssl esbuild wrk nginx-light postgresql
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# nginx-light enables and starts a system nginx on :80 on some images; the
# benchmarks start their own, so make sure the system one is not in the way.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true; fi

# V8: Debian's libnode (Node 18 => V8 10.2), unpacked into a git-ignored folder.
LIBNODE_DIR=third_party/libnode
if [ ! -f "$LIBNODE_DIR/usr/lib/x86_64-linux-gnu/libnode.so.108" ] || \
   [ ! -f "$LIBNODE_DIR/usr/include/nodejs/deps/v8/include/v8-inspector.h" ]; then
  echo "setup: unpacking libnode108 + libnode-dev into $LIBNODE_DIR"
  tmp=$(mktemp -d); chmod 755 "$tmp"  # _apt must be able to write there
  (cd "$tmp" && apt-get download libnode108 libnode-dev >/dev/null)
  mkdir -p "$LIBNODE_DIR"
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$LIBNODE_DIR"; done
  rm -rf "$tmp"
fi

# Node.js and npm (for the npm packages below): the machine's own if it has
# one (e.g. nodesource's), else Debian's.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs and npm from Debian"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

# esbuild, pinned to the version wrangler uses, for bundling workers and the
# runtime's Node.js modules (tools/bundler). Installed again whenever the
# lock file is newer than the install.
for dir in tools/bundler; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm install in $dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --silent)
  fi
done
# npm packages used by tests (hono, bundled with esbuild; http-cache-tests,
# the shared-cache conformance suite) and benchmarks (workerd, miniflare).
if [ -f tests/package.json ] && { [ ! -f tests/node_modules/.package-lock.json ] ||
     [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; }; then
  echo "setup: npm install in tests/"
  (cd tests && npm install --no-audit --no-fund --silent)
fi
echo "setup: ok"
