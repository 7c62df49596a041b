// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The transcode pipeline: MediaInput (decode once) → VideoFilterGraph (rotate, split, scale per
// rung) → one libx264 encoder per rung, key frames forced on the segment grid → one
// CmafSegmenter per rendition; audio: decode → AudioResampler → AAC → its own CmafSegmenter.
// Then the Packager model, playlists, MPD and poster. Every timestamp is shifted by one common
// offset so that no track starts with a negative decode time (B-frame reordering, AAC priming)
// while audio and video keep their relative position.
#include "streamgate/transcoder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "media/aes128.h"
#include "media/audio_resampler.h"
#include "media/av_util.h"
#include "media/cmaf_segmenter.h"
#include "media/codec_string.h"
#include "media/encoder.h"
#include "media/ladder.h"
#include "media/media_input.h"
#include "media/poster.h"
#include "media/video_filter.h"
#include "streamgate/runtime.h"

namespace streamgate {
namespace {

using internal::AudioResampler;
using internal::CmafSegmenter;
using internal::CodecContextPtr;
using internal::DecodedKind;
using internal::FramePtr;
using internal::MediaInput;
using internal::PacketPtr;
using internal::PlannedRung;
using internal::VideoFilterGraph;

constexpr AVRational kMicroseconds{1, 1000000};

struct VideoRendition {
  PlannedRung rung;
  CodecContextPtr encoder;
  std::unique_ptr<CmafSegmenter> segmenter;
  int next_forced = 0;            // index of the next segment-grid line to force an IDR at
  std::vector<FramePtr> pending;  // scaled frames waiting for this rung's encoder
  PacketPtr packet = internal::NewPacket();
  std::optional<internal::AesBlock> key;
};

// Removes the output directory unless the transcode succeeded.
class OutputGuard {
 public:
  explicit OutputGuard(std::string directory) : directory_(std::move(directory)) {}
  ~OutputGuard() {
    if (!committed_) {
      std::error_code error;
      std::filesystem::remove_all(directory_, error);
    }
  }
  void Commit() { committed_ = true; }

 private:
  std::string directory_;
  bool committed_ = false;
};

Status WriteBinary(const std::string& path, const void* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) return Status::Internal("cannot write " + path);
  return Status::Ok();
}

std::string KeyUri(const std::string& name, const PackagerOptions& options) {
  std::string uri = options.key_uri_template;
  const std::string marker = "{rendition}";
  for (std::size_t at = uri.find(marker); at != std::string::npos; at = uri.find(marker)) {
    uri.replace(at, marker.size(), name);
  }
  return uri;
}

void FillBandwidth(PackagedRendition& rendition) {
  double bytes = 0;
  double seconds = 0;
  double peak = 0;
  for (const PackagedSegment& segment : rendition.segments) {
    bytes += static_cast<double>(segment.bytes);
    seconds += segment.duration_s;
    if (segment.duration_s > 0) {
      peak = std::max(peak, static_cast<double>(segment.bytes) * 8.0 / segment.duration_s);
    }
  }
  rendition.average_bandwidth = seconds > 0 ? std::llround(bytes * 8.0 / seconds) : 0;
  rendition.peak_bandwidth = std::max<int64_t>(std::llround(peak), rendition.average_bandwidth);
}

double TrackSeconds(const PackagedRendition& rendition) {
  if (rendition.segments.empty()) return 0;
  const PackagedSegment& first = rendition.segments.front();
  const PackagedSegment& last = rendition.segments.back();
  return static_cast<double>(last.start + last.duration - first.start) /
         static_cast<double>(rendition.timescale);
}

// One transcode's state. Lives on the calling thread's stack for the duration of Transcode().
class Pipeline {
 public:
  Pipeline(const TranscoderOptions& options, const TranscodeRequest& request, Runtime* runtime)
      : options_(options), request_(request), runtime_(runtime) {}

  Result<TranscodeResult> Run();

 private:
  Status Open();
  Status OnVideoFrame(AVFrame* frame);
  Status DrainVideo(bool flush);
  // Runs work(0..rungs-1), on up to options_.parallel_rungs threads when a Runtime is given.
  Status RunRungs(const std::function<Status(std::size_t)>& work);
  Status OnAudioFrame(AVFrame* frame);
  Status DrainAudio(bool flush);
  Status Finish();
  void ReportProgress(double percent);
  Status MaybeCapturePoster(const AVFrame& frame, double seconds);

  const TranscoderOptions& options_;
  const TranscodeRequest& request_;
  Runtime* runtime_;  // borrowed for parallel rungs; may be null
  TranscodeResult result_;
  std::unique_ptr<MediaInput> input_;
  std::unique_ptr<VideoFilterGraph> graph_;
  std::vector<VideoRendition> videos_;
  AVRational video_time_base_{1, 1};
  int64_t video_start_ = AV_NOPTS_VALUE;  // first video pts (stream time base)
  int64_t last_video_pts_ = AV_NOPTS_VALUE;
  int64_t frame_ticks_ = 1;   // one frame in the video time base
  int64_t video_offset_ = 0;  // common offset in the video time base
  CodecContextPtr audio_encoder_;
  std::unique_ptr<AudioResampler> resampler_;
  std::unique_ptr<CmafSegmenter> audio_segmenter_;
  std::optional<internal::AesBlock> audio_key_;
  int64_t audio_offset_ = 0;  // common offset in 1/sample_rate
  bool audio_started_ = false;
  FramePtr scaled_ = internal::NewFrame();
  FramePtr audio_frame_ = internal::NewFrame();
  PacketPtr packet_ = internal::NewPacket();
  double poster_at_s_ = 1.0;
  bool poster_written_ = false;
  FramePtr poster_fallback_;
  double last_progress_ = -1;
};

Status Pipeline::Open() {
  internal::InputLimits limits;
  limits.max_width = options_.max_width;
  limits.max_height = options_.max_height;
  limits.max_duration_s = options_.max_duration_s;
  const CancelToken cancel = request_.cancel;
  STREAMGATE_ASSIGN_OR_RETURN(
      input_, MediaInput::Open(request_.input_path, limits, options_.decoder_threads,
                               [cancel] { return cancel.cancelled(); }));
  const internal::InputInfo& info = input_->info();
  AVStream* video = input_->video_stream();
  video_time_base_ = video->time_base;
  // Time zero is the video stream's declared start, so audio decoded before the first video
  // frame (decoder delay) already has its place on the timeline.
  if (video->start_time != AV_NOPTS_VALUE) video_start_ = video->start_time;
  frame_ticks_ = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(info.frame_rate), video_time_base_));

  // Display size: sample aspect ratio applied, then quarter turns.
  AVRational sar = video->codecpar->sample_aspect_ratio;
  if (sar.num <= 0 || sar.den <= 0) sar = AVRational{1, 1};
  int display_width =
      static_cast<int>(std::lround(static_cast<double>(info.coded_width) * av_q2d(sar)));
  int display_height = info.coded_height;
  if (info.rotation == 90 || info.rotation == 270) std::swap(display_width, display_height);
  result_.source_width = display_width;
  result_.source_height = display_height;
  result_.rotation_degrees = info.rotation;
  result_.source_duration_s = info.duration_s;
  result_.has_audio = info.has_audio;
  poster_at_s_ = info.duration_s > 0 ? info.duration_s * 0.1 : 1.0;

  const std::vector<PlannedRung> plan =
      internal::PlanLadder(options_.ladder, display_width, display_height);
  const double fps = av_q2d(info.frame_rate);
  const int gop =
      options_.gop_frames > 0
          ? options_.gop_frames
          : std::max(1,
                     static_cast<int>(std::ceil(options_.packager.segment_seconds * fps - 1e-6)));
  int64_t offset_us = 0;
  for (const PlannedRung& rung : plan) {
    internal::VideoEncoderSettings settings;
    settings.width = rung.width;
    settings.height = rung.height;
    settings.time_base = video_time_base_;
    settings.frame_rate = info.frame_rate;
    settings.kbps = rung.kbps;
    settings.preset = options_.preset;
    settings.tune = options_.tune;
    settings.crf = options_.crf;
    settings.maxrate_factor = options_.maxrate_factor;
    settings.bufsize_factor = options_.bufsize_factor;
    settings.gop_frames = gop;
    settings.scenecut = options_.scenecut;
    settings.threads = options_.encoder_threads;
    VideoRendition rendition;
    rendition.rung = rung;
    STREAMGATE_ASSIGN_OR_RETURN(rendition.encoder, internal::OpenVideoEncoder(settings));
    // Reordering delay: the first packets' decode times precede their presentation times.
    offset_us =
        std::max(offset_us, av_rescale_q((rendition.encoder->has_b_frames + 1) * frame_ticks_,
                                         video_time_base_, kMicroseconds));
    videos_.push_back(std::move(rendition));
  }
  if (info.has_audio) {
    const AVCodecContext* decoder = input_->audio_decoder();
    STREAMGATE_ASSIGN_OR_RETURN(
        audio_encoder_,
        internal::OpenAudioEncoder(decoder->sample_rate, decoder->ch_layout.nb_channels,
                                   options_.audio_kbps));
    offset_us = std::max(offset_us,
                         av_rescale_q(audio_encoder_->initial_padding + audio_encoder_->frame_size,
                                      audio_encoder_->time_base, kMicroseconds));
  }
  video_offset_ = av_rescale_q(offset_us, kMicroseconds, video_time_base_);

  const PackagerOptions& packager = options_.packager;
  for (VideoRendition& rendition : videos_) {
    if (packager.aes128) {
      STREAMGATE_ASSIGN_OR_RETURN(rendition.key, internal::RandomAesBlock());
    }
    STREAMGATE_ASSIGN_OR_RETURN(
        rendition.segmenter,
        CmafSegmenter::Open(request_.output_dir + "/" + rendition.rung.name, *rendition.encoder,
                            video_time_base_, video_offset_, packager.segment_seconds,
                            rendition.key));
  }
  if (audio_encoder_) {
    audio_offset_ = av_rescale_q(offset_us, kMicroseconds, audio_encoder_->time_base);
    if (packager.aes128) {
      STREAMGATE_ASSIGN_OR_RETURN(audio_key_, internal::RandomAesBlock());
    }
    STREAMGATE_ASSIGN_OR_RETURN(audio_segmenter_,
                                CmafSegmenter::Open(request_.output_dir + "/audio", *audio_encoder_,
                                                    audio_encoder_->time_base, audio_offset_,
                                                    packager.segment_seconds, audio_key_));
  }
  return Status::Ok();
}

void Pipeline::ReportProgress(double percent) {
  percent = std::clamp(percent, 0.0, 100.0);
  if (!request_.progress || percent < last_progress_ + 1.0) return;
  last_progress_ = percent;
  request_.progress(percent);
}

Status Pipeline::MaybeCapturePoster(const AVFrame& frame, double seconds) {
  if (!options_.poster || poster_written_) return Status::Ok();
  if (seconds + 1e-6 < poster_at_s_) {
    if (!poster_fallback_) {
      poster_fallback_ = internal::NewFrame();
      if (av_frame_ref(poster_fallback_.get(), &frame) < 0) poster_fallback_.reset();
    }
    return Status::Ok();
  }
  poster_written_ = true;
  return internal::WritePosterJpeg(frame, options_.poster_width,
                                   request_.output_dir + "/poster.jpg");
}

Status Pipeline::DrainVideo(bool flush) {
  // 1. On this thread (the filter graph is single-threaded): take every scaled frame out of
  //    the graph and mark the forced key frames.
  for (std::size_t i = 0; i < videos_.size(); ++i) {
    VideoRendition& rendition = videos_[i];
    while (true) {
      STREAMGATE_ASSIGN_OR_RETURN(const bool got, graph_->Pull(i, scaled_.get()));
      if (!got) break;
      const double seconds = static_cast<double>(scaled_->pts) * av_q2d(video_time_base_);
      // The same decision in every rendition: an IDR at the first frame on or after each
      // multiple of the segment length (half a frame of slack for rounding).
      const double slack = 0.5 * static_cast<double>(frame_ticks_) * av_q2d(video_time_base_);
      scaled_->pict_type = AV_PICTURE_TYPE_NONE;
      if (seconds + slack >= rendition.next_forced * options_.packager.segment_seconds) {
        scaled_->pict_type = AV_PICTURE_TYPE_I;
        while (seconds + slack >= rendition.next_forced * options_.packager.segment_seconds) {
          ++rendition.next_forced;
        }
      }
      if (i == 0) STREAMGATE_RETURN_IF_ERROR(MaybeCapturePoster(*scaled_, seconds));
      FramePtr pending = internal::NewFrame();
      av_frame_move_ref(pending.get(), scaled_.get());
      rendition.pending.push_back(std::move(pending));
      ++result_.frames_encoded;
    }
  }
  // 2. Encode: each rendition touches only its own encoder, segmenter and scratch packet, so
  //    rungs may run on several threads at once.
  const auto encode = [this, flush](std::size_t i) -> Status {
    VideoRendition& rendition = videos_[i];
    auto sink = [&rendition, this](AVPacket* packet) -> Status {
      // Also checked here so that draining the encoders at the end stays cancellable.
      if (request_.cancel.cancelled()) return Status::Cancelled("transcode cancelled");
      packet->pts += video_offset_;
      packet->dts += video_offset_;
      // libx264 leaves durations unset; the segment end needs them.
      if (packet->duration <= 0) packet->duration = frame_ticks_;
      return rendition.segmenter->Write(packet);
    };
    Status status;
    for (FramePtr& frame : rendition.pending) {
      if (status.ok()) {
        status =
            internal::Encode(rendition.encoder.get(), frame.get(), rendition.packet.get(), sink);
      }
      frame.reset();
    }
    rendition.pending.clear();
    if (status.ok() && flush) {
      status = internal::Encode(rendition.encoder.get(), nullptr, rendition.packet.get(), sink);
    }
    return status;
  };
  return RunRungs(encode);
}

Status Pipeline::RunRungs(const std::function<Status(std::size_t)>& work) {
  const std::size_t count = videos_.size();
  const std::size_t helpers =
      std::min<std::size_t>(count, static_cast<std::size_t>(std::max(1, options_.parallel_rungs))) -
      1;
  if (runtime_ == nullptr || helpers == 0) {
    for (std::size_t i = 0; i < count; ++i) STREAMGATE_RETURN_IF_ERROR(work(i));
    return Status::Ok();
  }
  // Rungs are claimed from a shared counter by this thread and by helper tasks on the Runtime's
  // workers. This thread works too, so the batch finishes even when every worker is busy (no
  // deadlock when jobs fill the pool); a helper that starts after the batch ended finds nothing
  // left and never touches `work`.
  struct Batch {
    std::mutex mutex;  // guards next, done, statuses
    std::condition_variable finished;
    std::size_t next = 0;
    std::size_t done = 0;
    std::vector<Status> statuses;
  };
  auto batch = std::make_shared<Batch>();
  batch->statuses.resize(count);
  const auto drain = [batch, &work, count] {
    while (true) {
      std::size_t index = 0;
      {
        std::lock_guard<std::mutex> lock(batch->mutex);
        if (batch->next >= count) return;
        index = batch->next++;
      }
      Status status = work(index);
      std::lock_guard<std::mutex> lock(batch->mutex);
      batch->statuses[index] = std::move(status);
      if (++batch->done == count) batch->finished.notify_all();
    }
  };
  for (std::size_t k = 0; k < helpers; ++k) {
    runtime_->Post([batch, count, drain]() {
      {
        std::lock_guard<std::mutex> lock(batch->mutex);
        if (batch->next >= count) return;
      }
      drain();
    });
  }
  drain();
  std::unique_lock<std::mutex> lock(batch->mutex);
  batch->finished.wait(lock, [&] { return batch->done == count; });
  for (const Status& status : batch->statuses) STREAMGATE_RETURN_IF_ERROR(status);
  return Status::Ok();
}

Status Pipeline::OnVideoFrame(AVFrame* frame) {
  ++result_.frames_decoded;
  int64_t pts = frame->best_effort_timestamp;
  if (pts == AV_NOPTS_VALUE) {
    pts = last_video_pts_ == AV_NOPTS_VALUE ? 0 : last_video_pts_ + frame_ticks_;
  }
  if (video_start_ == AV_NOPTS_VALUE) video_start_ = pts;
  pts = std::max<int64_t>(0, pts - video_start_);
  // Encoders need strictly increasing timestamps; duplicates and steps back are nudged forward.
  if (last_video_pts_ != AV_NOPTS_VALUE && pts <= last_video_pts_) pts = last_video_pts_ + 1;
  last_video_pts_ = pts;
  frame->pts = pts;
  if (!graph_) {
    std::vector<internal::ScaleTarget> targets;
    for (const VideoRendition& rendition : videos_) {
      targets.push_back({rendition.rung.width, rendition.rung.height});
    }
    STREAMGATE_ASSIGN_OR_RETURN(
        graph_,
        VideoFilterGraph::Create(*frame, video_time_base_, input_->info().frame_rate,
                                 input_->info().rotation, targets, options_.filter_threads));
  }
  STREAMGATE_RETURN_IF_ERROR(graph_->Push(frame));
  av_frame_unref(frame);
  STREAMGATE_RETURN_IF_ERROR(DrainVideo(false));
  const double duration = input_->info().duration_s;
  if (duration > 0) {
    ReportProgress(99.0 * static_cast<double>(pts) * av_q2d(video_time_base_) / duration);
  }
  return Status::Ok();
}

Status Pipeline::DrainAudio(bool flush) {
  auto sink = [this](AVPacket* packet) -> Status {
    packet->pts += audio_offset_;
    packet->dts += audio_offset_;
    return audio_segmenter_->Write(packet);
  };
  while (true) {
    STREAMGATE_ASSIGN_OR_RETURN(const bool got, resampler_->Pop(audio_frame_.get(), flush));
    if (!got) break;
    STREAMGATE_RETURN_IF_ERROR(
        internal::Encode(audio_encoder_.get(), audio_frame_.get(), packet_.get(), sink));
  }
  if (flush) {
    STREAMGATE_RETURN_IF_ERROR(
        internal::Encode(audio_encoder_.get(), nullptr, packet_.get(), sink));
  }
  return Status::Ok();
}

Status Pipeline::OnAudioFrame(AVFrame* frame) {
  if (!audio_encoder_) return Status::Ok();
  if (!resampler_) {
    // Audio starts where it starts relative to the first video frame (never before zero).
    int64_t start = 0;
    const int64_t pts = frame->best_effort_timestamp;
    if (pts != AV_NOPTS_VALUE) {
      const int64_t zero = video_start_ != AV_NOPTS_VALUE ? video_start_ : 0;
      const AVRational audio_base = input_->audio_stream()->time_base;
      const double seconds = static_cast<double>(pts) * av_q2d(audio_base) -
                             static_cast<double>(zero) * av_q2d(video_time_base_);
      start = std::max<int64_t>(0, std::llround(seconds * audio_encoder_->sample_rate));
    }
    STREAMGATE_ASSIGN_OR_RETURN(resampler_, AudioResampler::Create(*frame, *audio_encoder_, start));
  }
  const Status status = resampler_->Push(*frame);
  av_frame_unref(frame);
  STREAMGATE_RETURN_IF_ERROR(status);
  return DrainAudio(false);
}

Status Pipeline::Finish() {
  if (!graph_) return Status::InvalidArgument("the input has no decodable video frame");
  STREAMGATE_RETURN_IF_ERROR(graph_->Push(nullptr));
  STREAMGATE_RETURN_IF_ERROR(DrainVideo(true));
  if (resampler_) STREAMGATE_RETURN_IF_ERROR(DrainAudio(true));
  if (options_.poster && !poster_written_ && poster_fallback_) {
    STREAMGATE_RETURN_IF_ERROR(internal::WritePosterJpeg(*poster_fallback_, options_.poster_width,
                                                         request_.output_dir + "/poster.jpg"));
    poster_written_ = true;
  }

  const PackagerOptions& packager = options_.packager;
  PackagedMedia& media = result_.media;
  media.segment_seconds = packager.segment_seconds;
  media.encrypted = packager.aes128;
  media.has_dash = packager.dash && !packager.aes128;
  media.poster_uri = poster_written_ ? "poster.jpg" : "";
  std::error_code error;
  if (packager.aes128) {
    std::filesystem::create_directories(request_.output_dir + "/keys", error);
    if (error) return Status::Internal("cannot create the keys directory");
  }
  const auto add = [&](PackagedRendition rendition, CmafSegmenter& segmenter,
                       const std::optional<internal::AesBlock>& key) -> Status {
    STREAMGATE_RETURN_IF_ERROR(segmenter.Finish());
    rendition.timescale = segmenter.timescale();
    rendition.segments = segmenter.segments();
    rendition.playlist_uri = rendition.name + "/index.m3u8";
    if (rendition.segments.empty()) {
      return Status::InvalidArgument("the input produced no " + rendition.name + " media");
    }
    if (key) {
      STREAMGATE_RETURN_IF_ERROR(WriteBinary(
          request_.output_dir + "/keys/" + rendition.name + ".key", key->data(), key->size()));
      rendition.key_uri = KeyUri(rendition.name, packager);
    }
    FillBandwidth(rendition);
    media.renditions.push_back(std::move(rendition));
    return Status::Ok();
  };
  for (VideoRendition& video : videos_) {
    PackagedRendition rendition;
    rendition.name = video.rung.name;
    rendition.kind = RenditionKind::kVideo;
    rendition.codecs = internal::AvcCodecString(*video.encoder);
    rendition.width = video.rung.width;
    rendition.height = video.rung.height;
    rendition.frame_rate = av_q2d(input_->info().frame_rate);
    STREAMGATE_RETURN_IF_ERROR(add(std::move(rendition), *video.segmenter, video.key));
  }
  if (audio_segmenter_ && resampler_) {
    PackagedRendition rendition;
    rendition.name = "audio";
    rendition.kind = RenditionKind::kAudio;
    rendition.codecs = internal::AacCodecString(*audio_encoder_);
    rendition.sample_rate = audio_encoder_->sample_rate;
    rendition.channels = audio_encoder_->ch_layout.nb_channels;
    STREAMGATE_RETURN_IF_ERROR(add(std::move(rendition), *audio_segmenter_, audio_key_));
  } else if (audio_segmenter_) {
    // The audio stream decoded to nothing: drop its empty directory.
    std::filesystem::remove_all(request_.output_dir + "/audio", error);
    result_.has_audio = false;
  }
  media.duration_s = TrackSeconds(media.renditions.front());
  return WritePlaylists(media, request_.output_dir);
}

Result<TranscodeResult> Pipeline::Run() {
  const auto started = std::chrono::steady_clock::now();
  STREAMGATE_RETURN_IF_ERROR(Open());
  FramePtr frame = internal::NewFrame();
  while (true) {
    STREAMGATE_ASSIGN_OR_RETURN(const DecodedKind kind, input_->Next(frame.get()));
    if (kind == DecodedKind::kEnd) break;
    if (request_.cancel.cancelled()) return Status::Cancelled("transcode cancelled");
    if (kind == DecodedKind::kVideo) {
      STREAMGATE_RETURN_IF_ERROR(OnVideoFrame(frame.get()));
    } else {
      STREAMGATE_RETURN_IF_ERROR(OnAudioFrame(frame.get()));
    }
  }
  if (request_.cancel.cancelled()) return Status::Cancelled("transcode cancelled");
  STREAMGATE_RETURN_IF_ERROR(Finish());
  result_.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (request_.progress) request_.progress(100.0);
  return std::move(result_);
}

}  // namespace

Transcoder::Transcoder(TranscoderOptions options, Runtime* runtime)
    : options_(std::move(options)), runtime_(runtime) {}
Transcoder::~Transcoder() = default;

const TranscoderOptions& Transcoder::options() const { return options_; }

Result<std::unique_ptr<Transcoder>> Transcoder::Create(TranscoderOptions options,
                                                       Runtime* runtime) {
  if (options.ladder.empty()) return Status::InvalidArgument("the ladder is empty");
  for (const LadderRung& rung : options.ladder) {
    if (rung.height < 16 || rung.height > 8192 || rung.video_kbps < 50) {
      return Status::InvalidArgument("bad ladder rung " + std::to_string(rung.height) + ":" +
                                     std::to_string(rung.video_kbps));
    }
  }
  if (!(options.packager.segment_seconds >= 1.0 && options.packager.segment_seconds <= 30.0)) {
    return Status::InvalidArgument("segment_seconds must be within [1, 30]");
  }
  if (options.crf < 0 || options.crf > 51) return Status::InvalidArgument("crf must be 0..51");
  if (options.audio_kbps < 32 || options.audio_kbps > 512) {
    return Status::InvalidArgument("audio_kbps must be within [32, 512]");
  }
  if (options.max_width < 16 || options.max_height < 16) {
    return Status::InvalidArgument("max_width/max_height must be at least 16");
  }
  static const char* const kPresets[] = {"ultrafast", "superfast", "veryfast", "faster",
                                         "fast",      "medium",    "slow",     "slower",
                                         "veryslow",  "placebo"};
  if (std::find(std::begin(kPresets), std::end(kPresets), options.preset) == std::end(kPresets)) {
    return Status::InvalidArgument("unknown x264 preset \"" + options.preset + "\"");
  }
  // libav logs to stderr by default; only errors are worth a line in a server's log.
  av_log_set_level(AV_LOG_ERROR);
  if (options.parallel_rungs < 1 || options.parallel_rungs > 16) {
    return Status::InvalidArgument("parallel_rungs must be within [1, 16]");
  }
  return std::unique_ptr<Transcoder>(new Transcoder(std::move(options), runtime));
}

Result<TranscodeResult> Transcoder::Transcode(const TranscodeRequest& request) const {
  if (request.input_path.empty()) return Status::InvalidArgument("input_path is empty");
  if (request.output_dir.empty()) return Status::InvalidArgument("output_dir is empty");
  std::error_code error;
  if (std::filesystem::exists(request.output_dir, error)) {
    return Status::AlreadyExists("output directory " + request.output_dir + " exists");
  }
  std::filesystem::create_directories(request.output_dir, error);
  if (error) {
    return Status::Internal("cannot create " + request.output_dir + ": " + error.message());
  }
  OutputGuard guard(request.output_dir);
  Result<TranscodeResult> result = [&]() -> Result<TranscodeResult> {
    Pipeline pipeline(options_, request, runtime_);
    return pipeline.Run();
  }();
  if (result.ok()) guard.Commit();
  return result;
}

}  // namespace streamgate
