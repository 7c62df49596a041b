// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/codec_string.h"

#include <cstdio>

namespace streamgate::internal {
namespace {

std::string Format(int profile, int constraints, int level) {
  char text[32];
  std::snprintf(text, sizeof(text), "avc1.%02x%02x%02x", profile & 0xff, constraints & 0xff,
                level & 0xff);
  return text;
}

}  // namespace

std::string AvcCodecString(const AVCodecContext& encoder) {
  const uint8_t* data = encoder.extradata;
  const int size = encoder.extradata_size;
  if (data != nullptr && size >= 4) {
    if (data[0] == 1) {
      // avcC: configurationVersion, AVCProfileIndication, profile_compatibility, level.
      return Format(data[1], data[2], data[3]);
    }
    // Annex B: find the SPS NAL unit (type 7) after a start code.
    for (int i = 0; i + 3 < size; ++i) {
      if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
        const int header = i + 3;
        if ((data[header] & 0x1f) == 7 && header + 3 < size) {
          return Format(data[header + 1], data[header + 2], data[header + 3]);
        }
      }
    }
  }
  return Format(encoder.profile > 0 ? encoder.profile : 100, 0,
                encoder.level > 0 ? encoder.level : 40);
}

std::string AacCodecString(const AVCodecContext& encoder) {
  // AVCodecContext::profile is the MPEG-4 audio object type minus one.
  const int object_type = encoder.profile >= 0 ? encoder.profile + 1 : 2;
  return "mp4a.40." + std::to_string(object_type);
}

}  // namespace streamgate::internal
