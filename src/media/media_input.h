// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// MediaInput: demuxing and decoding of one source file. Picks the best video and audio stream,
// enforces the hostile-input bounds (dimensions, duration) before a frame is decoded, reads the
// display-matrix rotation, and hands out decoded frames one at a time in file order. Cancellation
// reaches blocking reads through libavformat's interrupt callback.
// Not thread-safe: one thread drives it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "media/av_util.h"
#include "streamgate/result.h"

namespace streamgate::internal {

struct InputLimits {
  int max_width = 8192;
  int max_height = 8192;
  double max_duration_s = 6 * 3600.0;
};

struct InputInfo {
  bool has_video = false;
  bool has_audio = false;
  int coded_width = 0;  // before rotation
  int coded_height = 0;
  int rotation = 0;  // clockwise degrees to turn the picture upright: 0, 90, 180 or 270
  AVRational frame_rate{0, 1};
  double duration_s = 0;  // 0 when the container does not say
  double start_s = 0;     // the video stream's first timestamp, in seconds
};

enum class DecodedKind { kVideo, kAudio, kEnd };

class MediaInput {
 public:
  // `interrupted` is polled by libavformat during blocking I/O and by Next().
  static Result<std::unique_ptr<MediaInput>> Open(const std::string& path,
                                                  const InputLimits& limits, int decoder_threads,
                                                  std::function<bool()> interrupted);
  ~MediaInput();
  MediaInput(const MediaInput&) = delete;
  MediaInput& operator=(const MediaInput&) = delete;

  const InputInfo& info() const { return info_; }
  AVStream* video_stream() const;
  AVStream* audio_stream() const;
  AVCodecContext* video_decoder() const { return video_decoder_.get(); }
  AVCodecContext* audio_decoder() const { return audio_decoder_.get(); }

  // The next decoded frame (unreferenced into `frame`), or kEnd once both decoders are drained.
  // Corrupt packets are skipped as the decoders allow; read errors other than EOF fail.
  Result<DecodedKind> Next(AVFrame* frame);

 private:
  MediaInput() = default;
  Status OpenDecoder(int stream_index, int threads, CodecContextPtr& out);
  Result<bool> Receive(AVCodecContext* decoder, AVFrame* frame);

  struct Interrupt {
    std::function<bool()> interrupted;
  };
  std::unique_ptr<Interrupt> interrupt_;
  AVFormatContext* format_ = nullptr;
  CodecContextPtr video_decoder_;
  CodecContextPtr audio_decoder_;
  int video_index_ = -1;
  int audio_index_ = -1;
  InputLimits limits_;
  InputInfo info_;
  PacketPtr packet_ = NewPacket();
  bool eof_ = false;
  bool video_done_ = false;
  bool audio_done_ = false;
  int decode_errors_ = 0;
};

}  // namespace streamgate::internal
