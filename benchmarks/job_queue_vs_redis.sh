#!/usr/bin/env bash
# Job queue throughput next to its peer on the same redis-server in the same run:
# redis-benchmark issuing one XADD per round trip (-c 1 -P 1: what one Submit at least costs)
# against StreamGate's Submit and submit -> complete, for both backends.
#
#   benchmarks/job_queue_vs_redis.sh BUILD_DIR [JOBS]
set -euo pipefail
BUILD_DIR=${1:?usage: benchmarks/job_queue_vs_redis.sh BUILD_DIR [JOBS]}
JOBS=${2:-5000}
BIN=$BUILD_DIR/benchmarks/streamgate_bench_job_queue
DIR=$(mktemp -d /tmp/sg-bench-redis-XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$DIR" --save "" --appendonly no \
  --daemonize no --loglevel warning >/dev/null &
REDIS=$!
trap 'kill $REDIS 2>/dev/null; wait $REDIS 2>/dev/null; rm -rf "$DIR"' EXIT
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.05; done

PEER=$(redis-benchmark -p "$PORT" -c 1 -P 1 -n "$JOBS" -q --csv XADD bench:peer '*' id x |
  tail -1 | cut -d, -f2 | tr -d '"')
OURS=$("$BIN" --jobs "$JOBS" --redis-port "$PORT")
echo "$OURS"
echo "peer: redis-benchmark XADD, 1 client, no pipelining: ${PEER} ops/s"
echo "$OURS" | awk -F, -v peer="$PEER" 'NR > 1 {
  printf "%s: submit %.2fx, submit->complete %.2fx of one XADD round trip\n", $1, $4 / peer, $5 / peer }'
