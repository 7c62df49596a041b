// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/video_filter.h"

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/pixdesc.h>
}

#include <string>

namespace streamgate::internal {
namespace {

std::string RotationFilters(int rotation) {
  switch (rotation) {
    case 90:
      return "transpose=clock,";
    case 180:
      return "hflip,vflip,";
    case 270:
      return "transpose=cclock,";
    default:
      return "";
  }
}

}  // namespace

VideoFilterGraph::~VideoFilterGraph() = default;

Result<std::unique_ptr<VideoFilterGraph>> VideoFilterGraph::Create(
    const AVFrame& first, AVRational time_base, AVRational frame_rate, int rotation,
    const std::vector<ScaleTarget>& targets, int threads) {
  std::unique_ptr<VideoFilterGraph> self(new VideoFilterGraph());
  self->graph_.reset(avfilter_graph_alloc());
  if (!self->graph_) return Status::ResourceExhausted("out of memory");
  self->graph_->nb_threads = threads;
  self->input_width_ = first.width;
  self->input_height_ = first.height;
  AVRational sar = first.sample_aspect_ratio;
  if (sar.num <= 0 || sar.den <= 0) sar = AVRational{1, 1};
  const char* format_name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(first.format));
  if (format_name == nullptr) return Status::InvalidArgument("unknown pixel format");
  const std::string source_args =
      "video_size=" + std::to_string(first.width) + "x" + std::to_string(first.height) +
      ":pix_fmt=" + format_name + ":time_base=" + std::to_string(time_base.num) + "/" +
      std::to_string(time_base.den) + ":pixel_aspect=" + std::to_string(sar.num) + "/" +
      std::to_string(sar.den) + ":frame_rate=" + std::to_string(frame_rate.num) + "/" +
      std::to_string(frame_rate.den);
  int rc = avfilter_graph_create_filter(&self->source_, avfilter_get_by_name("buffer"), "in",
                                        source_args.c_str(), nullptr, self->graph_.get());
  if (rc < 0) return AvStatus(rc, "video buffer source");

  // in -> [rotate] -> split=N -> scale_i -> format -> out_i
  std::string description =
      "[in]" + RotationFilters(rotation) + "split=" + std::to_string(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) description += "[s" + std::to_string(i) + "]";
  description += ";";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    description += "[s" + std::to_string(i) + "]scale=" + std::to_string(targets[i].width) + ":" +
                   std::to_string(targets[i].height) +
                   ":flags=bicubic,setsar=1,format=yuv420p[out" + std::to_string(i) + "];";
  }
  description.pop_back();

  AVFilterInOut* outputs = avfilter_inout_alloc();
  outputs->name = av_strdup("in");
  outputs->filter_ctx = self->source_;
  outputs->pad_idx = 0;
  outputs->next = nullptr;
  AVFilterInOut* inputs = nullptr;
  AVFilterInOut** tail = &inputs;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    AVFilterContext* sink = nullptr;
    rc = avfilter_graph_create_filter(&sink, avfilter_get_by_name("buffersink"),
                                      ("out" + std::to_string(i)).c_str(), nullptr, nullptr,
                                      self->graph_.get());
    if (rc < 0) {
      avfilter_inout_free(&outputs);
      avfilter_inout_free(&inputs);
      return AvStatus(rc, "video buffer sink");
    }
    self->sinks_.push_back(sink);
    AVFilterInOut* entry = avfilter_inout_alloc();
    entry->name = av_strdup(("out" + std::to_string(i)).c_str());
    entry->filter_ctx = sink;
    entry->pad_idx = 0;
    entry->next = nullptr;
    *tail = entry;
    tail = &entry->next;
  }
  rc =
      avfilter_graph_parse_ptr(self->graph_.get(), description.c_str(), &inputs, &outputs, nullptr);
  avfilter_inout_free(&outputs);
  avfilter_inout_free(&inputs);
  if (rc < 0) return AvStatus(rc, "video filter graph \"" + description + "\"");
  rc = avfilter_graph_config(self->graph_.get(), nullptr);
  if (rc < 0) return AvStatus(rc, "video filter graph configuration");
  return self;
}

Status VideoFilterGraph::Push(AVFrame* frame) {
  if (frame != nullptr && (frame->width != input_width_ || frame->height != input_height_)) {
    return Status::InvalidArgument(
        "the video changes resolution mid-stream (" + std::to_string(input_width_) + "x" +
        std::to_string(input_height_) + " to " + std::to_string(frame->width) + "x" +
        std::to_string(frame->height) + "), which is not supported");
  }
  const int rc = av_buffersrc_add_frame_flags(source_, frame, AV_BUFFERSRC_FLAG_KEEP_REF);
  if (rc < 0) return AvStatus(rc, "video filter input");
  return Status::Ok();
}

Result<bool> VideoFilterGraph::Pull(std::size_t index, AVFrame* frame) {
  const int rc = av_buffersink_get_frame(sinks_[index], frame);
  if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return false;
  if (rc < 0) return AvStatus(rc, "video filter output");
  return true;
}

AVRational VideoFilterGraph::output_time_base() const {
  return av_buffersink_get_time_base(sinks_[0]);
}

}  // namespace streamgate::internal
