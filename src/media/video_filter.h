// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// VideoFilterGraph: one libavfilter graph per transcode that turns each decoded frame upright
// (transpose/flip from the display matrix), splits it, and scales it to every rung (yuv420p,
// square pixels). The decoded frame goes in once; each rung's sink yields its scaled copy, so
// the source is decoded and rotated exactly once however long the ladder is.
// Not thread-safe: one thread pushes and pulls.
#pragma once

#include <memory>
#include <vector>

#include "media/av_util.h"
#include "streamgate/result.h"

namespace streamgate::internal {

struct ScaleTarget {
  int width = 0;
  int height = 0;
};

class VideoFilterGraph {
 public:
  // `first` is the first decoded frame: its size and pixel format configure the graph.
  static Result<std::unique_ptr<VideoFilterGraph>> Create(const AVFrame& first,
                                                          AVRational time_base,
                                                          AVRational frame_rate, int rotation,
                                                          const std::vector<ScaleTarget>& targets,
                                                          int threads);
  ~VideoFilterGraph();
  VideoFilterGraph(const VideoFilterGraph&) = delete;
  VideoFilterGraph& operator=(const VideoFilterGraph&) = delete;

  // Feeds one decoded frame (its references are taken over), or nullptr at the end.
  Status Push(AVFrame* frame);
  // The next frame for target `index`: true when one was produced, false when none is ready.
  Result<bool> Pull(std::size_t index, AVFrame* frame);
  AVRational output_time_base() const;

 private:
  VideoFilterGraph() = default;
  FilterGraphPtr graph_;
  AVFilterContext* source_ = nullptr;
  std::vector<AVFilterContext*> sinks_;
  int input_width_ = 0;
  int input_height_ = 0;
};

}  // namespace streamgate::internal
