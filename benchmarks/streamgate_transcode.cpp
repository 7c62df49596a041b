// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A tiny command-line front end to the public Transcoder API, driven by
// benchmarks/transcode_vs_ffmpeg.sh (and handy by hand):
//   streamgate_transcode INPUT OUTPUT_DIR [--ladder 1080:5000,720:3000] [--preset veryfast]
//                        [--segment 4] [--threads 0] [--no-poster] [--aes128]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "streamgate/runtime.h"
#include "streamgate/transcoder.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s INPUT OUTPUT_DIR [--ladder H:KBPS,...] [--preset P] [--segment S] "
                 "[--threads N] [--parallel N] [--no-poster] [--aes128]\n",
                 argv[0]);
    return 2;
  }
  streamgate::TranscoderOptions options;
  for (int i = 3; i < argc; ++i) {
    const std::string flag = argv[i];
    const bool has_value = i + 1 < argc;
    if (flag == "--ladder" && has_value) {
      auto ladder = streamgate::ParseLadder(argv[++i]);
      if (!ladder.ok()) {
        std::fprintf(stderr, "%s\n", ladder.status().ToString().c_str());
        return 2;
      }
      options.ladder = *ladder;
    } else if (flag == "--preset" && has_value) {
      options.preset = argv[++i];
    } else if (flag == "--segment" && has_value) {
      options.packager.segment_seconds = std::atof(argv[++i]);
    } else if (flag == "--threads" && has_value) {
      options.encoder_threads = std::atoi(argv[++i]);
    } else if (flag == "--parallel" && has_value) {
      options.parallel_rungs = std::atoi(argv[++i]);
    } else if (flag == "--no-poster") {
      options.poster = false;
    } else if (flag == "--aes128") {
      options.packager.aes128 = true;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", flag.c_str());
      return 2;
    }
  }
  // Workers for parallel rungs; the transcode itself runs on this thread.
  auto runtime = streamgate::Runtime::Create({1, options.parallel_rungs});
  if (!runtime.ok()) {
    std::fprintf(stderr, "%s\n", runtime.status().ToString().c_str());
    return 2;
  }
  auto transcoder = streamgate::Transcoder::Create(options, runtime->get());
  if (!transcoder.ok()) {
    std::fprintf(stderr, "%s\n", transcoder.status().ToString().c_str());
    return 2;
  }
  streamgate::TranscodeRequest request;
  request.input_path = argv[1];
  request.output_dir = argv[2];
  auto result = (*transcoder)->Transcode(request);
  if (!result.ok()) {
    std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "renditions=%zu frames_decoded=%lld frames_encoded=%lld duration_s=%.3f "
      "elapsed_s=%.3f\n",
      result->media.renditions.size(), static_cast<long long>(result->frames_decoded),
      static_cast<long long>(result->frames_encoded), result->media.duration_s, result->elapsed_s);
  return 0;
}
