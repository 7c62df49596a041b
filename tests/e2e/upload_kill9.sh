#!/usr/bin/env bash
# Black-box durability test of the upload service: a tus upload is half sent, the server is
# killed with SIGKILL in the middle of a PATCH, a new server on the same data directory answers
# HEAD with the last durable offset, the client finishes from there, and the published file is
# byte-identical to the original (sha256). The server checkpoints every MiB of a long PATCH
# (upload.checkpoint_bytes), so the durable offset lies inside the PATCH that was cut.
#
# Usage: upload_kill9.sh <build>/services
set -u

SERVICES_DIR=${1:?usage: $0 <build>/services}
BIN=$SERVICES_DIR/upload/streamgate-upload
WORK=$(mktemp -d "${TMPDIR:-/tmp}/streamgate_kill9.XXXXXX")
PID=
CURL_PID=
FAILURES=0

cleanup() {
  [ -n "$CURL_PID" ] && kill -KILL "$CURL_PID" 2>/dev/null
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

start_server() {
  STREAMGATE_SERVER_HOST=127.0.0.1 STREAMGATE_SERVER_PORT=$PORT STREAMGATE_DATA_DIR=$DATA \
    STREAMGATE_LOG_ACCESS_LOG=false STREAMGATE_UPLOAD_CHECKPOINT_BYTES=1048576 \
    "$BIN" >>"$WORK/server.log" 2>&1 &
  PID=$!
  wait_http "$URL/health" "$PID" || die "server answers /health" "$(tail -n 5 "$WORK/server.log")"
}

# A 40 MiB "MP4": an ftyp box, then random bytes.
SIZE=$((40 * 1024 * 1024))
FIRST=$((8 * 1024 * 1024))
printf '\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2' >"$WORK/file.mp4"
head -c $((SIZE - 24)) /dev/urandom >>"$WORK/file.mp4"
WANT=$(sha256sum "$WORK/file.mp4" | cut -d' ' -f1)

start_server
curl -s -D "$WORK/create.h" -o /dev/null -X POST -H 'Tus-Resumable: 1.0.0' \
  -H "Upload-Length: $SIZE" -H "Upload-Metadata: filename $(printf clip.mp4 | base64)" \
  "$URL/api/v1/tus/"
LOCATION=$(grep -i '^Location:' "$WORK/create.h" | tr -d '\r' | cut -d' ' -f2)
SECRET=$(grep -i '^Upload-Secret:' "$WORK/create.h" | tr -d '\r' | cut -d' ' -f2)
[ -n "$LOCATION" ] && [ -n "$SECRET" ] || die "creation returns Location and Upload-Secret"
ID=${LOCATION##*/}

patch() {  # patch OFFSET FILE [curl options...]
  local offset=$1 file=$2
  shift 2
  curl -s -o /dev/null -w '%{http_code} %header{upload-offset}' -X PATCH \
    -H 'Tus-Resumable: 1.0.0' -H "Upload-Secret: $SECRET" \
    -H 'Content-Type: application/offset+octet-stream' -H "Upload-Offset: $offset" \
    --data-binary "@$file" "$@" "$URL$LOCATION"
}

head -c $FIRST "$WORK/file.mp4" >"$WORK/first"
tail -c +$((FIRST + 1)) "$WORK/file.mp4" >"$WORK/rest"
RESULT=$(patch 0 "$WORK/first")
[ "$RESULT" = "204 $FIRST" ] && pass "first PATCH -> 204, offset $FIRST" ||
  die "first PATCH -> 204, offset $FIRST" "got '$RESULT'"

# The rest, throttled so that the kill lands mid-body.
patch "$FIRST" "$WORK/rest" --limit-rate 4M >"$WORK/cut.out" 2>&1 &
CURL_PID=$!
sleep 2.5
if kill -0 "$CURL_PID" 2>/dev/null; then
  pass "second PATCH still sending when the server is killed"
else
  fail "second PATCH still sending when the server is killed" "curl: $(cat "$WORK/cut.out")"
fi
kill -KILL "$PID"
wait "$PID" 2>/dev/null
wait "$CURL_PID" 2>/dev/null
CURL_PID=
PARTIAL=$(stat -c %s "$DATA/upload-parts/$ID.part" 2>/dev/null || echo 0)
[ "$PARTIAL" -gt "$FIRST" ] && pass "bytes of the cut PATCH reached the disk ($PARTIAL)" ||
  fail "bytes of the cut PATCH reached the disk" "part file has $PARTIAL bytes"

start_server
OFFSET=$(curl -s -I -H 'Tus-Resumable: 1.0.0' -H "Upload-Secret: $SECRET" "$URL$LOCATION" |
  grep -i '^Upload-Offset:' | tr -d '\r' | cut -d' ' -f2)
# The last checkpoint of the cut PATCH: past the first PATCH, within what reached the disk.
if [ -n "$OFFSET" ] && [ "$OFFSET" -gt "$FIRST" ] && [ "$OFFSET" -le "$PARTIAL" ]; then
  pass "HEAD after restart -> Upload-Offset $OFFSET (a checkpoint inside the cut PATCH)"
else
  die "HEAD after restart -> Upload-Offset in ($FIRST, $PARTIAL]" "got '$OFFSET'"
fi

tail -c +$((OFFSET + 1)) "$WORK/file.mp4" >"$WORK/rest2"
RESULT=$(patch "$OFFSET" "$WORK/rest2")
[ "$RESULT" = "204 $SIZE" ] && pass "resumed PATCH -> 204, offset $SIZE" ||
  die "resumed PATCH -> 204, offset $SIZE" "got '$RESULT'"

OBJECT=$DATA/objects/uploads/$ID/source.mp4
GOT=$(sha256sum "$OBJECT" 2>/dev/null | cut -d' ' -f1)
[ "$GOT" = "$WANT" ] && pass "published file is byte-identical (sha256 $WANT)" ||
  fail "published file is byte-identical" "want $WANT, got '$GOT'"
[ -z "$(ls -A "$DATA/upload-parts")" ] && pass "no part file left" ||
  fail "no part file left" "$(ls "$DATA/upload-parts")"

kill -TERM "$PID"
wait "$PID"
RC=$?
PID=
[ "$RC" = 0 ] && pass "server exits 0 on SIGTERM" || fail "server exits 0 on SIGTERM" "rc $RC"

[ "$FAILURES" = 0 ] || exit 1
