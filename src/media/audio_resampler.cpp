// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/audio_resampler.h"

extern "C" {
#include <libavutil/channel_layout.h>
}

#include <algorithm>

namespace streamgate::internal {

AudioResampler::~AudioResampler() {
  if (fifo_ != nullptr) av_audio_fifo_free(fifo_);
}

Result<std::unique_ptr<AudioResampler>> AudioResampler::Create(const AVFrame& first,
                                                               const AVCodecContext& encoder,
                                                               int64_t start_pts) {
  std::unique_ptr<AudioResampler> self(new AudioResampler());
  self->encoder_ = &encoder;
  self->next_pts_ = start_pts;
  AVChannelLayout in_layout{};
  if (first.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || first.ch_layout.nb_channels <= 0) {
    av_channel_layout_default(&in_layout, std::max(1, first.ch_layout.nb_channels));
  } else {
    av_channel_layout_copy(&in_layout, &first.ch_layout);
  }
  // FFmpeg 5.1's swr_alloc_set_opts2 takes non-const layouts: hand it copies.
  AVChannelLayout out_layout{};
  av_channel_layout_copy(&out_layout, &encoder.ch_layout);
  SwrContext* swr = nullptr;
  int rc =
      swr_alloc_set_opts2(&swr, &out_layout, encoder.sample_fmt, encoder.sample_rate, &in_layout,
                          static_cast<AVSampleFormat>(first.format), first.sample_rate, 0, nullptr);
  av_channel_layout_uninit(&in_layout);
  av_channel_layout_uninit(&out_layout);
  if (rc < 0) return AvStatus(rc, "audio resampler");
  self->swr_.reset(swr);
  rc = swr_init(swr);
  if (rc < 0) return AvStatus(rc, "audio resampler");
  self->fifo_ = av_audio_fifo_alloc(encoder.sample_fmt, encoder.ch_layout.nb_channels,
                                    std::max(encoder.frame_size, 1024) * 4);
  if (self->fifo_ == nullptr) return Status::ResourceExhausted("out of memory");
  return self;
}

Status AudioResampler::Push(const AVFrame& frame) {
  const int capacity = swr_get_out_samples(swr_.get(), frame.nb_samples);
  if (capacity < 0) return AvStatus(capacity, "audio resampler");
  FramePtr converted = NewFrame();
  converted->format = encoder_->sample_fmt;
  converted->sample_rate = encoder_->sample_rate;
  av_channel_layout_copy(&converted->ch_layout, &encoder_->ch_layout);
  converted->nb_samples = std::max(capacity, 1);
  int rc = av_frame_get_buffer(converted.get(), 0);
  if (rc < 0) return AvStatus(rc, "audio buffer");
  const int samples =
      swr_convert(swr_.get(), converted->data, converted->nb_samples,
                  const_cast<const uint8_t**>(frame.extended_data), frame.nb_samples);
  if (samples < 0) return AvStatus(samples, "audio resampling");
  rc = av_audio_fifo_write(fifo_, reinterpret_cast<void**>(converted->data), samples);
  if (rc < 0) return AvStatus(rc, "audio buffer");
  return Status::Ok();
}

Result<bool> AudioResampler::Pop(AVFrame* out, bool draining) {
  const int frame_size = encoder_->frame_size > 0 ? encoder_->frame_size : 1024;
  const int available = av_audio_fifo_size(fifo_);
  if (available == 0 || (available < frame_size && !draining)) return false;
  av_frame_unref(out);
  out->format = encoder_->sample_fmt;
  out->sample_rate = encoder_->sample_rate;
  av_channel_layout_copy(&out->ch_layout, &encoder_->ch_layout);
  out->nb_samples = std::min(available, frame_size);
  int rc = av_frame_get_buffer(out, 0);
  if (rc < 0) return AvStatus(rc, "audio buffer");
  rc = av_audio_fifo_read(fifo_, reinterpret_cast<void**>(out->data), out->nb_samples);
  if (rc < 0) return AvStatus(rc, "audio buffer");
  out->pts = next_pts_;
  next_pts_ += out->nb_samples;
  return true;
}

}  // namespace streamgate::internal
