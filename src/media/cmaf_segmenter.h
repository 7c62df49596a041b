// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// CmafSegmenter: one CMAF track (one rendition) muxed by libavformat's mp4 muxer in fragmented
// mode, written as `init.mp4` (ftyp + moov) and one file per segment (`seg_00001.m4s`: one
// moof + mdat fragment each, starting at a key frame). A segment is cut at the first key
// frame at or after each multiple of the segment length, so every rendition encoded with key
// frames forced at those times cuts at the same presentation time. Optionally encrypts each
// segment file whole with AES-128-CBC (HLS "METHOD=AES-128").
// Not thread-safe: one thread writes packets.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/av_util.h"
#include "streamgate/packager.h"
#include "streamgate/result.h"

namespace streamgate::internal {

class CmafSegmenter {
 public:
  // Creates `directory` and writes init.mp4 from the opened encoder's parameters. Packets are
  // given in `time_base`; `origin` (in time_base) is time zero of the segment grid.
  static Result<std::unique_ptr<CmafSegmenter>> Open(
      const std::string& directory, const AVCodecContext& encoder, AVRational time_base,
      int64_t origin, double segment_seconds, std::optional<std::array<uint8_t, 16>> aes_key);
  ~CmafSegmenter();
  CmafSegmenter(const CmafSegmenter&) = delete;
  CmafSegmenter& operator=(const CmafSegmenter&) = delete;

  // Timestamps must be non-negative and dts increasing.
  Status Write(AVPacket* packet);
  // Writes the last segment.
  Status Finish();

  const std::vector<PackagedSegment>& segments() const { return segments_; }
  int64_t timescale() const { return timescale_; }

 private:
  CmafSegmenter() = default;
  Status CutSegment();
  Status FlushToFile(const std::string& name, bool encrypt);
  static int WriteCallback(void* opaque, uint8_t* data, int size);

  std::string directory_;
  AVFormatContext* format_ = nullptr;
  AVIOContext* io_ = nullptr;
  std::string buffer_;          // bytes the muxer wrote since the last file was cut
  AVRational time_base_{1, 1};  // of incoming packets
  AVRational muxer_time_base_{1, 1};
  int64_t timescale_ = 0;
  int64_t origin_ = 0;
  double segment_seconds_ = 4;
  std::optional<std::array<uint8_t, 16>> aes_key_;
  std::vector<PackagedSegment> segments_;
  bool segment_open_ = false;
  int next_boundary_ = 1;  // the next grid line a key frame cuts at (the first packet opens one)
  int64_t segment_start_ = 0;  // pts (time_base) of the open segment's first packet
  int64_t segment_end_ = 0;    // largest pts + duration seen in it
};

}  // namespace streamgate::internal
