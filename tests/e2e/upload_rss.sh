#!/usr/bin/env bash
# Request bodies are streamed to disk, never held in memory: one 2 GiB tus PATCH (generated on
# the fly) must grow the upload server's resident set (VmRSS) by less than 64 MiB. Also checks
# the PATCH succeeded and the published object has the full size.
#
# Usage: upload_rss.sh <build>/services [size_bytes]
set -u

SERVICES_DIR=${1:?usage: $0 <build>/services [size_bytes]}
SIZE=${2:-$((2 * 1024 * 1024 * 1024))}
LIMIT_KB=$((64 * 1024))
BIN=$SERVICES_DIR/upload/streamgate-upload
HERE=$(dirname "${BASH_SOURCE[0]}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/streamgate_rss.XXXXXX")
PID=

cleanup() {
  [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=../../scripts/lib/loopback.sh
source "$HERE/../../scripts/lib/loopback.sh"

[ -x "$BIN" ] || { echo "FAIL  binary $BIN exists"; exit 1; }
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
# fsync off: this measures memory, not the disk's flush speed.
STREAMGATE_SERVER_HOST=127.0.0.1 STREAMGATE_SERVER_PORT=$PORT STREAMGATE_DATA_DIR=$WORK/data \
  STREAMGATE_LOG_ACCESS_LOG=false STREAMGATE_UPLOAD_FSYNC=false "$BIN" >"$WORK/server.log" 2>&1 &
PID=$!
wait_http "$URL/health" "$PID" || { echo "FAIL  server starts"; exit 1; }

curl -s -D "$WORK/create.h" -o /dev/null -X POST -H 'Tus-Resumable: 1.0.0' \
  -H "Upload-Length: $SIZE" "$URL/api/v1/tus/"
LOCATION=$(grep -i '^Location:' "$WORK/create.h" | tr -d '\r' | cut -d' ' -f2)
SECRET=$(grep -i '^Upload-Secret:' "$WORK/create.h" | tr -d '\r' | cut -d' ' -f2)

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"; }
BEFORE=$(rss_kb)
PEAK=$BEFORE
/usr/bin/python3 "$HERE/tus_patch_client.py" "$URL$LOCATION" "$SECRET" "$SIZE" >"$WORK/result" &
CLIENT=$!
while kill -0 "$CLIENT" 2>/dev/null; do
  NOW=$(rss_kb)
  [ "$NOW" -gt "$PEAK" ] && PEAK=$NOW
  sleep 0.05
done
wait "$CLIENT"
read -r SECONDS_TAKEN STATUS OFFSET <"$WORK/result"
GROWTH=$((PEAK - BEFORE))
echo "VmRSS before ${BEFORE} kB, peak ${PEAK} kB, growth ${GROWTH} kB for ${SIZE} bytes in ${SECONDS_TAKEN} s"

FAILURES=0
if [ "$STATUS" = 204 ] && [ "$OFFSET" = "$SIZE" ]; then
  echo "PASS  PATCH of $SIZE bytes -> 204, Upload-Offset $SIZE"
else
  echo "FAIL  PATCH of $SIZE bytes -> 204 (got $STATUS, offset $OFFSET)"
  FAILURES=1
fi
OBJECT=$(find "$WORK/data/objects" -type f | head -n 1)
if [ -n "$OBJECT" ] && [ "$(stat -c %s "$OBJECT")" = "$SIZE" ]; then
  echo "PASS  published object has $SIZE bytes"
else
  echo "FAIL  published object has $SIZE bytes"
  FAILURES=1
fi
if [ "$GROWTH" -lt "$LIMIT_KB" ]; then
  echo "PASS  RSS growth ${GROWTH} kB < ${LIMIT_KB} kB"
else
  echo "FAIL  RSS growth ${GROWTH} kB < ${LIMIT_KB} kB"
  FAILURES=1
fi
kill -TERM "$PID"
wait "$PID" 2>/dev/null
PID=
[ "$FAILURES" = 0 ]
