// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Poster: one decoded (already upright) frame scaled to a thumbnail width and written as a
// baseline JPEG with libavcodec's MJPEG encoder. Thread-safe (no shared state).
#pragma once

#include <string>

#include "media/av_util.h"

namespace streamgate::internal {

// Scales `frame` to at most `max_width` wide (aspect kept, even size, never upscaled).
Status WritePosterJpeg(const AVFrame& frame, int max_width, const std::string& path);

}  // namespace streamgate::internal
