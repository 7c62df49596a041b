#!/usr/bin/env bash
# Runs StreamGate as microservices on one machine: a private redis-server and the nine service
# processes on 127.0.0.1, sharing one configuration (docs/microservices.md).
#
#   scripts/run-microservices.sh start [SERVICE...]   start what is not running, wait for /ready
#   scripts/run-microservices.sh stop [SERVICE...]    SIGTERM, wait, then SIGKILL
#   scripts/run-microservices.sh status               one line per process; exit 3 if one is down
#   scripts/run-microservices.sh env                  the shared environment the services get
#
# Both `start` and `stop` are idempotent: `start` skips processes that are already running (so a
# second `start` after a crash restarts only what died, with the same configuration), `stop`
# skips what is not running. SERVICE names: redis api-gateway upload transcoder streaming
# metadata cache auth worker monitor.
#
# Settings of this script (SG_*: they are not passed to the services):
#   SG_RUN_DIR        PID files, logs, the shared env file, key secrets, redis and the data dir
#                     (default: <SG_BUILD_DIR>/microservices)
#   SG_BUILD_DIR      build tree with services/<name>/streamgate-<name> (default: <repo>/build)
#   SG_BIN_DIR        directory of installed streamgate-<name> binaries (overrides SG_BUILD_DIR)
#   SG_BASE_PORT      ports BASE..BASE+9 for the gateway, upload, transcoder, streaming, metadata,
#                     cache, auth, worker, monitor, redis (default: the SPEC ports 9090-9093,
#                     9005-9009, and redis 6390)
#   SG_PORT_<NAME>    one port, e.g. SG_PORT_API_GATEWAY=8000, SG_PORT_REDIS=7000 (wins over both)
#   SG_REDIS=0        use an existing Redis at SG_REDIS_HOST:SG_PORT_REDIS instead of starting one
#   SG_READY_TIMEOUT  seconds to wait for every /ready (default 60)
#   SG_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL (default 15)
# Any STREAMGATE_* variable in the environment is passed to every service and wins over the
# defaults below (e.g. STREAMGATE_CHAIN_RPC_URLS, STREAMGATE_STORAGE_BACKEND=s3 and its keys).
set -u
set -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SERVICES=(api-gateway upload transcoder streaming metadata cache auth worker monitor)
SPEC_PORTS=(9090 9091 9092 9093 9005 9006 9007 9008 9009)

SG_BUILD_DIR=${SG_BUILD_DIR:-$ROOT/build}
RUN=${SG_RUN_DIR:-$SG_BUILD_DIR/microservices}
ENV_FILE=$RUN/service.env
READY_TIMEOUT=${SG_READY_TIMEOUT:-60}
STOP_TIMEOUT=${SG_STOP_TIMEOUT:-15}
REDIS_HOST=${SG_REDIS_HOST:-127.0.0.1}

die() {
  echo "run-microservices: $*" >&2
  exit 1
}

# SG_PORT_API_GATEWAY for api-gateway.
port_var() {
  local name=${1^^}
  echo "SG_PORT_${name//-/_}"
}

# The port of service/redis $1: SG_PORT_<NAME>, else SG_BASE_PORT + index, else the SPEC port.
default_port() {
  local name=$1 var i
  var=$(port_var "$name")
  if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi
  if [ "$name" = redis ]; then
    if [ -n "${SG_BASE_PORT:-}" ]; then echo $((SG_BASE_PORT + 9)); else echo 6390; fi
    return
  fi
  for i in "${!SERVICES[@]}"; do
    [ "${SERVICES[$i]}" = "$name" ] || continue
    if [ -n "${SG_BASE_PORT:-}" ]; then echo $((SG_BASE_PORT + i)); else echo "${SPEC_PORTS[$i]}"; fi
    return
  done
  die "unknown service $name"
}

binary_for() {
  if [ -n "${SG_BIN_DIR:-}" ]; then echo "$SG_BIN_DIR/streamgate-$1"
  else echo "$SG_BUILD_DIR/services/$1/streamgate-$1"; fi
}

pid_file() { echo "$RUN/pids/$1.pid"; }

# Prints the PID of $1 if that process is alive and is still ours (guards against PID reuse).
running_pid() {
  local file pid exe
  file=$(pid_file "$1")
  [ -f "$file" ] || return 1
  pid=$(cat "$file" 2>/dev/null)
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  exe=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  if [ "$1" = redis ]; then [[ "$exe" == *redis-server* ]] || return 1
  else [[ "$exe" == *streamgate-$1* ]] || return 1; fi
  echo "$pid"
}

any_running() {
  local name
  for name in redis "${SERVICES[@]}"; do
    running_pid "$name" >/dev/null && return 0
  done
  return 1
}

# A key secret (32 random bytes, base64), made once per run directory and kept in
# <run>/secrets/<name>, so that sessions and playback tokens outlive a restart of the run.
stored_secret() {
  local file=$RUN/secrets/$1
  if [ ! -s "$file" ]; then
    mkdir -p "$RUN/secrets"
    chmod 700 "$RUN/secrets"
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$file")
  fi
  cat "$file"
}

# Writes the shared configuration once per run: every service reads the same file, so that a
# service restarted later gets the same keys and addresses. STREAMGATE_* from the caller's
# environment win over these defaults.
write_env_file() {
  local name port gateway_port redis_port services_list="" var
  local -A env=()
  local order=()
  set_default() {
    [ -n "${env[$1]+x}" ] || order+=("$1")
    env[$1]=$2
  }
  mkdir -p "$RUN" "$RUN/pids" "$RUN/logs" "$RUN/data" "$RUN/redis"
  gateway_port=$(default_port api-gateway)
  redis_port=$(default_port redis)
  for name in redis "${SERVICES[@]}"; do
    set_default "SG_PORT_$(tr 'a-z-' 'A-Z_' <<<"$name")" "$(default_port "$name")"
  done
  set_default STREAMGATE_SERVER_HOST 127.0.0.1
  set_default STREAMGATE_DATA_DIR "$RUN/data"
  # Events, jobs and the cache on the one Redis, so that they cross processes.
  set_default STREAMGATE_EVENTS_BACKEND redis
  set_default STREAMGATE_EVENTS_REDIS_HOST "$REDIS_HOST"
  set_default STREAMGATE_EVENTS_REDIS_PORT "$redis_port"
  set_default STREAMGATE_JOBS_BACKEND redis
  set_default STREAMGATE_JOBS_REDIS_HOST "$REDIS_HOST"
  set_default STREAMGATE_JOBS_REDIS_PORT "$redis_port"
  set_default STREAMGATE_CACHE_BACKEND redis
  set_default STREAMGATE_CACHE_REDIS_HOST "$REDIS_HOST"
  set_default STREAMGATE_CACHE_REDIS_PORT "$redis_port"
  # One session-key set for every service (auth signs, the others verify), one playback key.
  set_default STREAMGATE_AUTH_JWT_KEYS "k1:$(stored_secret session_key)"
  set_default STREAMGATE_STREAMING_PLAYBACK_KEYS "p1:$(stored_secret playback_key)"
  # Sign-in messages name the gateway, the single entry point.
  set_default STREAMGATE_AUTH_DOMAIN "127.0.0.1:$gateway_port"
  set_default STREAMGATE_AUTH_URI "http://127.0.0.1:$gateway_port"
  for name in "${SERVICES[@]}"; do
    port=$(default_port "$name")
    [ "$name" = api-gateway ] || set_default "STREAMGATE_GATEWAY_${name^^}_URL" \
      "http://127.0.0.1:$port"
    services_list+="${services_list:+,}$name=http://127.0.0.1:$port"
  done
  set_default STREAMGATE_MONITOR_SERVICES "$services_list"
  # The caller's own STREAMGATE_* settings win (S3 storage, chain RPC URLs, ...).
  for var in $(compgen -e); do
    case "$var" in
      STREAMGATE_SERVER_PORT | STREAMGATE_SERVICE) ;;
      STREAMGATE_*) set_default "$var" "${!var}" ;;
    esac
  done
  {
    echo "# Written by run-microservices.sh start; read by every service of this run."
    for var in "${order[@]}"; do printf '%s=%q\n' "$var" "${env[$var]}"; done
  } >"$ENV_FILE.tmp"
  chmod 600 "$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

load_env_file() {
  [ -f "$ENV_FILE" ] || return 1
  set -a
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  set +a
}

# The port of $1 in this run (from the env file once written).
port_of() {
  local var
  var=SG_PORT_$(tr 'a-z-' 'A-Z_' <<<"$1")
  echo "${!var:-$(default_port "$1")}"
}

start_redis() {
  local pid port
  [ "${SG_REDIS:-1}" = 0 ] && return 0
  if pid=$(running_pid redis); then echo "redis        already running (pid $pid)"; return 0; fi
  command -v redis-server >/dev/null || die "redis-server is not installed"
  port=$(port_of redis)
  # Its own port, directory and append-only file: queued jobs survive a restart of the run.
  setsid redis-server --bind 127.0.0.1 --port "$port" --dir "$RUN/redis" --save '' \
    --appendonly yes --appendfsync everysec --daemonize no --protected-mode yes \
    >>"$RUN/logs/redis.log" 2>&1 </dev/null &
  echo $! >"$(pid_file redis)"
  local _
  for _ in $(seq 100); do
    redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && break
    kill -0 "$!" 2>/dev/null || die "redis-server exited; see $RUN/logs/redis.log"
    sleep 0.1
  done
  echo "redis        started on 127.0.0.1:$port (pid $!)"
}

start_service() {
  local name=$1 pid bin port
  if pid=$(running_pid "$name"); then
    printf '%-12s already running (pid %s)\n' "$name" "$pid"
    return 0
  fi
  bin=$(binary_for "$name")
  [ -x "$bin" ] || die "no binary $bin (build first, or set SG_BUILD_DIR / SG_BIN_DIR)"
  port=$(port_of "$name")
  STREAMGATE_SERVER_PORT=$port setsid "$bin" >>"$RUN/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
  printf '%-12s started on 127.0.0.1:%s (pid %s)\n' "$name" "$port" "$!"
}

# Waits until every named service answers 200 on /ready, or fails naming the ones that do not.
wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT)) name pending
  while :; do
    pending=()
    for name in "$@"; do
      if ! running_pid "$name" >/dev/null; then
        echo "run-microservices: $name exited; last log lines:" >&2
        tail -n 20 "$RUN/logs/$name.log" >&2
        return 1
      fi
      [ "$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' --max-time 2 \
        "http://127.0.0.1:$(port_of "$name")/ready")" = 200 ] || pending+=("$name")
    done
    [ ${#pending[@]} -eq 0 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "run-microservices: not ready after ${READY_TIMEOUT}s: ${pending[*]}" >&2
      return 1
    fi
    sleep 0.2
  done
}

cmd_start() {
  local targets=("$@") name
  [ ${#targets[@]} -eq 0 ] && targets=(redis "${SERVICES[@]}")
  mkdir -p "$RUN"
  # Keep the configuration of a run that is (partly) up, so a restarted service matches the rest.
  if any_running && [ -f "$ENV_FILE" ]; then
    load_env_file
  else
    write_env_file
    load_env_file
  fi
  # Redis first, the services next, the gateway last: its first health probes then find every
  # service up instead of reporting them down until the next probe.
  local started=() gateway=0
  for name in "${targets[@]}"; do
    case "$name" in
      redis) start_redis || return 1 ;;
      api-gateway) gateway=1 ;;
      *) start_service "$name" || return 1; started+=("$name") ;;
    esac
  done
  if [ ${#started[@]} -gt 0 ]; then wait_ready "${started[@]}" || return 1; fi
  if [ "$gateway" = 1 ]; then
    start_service api-gateway || return 1
    wait_ready api-gateway || return 1
  fi
  echo "ready: gateway on http://127.0.0.1:$(port_of api-gateway) (run dir $RUN)"
}

stop_one() {
  local name=$1 pid deadline
  if ! pid=$(running_pid "$name"); then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "run-microservices: $name (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT}s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  rm -f "$(pid_file "$name")"
  printf '%-12s stopped\n' "$name"
}

cmd_stop() {
  local targets=("$@") name pids=()
  load_env_file || true
  if [ ${#targets[@]} -eq 0 ]; then
    # The entry point first, Redis last; the services in parallel in between.
    stop_one api-gateway
    for name in "${SERVICES[@]:1}"; do
      stop_one "$name" &
      pids+=($!)
    done
    for name in "${pids[@]}"; do wait "$name"; done
    stop_one redis
    return 0
  fi
  for name in "${targets[@]}"; do stop_one "$name"; done
}

cmd_status() {
  local name pid port ready down=0
  load_env_file || true
  for name in redis "${SERVICES[@]}"; do
    port=$(port_of "$name")
    if pid=$(running_pid "$name"); then
      if [ "$name" = redis ]; then
        ready=$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || echo "no answer")
      else
        ready=$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' --max-time 2 \
          "http://127.0.0.1:$port/ready")
        [ "$ready" = 200 ] && ready=ready || ready="not ready ($ready)"
      fi
      printf '%-12s running  pid %-8s 127.0.0.1:%-6s %s\n' "$name" "$pid" "$port" "$ready"
    else
      [ "$name" = redis ] && [ "${SG_REDIS:-1}" = 0 ] && continue
      printf '%-12s stopped           127.0.0.1:%s\n' "$name" "$port"
      down=1
    fi
  done
  [ "$down" = 0 ] || return 3
}

cmd_env() {
  load_env_file || die "not started (no $ENV_FILE)"
  grep '^STREAMGATE_' "$ENV_FILE" | sed 's/\(KEYS\|SECRET_KEY\|PASSWORD\)=.*/\1=<redacted>/'
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *)
    sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
