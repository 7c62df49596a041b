#!/usr/bin/env python3
# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""Transcode a video file to an HLS (and DASH) ladder with a progress bar.

    PYTHONPATH=build/bindings/python python3 examples/python/transcode_to_hls.py IN.mp4 OUT_DIR

Ctrl-C cancels cleanly: the transcoder removes its partial output.
"""

import argparse
import sys

import streamgate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="any file FFmpeg can read")
    parser.add_argument("output_dir", help="created by the transcode; must not exist")
    parser.add_argument("--ladder", default="720:3000,480:1200,360:800",
                        help="height:kbps rungs, highest first (never upscaled)")
    parser.add_argument("--preset", default="veryfast", help="x264 preset")
    parser.add_argument("--segment-seconds", type=float, default=4.0)
    args = parser.parse_args()

    def progress(percent):
        bar = "#" * int(percent // 5)
        sys.stdout.write(f"\r[{bar:<20}] {percent:5.1f}%")
        sys.stdout.flush()

    transcoder = streamgate.Transcoder(ladder=args.ladder, preset=args.preset,
                                       segment_seconds=args.segment_seconds)
    try:
        result = transcoder.transcode(args.input, args.output_dir, progress=progress)
    except streamgate.Error as error:  # carries the C++ status code and message
        print(f"\ntranscode failed: {error}", file=sys.stderr)
        return 1
    print()
    for rendition in result.media.renditions:
        size = f"{rendition.width}x{rendition.height}" if rendition.height else "audio"
        print(f"  {rendition.name:>6}  {size:>9}  {rendition.peak_bandwidth // 1000} kbit/s  "
              f"{len(rendition.segments)} segments")
    print(f"{result.source_duration_s:.1f} s of video in {result.elapsed_s:.1f} s: "
          f"{args.output_dir}/master.m3u8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
