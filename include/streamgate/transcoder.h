// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Transcoder: FFmpeg's libraries in-process. Opens any input libavformat can read, decodes it
// once, turns rotated (phone) video upright, scales every decoded frame to each rung of an ABR
// ladder, encodes H.264 (libx264) per rung and AAC once, and muxes CMAF fragmented MP4 with key
// frames forced at the same presentation time in every rendition, so segments line up across the
// ladder. The Packager's model (packager.h) of the result is returned and its playlists written.
//
// The build links libx264, so binaries are GPL-2.0-or-later.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/packager.h"
#include "streamgate/result.h"
#include "streamgate/status.h"

namespace streamgate {

class Runtime;

struct LadderRung {
  std::string name;    // directory and rendition name; "" means "<height>p"
  int height = 0;      // output height; the width follows the source aspect ratio (even)
  int video_kbps = 0;  // target bit rate (bitrate mode) or the cap (CRF mode)
};

// 1080p 5000, 720p 3000, 480p 1200, 360p 800.
std::vector<LadderRung> DefaultLadder();
// "1080:5000,720:3000,480:1200,360:800" → rungs. InvalidArgument names the bad item.
Result<std::vector<LadderRung>> ParseLadder(std::string_view text);
std::string LadderToString(const std::vector<LadderRung>& ladder);

struct TranscoderOptions {
  // Rungs above the source height are dropped; when the source is smaller than every rung, one
  // rung at the source size is produced. Never upscales.
  std::vector<LadderRung> ladder = DefaultLadder();
  PackagerOptions packager;         // segment length, AES-128, DASH
  std::string preset = "veryfast";  // x264 preset
  std::string tune;                 // x264 tune ("" for none)
  // 0: average bit rate = the rung's kbps. 1..51: constant quality, capped by the rung's kbps.
  int crf = 0;
  double maxrate_factor = 1.10;  // VBV max rate = factor × rung kbps
  double bufsize_factor = 2.0;   // VBV buffer = factor × rung kbps
  // Frames per GOP; 0 means one GOP per segment. Key frames are forced (IDR, closed GOP) at
  // every segment boundary in every rendition whatever this is.
  int gop_frames = 0;
  // x264 scene-cut detection. Off by default: scene cuts would insert key frames that differ
  // between renditions (harmless for alignment, but wasteful and not CMAF-regular).
  bool scenecut = false;
  int audio_kbps = 128;
  // Thread budget: x264 threads per encoder (0 = x264's choice), decoder threads (0 = auto),
  // filter-graph threads (0 = auto).
  int encoder_threads = 0;
  int decoder_threads = 0;
  int filter_threads = 0;
  // Rungs encoded at the same time, on the Runtime's workers given to Create (1 = one after the
  // other on the calling thread; without a Runtime always 1). The calling thread takes part, so
  // a busy pool only slows this down, never blocks it.
  int parallel_rungs = 1;
  bool poster = true;
  int poster_width = 640;  // poster JPEG width (never upscaled)
  // Hostile-input bounds: larger declared video is rejected before any frame is decoded.
  int max_width = 8192;
  int max_height = 8192;
  double max_duration_s = 6 * 3600.0;
};

// The transcode configuration section: the Transcoder options plus how the transcoder
// service runs jobs (durable "transcode" jobs on the JobQueue, see docs/jobs.md).
struct TranscodeSettings {
  TranscoderOptions transcoder;
  // Jobs this process transcodes at once (each on one Runtime worker); further jobs wait in the
  // JobQueue (or run in other processes).
  int max_concurrent_jobs = 1;
  // Queue a job for every `upload.completed` event.
  bool on_upload = true;
  // Run transcode jobs in this process (on a JobWorker of max_concurrent_jobs); false only
  // submits and reports them, for a deployment where the worker service runs them.
  bool run_jobs = true;
};

// Shared cancellation flag: copy it into a request, call Cancel() from any thread; the
// transcode stops within about one frame's work and removes its partial output.
class CancelToken {
 public:
  CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void Cancel() const { flag_->store(true); }
  bool cancelled() const { return flag_->load(); }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

// Called with 0..100 from the transcoding thread, never backwards, at most about once per
// percent.
using TranscodeProgress = std::function<void(double percent)>;

struct TranscodeRequest {
  std::string input_path;  // a file (or any URL libavformat opens)
  // Created by the transcode; must not exist yet. Removed again when the transcode fails or is
  // cancelled, so nothing half-written is ever left behind.
  std::string output_dir;
  TranscodeProgress progress;
  CancelToken cancel;
};

struct TranscodeResult {
  PackagedMedia media;  // also written to <output_dir>/package.json
  double source_duration_s = 0;
  int source_width = 0;  // as displayed (after rotation)
  int source_height = 0;
  int rotation_degrees = 0;  // applied to make the picture upright (0, 90, 180, 270)
  bool has_audio = false;
  int64_t frames_decoded = 0;
  int64_t frames_encoded = 0;  // summed over renditions
  double elapsed_s = 0;
};

// Thread-safe: Transcode may run concurrently from several threads (each call is independent).
// Each call blocks its thread for the whole transcode; x264 and the decoder use their own
// helper threads within the configured budget. Ownership: holds its options and borrows the
// Runtime given to Create.
class Transcoder {
 public:
  // InvalidArgument for an empty ladder, bad bounds or an unknown preset. `runtime` (borrowed,
  // may be null; must outlive the Transcoder) lends workers for parallel_rungs > 1.
  static Result<std::unique_ptr<Transcoder>> Create(TranscoderOptions options,
                                                    Runtime* runtime = nullptr);
  ~Transcoder();
  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;

  // InvalidArgument for unreadable or hostile input (the message says why), Cancelled when the
  // token fired, AlreadyExists when output_dir exists, Internal for encoder failures.
  Result<TranscodeResult> Transcode(const TranscodeRequest& request) const;

  const TranscoderOptions& options() const;

 private:
  Transcoder(TranscoderOptions options, Runtime* runtime);
  TranscoderOptions options_;
  Runtime* runtime_;
};

}  // namespace streamgate
