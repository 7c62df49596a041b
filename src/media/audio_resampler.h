// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// AudioResampler: converts decoded audio (any format, rate, layout) to what the AAC encoder
// takes and re-blocks it into frames of exactly the encoder's frame size, numbering them with
// continuous sample-count timestamps. Not thread-safe.
#pragma once

#include <memory>

#include "media/av_util.h"
#include "streamgate/result.h"

extern "C" {
#include <libavutil/audio_fifo.h>
}

namespace streamgate::internal {

class AudioResampler {
 public:
  // `start_pts` (in 1/sample_rate of the encoder) is the timestamp of the first output sample.
  static Result<std::unique_ptr<AudioResampler>> Create(const AVFrame& first,
                                                        const AVCodecContext& encoder,
                                                        int64_t start_pts);
  ~AudioResampler();
  AudioResampler(const AudioResampler&) = delete;
  AudioResampler& operator=(const AudioResampler&) = delete;

  Status Push(const AVFrame& frame);
  // Fills `out` with the next full frame (or, when `draining`, the remainder); false when there
  // is not enough audio buffered.
  Result<bool> Pop(AVFrame* out, bool draining);

 private:
  AudioResampler() = default;
  SwrPtr swr_;
  AVAudioFifo* fifo_ = nullptr;
  const AVCodecContext* encoder_ = nullptr;
  int64_t next_pts_ = 0;
};

}  // namespace streamgate::internal
