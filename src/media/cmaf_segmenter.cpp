// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/cmaf_segmenter.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "media/aes128.h"

namespace streamgate::internal {
namespace {

constexpr int kIoBufferBytes = 64 * 1024;

Status WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::Internal("cannot write " + path);
  return Status::Ok();
}

std::string SegmentName(std::size_t number) {
  char name[32];
  std::snprintf(name, sizeof(name), "seg_%05zu.m4s", number);
  return name;
}

}  // namespace

int CmafSegmenter::WriteCallback(void* opaque, uint8_t* data, int size) {
  auto* self = static_cast<CmafSegmenter*>(opaque);
  self->buffer_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
  return size;
}

CmafSegmenter::~CmafSegmenter() {
  if (format_ != nullptr) avformat_free_context(format_);
  if (io_ != nullptr) {
    av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
}

Result<std::unique_ptr<CmafSegmenter>> CmafSegmenter::Open(
    const std::string& directory, const AVCodecContext& encoder, AVRational time_base,
    int64_t origin, double segment_seconds, std::optional<std::array<uint8_t, 16>> aes_key) {
  std::unique_ptr<CmafSegmenter> self(new CmafSegmenter());
  self->directory_ = directory;
  self->time_base_ = time_base;
  self->origin_ = origin;
  self->segment_seconds_ = segment_seconds;
  self->aes_key_ = aes_key;
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return Status::Internal("cannot create " + directory + ": " + error.message());

  int rc = avformat_alloc_output_context2(&self->format_, nullptr, "mp4", nullptr);
  if (rc < 0) return AvStatus(rc, "mp4 muxer");
  auto* io_buffer = static_cast<unsigned char*>(av_malloc(kIoBufferBytes));
  if (io_buffer == nullptr) return Status::ResourceExhausted("out of memory");
  self->io_ = avio_alloc_context(io_buffer, kIoBufferBytes, 1, self.get(), nullptr,
                                 &CmafSegmenter::WriteCallback, nullptr);
  if (self->io_ == nullptr) {
    av_free(io_buffer);
    return Status::ResourceExhausted("out of memory");
  }
  self->io_->seekable = 0;
  self->format_->pb = self->io_;
  self->format_->flags |= AVFMT_FLAG_CUSTOM_IO;

  AVStream* stream = avformat_new_stream(self->format_, nullptr);
  if (stream == nullptr) return Status::ResourceExhausted("out of memory");
  rc = avcodec_parameters_from_context(stream->codecpar, &encoder);
  if (rc < 0) return AvStatus(rc, "stream parameters");
  stream->time_base = time_base;
  if (encoder.codec_type == AVMEDIA_TYPE_VIDEO) {
    stream->avg_frame_rate = encoder.framerate;
  }

  AVDictionary* options = nullptr;
  // frag_custom: we decide where fragments end (one per segment); empty_moov: init.mp4 carries
  // no samples; default_base_moof: self-contained fragments (CMAF); cmaf: cmfc brand.
  av_dict_set(&options, "movflags", "+frag_custom+empty_moov+default_base_moof+cmaf+skip_trailer",
              0);
  rc = avformat_write_header(self->format_, &options);
  av_dict_free(&options);
  if (rc < 0) return AvStatus(rc, "mp4 header");
  self->muxer_time_base_ = stream->time_base;
  self->timescale_ = stream->time_base.den / std::max(1, stream->time_base.num);
  avio_flush(self->io_);
  STREAMGATE_RETURN_IF_ERROR(self->FlushToFile("init.mp4", false));
  return self;
}

Status CmafSegmenter::FlushToFile(const std::string& name, bool encrypt) {
  avio_flush(io_);
  const std::string path = directory_ + "/" + name;
  std::string iv_hex;
  uint64_t bytes = buffer_.size();
  if (encrypt && aes_key_) {
    STREAMGATE_ASSIGN_OR_RETURN(const AesBlock iv, RandomAesBlock());
    STREAMGATE_ASSIGN_OR_RETURN(const std::string cipher, Aes128CbcEncrypt(buffer_, *aes_key_, iv));
    STREAMGATE_RETURN_IF_ERROR(WriteFile(path, cipher));
    bytes = cipher.size();
    iv_hex = IvToHex(iv);
  } else {
    STREAMGATE_RETURN_IF_ERROR(WriteFile(path, buffer_));
  }
  buffer_.clear();
  if (encrypt) {
    PackagedSegment& segment = segments_.back();
    segment.bytes = bytes;
    segment.iv_hex = iv_hex;
  }
  return Status::Ok();
}

Status CmafSegmenter::CutSegment() {
  // An empty packet makes the fragmented muxer write the buffered samples as one fragment.
  const int rc = av_write_frame(format_, nullptr);
  if (rc < 0) return AvStatus(rc, "mp4 fragment");
  PackagedSegment segment;
  segment.uri = SegmentName(segments_.size() + 1);
  segment.start = av_rescale_q(segment_start_, time_base_, muxer_time_base_);
  segment.duration = av_rescale_q(segment_end_, time_base_, muxer_time_base_) - segment.start;
  segment.duration_s = static_cast<double>(segment.duration) / static_cast<double>(timescale_);
  segments_.push_back(segment);
  segment_open_ = false;
  return FlushToFile(segment.uri, true);
}

Status CmafSegmenter::Write(AVPacket* packet) {
  if (packet->pts == AV_NOPTS_VALUE || packet->dts == AV_NOPTS_VALUE || packet->dts < 0) {
    return Status::Internal("packet without a usable timestamp");
  }
  const bool key = (packet->flags & AV_PKT_FLAG_KEY) != 0;
  if (key) {
    // Grid line n lies at origin + n * segment_seconds; half a millisecond of slack absorbs
    // timestamp rounding.
    const double seconds = static_cast<double>(packet->pts - origin_) * av_q2d(time_base_);
    const bool crosses = seconds + 0.0005 >= next_boundary_ * segment_seconds_;
    if (!segment_open_ || crosses) {
      if (segment_open_) {
        // The open segment ends where this one begins.
        segment_end_ = packet->pts;
        STREAMGATE_RETURN_IF_ERROR(CutSegment());
      }
      while (seconds + 0.0005 >= next_boundary_ * segment_seconds_) ++next_boundary_;
      segment_open_ = true;
      segment_start_ = packet->pts;
      segment_end_ = packet->pts;
    }
  } else if (!segment_open_) {
    return Status::Internal("the first packet of a track is not a key frame");
  }
  segment_start_ = std::min(segment_start_, packet->pts);
  segment_end_ = std::max(segment_end_, packet->pts + packet->duration);
  packet->stream_index = 0;
  const int rc = av_write_frame(format_, packet);
  if (rc < 0) return AvStatus(rc, "mp4 packet");
  return Status::Ok();
}

Status CmafSegmenter::Finish() {
  if (segment_open_) STREAMGATE_RETURN_IF_ERROR(CutSegment());
  const int rc = av_write_trailer(format_);
  buffer_.clear();  // skip_trailer: nothing a segment needs comes after the last fragment
  if (rc < 0) return AvStatus(rc, "mp4 trailer");
  return Status::Ok();
}

}  // namespace streamgate::internal
