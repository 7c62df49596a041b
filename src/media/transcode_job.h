// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Transcoding as a durable job: the "transcode" job type on the JobQueue. One function builds
// the job (payload + idempotency key) from a content id and a source object; one registers the
// handler on a JobWorker. The transcoder plugin registers it (on the worker plugin's JobWorker
// when that plugin runs in the process, on its own otherwise), and the worker plugin can too
// (jobs.run_transcode), so either service runs transcodes. The handler downloads the source from
// the ObjectStore, transcodes and packages it into a staging directory, publishes it under
// media/<content_id>/ (one rename on a local store; manifests last on S3), and announces
// transcode.completed / transcode.failed. Jobs are at-least-once: a rerun republishes the same
// output and the same events, which every consumer applies idempotently.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "streamgate/event_bus.h"
#include "streamgate/job_queue.h"
#include "streamgate/monitor.h"
#include "streamgate/object_store.h"
#include "streamgate/runtime.h"
#include "streamgate/transcoder.h"

namespace streamgate::internal {

inline constexpr const char* kTranscodeJobType = "transcode";

// The transcode metrics of the process (streamgate_transcode_jobs_total{state},
// streamgate_transcode_duration_seconds). Registering twice returns the same families, so the
// transcoder and worker plugins may both call it.
struct TranscodeJobMetrics {
  Counter* completed = nullptr;
  Counter* failed = nullptr;
  Counter* cancelled = nullptr;
  Histogram* duration = nullptr;
};
Result<TranscodeJobMetrics> AddTranscodeJobMetrics(MetricsRegistry& registry);

// What the handler needs. Every pointer must outlive the JobWorker it is registered on.
struct TranscodeJobContext {
  TranscodeSettings settings;          // the defaults the job's options override
  std::shared_ptr<ObjectStore> store;  // sources are read from and media published to it
  std::shared_ptr<JobQueue> queue;     // tells a cancelled job from a stopping worker
  EventBus* events = nullptr;          // transcode.completed / transcode.failed
  Runtime* runtime = nullptr;          // lends workers for parallel rungs; may be null
  std::string staging_root;            // <data_dir>/tmp/transcode
  TranscodeJobMetrics metrics;         // may hold nulls
};

// Content ids name a directory: 1-128 of [A-Za-z0-9_-].
bool ValidContentId(std::string_view id);
// The ObjectStore key rules: '/'-separated segments, none empty, "." or ".."; no '\' or NUL.
bool ValidObjectKey(std::string_view key);

// The effective options of a job: `settings.transcoder` with `overrides` (an object of ladder,
// segment_seconds, preset, crf, aes128, poster; null = none) applied and validated.
Result<TranscoderOptions> TranscodeOptionsFor(const TranscodeSettings& settings,
                                              const nlohmann::json& overrides);

// The job for one transcode, validated (InvalidArgument names the bad field). Payload:
// {"content_id", "source", "options"}.
Result<SubmitJobRequest> MakeTranscodeJob(const TranscodeSettings& settings,
                                          const std::string& content_id,
                                          const std::string& source_key,
                                          const nlohmann::json& overrides,
                                          std::string idempotency_key);
// The key that makes repeated upload.completed deliveries one job.
std::string UploadTranscodeKey(const std::string& content_id, const std::string& object_key);

// Registers the "transcode" handler. AlreadyExists when the worker has one.
Status RegisterTranscodeJobHandler(JobWorker& worker, TranscodeJobContext context);

// Staging directories left by a process that died mid-job (kill -9) are never playable; those
// not touched for an hour are removed (younger ones may belong to a replica sharing data_dir).
// Creates the root when missing.
Status CleanTranscodeStaging(const std::string& staging_root);

}  // namespace streamgate::internal
