#!/usr/bin/env bash
# Cache throughput: StreamGate's Redis backend vs redis-benchmark against the same redis-server,
# at the same concurrency, in the same run; plus the in-process LRU backend for reference.
#
#   benchmarks/cache_vs_redis.sh BUILD_DIR [CONNECTIONS...]     (default: 1 8 32)
#   REQUESTS=200000 KEYSPACE=100000 VALUE_BYTES=3 benchmarks/cache_vs_redis.sh build 8
set -euo pipefail

BUILD_DIR=${1:?usage: benchmarks/cache_vs_redis.sh BUILD_DIR [CONNECTIONS...]}
shift
CONNECTIONS=("$@")
[[ ${#CONNECTIONS[@]} -gt 0 ]] || CONNECTIONS=(1 8 32)
REQUESTS=${REQUESTS:-200000}
KEYSPACE=${KEYSPACE:-100000}
VALUE_BYTES=${VALUE_BYTES:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/common.sh
source "$HERE/common.sh"

BENCH=$BUILD_DIR/benchmarks/streamgate_bench_cache
[[ -x $BENCH ]] || { echo "cache_vs_redis: no $BENCH" >&2; exit 1; }
if pgrep -x cc1plus >/dev/null; then
  echo "cache_vs_redis: WARNING: a compiler is running; the numbers will be disturbed" >&2
fi

WORK=$(mktemp -d)
PORT=$(free_port)
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
  --logfile "$WORK/redis.log" --daemonize no &
REDIS_PID=$!
cleanup() { kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done

rate() { grep "^\"$1\"" | head -1 | cut -d, -f2 | tr -d '"'; }

echo "| connections | op | redis-benchmark req/s | StreamGate Redis req/s | ratio | in-process LRU req/s |"
echo "|---:|---|---:|---:|---:|---:|"
for c in "${CONNECTIONS[@]}"; do
  redis-cli -p "$PORT" flushall >/dev/null
  peer=$(redis-benchmark -p "$PORT" -c "$c" -n "$REQUESTS" -r "$KEYSPACE" -d "$VALUE_BYTES" \
    -t set,get --csv 2>/dev/null)
  redis-cli -p "$PORT" flushall >/dev/null
  ours=$("$BENCH" redis "$c" "$REQUESTS" "$PORT" "$KEYSPACE" "$VALUE_BYTES")
  lru=$("$BENCH" lru "$c" "$REQUESTS" 0 "$KEYSPACE" "$VALUE_BYTES")
  for op in SET GET; do
    p=$(rate "$op" <<<"$peer"); o=$(rate "$op" <<<"$ours"); l=$(rate "$op" <<<"$lru")
    printf "| %s | %s | %.0f | %.0f | %.2f× | %.0f |\n" "$c" "$op" "$p" "$o" \
      "$(echo "$o / $p" | bc -l)" "$l"
  done
done
