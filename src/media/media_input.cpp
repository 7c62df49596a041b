// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/media_input.h"

extern "C" {
#include <libavutil/display.h>
}

#include <cmath>
#include <string>
#include <utility>

namespace streamgate::internal {
namespace {

int InterruptCallback(void* opaque) {
  const auto* interrupted = static_cast<const std::function<bool()>*>(opaque);
  return (*interrupted && (*interrupted)()) ? 1 : 0;
}

// Clockwise quarter turns that make the picture upright, from the display matrix (the same
// reading as the ffmpeg command line's autorotate).
int RotationOf(const AVStream* stream) {
  const uint8_t* matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (matrix == nullptr) return 0;
  double theta = -av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  if (std::isnan(theta)) return 0;
  theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
  const int quarter = static_cast<int>(std::lround(theta / 90.0)) % 4;
  return quarter * 90;
}

// Too many decode errors in a row means the file is not what it claims to be.
constexpr int kMaxDecodeErrors = 100;

}  // namespace

MediaInput::~MediaInput() {
  video_decoder_.reset();
  audio_decoder_.reset();
  if (format_ != nullptr) avformat_close_input(&format_);
}

AVStream* MediaInput::video_stream() const {
  return video_index_ >= 0 ? format_->streams[video_index_] : nullptr;
}
AVStream* MediaInput::audio_stream() const {
  return audio_index_ >= 0 ? format_->streams[audio_index_] : nullptr;
}

Result<std::unique_ptr<MediaInput>> MediaInput::Open(const std::string& path,
                                                     const InputLimits& limits, int decoder_threads,
                                                     std::function<bool()> interrupted) {
  std::unique_ptr<MediaInput> input(new MediaInput());
  input->limits_ = limits;
  input->interrupt_ = std::make_unique<Interrupt>(Interrupt{std::move(interrupted)});
  input->format_ = avformat_alloc_context();
  if (input->format_ == nullptr) return Status::ResourceExhausted("out of memory");
  input->format_->interrupt_callback.callback = InterruptCallback;
  input->format_->interrupt_callback.opaque = &input->interrupt_->interrupted;
  // Bounded probing: a hostile file cannot make us read gigabytes before failing.
  AVDictionary* open_options = nullptr;
  av_dict_set(&open_options, "probesize", "20000000", 0);
  av_dict_set(&open_options, "analyzeduration", "20000000", 0);
  int rc = avformat_open_input(&input->format_, path.c_str(), nullptr, &open_options);
  av_dict_free(&open_options);
  if (rc < 0) {
    // avformat_open_input frees the context on failure.
    input->format_ = nullptr;
    if (rc == AVERROR_EXIT) return Status::Cancelled("cancelled while opening the input");
    return Status::InvalidArgument("not a readable media file: " + AvErrorText(rc));
  }
  rc = avformat_find_stream_info(input->format_, nullptr);
  if (rc < 0) {
    if (rc == AVERROR_EXIT) return Status::Cancelled("cancelled while probing the input");
    return Status::InvalidArgument("cannot read stream information: " + AvErrorText(rc));
  }
  input->video_index_ = av_find_best_stream(input->format_, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (input->video_index_ < 0) return Status::InvalidArgument("the input has no video stream");
  AVStream* video = input->format_->streams[input->video_index_];
  // Attached pictures (cover art) are not video.
  if ((video->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0) {
    return Status::InvalidArgument("the input has no video stream (only a cover picture)");
  }
  InputInfo& info = input->info_;
  info.has_video = true;
  info.coded_width = video->codecpar->width;
  info.coded_height = video->codecpar->height;
  if (info.coded_width <= 0 || info.coded_height <= 0) {
    return Status::InvalidArgument("the video stream declares no dimensions");
  }
  if (info.coded_width > limits.max_width || info.coded_height > limits.max_height) {
    return Status::InvalidArgument("video dimensions " + std::to_string(info.coded_width) + "x" +
                                   std::to_string(info.coded_height) + " exceed the limit of " +
                                   std::to_string(limits.max_width) + "x" +
                                   std::to_string(limits.max_height));
  }
  info.rotation = RotationOf(video);
  info.frame_rate = av_guess_frame_rate(input->format_, video, nullptr);
  if (info.frame_rate.num <= 0 || info.frame_rate.den <= 0 || av_q2d(info.frame_rate) > 240.0) {
    info.frame_rate = AVRational{25, 1};
  }
  if (input->format_->duration > 0) {
    info.duration_s = static_cast<double>(input->format_->duration) / AV_TIME_BASE;
  } else if (video->duration > 0) {
    info.duration_s = static_cast<double>(video->duration) * av_q2d(video->time_base);
  }
  if (info.duration_s > limits.max_duration_s) {
    return Status::InvalidArgument("duration " + std::to_string(info.duration_s) +
                                   " s exceeds the limit of " +
                                   std::to_string(limits.max_duration_s) + " s");
  }
  info.start_s = video->start_time != AV_NOPTS_VALUE
                     ? static_cast<double>(video->start_time) * av_q2d(video->time_base)
                     : 0.0;
  STREAMGATE_RETURN_IF_ERROR(
      input->OpenDecoder(input->video_index_, decoder_threads, input->video_decoder_));

  const int audio_index =
      av_find_best_stream(input->format_, AVMEDIA_TYPE_AUDIO, -1, input->video_index_, nullptr, 0);
  if (audio_index >= 0) {
    input->audio_index_ = audio_index;
    // An undecodable audio track is dropped rather than failing the whole item.
    if (!input->OpenDecoder(audio_index, 1, input->audio_decoder_).ok()) {
      input->audio_index_ = -1;
    } else {
      info.has_audio = true;
    }
  }
  for (unsigned i = 0; i < input->format_->nb_streams; ++i) {
    const int index = static_cast<int>(i);
    if (index != input->video_index_ && index != input->audio_index_) {
      input->format_->streams[i]->discard = AVDISCARD_ALL;
    }
  }
  return input;
}

Status MediaInput::OpenDecoder(int stream_index, int threads, CodecContextPtr& out) {
  AVStream* stream = format_->streams[stream_index];
  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (codec == nullptr) {
    return Status::InvalidArgument(std::string("no decoder for codec ") +
                                   avcodec_get_name(stream->codecpar->codec_id));
  }
  CodecContextPtr context(avcodec_alloc_context3(codec));
  if (!context) return Status::ResourceExhausted("out of memory");
  int rc = avcodec_parameters_to_context(context.get(), stream->codecpar);
  if (rc < 0) return Status::InvalidArgument("bad codec parameters: " + AvErrorText(rc));
  context->pkt_timebase = stream->time_base;
  context->thread_count = threads;
  if (codec->type == AVMEDIA_TYPE_VIDEO) {
    context->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  }
  rc = avcodec_open2(context.get(), codec, nullptr);
  if (rc < 0) {
    return Status::InvalidArgument(std::string("cannot open the ") + codec->name +
                                   " decoder: " + AvErrorText(rc));
  }
  out = std::move(context);
  return Status::Ok();
}

Result<bool> MediaInput::Receive(AVCodecContext* decoder, AVFrame* frame) {
  const int rc = avcodec_receive_frame(decoder, frame);
  if (rc == 0) return true;
  if (rc == AVERROR(EAGAIN)) return false;
  if (rc == AVERROR_EOF) {
    if (decoder == video_decoder_.get()) video_done_ = true;
    if (decoder == audio_decoder_.get()) audio_done_ = true;
    return false;
  }
  return Status::InvalidArgument("cannot decode the input: " + AvErrorText(rc));
}

Result<DecodedKind> MediaInput::Next(AVFrame* frame) {
  while (true) {
    if (interrupt_->interrupted && interrupt_->interrupted()) {
      return Status::Cancelled("transcode cancelled");
    }
    if (!video_done_) {
      STREAMGATE_ASSIGN_OR_RETURN(const bool got, Receive(video_decoder_.get(), frame));
      if (got) {
        if (frame->width > limits_.max_width || frame->height > limits_.max_height) {
          return Status::InvalidArgument("decoded frame larger than the limit");
        }
        return DecodedKind::kVideo;
      }
    }
    if (audio_decoder_ && !audio_done_) {
      STREAMGATE_ASSIGN_OR_RETURN(const bool got, Receive(audio_decoder_.get(), frame));
      if (got) return DecodedKind::kAudio;
    }
    if (eof_) {
      if (video_done_ && (!audio_decoder_ || audio_done_)) return DecodedKind::kEnd;
      continue;  // draining: each decoder reports EOF in turn
    }
    const int rc = av_read_frame(format_, packet_.get());
    if (rc == AVERROR_EOF) {
      eof_ = true;
      avcodec_send_packet(video_decoder_.get(), nullptr);
      if (audio_decoder_) avcodec_send_packet(audio_decoder_.get(), nullptr);
      continue;
    }
    if (rc == AVERROR_EXIT) return Status::Cancelled("transcode cancelled");
    if (rc < 0)
      return Status::InvalidArgument("cannot read the input (truncated or corrupt?): " +
                                     AvErrorText(rc));
    AVCodecContext* decoder = nullptr;
    if (packet_->stream_index == video_index_) decoder = video_decoder_.get();
    if (packet_->stream_index == audio_index_) decoder = audio_decoder_.get();
    if (decoder != nullptr) {
      const int sent = avcodec_send_packet(decoder, packet_.get());
      // Corrupt data: skip the packet, but give up when nothing decodes.
      if (sent < 0 && sent != AVERROR(EAGAIN)) {
        if (++decode_errors_ > kMaxDecodeErrors) {
          av_packet_unref(packet_.get());
          return Status::InvalidArgument("the input is corrupt: " + AvErrorText(sent));
        }
      } else {
        decode_errors_ = 0;
      }
    }
    av_packet_unref(packet_.get());
  }
}

}  // namespace streamgate::internal
