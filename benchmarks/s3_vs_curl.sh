#!/usr/bin/env bash
# S3 object store throughput next to the curl command line, against one s3rver in one run:
# ROUNDS uploads and downloads of the same SIZE_MIB file by StreamGate (PutFile: multipart above
# 16 MiB, 8 MiB parts; GetToFile: streamed to a temporary file, fsync, rename) and by
# `curl --aws-sigv4` (one PUT, one GET -o). s3rver (Node) is the bottleneck for both, so the
# ratio measures the client's overhead, not S3's speed.
#
#   benchmarks/s3_vs_curl.sh BUILD_DIR [SIZE_MIB] [ROUNDS]
set -euo pipefail

BUILD_DIR=${1:?usage: benchmarks/s3_vs_curl.sh BUILD_DIR [SIZE_MIB] [ROUNDS]}
SIZE_MIB=${2:-64}
ROUNDS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
source "$HERE/common.sh"

BENCH=$BUILD_DIR/benchmarks/streamgate_s3_bench
S3RVER=$HERE/../tests/peers/node_modules/.bin/s3rver
[[ -x $BENCH ]] || die "no $BENCH (configure with -DSTREAMGATE_BUILD_BENCHMARKS=ON)"
[[ -x $S3RVER ]] || die "no $S3RVER (run scripts/install-test-peers.sh)"

WORK=$(mktemp -d)
S3RVER_PID=
cleanup() {
  [[ -n $S3RVER_PID ]] && kill "$S3RVER_PID" 2>/dev/null && wait "$S3RVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(free_port)
BUCKET=bench-bucket
"$S3RVER" -d "$WORK/s3" --address 127.0.0.1 --port "$PORT" --silent \
  --configure-bucket "$BUCKET" >/dev/null 2>&1 &
S3RVER_PID=$!
wait_for "http://127.0.0.1:$PORT/" "$S3RVER_PID" s3rver
ENDPOINT=http://127.0.0.1:$PORT

head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$WORK/data.bin"
machine_line
echo "object: $SIZE_MIB MiB, $ROUNDS rounds each"

now() { date +%s.%N; }
curl_put=0
curl_get=0
for i in $(seq "$ROUNDS"); do
  url=$ENDPOINT/$BUCKET/bench/curl-$i
  start=$(now)
  curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$WORK/data.bin" "$url" -o /dev/null
  curl_put=$(echo "$curl_put + $(now) - $start" | bc)
  start=$(now)
  curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$url" -o "$WORK/curl-copy.bin"
  curl_get=$(echo "$curl_get + $(now) - $start" | bc)
  cmp -s "$WORK/data.bin" "$WORK/curl-copy.bin" || die "curl download differs"
done

# StreamGate twice: with its defaults (multipart above 16 MiB) and forced to one PUT, like curl.
run_bench() {
  local out
  out=$("$BENCH" "$ENDPOINT" "$BUCKET" "$WORK/data.bin" "$ROUNDS" "$@")
  awk '$1 == "put_seconds" { printf "%s ", $2 } $1 == "get_seconds" { print $2 }' <<<"$out"
}
read -r mp_put mp_get <<<"$(run_bench)"
read -r sg_put sg_get <<<"$(run_bench $((SIZE_MIB * 1024 * 1024)))"

mib_s() { echo "scale=1; $SIZE_MIB * $ROUNDS / $1" | bc; }
printf '%-34s %10s %10s\n' "" "PUT MiB/s" "GET MiB/s"
printf '%-34s %10s %10s\n' "StreamGate, one PUT" "$(mib_s "$sg_put")" "$(mib_s "$sg_get")"
printf '%-34s %10s %10s\n' "StreamGate, multipart (8 MiB parts)" "$(mib_s "$mp_put")" \
  "$(mib_s "$mp_get")"
printf '%-34s %10s %10s\n' "curl --aws-sigv4" "$(mib_s "$curl_put")" "$(mib_s "$curl_get")"
ratio() { echo "scale=2; $1 / $2" | bc; }
printf 'throughput ratio StreamGate/curl (> 1: StreamGate faster): one PUT %s, multipart PUT %s, GET %s\n' \
  "$(ratio "$curl_put" "$sg_put")" "$(ratio "$curl_put" "$mp_put")" "$(ratio "$curl_get" "$sg_get")"
