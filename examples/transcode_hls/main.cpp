// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// transcode_hls: one file to an adaptive-bitrate HLS + DASH package with a progress bar. FFmpeg's
// libraries run in-process: the input is decoded once, scaled to each rung of the ladder, encoded
// H.264/AAC and cut into CMAF segments aligned across renditions. Ctrl-C cancels the transcode,
// which then removes its partial output.
//
//   ./transcode_hls movie.mp4 out/ [720:3000,480:1200]
//   -> out/master.m3u8, out/manifest.mpd, out/720p/index.m3u8, out/720p/seg_00001.m4s, ...
#include <signal.h>
#include <streamgate/runtime.h>
#include <streamgate/transcoder.h>

#include <cstdio>

namespace {

// Set from the signal handler: Cancel() is one lock-free atomic store.
streamgate::CancelToken g_cancel;
void OnSignal(int) { g_cancel.Cancel(); }

// Progress arrives on the transcoding thread, never backwards, about once per percent.
void DrawBar(double percent) {
  const int filled = static_cast<int>(percent / 100.0 * 40.0 + 0.5);
  std::fprintf(stderr, "\r[%-40.*s] %5.1f%%", filled, "########################################",
               percent);
  std::fflush(stderr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s INPUT OUTPUT_DIR [LADDER, e.g. 720:3000,480:1200]\n", argv[0]);
    return 2;
  }
  streamgate::TranscoderOptions options;  // defaults: 1080/720/480/360p, ~4 s segments, poster
  if (argc == 4) {
    auto ladder = streamgate::ParseLadder(argv[3]);
    if (!ladder.ok()) {
      std::fprintf(stderr, "transcode_hls: %s\n", ladder.status().ToString().c_str());
      return 2;
    }
    options.ladder = *ladder;
  }
  // The Runtime lends its worker threads so that rungs encode in parallel.
  auto runtime = streamgate::Runtime::Create({});
  if (!runtime.ok()) return 1;
  options.parallel_rungs = 2;
  auto transcoder = streamgate::Transcoder::Create(options, runtime->get());
  if (!transcoder.ok()) {
    std::fprintf(stderr, "transcode_hls: %s\n", transcoder.status().ToString().c_str());
    return 2;
  }
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);

  streamgate::TranscodeRequest request;
  request.input_path = argv[1];
  request.output_dir = argv[2];  // must not exist yet
  request.progress = DrawBar;
  request.cancel = g_cancel;
  auto result = (*transcoder)->Transcode(request);
  std::fprintf(stderr, "\n");
  if (!result.ok()) {
    std::fprintf(stderr, "transcode_hls: %s\n", result.status().ToString().c_str());
    return 1;
  }
  std::printf("%.1f s of %dx%d video in %.1f s; renditions:\n", result->source_duration_s,
              result->source_width, result->source_height, result->elapsed_s);
  for (const auto& rendition : result->media.renditions) {
    std::printf("  %-6s %-22s %4dx%-4d %8lld b/s  %zu segments\n", rendition.name.c_str(),
                rendition.codecs.c_str(), rendition.width, rendition.height,
                static_cast<long long>(rendition.peak_bandwidth), rendition.segments.size());
  }
  std::printf("%s/master.m3u8\n", argv[2]);
  return 0;
}
