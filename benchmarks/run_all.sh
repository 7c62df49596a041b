#!/usr/bin/env bash
# Every benchmark, in one go (`make bench`): the Google Benchmarks, then the side-by-side
# comparisons with nginx. Numbers are only meaningful on an otherwise idle machine.
#
#   benchmarks/run_all.sh BUILD_DIR
set -euo pipefail

BUILD_DIR=${1:?usage: benchmarks/run_all.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)

if pgrep -x cc1plus >/dev/null; then
  echo "run_all: WARNING: a compiler is running; the numbers will be disturbed" >&2
fi

for bench in streamgate_bench_router streamgate_bench_http_internals streamgate_bench_playback_token \
  streamgate_bench_auth streamgate_bench_metrics; do
  bin=$BUILD_DIR/benchmarks/$bench
  [[ -x $bin ]] || { echo "run_all: no $bin (configure with -DSTREAMGATE_BUILD_BENCHMARKS=ON)" >&2; exit 1; }
  echo "== $bench"
  "$bin"
  echo
done

echo "== static files: StreamGate vs nginx"
"$HERE/http_vs_nginx.sh" "$BUILD_DIR"
echo
echo "== idle keep-alive connections"
"$HERE/idle_connections.sh" "$BUILD_DIR"
echo
echo "== S3 object store: StreamGate vs curl --aws-sigv4 (s3rver)"
"$HERE/s3_vs_curl.sh" "$BUILD_DIR"
echo
echo "== gated delivery: StreamGate vs nginx secure_link"
"$HERE/delivery_vs_nginx.sh" "$BUILD_DIR"
echo
echo "== uploads: tus PATCH vs dd"
"$HERE/upload_vs_dd.sh" "$BUILD_DIR"
echo
echo "== transcoding: StreamGate vs the ffmpeg command line"
"$HERE/transcode_vs_ffmpeg.sh" "$BUILD_DIR"
echo
echo "== cache: Redis backend vs redis-benchmark"
"$HERE/cache_vs_redis.sh" "$BUILD_DIR"
echo
echo "== job queue vs redis-benchmark XADD"
"$HERE/job_queue_vs_redis.sh" "$BUILD_DIR"
echo
echo "== API gateway overhead: through the gateway vs direct"
"$HERE/gateway_vs_direct.sh" "$BUILD_DIR"
