#!/usr/bin/env bash
# Installs the Debian 12 packages StreamGate needs to build, test and benchmark, skipping what is
# already present (so a second run costs one dpkg query). Used by `make run` and `make test`.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config ninja-build ccache git curl
  # libstreamgate
  libasio-dev node-llhttp nlohmann-json3-dev libspdlog-dev libfmt-dev libsqlitecpp-dev
  libsqlite3-dev libhiredis-dev libcurl4-openssl-dev libssl-dev libavcodec-dev libavformat-dev
  libavfilter-dev libswscale-dev libswresample-dev libavutil-dev libsecp256k1-dev libsodium-dev
  libcrypto++-dev
  # tests, bindings and benchmarks
  catch2 libbenchmark-dev pybind11-dev python3-dev python3-pytest ffmpeg redis-server
  nginx-light wrk prometheus python3-botocore python3-yaml chromium nodejs npm
  # docs (the API reference test runs Doxygen)
  doxygen
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# Debian's nodejs may be replaced by another install of Node; accept any node/npm on PATH.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi

if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
