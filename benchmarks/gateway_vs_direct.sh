#!/usr/bin/env bash
# Gateway overhead: the same requests through streamgate-api-gateway and directly to the service
# behind it, side by side in one run on this machine.
#
#   benchmarks/gateway_vs_direct.sh [BUILD_DIR]      (default BUILD_DIR: build)
#
# The "service" is streamgate_file_server (the StreamGate HTTP server with sendfile) serving a
# small JSON document at /api/v1/monitor/status (a monitor route) and a 1.5 MB segment at
# /stream/c1/seg_1.m4s (a streaming route); the gateway routes both prefixes to it
# (STREAMGATE_GATEWAY_MONITOR_URL / _STREAMING_URL), with rate limits off and its access log
# below the log level, like the service. curl checks that both paths return identical bytes;
# then wrk --latency runs against each URL on each path, alternating which goes first, and the
# table shows requests/s, p99 latency and the gateway/direct throughput ratio (target >= 0.7x).
# The peer: nginx (Debian) as a reverse proxy in front of the same service (proxy_pass to an
# upstream with keep-alive connections, the production way), measured the same way, so the
# gateway's cost is compared with a proxy's cost on this machine, not only with no proxy at all.
#
# Environment (defaults in brackets):
#   WRK_THREADS [2]  WRK_CONNECTIONS [32]  WRK_DURATION [10s]  WARMUP_DURATION [2s]  ROUNDS [3]
#   IO_THREADS [0 = one per hardware thread, for both processes]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/common.sh
source "$HERE/common.sh"

BUILD_DIR=${1:-build}
SERVER_BIN=${SERVER_BIN:-$BUILD_DIR/benchmarks/streamgate_file_server}
GATEWAY_BIN=${GATEWAY_BIN:-$BUILD_DIR/services/api-gateway/streamgate-api-gateway}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-32}
WRK_DURATION=${WRK_DURATION:-10s}
WARMUP_DURATION=${WARMUP_DURATION:-2s}
ROUNDS=${ROUNDS:-3}
IO_THREADS=${IO_THREADS:-0}

[[ -x $SERVER_BIN ]] || die "no $SERVER_BIN (build the streamgate_file_server target first)"
[[ -x $GATEWAY_BIN ]] || die "no $GATEWAY_BIN (build the streamgate_service_api-gateway target)"
command -v wrk >/dev/null || die "wrk is not installed"
command -v curl >/dev/null || die "curl is not installed"
if pgrep -x cc1plus >/dev/null; then
  echo "gateway_vs_direct: WARNING: a compiler is running; the numbers will be disturbed" >&2
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d /tmp/sg_gateway_bench.XXXXXX)
SVC_PID=
GW_PID=
NGINX_PID=
cleanup() {
  [[ -n $NGINX_PID ]] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  [[ -n $GW_PID ]] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null
  [[ -n $SVC_PID ]] && kill "$SVC_PID" 2>/dev/null && wait "$SVC_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- content -------------------------------------------------------------------------------------
mkdir -p "$TMP/root/api/v1/monitor" "$TMP/root/stream/c1"
printf '{"status":"healthy","plugins":[{"name":"monitor","state":"healthy"}],"uptime_s":12345}' \
  >"$TMP/root/api/v1/monitor/status"
head -c 1500000 /dev/urandom >"$TMP/root/stream/c1/seg_1.m4s"
echo ok >"$TMP/root/health" # the gateway's active health check
PATHS=(/api/v1/monitor/status /stream/c1/seg_1.m4s)
LABELS=("small JSON (90 B)" "segment (1.5 MB)")

# --- the service and the gateway -----------------------------------------------------------------
SVC_PORT=$(free_port)
"$SERVER_BIN" --root "$TMP/root" --host 127.0.0.1 --port "$SVC_PORT" --io-threads "$IO_THREADS" \
  >"$TMP/svc.out" 2>&1 &
SVC_PID=$!
wait_for "http://127.0.0.1:$SVC_PORT/health" "$SVC_PID" streamgate_file_server

GW_PORT=$(free_port)
env STREAMGATE_SERVER_HOST=127.0.0.1 STREAMGATE_SERVER_PORT="$GW_PORT" \
  STREAMGATE_DATA_DIR="$TMP/gateway-data" STREAMGATE_LOG_LEVEL=warn \
  STREAMGATE_RUNTIME_IO_THREADS="$IO_THREADS" \
  STREAMGATE_GATEWAY_MONITOR_URL="http://127.0.0.1:$SVC_PORT" \
  STREAMGATE_GATEWAY_STREAMING_URL="http://127.0.0.1:$SVC_PORT" \
  STREAMGATE_GATEWAY_RATE_LIMIT_IP_PER_S=0 STREAMGATE_GATEWAY_RATE_LIMIT_WALLET_PER_S=0 \
  "$GATEWAY_BIN" >"$TMP/gw.out" 2>&1 &
GW_PID=$!
wait_for "http://127.0.0.1:$GW_PORT/health" "$GW_PID" streamgate-api-gateway
for _ in $(seq 100); do
  curl -sf --noproxy '*' "http://127.0.0.1:$GW_PORT/api/v1/gateway/services" |
    grep -q '"name":"streaming","state":"up"' && break
  sleep 0.1
done

NGINX_PORT=$(free_port)
NGINX_HTTP_EXTRA="  upstream service { server 127.0.0.1:$SVC_PORT; keepalive 64; }" \
  start_nginx "$TMP/nginx" "$NGINX_PORT" "$TMP/root" 4096 65 \
  "    location / { proxy_pass http://service; proxy_http_version 1.1;
                 proxy_set_header Connection \"\"; }"
wait_for "http://127.0.0.1:$NGINX_PORT/health" "$NGINX_PID" "nginx (proxy)"

# --- same bytes both ways ------------------------------------------------------------------------
for p in "${PATHS[@]}"; do
  want=$(sha256sum <"$TMP/root$p" | cut -d' ' -f1)
  for port in "$SVC_PORT" "$GW_PORT" "$NGINX_PORT"; do
    got=$(curl -sf --noproxy '*' "http://127.0.0.1:$port$p" | sha256sum | cut -d' ' -f1)
    [[ $got == "$want" ]] || die "port $port returned different bytes for $p"
  done
done
echo "content check: gateway and service return byte-identical bodies (sha256)"

# wrk_latency URL DURATION: prints "<requests/s> <p99 ms> <errors>".
wrk_latency() {
  local out rps p99 errors non2xx
  out=$(wrk --latency -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$2" "$1")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {
      v = $2; unit = v; gsub(/[0-9.]/, "", unit); sub(/[a-z]+$/, "", v);
      f = (unit == "us") ? 0.001 : (unit == "s") ? 1000 : (unit == "m") ? 60000 : 1;
      printf "%.3f", v * f }' <<<"$out")
  errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  [[ -n $rps && -n $p99 ]] || die "could not parse wrk output: $out"
  echo "$rps $p99 $((${errors:-0} + ${non2xx:-0}))"
}

echo "warm-up: $WARMUP_DURATION per URL and path"
for p in "${PATHS[@]}"; do
  wrk_latency "http://127.0.0.1:$SVC_PORT$p" "$WARMUP_DURATION" >/dev/null
  wrk_latency "http://127.0.0.1:$GW_PORT$p" "$WARMUP_DURATION" >/dev/null
  wrk_latency "http://127.0.0.1:$NGINX_PORT$p" "$WARMUP_DURATION" >/dev/null
done

echo "measuring: wrk --latency -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION, $ROUNDS round(s)"
declare -A RPS P99
ERRORS=0
turn=0
for ((round = 0; round < ROUNDS; round++)); do
  for i in "${!PATHS[@]}"; do
    case $((turn++ % 3)) in
      0) order=(direct gateway nginx) ;;
      1) order=(gateway nginx direct) ;;
      *) order=(nginx direct gateway) ;;
    esac
    for via in "${order[@]}"; do
      port=$SVC_PORT
      [[ $via == gateway ]] && port=$GW_PORT
      [[ $via == nginx ]] && port=$NGINX_PORT
      read -r rps p99 errs <<<"$(wrk_latency "http://127.0.0.1:$port${PATHS[$i]}" "$WRK_DURATION")"
      printf '  %-18s %-8s %12s req/s  p99 %8s ms%s\n' "${LABELS[$i]}" "$via" "$rps" "$p99" \
        "$( ((errs > 0)) && echo "  ($errs errors)")"
      RPS[$via,$i]="${RPS[$via,$i]:-} $rps"
      P99[$via,$i]="${P99[$via,$i]:-} $p99"
      ERRORS=$((ERRORS + errs))
    done
  done
done

echo
machine_line
echo "streamgate_file_server (the service) directly, through streamgate-api-gateway, and through"
echo "nginx as a reverse proxy (keep-alive upstream); medians"
echo
printf '| %-18s | %12s | %13s | %11s | %15s | %13s | %13s |\n' "route" "direct req/s" \
  "gateway req/s" "nginx req/s" "p99 ms d/g/n" "gateway/direct" "gateway/nginx"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "--------------------" "--------------" "---------------" \
  "-------------" "-----------------" "----------------" "---------------"
for i in "${!PATHS[@]}"; do
  d=$(median <<<"${RPS[direct,$i]}")
  g=$(median <<<"${RPS[gateway,$i]}")
  n=$(median <<<"${RPS[nginx,$i]}")
  dp=$(median <<<"${P99[direct,$i]}")
  gp=$(median <<<"${P99[gateway,$i]}")
  np=$(median <<<"${P99[nginx,$i]}")
  gd=$(awk -v a="$g" -v b="$d" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}')
  gn=$(awk -v a="$g" -v b="$n" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}')
  printf '| %-18s | %12.0f | %13.0f | %11.0f | %15s | %13sx | %12sx |\n' "${LABELS[$i]}" "$d" \
    "$g" "$n" "$dp/$gp/$np" "$gd" "$gn"
done
if ((ERRORS > 0)); then
  die "$ERRORS socket errors or non-2xx responses during the runs: the numbers are not comparable"
fi
