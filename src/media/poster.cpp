// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/poster.h"

#include <algorithm>
#include <fstream>

namespace streamgate::internal {

Status WritePosterJpeg(const AVFrame& frame, int max_width, const std::string& path) {
  const int width = std::max(2, std::min(frame.width, max_width) / 2 * 2);
  const int height = std::max(
      2, static_cast<int>(int64_t{frame.height} * width / std::max(1, frame.width)) / 2 * 2);
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (codec == nullptr) return Status::FailedPrecondition("FFmpeg has no MJPEG encoder");
  CodecContextPtr encoder(avcodec_alloc_context3(codec));
  if (!encoder) return Status::ResourceExhausted("out of memory");
  encoder->width = width;
  encoder->height = height;
  // Full-range 4:2:0 is what JPEG means by YCbCr.
  encoder->pix_fmt = AV_PIX_FMT_YUVJ420P;
  encoder->color_range = AVCOL_RANGE_JPEG;
  encoder->time_base = AVRational{1, 25};
  encoder->flags |= AV_CODEC_FLAG_QSCALE;
  encoder->global_quality = FF_QP2LAMBDA * 3;
  int rc = avcodec_open2(encoder.get(), codec, nullptr);
  if (rc < 0) return AvStatus(rc, "MJPEG encoder");

  SwsPtr sws(sws_getContext(frame.width, frame.height, static_cast<AVPixelFormat>(frame.format),
                            width, height, AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, nullptr, nullptr,
                            nullptr));
  if (!sws) return Status::Internal("poster scaler");
  FramePtr scaled = NewFrame();
  scaled->format = AV_PIX_FMT_YUVJ420P;
  scaled->width = width;
  scaled->height = height;
  rc = av_frame_get_buffer(scaled.get(), 0);
  if (rc < 0) return AvStatus(rc, "poster frame");
  sws_scale(sws.get(), frame.data, frame.linesize, 0, frame.height, scaled->data, scaled->linesize);
  scaled->pts = 0;
  scaled->quality = encoder->global_quality;

  PacketPtr packet = NewPacket();
  rc = avcodec_send_frame(encoder.get(), scaled.get());
  if (rc >= 0) rc = avcodec_send_frame(encoder.get(), nullptr);
  if (rc < 0) return AvStatus(rc, "poster encoding");
  rc = avcodec_receive_packet(encoder.get(), packet.get());
  if (rc < 0) return AvStatus(rc, "poster encoding");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(packet->data), packet->size);
  out.close();
  if (!out) return Status::Internal("cannot write " + path);
  return Status::Ok();
}

}  // namespace streamgate::internal
