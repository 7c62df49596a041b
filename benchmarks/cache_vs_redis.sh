#!/usr/bin/env bash
# Cache throughput: StreamGate's Redis backend vs redis-benchmark against the same redis-server,
# at the same concurrency, in the same run; plus the in-process LRU backend for reference.
#
#   benchmarks/cache_vs_redis.sh BUILD_DIR [CONNECTIONS...]     (default: 1 8 32)
#   REQUESTS=200000 KEYSPACE=100000 VALUE_BYTES=3 ROUNDS=3 benchmarks/cache_vs_redis.sh build 8
#
# Each figure is the median of ROUNDS runs (default 3); the two clients alternate going first.
set -euo pipefail

BUILD_DIR=${1:?usage: benchmarks/cache_vs_redis.sh BUILD_DIR [CONNECTIONS...]}
shift
CONNECTIONS=("$@")
[[ ${#CONNECTIONS[@]} -gt 0 ]] || CONNECTIONS=(1 8 32)
REQUESTS=${REQUESTS:-200000}
KEYSPACE=${KEYSPACE:-100000}
VALUE_BYTES=${VALUE_BYTES:-3}
ROUNDS=${ROUNDS:-3}
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
median() { printf "%s\n" "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

run_peer() {
  redis-cli -p "$PORT" flushall >/dev/null
  redis-benchmark -p "$PORT" -c "$1" -n "$REQUESTS" -r "$KEYSPACE" -d "$VALUE_BYTES" \
    -t set,get --csv 2>/dev/null
}
run_ours() {
  redis-cli -p "$PORT" flushall >/dev/null
  "$BENCH" redis "$1" "$REQUESTS" "$PORT" "$KEYSPACE" "$VALUE_BYTES"
}

echo "| connections | op | redis-benchmark req/s | StreamGate Redis req/s | ratio | in-process LRU req/s |"
echo "|---:|---|---:|---:|---:|---:|"
for c in "${CONNECTIONS[@]}"; do
  declare -A peer_rates=() our_rates=() lru_rates=()
  for ((round = 0; round < ROUNDS; round++)); do
    if ((round % 2 == 0)); then
      peer=$(run_peer "$c"); ours=$(run_ours "$c")
    else
      ours=$(run_ours "$c"); peer=$(run_peer "$c")
    fi
    lru=$("$BENCH" lru "$c" "$REQUESTS" 0 "$KEYSPACE" "$VALUE_BYTES")
    for op in SET GET; do
      peer_rates[$op]+="$(rate "$op" <<<"$peer") "
      our_rates[$op]+="$(rate "$op" <<<"$ours") "
      lru_rates[$op]+="$(rate "$op" <<<"$lru") "
    done
  done
  for op in SET GET; do
    # shellcheck disable=SC2086
    p=$(median ${peer_rates[$op]}); o=$(median ${our_rates[$op]}); l=$(median ${lru_rates[$op]})
    printf "| %s | %s | %.0f | %.0f | %.2f× | %.0f |\n" "$c" "$op" "$p" "$o" \
      "$(echo "$o / $p" | bc -l)" "$l"
  done
done
