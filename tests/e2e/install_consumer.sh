#!/usr/bin/env bash
# The installed package works for a consumer: install libstreamgate to a temporary prefix, build
# examples/ on its own against it with find_package(streamgate CONFIG REQUIRED), and run every
# example on real input, checking what it produces, so that a broken example fails CI:
#   hello_plugin   over loopback HTTP
#   transcode_hls  on a generated 2 s video (master.m3u8, segments, progress to 100 %)
#   serve_folder   transcodes a folder and serves the playlists and segments over HTTP
#   verify_siwe    challenge -> signed by a real wallet (ethers, tests/peers) -> verified; a
#                  replayed, a tampered message and a tampered signature are refused
# Needs ffmpeg, curl, node and the npm test peers (scripts/install-test-peers.sh).
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

# --- transcode_hls -------------------------------------------------------------------------------
# A 2 s test pattern with a tone, small enough that the default ladder gives one rung at 320x240.
mkdir -p "$TMP/videos"
ffmpeg -nostdin -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 \
  -f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 -c:v libx264 -pix_fmt yuv420p \
  -c:a aac -shortest "$TMP/videos/clip.mp4" || fail "ffmpeg could not generate the test video"
"$TMP/build/transcode_hls" "$TMP/videos/clip.mp4" "$TMP/hls" >"$TMP/transcode_hls.log" \
  2>"$TMP/transcode_hls.progress" || fail "transcode_hls exited with $?"
[[ -s $TMP/hls/master.m3u8 ]] || fail "transcode_hls wrote no master.m3u8"
grep -q '^#EXT-X-STREAM-INF:.*BANDWIDTH=' "$TMP/hls/master.m3u8" || fail "master.m3u8 has no variant"
variant=$(grep -v '^#' "$TMP/hls/master.m3u8" | grep 'index.m3u8' | head -n 1 | sed 's/?.*//')
grep -q '^#EXT-X-ENDLIST' "$TMP/hls/$variant" || fail "$variant is not a complete VOD playlist"
segment=$(grep -v '^#' "$TMP/hls/$variant" | head -n 1)
[[ -s $TMP/hls/$(dirname "$variant")/$segment ]] || fail "segment $segment is missing"
[[ -s $TMP/hls/manifest.mpd ]] || fail "transcode_hls wrote no manifest.mpd"
grep -q '100.0%' "$TMP/transcode_hls.progress" || fail "the progress bar never reached 100 %"
grep -q 'master.m3u8' "$TMP/transcode_hls.log" || fail "transcode_hls printed no summary"
echo "ok: transcode_hls packaged a 2 s video ($variant, progress to 100 %)"
status=0
"$TMP/build/transcode_hls" "$TMP/videos/none.mp4" "$TMP/hls-none" >/dev/null 2>&1 || status=$?
[[ $status -ne 0 && ! -e $TMP/hls-none ]] || fail "transcode_hls of a missing file: exit $status"
echo "ok: transcode_hls of a missing file fails and leaves nothing"

# --- serve_folder --------------------------------------------------------------------------------
printf 'not a video' >"$TMP/videos/notes.txt"
port=$(free_port)
"$TMP/build/serve_folder" "$TMP/videos" "$TMP/site" "$port" >"$TMP/serve_folder.log" 2>&1 &
PID=$!
base=http://127.0.0.1:$port
for _ in $(seq 600); do  # transcoding comes first: up to 60 s
  grep -q '^serving' "$TMP/serve_folder.log" && break
  kill -0 "$PID" 2>/dev/null || fail "serve_folder exited before serving"
  sleep 0.1
done
wait_for "$base/health"
grep -q '^clip.mp4: packaged' "$TMP/serve_folder.log" || fail "serve_folder did not package clip.mp4"
master=$(get "$base/videos/clip/master.m3u8")
[[ $master == "200 #EXTM3U"* ]] || fail "GET /videos/clip/master.m3u8: got '${master:0:80}'"
echo "ok: GET /videos/clip/master.m3u8"
expect "Content-Type of the playlist" "$(curl -s --noproxy '*' -o /dev/null \
  -w '%{content_type}' "$base/videos/clip/master.m3u8")" "application/vnd.apple.mpegurl"
segment_url=$base/videos/clip/$(dirname "$variant")/$segment
size=$(stat -c %s "$TMP/site/clip/$(dirname "$variant")/$segment")
expect "GET a segment" "$(curl -s --noproxy '*' -o /dev/null -w '%{http_code} %{size_download}' \
  "$segment_url")" "200 $size"
expect "Range bytes=0-99 of a segment" "$(curl -s --noproxy '*' -o /dev/null -r 0-99 \
  -w '%{http_code} %{size_download}' "$segment_url")" "206 100"
expect "not a video, not packaged" "$(get -o /dev/null "$base/videos/notes/master.m3u8")" "404"
expect "traversal" "$(get -o /dev/null --path-as-is "$base/videos/%2e%2e/%2e%2e/etc/passwd")" "403"
kill -TERM "$PID"
status=0
wait "$PID" || status=$?
PID=
expect "serve_folder exit status after SIGTERM" "$status" 0

# --- verify_siwe ---------------------------------------------------------------------------------
peers=$SOURCE_DIR/tests/peers/node_modules
[[ -d $peers/ethers && -d $peers/siwe ]] || fail "npm test peers missing: scripts/install-test-peers.sh"
# Private key 1's address; the wallet (ethers) signs with personal_sign, as a browser wallet does.
key=0x0000000000000000000000000000000000000000000000000000000000000001
address=0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf
sign() {  # message file -> signature
  node -e '
    const fs = require("fs");
    fs.writeFileSync(process.argv[2], JSON.stringify(
        {op: "personal", key: process.argv[3], message: fs.readFileSync(process.argv[1], "utf8")}));
  ' "$1" "$TMP/sign.json" "$key"
  STREAMGATE_TEST_PEERS_DIR=$peers node "$SOURCE_DIR/tests/support/auth/wallet_signer.js" \
    "$TMP/sign.json" | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0)).signature)'
}
siwe=("$TMP/build/verify_siwe" "$TMP/nonces")
"${siwe[@]}" challenge "$address" 1 >"$TMP/message.txt" || fail "verify_siwe challenge"
grep -q "^example.com wants you to sign in with your Ethereum account:\$" "$TMP/message.txt" ||
  fail "the challenge is not a SIWE message: $(head -n 1 "$TMP/message.txt")"
signature=$(sign "$TMP/message.txt")
[[ $signature =~ ^0x[0-9a-f]{130}$ ]] || fail "the wallet gave no signature: '$signature'"
"${siwe[@]}" verify "$TMP/message.txt" "$signature" >"$TMP/verify.log" 2>&1 ||
  fail "verify_siwe refused a valid signature: $(cat "$TMP/verify.log")"
grep -q "signed in: $address on chain 1" "$TMP/verify.log" || fail "verify_siwe: $(cat "$TMP/verify.log")"
echo "ok: verify_siwe accepts the wallet's signature"
refused() {  # what, message file, signature
  local status=0
  "${siwe[@]}" verify "$2" "$3" >"$TMP/refused.log" 2>&1 || status=$?
  [[ $status -eq 1 ]] || fail "$1: exit $status, want 1: $(cat "$TMP/refused.log")"
  echo "ok: $1 refused ($(tail -n 1 "$TMP/refused.log"))"
}
refused "a replayed sign-in (nonce already used)" "$TMP/message.txt" "$signature"
"${siwe[@]}" challenge "$address" >"$TMP/message2.txt" || fail "verify_siwe challenge"
sed 's/^Sign in to StreamGate/Sign in to EvilGate/' "$TMP/message2.txt" >"$TMP/tampered.txt"
cmp -s "$TMP/message2.txt" "$TMP/tampered.txt" && fail "the tampering changed nothing"
refused "a tampered message" "$TMP/tampered.txt" "$(sign "$TMP/message2.txt")"
"${siwe[@]}" challenge "$address" >"$TMP/message3.txt" || fail "verify_siwe challenge"
signature=$(sign "$TMP/message3.txt")
last=${signature: -3:1}
[[ $last == 0 ]] && flip=1 || flip=0
refused "a tampered signature" "$TMP/message3.txt" "${signature:0:-3}$flip${signature: -2}"
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
