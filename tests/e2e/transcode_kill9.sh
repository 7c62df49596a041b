#!/usr/bin/env bash
# Black-box durability test of transcode jobs: the transcoder service (its own SQLite job queue
# in the data directory) is killed with SIGKILL in the middle of a transcode, a new process on
# the same data directory takes the job over once its lease has expired, and the job completes:
# attempt 2, the package published under media/<id>/ decodes with ffmpeg, and nothing the killed
# attempt staged is ever published.
#
# Usage: transcode_kill9.sh <build>/services
set -u

SERVICES_DIR=${1:?usage: $0 <build>/services}
BIN=$SERVICES_DIR/transcoder/streamgate-transcoder
WORK=$(mktemp -d "${TMPDIR:-/tmp}/streamgate_transcode_kill9.XXXXXX")
PID=
FAILURES=0

cleanup() {
  [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=../../scripts/lib/loopback.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/loopback.sh"

pass() { printf 'PASS  %s\n' "$1"; }
fail() {
  printf 'FAIL  %s\n' "$1"
  [ $# -gt 1 ] && printf '      %s\n' "${@:2}"
  FAILURES=$((FAILURES + 1))
}
die() {
  fail "$@"
  exit 1
}

[ -x "$BIN" ] || die "binary $BIN exists"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
DATA=$WORK/data
mkdir -p "$DATA/objects/uploads/k"

start_server() {
  # A short lease, so that the job of the killed process is taken over within seconds.
  STREAMGATE_SERVER_HOST=127.0.0.1 STREAMGATE_SERVER_PORT=$PORT STREAMGATE_DATA_DIR=$DATA \
    STREAMGATE_LOG_ACCESS_LOG=false STREAMGATE_JOBS_LEASE_MS=2000 \
    STREAMGATE_JOBS_POLL_INTERVAL_MS=100 STREAMGATE_TRANSCODE_LADDER=240:300 \
    STREAMGATE_TRANSCODE_SEGMENT_SECONDS=1 STREAMGATE_TRANSCODE_THREADS=1 \
    "$BIN" >>"$WORK/server.log" 2>&1 &
  PID=$!
  wait_http "$URL/health" "$PID" || die "server answers /health" "$(tail -n 5 "$WORK/server.log")"
}

field() {  # field JSON NAME: a top-level string or number of a JSON document
  /usr/bin/python3 -c 'import json, sys; v = json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=480x360:rate=15:duration=20 \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$DATA/objects/uploads/k/source.mp4" ||
  die "ffmpeg generates the source clip"

start_server
# veryslow on a 20 s clip keeps the first attempt busy (seconds, even on an idle machine) long
# enough to be killed mid-transcode.
SUBMIT=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"content_id":"k","object_key":"uploads/k/source.mp4","options":{"preset":"veryslow"}}' \
  "$URL/api/v1/transcode/submit")
JOB=$(field "$SUBMIT" job_id)
[ -n "$JOB" ] || die "submit returns a job id" "$SUBMIT"

STATUS=
for _ in $(seq 600); do
  STATUS=$(curl -s "$URL/api/v1/transcode/status?job_id=$JOB")
  [ "$(field "$STATUS" state)" = running ] && [ "$(field "$STATUS" progress)" -gt 0 ] && break
  sleep 0.05
done
[ "$(field "$STATUS" state)" = running ] || die "the job runs" "$STATUS"
kill -KILL "$PID"
wait "$PID" 2>/dev/null
PID=
pass "transcoder killed with SIGKILL at $(field "$STATUS" progress)%"
[ -e "$DATA/objects/media/k" ] && fail "nothing is published by the killed attempt"

start_server
for _ in $(seq 1200); do
  STATUS=$(curl -s "$URL/api/v1/transcode/status?job_id=$JOB")
  case "$(field "$STATUS" state)" in queued | running) sleep 0.1 ;; *) break ;; esac
done
if [ "$(field "$STATUS" state)" = completed ] && [ "$(field "$STATUS" attempts)" = 2 ]; then
  pass "the restarted service took the job over and completed it (attempt 2)"
else
  fail "the job completes on its second attempt" "$STATUS"
fi
if ffmpeg -nostdin -v error -i "$DATA/objects/media/k/master.m3u8" -f null - 2>"$WORK/ffmpeg.log"; then
  pass "the published package decodes"
else
  fail "the published package decodes" "$(tail -n 3 "$WORK/ffmpeg.log")"
fi
[ "$(field "$STATUS" frames_encoded)" = 300 ] && pass "every frame encoded once in the final run" ||
  fail "300 frames encoded (20 s at 15 fps)" "$STATUS"

kill -TERM "$PID" && wait "$PID"
PID=
[ "$FAILURES" -eq 0 ] || exit 1
