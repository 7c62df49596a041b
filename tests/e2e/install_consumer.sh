#!/usr/bin/env bash
# The installed package works for a consumer: install libstreamgate to a temporary prefix, build
# examples/ on its own against it with find_package(streamgate CONFIG REQUIRED), run both
# examples over loopback HTTP and check what they answer.
#
#   tests/e2e/install_consumer.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: install_consumer.sh BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: install_consumer.sh BUILD_DIR SOURCE_DIR}" && pwd)

TMP=$(mktemp -d /tmp/sg_install_consumer.XXXXXX)
PID=
cleanup() {
  if [[ -n $PID ]]; then
    kill -KILL "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "install_consumer: FAIL: $*" >&2
  for log in "$TMP"/*.log; do
    [[ -s $log ]] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }
  done
  exit 1
}

# shellcheck source=../../scripts/lib/loopback.sh
source "$SOURCE_DIR/scripts/lib/loopback.sh"

wait_for() {  # url
  wait_http "$1" "$PID" || fail "the example exited or did not answer $1 within 10 s"
}

# Prints "<status> <body>" (just "<status>" when the body is empty or sent elsewhere with -o).
get() {
  local out line
  out=$(curl -s --noproxy '*' -w '\n%{http_code}' "$@")
  line="${out##*$'\n'} ${out%$'\n'*}"
  echo "${line% }"
}

expect() {  # what, got, want
  [[ $2 == "$3" ]] || fail "$1: got '$2', want '$3'"
  echo "ok: $1"
}

# --- install -------------------------------------------------------------------------------------
PREFIX=$TMP/prefix
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$TMP/install.log" 2>&1 || fail "cmake --install"
[[ -f $PREFIX/include/streamgate/http.h ]] || fail "no include/streamgate/http.h in the installed tree"
[[ -f $PREFIX/include/streamgate/streamgate.h ]] || fail "no umbrella header in the installed tree"
config=$(find "$PREFIX" -path '*/cmake/streamgate/streamgateConfig.cmake' | head -n 1)
[[ $config == "$PREFIX/lib/cmake/streamgate/streamgateConfig.cmake" ||
   $config == "$PREFIX"/lib/*/cmake/streamgate/streamgateConfig.cmake ]] ||
  fail "no lib/cmake/streamgate/streamgateConfig.cmake in the installed tree (found '$config')"
[[ -f $(dirname "$config")/streamgateConfigVersion.cmake ]] || fail "no streamgateConfigVersion.cmake"
# Internal headers stay private.
[[ ! -e $PREFIX/include/http/url.h && ! -e $PREFIX/include/streamgate/internal ]] ||
  fail "internal headers were installed"
echo "ok: installed tree"

# --- build the examples against the installed package --------------------------------------------
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$SOURCE_DIR/examples" -B "$TMP/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PREFIX" "${launcher[@]}" >"$TMP/configure.log" 2>&1 ||
  fail "configuring examples/ against the installed package"
grep -q "streamgate_DIR:PATH=$(dirname "$config")" "$TMP/build/CMakeCache.txt" ||
  fail "find_package(streamgate) did not pick the installed package"
cmake --build "$TMP/build" -j "${JOBS:-2}" >"$TMP/build.log" 2>&1 || fail "building examples/"
echo "ok: examples built against $PREFIX"

# --- hello_plugin --------------------------------------------------------------------------------
port=$(free_port)
mkdir -p "$TMP/data"
STREAMGATE_SERVER_HOST=127.0.0.1 STREAMGATE_SERVER_PORT=$port STREAMGATE_DATA_DIR=$TMP/data \
  STREAMGATE_LOG_LEVEL=warn "$TMP/build/hello_plugin" >"$TMP/hello_plugin.log" 2>&1 &
PID=$!
base=http://127.0.0.1:$port
wait_for "$base/health"
expect "GET /hello" "$(get "$base/hello")" '200 {"message":"hello, world","plugin":"hello"}'
expect "GET /hello?name=" "$(get "$base/hello?name=A%22da")" '200 {"message":"hello, A\"da","plugin":"hello"}'
expect "GET /health" "$(get "$base/health")" '200 {"status":"healthy"}'
expect "POST /hello" "$(get -X POST "$base/hello" -o /dev/null)" "405"
kill -TERM "$PID"
status=0
wait "$PID" || status=$?
PID=
expect "hello_plugin exit status after SIGTERM" "$status" 0

# --- serve_folder --------------------------------------------------------------------------------
mkdir -p "$TMP/videos/clips"
printf '0123456789' >"$TMP/videos/clips/a.mp4"
port=$(free_port)
"$TMP/build/serve_folder" "$TMP/videos" "$port" >"$TMP/serve_folder.log" 2>&1 &
PID=$!
base=http://127.0.0.1:$port
wait_for "$base/health"
expect "GET /videos/clips/a.mp4" "$(get "$base/videos/clips/a.mp4")" "200 0123456789"
expect "Range bytes=2-4" "$(get -r 2-4 "$base/videos/clips/a.mp4")" "206 234"
expect "Content-Type" \
  "$(curl -s --noproxy '*' -o /dev/null -w '%{content_type}' "$base/videos/clips/a.mp4")" "video/mp4"
expect "missing file" "$(get -o /dev/null "$base/videos/clips/none.mp4")" "404"
expect "traversal" "$(get -o /dev/null --path-as-is "$base/videos/%2e%2e/%2e%2e/etc/passwd")" "403"
kill -TERM "$PID"
status=0
wait "$PID" || status=$?
PID=
expect "serve_folder exit status after SIGTERM" "$status" 0
echo "install_consumer: PASS"

# --- the Python package ---------------------------------------------------------------------------
pkg=$PREFIX/lib/python3/dist-packages
if [[ -d $pkg/streamgate ]]; then
  # A sanitizer build's module needs the ASan runtime (and libstdc++, for its __cxa_throw
  # interceptor) loaded first into the interpreter.
  libs=$(ldd "$pkg"/streamgate/_streamgate*.so)
  asan=$(awk '/libasan/ {print $3}' <<<"$libs")
  stdcxx=$(awk '/libstdc\+\+/ {print $3}' <<<"$libs")
  run_python=(env PYTHONPATH="$pkg")
  [[ -n $asan ]] && run_python+=(LD_PRELOAD="$asan $stdcxx" ASAN_OPTIONS=detect_leaks=0)
  got=$(cd "$TMP" && "${run_python[@]}" /usr/bin/python3 -c '
import streamgate
registry = streamgate.MetricsRegistry()
registry.counter("installed_total", "Installed.").get().inc(2)
print(streamgate.__file__.startswith("'"$pkg"'"), "installed_total 2" in registry.render_prometheus())
' 2>"$TMP/python.log") || fail "importing the installed streamgate Python package"
  expect "import streamgate from $pkg" "$got" "True True"
else
  echo "skip: no Python package installed (STREAMGATE_BUILD_PYTHON=OFF)"
fi
echo "install_consumer: PASS (python)"
