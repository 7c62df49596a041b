#!/usr/bin/env bash
# Static file delivery, StreamGate vs nginx, side by side in one run on this machine.
#
#   benchmarks/http_vs_nginx.sh [BUILD_DIR]      (default BUILD_DIR: build)
#
# Serves the same three files (1 KB, 100 KB, 2 MB) from both servers on 127.0.0.1, checks with
# curl that both return byte-identical content, warms both up, then runs wrk against each file
# on each server, alternating which server goes first, and prints requests/s and the ratio.
# Both servers get the same client settings; nginx runs with ordinary production settings
# (worker_processes auto, sendfile, tcp_nopush, access_log off).
#
# Environment (defaults in brackets):
#   WRK_THREADS [2]  WRK_CONNECTIONS [64]  WRK_DURATION [10s]  WARMUP_DURATION [2s]
#   ROUNDS [1]: wrk runs per file and server; the table shows the median.
#   SG_IO_THREADS [0 = one per hardware thread]  SG_HANDLER_MODE [inline]
#   NGINX [/usr/sbin/nginx]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/common.sh
source "$HERE/common.sh"

BUILD_DIR=${1:-build}
SERVER_BIN=${SERVER_BIN:-$BUILD_DIR/benchmarks/streamgate_file_server}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-64}
WRK_DURATION=${WRK_DURATION:-10s}
WARMUP_DURATION=${WARMUP_DURATION:-2s}
ROUNDS=${ROUNDS:-1}
SG_IO_THREADS=${SG_IO_THREADS:-0}
SG_HANDLER_MODE=${SG_HANDLER_MODE:-inline}

[[ -x $SERVER_BIN ]] || die "no $SERVER_BIN (build the streamgate_file_server target first)"
command -v wrk >/dev/null || die "wrk is not installed"
command -v curl >/dev/null || die "curl is not installed"
if pgrep -x cc1plus >/dev/null; then
  echo "http_vs_nginx: WARNING: a compiler is running; the numbers will be disturbed" >&2
fi

# Both servers and this script may need more descriptors than the default soft limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d /tmp/sg_vs_nginx.XXXXXX)
# nginx workers run as "nobody" when started as root: they must be able to read the files.
chmod 755 "$TMP"
NGINX_PID=
SG_PID=
cleanup() {
  [[ -n $SG_PID ]] && kill "$SG_PID" 2>/dev/null && wait "$SG_PID" 2>/dev/null
  [[ -n $NGINX_PID ]] && kill -QUIT "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- files -------------------------------------------------------------------------------------
mkdir -p "$TMP/files"
FILES=(1k.bin 100k.bin 2m.bin)
LABELS=("1 KB" "100 KB" "2 MB")
head -c 1024 /dev/urandom >"$TMP/files/1k.bin"
head -c 102400 /dev/urandom >"$TMP/files/100k.bin"
head -c 2097152 /dev/urandom >"$TMP/files/2m.bin"
chmod 755 "$TMP/files"
chmod 644 "$TMP"/files/*

# --- nginx ---------------------------------------------------------------------------------------
NGINX_PORT=$(free_port)
start_nginx "$TMP/nginx" "$NGINX_PORT" "$TMP/files" 16384 65

# --- StreamGate ----------------------------------------------------------------------------------
SG_PORT=$(free_port)
"$SERVER_BIN" --root "$TMP/files" --host 127.0.0.1 --port "$SG_PORT" \
  --io-threads "$SG_IO_THREADS" --handler-mode "$SG_HANDLER_MODE" >"$TMP/sg.out" 2>&1 &
SG_PID=$!

wait_for "http://127.0.0.1:$NGINX_PORT/1k.bin" "$NGINX_PID" nginx
wait_for "http://127.0.0.1:$SG_PORT/1k.bin" "$SG_PID" streamgate_file_server
NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/.*: //')

# --- same bytes from both ------------------------------------------------------------------------
for f in "${FILES[@]}"; do
  want=$(sha256sum <"$TMP/files/$f" | cut -d' ' -f1)
  for port in "$NGINX_PORT" "$SG_PORT"; do
    got=$(curl -sf --noproxy '*' "http://127.0.0.1:$port/$f" | sha256sum | cut -d' ' -f1)
    [[ $got == "$want" ]] || die "port $port returned different bytes for $f ($got != $want)"
  done
done
echo "content check: both servers return byte-identical files (sha256)"

# --- measure -------------------------------------------------------------------------------------

echo "warm-up: $WARMUP_DURATION per file and server"
for f in "${FILES[@]}"; do
  run_wrk "http://127.0.0.1:$NGINX_PORT/$f" "$WARMUP_DURATION" >/dev/null
  run_wrk "http://127.0.0.1:$SG_PORT/$f" "$WARMUP_DURATION" >/dev/null
done

echo "measuring: wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION, $ROUNDS round(s)"
declare -A RPS
ERRORS=0
turn=0
for ((round = 0; round < ROUNDS; round++)); do
  for i in "${!FILES[@]}"; do
    f=${FILES[$i]}
    # Alternate which server goes first, so that neither always runs on a warmer machine.
    if ((turn++ % 2 == 0)); then order=(nginx streamgate); else order=(streamgate nginx); fi
    for server in "${order[@]}"; do
      port=$NGINX_PORT
      [[ $server == streamgate ]] && port=$SG_PORT
      result=$(run_wrk "http://127.0.0.1:$port/$f" "$WRK_DURATION")
      read -r rps errs <<<"$result"
      printf '  %-7s %-10s %12s req/s%s\n' "${LABELS[$i]}" "$server" "$rps" \
        "$( ((errs > 0)) && echo "  ($errs errors)")"
      RPS[$server,$i]="${RPS[$server,$i]:-} $rps"
      ERRORS=$((ERRORS + errs))
    done
  done
done

echo
machine_line
echo "nginx $NGINX_VERSION (worker_processes auto) vs streamgate_file_server" \
  "($(grep -o 'io_threads=[0-9]*' "$TMP/sg.out"), handler $SG_HANDLER_MODE)"
echo
printf '| %-9s | %14s | %14s | %17s |\n' "file" "nginx req/s" "streamgate req/s" "streamgate/nginx"
printf '|%s|%s|%s|%s|\n' "-----------" "----------------" "------------------" "-------------------"
for i in "${!FILES[@]}"; do
  n=$(median <<<"${RPS[nginx,$i]}")
  s=$(median <<<"${RPS[streamgate,$i]}")
  ratio=$(awk -v s="$s" -v n="$n" 'BEGIN {printf "%.2f", (n > 0) ? s / n : 0}')
  printf '| %-9s | %14.0f | %16.0f | %16sx |\n' "${LABELS[$i]}" "$n" "$s" "$ratio"
done
if ((ERRORS > 0)); then
  die "$ERRORS socket errors or non-2xx responses during the runs: the numbers are not comparable"
fi
