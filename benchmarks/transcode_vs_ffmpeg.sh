#!/usr/bin/env bash
# Transcoding: StreamGate's in-process Transcoder vs the ffmpeg command line, same machine, same
# run, same generated 1080p clip, same ladder and encoder settings (x264 preset, ABR + VBV caps,
# GOP = segment, IDR forced every segment, no scene cuts, bicubic scaling, AAC 128k):
#   (a) streamgate_transcode: decode once, split, 4 encoders, CMAF + HLS + DASH + poster;
#   (b) one ffmpeg command producing the whole ladder with a split filter graph;
#   (c) one ffmpeg command per rung (the source decoded once per rung).
# Prints wall-clock seconds and the ratios a/b and a/c. Targets: a/b <= 1.05, a/c <= 0.70.
#
#   benchmarks/transcode_vs_ffmpeg.sh BUILD_DIR
#   DURATION=30 SIZE=1920x1080 FPS=30 PRESET=veryfast SEGMENT=4 ROUNDS=1 ORDER='a b c' \
#     GRAIN=0 benchmarks/transcode_vs_ffmpeg.sh build
# GRAIN > 0 adds temporal noise of that strength to the source (like a camera's sensor noise),
# which raises its bit rate and so the cost of decoding it: the flat synthetic source is far
# cheaper to decode than real footage, which is what decode-once saves.
set -euo pipefail

BUILD_DIR=${1:?usage: benchmarks/transcode_vs_ffmpeg.sh BUILD_DIR}
DURATION=${DURATION:-30}
SIZE=${SIZE:-1920x1080}
FPS=${FPS:-30}
PRESET=${PRESET:-veryfast}
SEGMENT=${SEGMENT:-4}
ROUNDS=${ROUNDS:-1}
LADDER=${LADDER:-1080:5000,720:3000,480:1200,360:800}
PARALLEL=${PARALLEL:-1}  # transcode.parallel_rungs for (a)
GRAIN=${GRAIN:-0}
TOOL=$BUILD_DIR/benchmarks/streamgate_transcode
[[ -x $TOOL ]] || { echo "no $TOOL (cmake --build $BUILD_DIR --target streamgate_transcode)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sg-transcode-bench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

if pgrep -x cc1plus >/dev/null; then
  echo "transcode_vs_ffmpeg: WARNING: a compiler is running; the numbers will be disturbed" >&2
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

SOURCE=$WORK/source.mp4
echo "generating ${DURATION}s ${SIZE}@${FPS} source (grain $GRAIN)..."
SOURCE_FILTER=null
if ((GRAIN > 0)); then SOURCE_FILTER="noise=alls=$GRAIN:allf=t"; fi
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=$SIZE:rate=$FPS:duration=$DURATION" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$DURATION" -vf "$SOURCE_FILTER" \
  -c:v libx264 -preset ultrafast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 192k "$SOURCE"

echo "source: $(ffprobe -v error -show_entries format=bit_rate -of csv=p=0 "$SOURCE") bit/s"
WIDTH=${SIZE%x*}
HEIGHT=${SIZE#*x}
GOP=$(( (SEGMENT * FPS) ))
IFS=',' read -r -a RUNGS <<<"$LADDER"

# Per-rung encoder settings, identical to what the Transcoder sets.
x264_args() { # KBPS
  local kbps=$1
  echo "-c:v libx264 -preset $PRESET -b:v ${kbps}k -maxrate $((kbps * 11 / 10))k" \
       "-bufsize $((kbps * 2))k -g $GOP -keyint_min $GOP -forced-idr 1" \
       "-x264-params open-gop=0:scenecut=0 -force_key_frames expr:gte(t,n_forced*$SEGMENT)"
}
scale_for() { # HEIGHT → W:H (even, aspect kept)
  local h=$1
  echo "$(( (WIDTH * h / HEIGHT + 1) / 2 * 2 )):$h"
}

run_a() {
  rm -rf "$WORK/a"
  "$TOOL" "$SOURCE" "$WORK/a" --ladder "$LADDER" --preset "$PRESET" --segment "$SEGMENT" \
    --parallel "$PARALLEL" >/dev/null
}

run_b() {
  rm -rf "$WORK/b" && mkdir -p "$WORK/b"
  local graph="[0:v]split=${#RUNGS[@]}"
  local i
  for i in "${!RUNGS[@]}"; do graph+="[s$i]"; done
  local outputs=()
  for i in "${!RUNGS[@]}"; do
    local h=${RUNGS[$i]%%:*} kbps=${RUNGS[$i]##*:}
    graph+=";[s$i]scale=$(scale_for "$h"):flags=bicubic,setsar=1,format=yuv420p[o$i]"
    # shellcheck disable=SC2207
    outputs+=(-map "[o$i]" $(x264_args "$kbps") -an "$WORK/b/${h}p.mp4")
  done
  ffmpeg -nostdin -v error -y -i "$SOURCE" -filter_complex "$graph" "${outputs[@]}" \
    -map 0:a -vn -c:a aac -b:a 128k "$WORK/b/audio.mp4"
}

run_c() {
  rm -rf "$WORK/c" && mkdir -p "$WORK/c"
  local i
  for i in "${!RUNGS[@]}"; do
    local h=${RUNGS[$i]%%:*} kbps=${RUNGS[$i]##*:}
    local audio=(-an)
    [[ $i == 0 ]] && audio=(-c:a aac -b:a 128k)
    # shellcheck disable=SC2046
    ffmpeg -nostdin -v error -y -i "$SOURCE" \
      -vf "scale=$(scale_for "$h"):flags=bicubic,setsar=1,format=yuv420p" \
      $(x264_args "$kbps") "${audio[@]}" "$WORK/c/${h}p.mp4"
  done
}

time_of() { # FUNCTION → seconds
  local start end
  start=$(date +%s.%N)
  "$1"
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

declare -a TA TB TC
# ORDER: the order of the three runs in each round ("a b c"); rotate it to expose drift in
# the machine's load.
ORDER=${ORDER:-a b c}
for round in $(seq 1 "$ROUNDS"); do
  for which in $ORDER; do
    echo "round $round: ($which)..."
    case $which in
      a) TA+=("$(time_of run_a)") ;;
      b) TB+=("$(time_of run_b)") ;;
      c) TC+=("$(time_of run_c)") ;;
    esac
  done
done
A=$(printf '%s\n' "${TA[@]}" | median)
B=$(printf '%s\n' "${TB[@]}" | median)
C=$(printf '%s\n' "${TC[@]}" | median)

# Sanity: every output decodes to the full duration.
probe() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }
echo "durations: a=$(probe "$WORK/a/master.m3u8") b=$(probe "$WORK/b/360p.mp4") c=$(probe "$WORK/c/360p.mp4")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'clip %ss %s@%s, ladder %s, preset %s, %s round(s), median seconds:\n' \
  "$DURATION" "$SIZE" "$FPS" "$LADDER" "$PRESET" "$ROUNDS"
printf '  (a) streamgate transcoder     %8.2f s\n' "$A"
printf '  (b) ffmpeg, one split graph   %8.2f s\n' "$B"
printf '  (c) ffmpeg, one run per rung  %8.2f s\n' "$C"
printf '  a/b = %.3f (target <= 1.05)   a/c = %.3f (target <= 0.70)\n' \
  "$(echo "$A / $B" | bc -l)" "$(echo "$A / $C" | bc -l)"
