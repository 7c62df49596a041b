#!/usr/bin/env bash
# Gated segment and playlist delivery, StreamGate vs nginx with secure_link, in one run.
#
#   benchmarks/delivery_vs_nginx.sh [BUILD_DIR]      (default BUILD_DIR: build)
#
# Packages a generated 12-second clip once (streamgate_transcode: 360p, 4 s segments) into a
# data directory, then serves the same files from
#  - the StreamGate monolith: /stream/bench/… with a playback token checked on every request,
#    media playlists rendered per viewer with the token on every URI;
#  - nginx (Debian) with secure_link (MD5 of expiry + URI + secret) on every request, the
#    playlist served as a static file.
# Both answers are checked first (same segment bytes; forged tokens refused by both), then wrk
# loads a media segment and the media playlist on each server, alternating which goes first.
#
# Environment: WRK_THREADS [2] WRK_CONNECTIONS [64] WRK_DURATION [10s] WARMUP_DURATION [2s]
#              ROUNDS [1]  NGINX [/usr/sbin/nginx]
#              BASELINE [unset]: another build directory (e.g. of the previous commit); its
#              monolith then serves the same files too, measured in the same rounds ("baseline").
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/common.sh
source "$HERE/common.sh"

BUILD_DIR=${1:-build}
MONOLITH=$BUILD_DIR/services/streamgate/streamgate
TRANSCODE=$BUILD_DIR/benchmarks/streamgate_transcode
MINT=$BUILD_DIR/benchmarks/streamgate_mint_token
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-64}
WRK_DURATION=${WRK_DURATION:-10s}
WARMUP_DURATION=${WARMUP_DURATION:-2s}
ROUNDS=${ROUNDS:-1}

for bin in "$MONOLITH" "$TRANSCODE" "$MINT"; do
  [[ -x $bin ]] || die "no $bin (build the project first)"
done
command -v wrk >/dev/null || die "wrk is not installed"
command -v ffmpeg >/dev/null || die "ffmpeg is not installed"
if pgrep -x cc1plus >/dev/null; then
  echo "delivery_vs_nginx: WARNING: a compiler is running; the numbers will be disturbed" >&2
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d /tmp/sg_delivery.XXXXXX)
chmod 755 "$TMP"
NGINX_PID=
SG_PID=
BASE_PID=
cleanup() {
  [[ -n $SG_PID ]] && kill "$SG_PID" 2>/dev/null && wait "$SG_PID" 2>/dev/null
  [[ -n $BASE_PID ]] && kill "$BASE_PID" 2>/dev/null && wait "$BASE_PID" 2>/dev/null
  [[ -n $NGINX_PID ]] && kill -QUIT "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- package once --------------------------------------------------------------------------------
DATA=$TMP/data
MEDIA=$DATA/objects/media/bench
mkdir -p "$DATA/objects/media"
ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc2=size=640x360:rate=30 \
  -f lavfi -i sine=frequency=440 -t 12 -c:v libx264 -preset ultrafast -c:a aac -shortest \
  "$TMP/clip.mp4"
"$TRANSCODE" "$TMP/clip.mp4" "$MEDIA" --ladder 360:800 --preset ultrafast --segment 4 >/dev/null
SEGMENT=360p/seg_00001.m4s
PLAYLIST=360p/index.m3u8
[[ -f $MEDIA/$SEGMENT && -f $MEDIA/$PLAYLIST ]] || die "packaging did not produce $SEGMENT"
chmod -R a+rX "$DATA"

# --- StreamGate: the monolith with a known playback key ----------------------------------------
SECRET=$(head -c 64 /dev/urandom | sha256sum | cut -c1-48)
SG_PORT=$(free_port)
STREAMGATE_DATA_DIR=$DATA STREAMGATE_SERVER_HOST=127.0.0.1 STREAMGATE_SERVER_PORT=$SG_PORT \
  STREAMGATE_LOG_ACCESS_LOG=false STREAMGATE_LOG_LEVEL=warn \
  STREAMGATE_STREAMING_PLAYBACK_KEYS="bench:$(printf %s "$SECRET" | base64 -w0)" \
  "$MONOLITH" >"$TMP/sg.out" 2>&1 &
SG_PID=$!
if [[ -n ${BASELINE:-} ]]; then
  [[ -x $BASELINE/services/streamgate/streamgate ]] || die "no monolith in $BASELINE"
  BASE_PORT=$(free_port)
  STREAMGATE_DATA_DIR=$DATA STREAMGATE_SERVER_HOST=127.0.0.1 STREAMGATE_SERVER_PORT=$BASE_PORT \
    STREAMGATE_LOG_ACCESS_LOG=false STREAMGATE_LOG_LEVEL=warn \
    STREAMGATE_STREAMING_PLAYBACK_KEYS="bench:$(printf %s "$SECRET" | base64 -w0)" \
    "$BASELINE/services/streamgate/streamgate" >"$TMP/base.out" 2>&1 &
  BASE_PID=$!
fi
TOKEN=$("$MINT" bench "$SECRET" bench 3600)
SG_SEGMENT="http://127.0.0.1:$SG_PORT/stream/bench/$SEGMENT?token=$TOKEN"
SG_PLAYLIST="http://127.0.0.1:$SG_PORT/stream/bench/$PLAYLIST?token=$TOKEN"

# --- nginx: secure_link over the same directory -------------------------------------------------
NGINX_SECRET=$SECRET
EXPIRES=$(($(date +%s) + 3600))
nginx_sig() {  # uri
  printf '%s' "$EXPIRES$1 $NGINX_SECRET" | openssl md5 -binary | base64 | tr '+/' '-_' | tr -d '='
}
NGINX_PORT=$(free_port)
start_nginx "$TMP/nginx" "$NGINX_PORT" "$TMP/empty" 16384 65 "
    location /stream/bench/ {
      secure_link \$arg_md5,\$arg_expires;
      secure_link_md5 \"\$secure_link_expires\$uri $NGINX_SECRET\";
      if (\$secure_link = \"\") { return 403; }
      if (\$secure_link = \"0\") { return 410; }
      types { application/vnd.apple.mpegurl m3u8; video/iso.segment m4s; video/mp4 mp4; }
      alias $MEDIA/;
    }"
NG_SEGMENT="http://127.0.0.1:$NGINX_PORT/stream/bench/$SEGMENT?md5=$(nginx_sig /stream/bench/$SEGMENT)&expires=$EXPIRES"
NG_PLAYLIST="http://127.0.0.1:$NGINX_PORT/stream/bench/$PLAYLIST?md5=$(nginx_sig /stream/bench/$PLAYLIST)&expires=$EXPIRES"

wait_for "$SG_SEGMENT" "$SG_PID" streamgate
SERVERS=(nginx streamgate)
if [[ -n $BASE_PID ]]; then
  BASE_SEGMENT="http://127.0.0.1:$BASE_PORT/stream/bench/$SEGMENT?token=$TOKEN"
  BASE_PLAYLIST="http://127.0.0.1:$BASE_PORT/stream/bench/$PLAYLIST?token=$TOKEN"
  wait_for "$BASE_SEGMENT" "$BASE_PID" baseline
  SERVERS+=(baseline)
fi
wait_for "$NG_SEGMENT" "$NGINX_PID" nginx

# --- both answer correctly ------------------------------------------------------------------------
want=$(sha256sum <"$MEDIA/$SEGMENT" | cut -d' ' -f1)
for url in "$SG_SEGMENT" "$NG_SEGMENT"; do
  got=$(curl -sf --noproxy '*' "$url" | sha256sum | cut -d' ' -f1)
  [[ $got == "$want" ]] || die "$url returned different bytes ($got != $want)"
done
sg_forged=$(curl -s -o /dev/null -w '%{http_code}' "${SG_SEGMENT%?????}AAAAA")
ng_forged=$(curl -s -o /dev/null -w '%{http_code}' "${NG_SEGMENT/md5=/md5=x}")
[[ $sg_forged == 401 && $ng_forged == 403 ]] ||
  die "forged tokens: streamgate $sg_forged (want 401), nginx $ng_forged (want 403)"
curl -sf "$SG_PLAYLIST" | grep -q "seg_00001.m4s?token=$TOKEN" || die "playlist lacks tokenised URIs"
echo "checks: same segment bytes from both; forged tokens refused; playlist URIs carry the token"


KINDS=(segment playlist)
declare -A URL=([streamgate,segment]=$SG_SEGMENT [streamgate,playlist]=$SG_PLAYLIST
  [nginx,segment]=$NG_SEGMENT [nginx,playlist]=$NG_PLAYLIST)
if [[ -n $BASE_PID ]]; then
  URL[baseline,segment]=$BASE_SEGMENT
  URL[baseline,playlist]=$BASE_PLAYLIST
fi
echo "warm-up: $WARMUP_DURATION per URL"
for key in "${!URL[@]}"; do run_wrk "${URL[$key]}" "$WARMUP_DURATION" >/dev/null; done

# CPU time (user + system, clock ticks) of a server's processes: on a shared machine this is
# steadier than throughput, and it is what a server costs per request whatever else runs.
CLK_TCK=$(getconf CLK_TCK)
server_pids() {
  case $1 in
    nginx) echo "$NGINX_PID" $(pgrep -P "$NGINX_PID") ;;
    streamgate) echo "$SG_PID" ;;
    baseline) echo "$BASE_PID" ;;
  esac
}
cpu_ticks() {
  local total=0 pid fields
  for pid in "$@"; do
    read -r -a fields <"/proc/$pid/stat"
    total=$((total + fields[13] + fields[14]))
  done
  echo "$total"
}
SECONDS_PER_RUN=${WRK_DURATION%s}

echo "measuring: wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION, $ROUNDS round(s)"
declare -A RPS
declare -A CPU_US
ERRORS=0
turn=0
for ((round = 0; round < ROUNDS; round++)); do
  for kind in "${KINDS[@]}"; do
    # Which server goes first alternates (rotates, with a baseline).
    order=()
    for ((i = 0; i < ${#SERVERS[@]}; i++)); do
      order+=("${SERVERS[(i + turn) % ${#SERVERS[@]}]}")
    done
    turn=$((turn + 1))
    for server in "${order[@]}"; do
      pids=$(server_pids "$server")
      # shellcheck disable=SC2086  # a list of pids
      before=$(cpu_ticks $pids)
      read -r rps errs <<<"$(run_wrk "${URL[$server,$kind]}" "$WRK_DURATION")"
      # shellcheck disable=SC2086
      after=$(cpu_ticks $pids)
      us=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v r="$rps" -v d="$SECONDS_PER_RUN" \
        'BEGIN {printf "%.2f", (r > 0) ? t * 1e6 / hz / (r * d) : 0}')
      printf '  %-9s %-10s %12s req/s %8s us CPU/request%s\n' "$kind" "$server" "$rps" "$us" \
        "$( ((errs > 0)) && echo "  ($errs errors)")"
      RPS[$server,$kind]="${RPS[$server,$kind]:-} $rps"
      CPU_US[$server,$kind]="${CPU_US[$server,$kind]:-} $us"
      ERRORS=$((ERRORS + errs))
    done
  done
done

echo
machine_line
echo "segment: $(stat -c %s "$MEDIA/$SEGMENT") bytes; playlist: $(stat -c %s "$MEDIA/$PLAYLIST") bytes on disk"
printf '| %-9s | %12s | %16s | %17s |\n' "request" "nginx req/s" "streamgate req/s" "streamgate/nginx"
printf '|%s|%s|%s|%s|\n' "-----------" "--------------" "------------------" "-------------------"
for kind in "${KINDS[@]}"; do
  n=$(median <<<"${RPS[nginx,$kind]}")
  s=$(median <<<"${RPS[streamgate,$kind]}")
  ratio=$(awk -v s="$s" -v n="$n" 'BEGIN {printf "%.2f", (n > 0) ? s / n : 0}')
  printf '| %-9s | %12.0f | %16.0f | %16sx |\n' "$kind" "$n" "$s" "$ratio"
done
if [[ -n $BASE_PID ]]; then
  echo "baseline ($BASELINE) in the same rounds:"
  for kind in "${KINDS[@]}"; do
    n=$(median <<<"${RPS[nginx,$kind]}")
    b=$(median <<<"${RPS[baseline,$kind]}")
    ratio=$(awk -v b="$b" -v n="$n" 'BEGIN {printf "%.2f", (n > 0) ? b / n : 0}')
    printf '| %-9s | %12.0f | %16.0f | %16sx |\n' "$kind" "$n" "$b" "$ratio"
  done
fi
echo "server CPU per request (user + system of its processes; nginx/streamgate > 1: StreamGate"
echo "spends less CPU per request), medians:"
printf '| %-9s | %12s | %16s | %17s |\n' "request" "nginx us" "streamgate us" "nginx/streamgate"
printf '|%s|%s|%s|%s|\n' "-----------" "--------------" "------------------" "-------------------"
for server in "${SERVERS[@]}"; do
  [[ $server == nginx ]] && continue
  for kind in "${KINDS[@]}"; do
    n=$(median <<<"${CPU_US[nginx,$kind]}")
    s=$(median <<<"${CPU_US[$server,$kind]}")
    ratio=$(awk -v s="$s" -v n="$n" 'BEGIN {printf "%.2f", (s > 0) ? n / s : 0}')
    label=$kind
    [[ $server == baseline ]] && label="$kind (baseline)"
    printf '| %-9s | %12.2f | %16.2f | %16sx |\n' "$label" "$n" "$s" "$ratio"
  done
done
((ERRORS == 0)) || die "$ERRORS socket errors or non-2xx responses: the numbers are not comparable"
