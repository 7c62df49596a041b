// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Encoders: libx264 configured for ABR ladders (forced IDRs, closed GOPs, no scene-cut key
// frames, VBV caps, global headers for fMP4) and the native AAC encoder; plus the send/receive
// loop both share. Not thread-safe: an encoder is driven by one thread.
#pragma once

#include <functional>
#include <string>

#include "media/av_util.h"
#include "streamgate/result.h"

namespace streamgate::internal {

struct VideoEncoderSettings {
  int width = 0;
  int height = 0;
  AVRational time_base{1, 90000};
  AVRational frame_rate{25, 1};
  int kbps = 0;
  std::string preset = "veryfast";
  std::string tune;
  int crf = 0;  // 0: bit-rate mode
  double maxrate_factor = 1.1;
  double bufsize_factor = 2.0;
  int gop_frames = 0;
  bool scenecut = false;
  int threads = 0;
};

Result<CodecContextPtr> OpenVideoEncoder(const VideoEncoderSettings& settings);

// AAC-LC at `kbps`, fltp; keeps a standard sample rate, else 48 kHz; mono stays mono, anything
// else becomes stereo.
Result<CodecContextPtr> OpenAudioEncoder(int source_sample_rate, int source_channels, int kbps);

// Sends `frame` (nullptr drains) and hands every packet the encoder returns to `sink`, whose
// timestamps are in the encoder's time base.
Status Encode(AVCodecContext* encoder, const AVFrame* frame, AVPacket* scratch,
              const std::function<Status(AVPacket*)>& sink);

}  // namespace streamgate::internal
