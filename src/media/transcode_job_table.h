// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// TranscodeJobTable: the transcoder service's in-memory job bookkeeping in one place: states,
// progress, cancel tokens, the FIFO of queued jobs, and the figures /transcode/metrics reports.
// (The durable JobQueue replaces the storage later; the plugin only talks to this class.)
// Thread-safe: every method locks `mutex_`.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "streamgate/result.h"
#include "streamgate/transcoder.h"

namespace streamgate::internal {

enum class JobState { kQueued, kRunning, kCompleted, kFailed, kCancelled };
std::string_view JobStateName(JobState state);

struct TranscodeJob {
  std::string id;
  std::string content_id;
  std::string source_key;     // object key of the source in the store
  TranscoderOptions options;  // the effective options for this job
  JobState state = JobState::kQueued;
  double progress = 0;  // percent
  std::string error;    // why it failed
  int64_t created_unix_ms = 0;
  int64_t started_unix_ms = 0;
  int64_t finished_unix_ms = 0;
  int64_t frames_encoded = 0;
  double duration_s = 0;  // of the media
  std::string hls_key;    // object keys once published
  std::string dash_key;
  std::string poster_key;
  CancelToken cancel;
};

struct TranscodeMetrics {
  std::map<std::string, int64_t> jobs_by_state;
  int64_t frames_encoded_total = 0;
  int64_t finished_jobs = 0;  // completed ones, whose run times are below
  double run_seconds_total = 0;
  double run_seconds_max = 0;
  double media_seconds_total = 0;
};

class TranscodeJobTable {
 public:
  // Adds a queued job and returns it (id assigned).
  TranscodeJob Add(std::string content_id, std::string source_key, TranscoderOptions options);
  std::optional<TranscodeJob> Get(const std::string& id) const;
  // Newest first; `state` filters when set.
  std::vector<TranscodeJob> List(std::optional<JobState> state) const;
  // The oldest queued job, now marked running, if fewer than `max_running` run.
  std::optional<TranscodeJob> StartNext(int max_running);
  void SetProgress(const std::string& id, double percent);
  // Records a finished run: completed (with `done` filled), failed or cancelled.
  void Finish(const std::string& id, JobState state, const std::string& error,
              const TranscodeJob* done);
  // Queued: cancelled at once (true). Running: the token fires; Finish records it (true).
  // Finished or unknown: false.
  Result<JobState> Cancel(const std::string& id);
  // Fires every running job's token (shutdown).
  void CancelAll();
  int running() const;
  TranscodeMetrics Metrics() const;

 private:
  mutable std::mutex mutex_;  // guards everything below
  std::map<std::string, TranscodeJob> jobs_;
  std::deque<std::string> queue_;
  int running_ = 0;
  uint64_t next_id_ = 1;
  TranscodeMetrics totals_;
};

}  // namespace streamgate::internal
