#!/usr/bin/env bash
# Memory held by idle keep-alive connections: StreamGate's file server, with nginx alongside.
#
#   benchmarks/idle_connections.sh [BUILD_DIR]      (default BUILD_DIR: build)
#
# For each server: start it on a free loopback port, make one request (so that lazily created
# state exists before the baseline), then let idle_client.py open N keep-alive connections, send
# one small request on each, read the response, and hold them all idle. The client reads the
# server's VmRSS (summed over nginx's master and workers) and checks that no connection was
# dropped. Fails when any connection failed or was dropped.
#
# Environment (defaults in brackets):
#   IDLE_CONNECTIONS [10000]  IDLE_HOLD [3] seconds idle before the drop check
#   IDLE_COMPARE_NGINX [1]: also measure nginx (worker_processes auto) the same way
#   SG_IO_THREADS [0 = one per hardware thread]  NGINX [/usr/sbin/nginx]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/common.sh
source "$HERE/common.sh"

BUILD_DIR=${1:-build}
SERVER_BIN=${SERVER_BIN:-$BUILD_DIR/benchmarks/streamgate_file_server}
N=${IDLE_CONNECTIONS:-10000}
HOLD=${IDLE_HOLD:-3}
COMPARE_NGINX=${IDLE_COMPARE_NGINX:-1}
SG_IO_THREADS=${SG_IO_THREADS:-0}

[[ -x $SERVER_BIN ]] || die "no $SERVER_BIN (build the streamgate_file_server target first)"

# Every connection is a descriptor in the client and in the server; both inherit this limit.
need=$((N + 256))
ulimit -n "$need" 2>/dev/null || die "cannot raise 'ulimit -n' to $need (hard limit $(ulimit -Hn))"

TMP=$(mktemp -d /tmp/sg_idle.XXXXXX)
chmod 755 "$TMP"
SERVER_PID=
stop_server() {
  if [[ -n $SERVER_PID ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
cleanup() {
  stop_server
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$TMP/files"
head -c 1024 /dev/urandom >"$TMP/files/1k.bin"
chmod 755 "$TMP/files"
chmod 644 "$TMP/files/1k.bin"

# Runs the client against the server on $1 whose processes are $2...; prints its key=value lines.
measure() {
  local port=$1
  shift
  local pid_args=()
  for pid in "$@"; do pid_args+=(--server-pid "$pid"); done
  "$PYTHON" "$HERE/idle_client.py" --port "$port" --path /1k.bin --connections "$N" \
    --hold "$HOLD" "${pid_args[@]}"
}

report() {  # name, client output
  local name=$1 out=$2
  get() { sed -n "s/^$1=//p" <<<"$out"; }
  local rss base per
  rss=$(get server_rss_kib)
  base=$(get server_rss_baseline_kib)
  per=$(get bytes_per_connection)
  printf '%-11s %6s idle connections held %ss: RSS %6.1f MB (baseline %5.1f MB), %5.1f KB/connection, %s dropped, %s failed\n' \
    "$name" "$(get connections_idle)" "$(get held_seconds)" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" \
    "$(awk -v k="$base" 'BEGIN {print k / 1024}')" "$(awk -v b="$per" 'BEGIN {print b / 1024}')" \
    "$(get connections_dropped)" "$(get connections_failed)"
}

# --- StreamGate ----------------------------------------------------------------------------------
port=$(free_port)
# Room above N for the script's own probes; the idle timeout outlasts the run.
"$SERVER_BIN" --root "$TMP/files" --host 127.0.0.1 --port "$port" --io-threads "$SG_IO_THREADS" \
  --max-connections $((N + 100)) --idle-timeout-ms 300000 >"$TMP/sg.out" 2>&1 &
SERVER_PID=$!
wait_for "http://127.0.0.1:$port/1k.bin" "$SERVER_PID" streamgate_file_server
status=0
sg_out=$(measure "$port" "$SERVER_PID") || status=$?
kill -0 "$SERVER_PID" 2>/dev/null || die "streamgate_file_server died during the run: $(cat "$TMP/sg.out")"
stop_server
[[ -n $sg_out ]] || die "the client produced no figures"

# --- nginx, for context --------------------------------------------------------------------------
nginx_out=
if [[ $COMPARE_NGINX == 1 && -x $NGINX ]]; then
  port=$(free_port)
  start_nginx "$TMP/nginx" "$port" "$TMP/files" "$need" 300
  SERVER_PID=$NGINX_PID
  wait_for "http://127.0.0.1:$port/1k.bin" "$SERVER_PID" nginx
  workers=$(pgrep -P "$SERVER_PID" | tr '\n' ' ')
  # shellcheck disable=SC2086  # one argument per worker pid
  nginx_out=$(measure "$port" "$SERVER_PID" $workers) || true
  stop_server
fi

machine_line
report streamgate "$sg_out"
[[ -n $nginx_out ]] && report nginx "$nginx_out"
((status == 0)) || die "some StreamGate connections failed or were dropped (see above)"
