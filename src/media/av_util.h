// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Owning handles for libav objects and the libav error → Status mapping, shared by every file
// in src/media so that no code path can leak a context on an early return.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>
#include <string_view>

#include "streamgate/status.h"

namespace streamgate::internal {

struct AvFrameFree {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct AvPacketFree {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct AvCodecContextFree {
  void operator()(AVCodecContext* context) const { avcodec_free_context(&context); }
};
struct AvFilterGraphFree {
  void operator()(AVFilterGraph* graph) const { avfilter_graph_free(&graph); }
};
struct SwrFree {
  void operator()(SwrContext* context) const { swr_free(&context); }
};
struct SwsFree {
  void operator()(SwsContext* context) const { sws_freeContext(context); }
};

using FramePtr = std::unique_ptr<AVFrame, AvFrameFree>;
using PacketPtr = std::unique_ptr<AVPacket, AvPacketFree>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, AvCodecContextFree>;
using FilterGraphPtr = std::unique_ptr<AVFilterGraph, AvFilterGraphFree>;
using SwrPtr = std::unique_ptr<SwrContext, SwrFree>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFree>;

FramePtr NewFrame();
PacketPtr NewPacket();

// av_strerror text for `error`.
std::string AvErrorText(int error);
// "<what>: <libav message>" as Internal (or Cancelled for AVERROR_EXIT).
Status AvStatus(int error, std::string_view what);

}  // namespace streamgate::internal
