// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/encoder.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include <cmath>

namespace streamgate::internal {

Result<CodecContextPtr> OpenVideoEncoder(const VideoEncoderSettings& settings) {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) return Status::FailedPrecondition("FFmpeg was built without libx264");
  CodecContextPtr context(avcodec_alloc_context3(codec));
  if (!context) return Status::ResourceExhausted("out of memory");
  context->width = settings.width;
  context->height = settings.height;
  context->pix_fmt = AV_PIX_FMT_YUV420P;
  context->sample_aspect_ratio = AVRational{1, 1};
  context->time_base = settings.time_base;
  context->framerate = settings.frame_rate;
  context->gop_size = settings.gop_frames;
  context->keyint_min = settings.gop_frames;
  context->thread_count = settings.threads;
  // fMP4 needs SPS/PPS in the init segment (avcC), not in-band.
  context->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  const int64_t bps = int64_t{settings.kbps} * 1000;
  context->rc_max_rate =
      static_cast<int64_t>(std::llround(static_cast<double>(bps) * settings.maxrate_factor));
  context->rc_buffer_size =
      static_cast<int>(std::llround(static_cast<double>(bps) * settings.bufsize_factor));
  if (settings.crf > 0) {
    av_opt_set_int(context->priv_data, "crf", settings.crf, 0);
  } else {
    context->bit_rate = bps;
  }
  if (av_opt_set(context->priv_data, "preset", settings.preset.c_str(), 0) < 0) {
    return Status::InvalidArgument("unknown x264 preset " + settings.preset);
  }
  if (!settings.tune.empty()) av_opt_set(context->priv_data, "tune", settings.tune.c_str(), 0);
  // Forced key frames become IDRs, so each segment opens a closed GOP.
  av_opt_set_int(context->priv_data, "forced-idr", 1, 0);
  std::string params = "open-gop=0";
  if (!settings.scenecut) params += ":scenecut=0";
  av_opt_set(context->priv_data, "x264-params", params.c_str(), 0);
  const int rc = avcodec_open2(context.get(), codec, nullptr);
  if (rc < 0) {
    return Status::InvalidArgument("cannot open libx264 (preset " + settings.preset + ", " +
                                   std::to_string(settings.width) + "x" +
                                   std::to_string(settings.height) + "): " + AvErrorText(rc));
  }
  return context;
}

Result<CodecContextPtr> OpenAudioEncoder(int source_sample_rate, int source_channels, int kbps) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (codec == nullptr) return Status::FailedPrecondition("FFmpeg has no AAC encoder");
  CodecContextPtr context(avcodec_alloc_context3(codec));
  if (!context) return Status::ResourceExhausted("out of memory");
  int rate = 48000;
  for (const int standard : {48000, 44100, 32000, 24000, 22050, 16000}) {
    if (source_sample_rate == standard) rate = standard;
  }
  context->sample_rate = rate;
  context->sample_fmt = AV_SAMPLE_FMT_FLTP;
  av_channel_layout_default(&context->ch_layout, source_channels == 1 ? 1 : 2);
  context->bit_rate = int64_t{kbps} * 1000;
  context->time_base = AVRational{1, rate};
  context->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  const int rc = avcodec_open2(context.get(), codec, nullptr);
  if (rc < 0) return AvStatus(rc, "AAC encoder");
  return context;
}

Status Encode(AVCodecContext* encoder, const AVFrame* frame, AVPacket* scratch,
              const std::function<Status(AVPacket*)>& sink) {
  int rc = avcodec_send_frame(encoder, frame);
  if (rc < 0 && rc != AVERROR_EOF) return AvStatus(rc, "encoder input");
  while (true) {
    rc = avcodec_receive_packet(encoder, scratch);
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return Status::Ok();
    if (rc < 0) return AvStatus(rc, "encoder output");
    const Status status = sink(scratch);
    av_packet_unref(scratch);
    STREAMGATE_RETURN_IF_ERROR(status);
  }
}

}  // namespace streamgate::internal
