// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/transcode_job_table.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace streamgate::internal {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kCompleted:
      return "completed";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

TranscodeJob TranscodeJobTable::Add(std::string content_id, std::string source_key,
                                    TranscoderOptions options) {
  // Ids are unique per process and not guessable from one another.
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mutex_);
  char id[40];
  std::snprintf(id, sizeof(id), "tj-%06llu-%08llx", static_cast<unsigned long long>(next_id_++),
                static_cast<unsigned long long>(random() & 0xffffffffULL));
  TranscodeJob job;
  job.id = id;
  job.content_id = std::move(content_id);
  job.source_key = std::move(source_key);
  job.options = std::move(options);
  job.created_unix_ms = NowMs();
  jobs_[job.id] = job;
  queue_.push_back(job.id);
  return job;
}

std::optional<TranscodeJob> TranscodeJobTable::Get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

std::vector<TranscodeJob> TranscodeJobTable::List(std::optional<JobState> state) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<TranscodeJob> out;
  for (const auto& [id, job] : jobs_) {
    if (!state || job.state == *state) out.push_back(job);
  }
  std::sort(out.begin(), out.end(), [](const TranscodeJob& a, const TranscodeJob& b) {
    return a.created_unix_ms != b.created_unix_ms ? a.created_unix_ms > b.created_unix_ms
                                                  : a.id > b.id;
  });
  return out;
}

std::optional<TranscodeJob> TranscodeJobTable::StartNext(int max_running) {
  std::lock_guard<std::mutex> lock(mutex_);
  while (running_ < max_running && !queue_.empty()) {
    const std::string id = queue_.front();
    queue_.pop_front();
    auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second.state != JobState::kQueued) continue;
    it->second.state = JobState::kRunning;
    it->second.started_unix_ms = NowMs();
    ++running_;
    return it->second;
  }
  return std::nullopt;
}

void TranscodeJobTable::SetProgress(const std::string& id, double percent) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = jobs_.find(id);
  if (it != jobs_.end()) it->second.progress = percent;
}

void TranscodeJobTable::Finish(const std::string& id, JobState state, const std::string& error,
                               const TranscodeJob* done) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  TranscodeJob& job = it->second;
  if (job.state == JobState::kRunning) --running_;
  job.state = state;
  job.error = error;
  job.finished_unix_ms = NowMs();
  if (done != nullptr) {
    job.frames_encoded = done->frames_encoded;
    job.duration_s = done->duration_s;
    job.hls_key = done->hls_key;
    job.dash_key = done->dash_key;
    job.poster_key = done->poster_key;
  }
  if (state == JobState::kCompleted) {
    job.progress = 100;
    const double run_s = static_cast<double>(job.finished_unix_ms - job.started_unix_ms) / 1000.0;
    ++totals_.finished_jobs;
    totals_.run_seconds_total += run_s;
    totals_.run_seconds_max = std::max(totals_.run_seconds_max, run_s);
    totals_.media_seconds_total += job.duration_s;
  }
  totals_.frames_encoded_total += job.frames_encoded;
}

Result<JobState> TranscodeJobTable::Cancel(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound("no transcode job " + id);
  TranscodeJob& job = it->second;
  if (job.state == JobState::kQueued) {
    job.state = JobState::kCancelled;
    job.finished_unix_ms = NowMs();
    job.error = "cancelled before it started";
    return job.state;
  }
  if (job.state == JobState::kRunning) {
    job.cancel.Cancel();
    return job.state;
  }
  return Status::FailedPrecondition("job " + id + " already " +
                                    std::string(JobStateName(job.state)));
}

void TranscodeJobTable::CancelAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [id, job] : jobs_) {
    if (job.state == JobState::kRunning) job.cancel.Cancel();
    if (job.state == JobState::kQueued) {
      job.state = JobState::kCancelled;
      job.error = "service stopping";
    }
  }
  queue_.clear();
}

int TranscodeJobTable::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

TranscodeMetrics TranscodeJobTable::Metrics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  TranscodeMetrics metrics = totals_;
  for (const JobState state : {JobState::kQueued, JobState::kRunning, JobState::kCompleted,
                               JobState::kFailed, JobState::kCancelled}) {
    metrics.jobs_by_state[std::string(JobStateName(state))] = 0;
  }
  for (const auto& [id, job] : jobs_) ++metrics.jobs_by_state[std::string(JobStateName(job.state))];
  return metrics;
}

}  // namespace streamgate::internal
