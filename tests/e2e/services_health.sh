#!/usr/bin/env bash
# Black-box test of the service shells: each of the ten binaries starts on a free loopback port,
# answers /health, /ready, /api/v1/health and /metrics, and exits 0 within 15 s of SIGTERM. A bad
# configuration exits 2 and names the key on stderr.
#
# Usage: services_health.sh <build>/services
set -u

SERVICES_DIR=${1:?usage: $0 <build>/services}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/streamgate_e2e.XXXXXX")
PIDS=()
FAILURES=0

cleanup() {
  for pid in "${PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { printf 'PASS  %s\n' "$1"; }
fail() {
  printf 'FAIL  %s\n' "$1"
  [ $# -gt 1 ] && printf '      %s\n' "${@:2}"
  FAILURES=$((FAILURES + 1))
}

# shellcheck source=../../scripts/lib/loopback.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/loopback.sh"

binary_for() {
  if [ "$1" = streamgate ]; then echo "$SERVICES_DIR/streamgate/streamgate"
  else echo "$SERVICES_DIR/$1/streamgate-$1"; fi
}

# Body of a GET, or "" with the status in $STATUS.
fetch() {
  local url=$1 out=$WORK/body
  STATUS=$(curl -s -o "$out" -w '%{http_code}' --max-time 5 "$url") || STATUS=000
  BODY=$(cat "$out" 2>/dev/null)
}

check_service() {
  local name=$1 bin port data log pid url status i
  bin=$(binary_for "$name")
  if [ ! -x "$bin" ]; then fail "$name: binary $bin exists"; return; fi
  port=$(free_port)
  data=$WORK/data-$name
  log=$WORK/$name.log
  local extra=()
  # Alone, the gateway has no services to reach: leave them unconfigured (their routes answer
  # 503) rather than pointing at ports that may belong to something else, so it is healthy.
  if [ "$name" = api-gateway ]; then
    for s in upload transcoder streaming metadata cache auth worker monitor; do
      extra+=("STREAMGATE_GATEWAY_${s^^}_URL=")
    done
  fi
  env "${extra[@]}" STREAMGATE_SERVER_HOST=127.0.0.1 STREAMGATE_SERVER_PORT=$port \
    STREAMGATE_DATA_DIR=$data "$bin" >"$log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  url=http://127.0.0.1:$port

  wait_http "$url/health" "$pid"

  fetch "$url/health"
  if [ "$STATUS" = 200 ] && [ "$BODY" = '{"status":"healthy"}' ]; then
    pass "$name: GET /health -> 200 {\"status\":\"healthy\"}"
  else
    fail "$name: GET /health -> 200 {\"status\":\"healthy\"}" "got $STATUS '$BODY'" \
      "log: $(tail -n 5 "$log" | tr '\n' ' ')"
    kill -KILL "$pid" 2>/dev/null
    return
  fi

  fetch "$url/ready"
  if [ "$STATUS" = 200 ] && [ "$BODY" = '{"status":"ready"}' ]; then
    pass "$name: GET /ready -> 200"
  else
    fail "$name: GET /ready -> 200" "got $STATUS '$BODY'"
  fi

  fetch "$url/api/v1/health"
  if [ "$STATUS" = 200 ] && python3 -c '
import json, sys
body = json.loads(sys.argv[1])
assert body["service"] == sys.argv[2], body
assert body["status"] == "healthy", body
assert isinstance(body["plugins"], list) and body["plugins"], body
' "$BODY" "$name" 2>"$WORK/py.err"; then
    pass "$name: GET /api/v1/health is JSON naming the service"
  else
    fail "$name: GET /api/v1/health is JSON naming the service" "got $STATUS '$BODY'" \
      "$(tail -n 1 "$WORK/py.err")"
  fi

  fetch "$url/metrics"
  if [ "$STATUS" = 200 ] &&
    grep -q "^streamgate_build_info{service=\"$name\",version=\"[0-9.]*\"} 1$" <<<"$BODY"; then
    pass "$name: GET /metrics has streamgate_build_info"
  else
    fail "$name: GET /metrics has streamgate_build_info" "got $STATUS '$(head -c 300 <<<"$BODY")'"
  fi

  if [ -d "$data" ]; then pass "$name: data_dir created"
  else fail "$name: data_dir created" "$data missing"; fi

  kill -TERM "$pid"
  for i in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    fail "$name: exits within 15 s of SIGTERM" "still running"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return
  fi
  wait "$pid"
  status=$?
  if [ "$status" = 0 ]; then pass "$name: SIGTERM -> exit 0"
  else fail "$name: SIGTERM -> exit 0" "exit $status" "log: $(tail -n 5 "$log" | tr '\n' ' ')"; fi
}

check_bad_config() {
  local name=$1 bin status
  bin=$(binary_for "$name")
  [ -x "$bin" ] || { fail "$name: binary $bin exists"; return; }
  STREAMGATE_SERVER_HOST=127.0.0.1 STREAMGATE_SERVER_PORT=notaport STREAMGATE_DATA_DIR=$WORK/bad \
    timeout 15 "$bin" >"$WORK/bad.out" 2>"$WORK/bad.err"
  status=$?
  if [ "$status" = 2 ] && grep -q 'STREAMGATE_SERVER_PORT' "$WORK/bad.err"; then
    pass "$name: STREAMGATE_SERVER_PORT=notaport -> exit 2 naming the key"
  else
    fail "$name: STREAMGATE_SERVER_PORT=notaport -> exit 2 naming the key" \
      "exit $status, stderr: $(cat "$WORK/bad.err")"
  fi
  timeout 15 "$bin" --server.prot=1 >/dev/null 2>"$WORK/bad.err"
  status=$?
  if [ "$status" = 2 ] && grep -q 'server.prot' "$WORK/bad.err"; then
    pass "$name: unknown flag --server.prot -> exit 2 naming it"
  else
    fail "$name: unknown flag --server.prot -> exit 2 naming it" "exit $status"
  fi
  if [ -e "$WORK/bad" ]; then fail "$name: nothing written on bad config" "$WORK/bad exists"
  else pass "$name: nothing written on bad config"; fi
}

check_help_and_version() {
  local name=$1 bin
  bin=$(binary_for "$name")
  [ -x "$bin" ] || return
  if "$bin" --help >"$WORK/help" 2>&1 && grep -q STREAMGATE_SERVER_PORT "$WORK/help" &&
    grep -q STREAMGATE_DATA_DIR "$WORK/help"; then
    pass "$name: --help lists the settings and exits 0"
  else
    fail "$name: --help lists the settings and exits 0"
  fi
  if "$bin" --version 2>&1 | grep -q '[0-9]\+\.[0-9]\+\.[0-9]\+'; then
    pass "$name: --version"
  else
    fail "$name: --version"
  fi
}

command -v curl >/dev/null || { echo "FAIL  curl is required"; exit 1; }

SERVICES=(streamgate api-gateway upload transcoder streaming metadata cache auth worker monitor)
for service in "${SERVICES[@]}"; do
  check_service "$service"
done
check_bad_config streamgate
check_bad_config upload
check_help_and_version streamgate
check_help_and_version monitor

if [ "$FAILURES" -ne 0 ]; then
  echo "$FAILURES check(s) failed"
  exit 1
fi
echo "all checks passed"
