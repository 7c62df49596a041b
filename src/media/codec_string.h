// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// RFC 6381 codec strings for HLS CODECS and DASH @codecs, read from the encoders' real
// parameter sets (profile, constraint flags and level of the H.264 SPS), never assumed.
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>

#include "media/av_util.h"

namespace streamgate::internal {

// "avc1.64001f" from H.264 extradata, either Annex B (start codes) or avcC; "avc1.42e01e"
// style. Falls back to the context's profile/level fields when no SPS is found.
std::string AvcCodecString(const AVCodecContext& encoder);
// "mp4a.40.2" for AAC-LC (object type from the profile).
std::string AacCodecString(const AVCodecContext& encoder);

}  // namespace streamgate::internal
