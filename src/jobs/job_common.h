// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Rules both JobQueue backends share, so that they agree on what is valid and when a job runs:
// request validation, ids, the clock, backoff, and the list cursor format.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "streamgate/job_queue.h"

namespace streamgate::internal {

constexpr int kMinJobPriority = -1000;
constexpr int kMaxJobPriority = 1000;
constexpr int kMaxJobAttempts = 1000;
constexpr std::size_t kMaxIdempotencyKeyBytes = 200;
constexpr std::size_t kMaxJobErrorBytes = 2048;
constexpr int kMaxListLimit = 1000;

int64_t NowMs();
// 32 lowercase hex characters from a CSPRNG-seeded generator.
std::string NewJobId();
// InvalidArgument unless [A-Za-z0-9._-]{1,64}.
Status ValidateJobType(std::string_view type);
// InvalidArgument unless 32 lowercase hex characters (no backend is asked about other ids).
Status ValidateJobId(std::string_view id);
// Checks and normalises a submit request: defaults max_attempts, clamps priority, checks the
// payload is JSON within the size limit (ResourceExhausted beyond).
Result<SubmitJobRequest> NormalizeSubmit(const SubmitJobRequest& request,
                                         const JobQueueOptions& options);
Status ValidateQueueOptions(const JobQueueOptions& options);
// Schedule's rule on top of Submit's: a future run_at_ms or an interval.
Status CheckSchedulable(const SubmitJobRequest& request);
// When a normalised submission first runs, and whether that is later (state scheduled rather
// than queued). An interval job without run_at_ms first runs one interval from now.
struct FirstRun {
  int64_t run_at_ms = 0;
  bool later = false;
};
FirstRun PlanFirstRun(const SubmitJobRequest& request, int64_t now_ms);
// Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))], attempt >= 1.
int64_t BackoffDelayMs(const JobQueueOptions& options, int attempt);
// The cursor is the submission sequence number of the last job returned, in decimal.
Result<uint64_t> ParseJobCursor(std::string_view cursor);
Status ValidateListRequest(const ListJobsRequest& request);
// Error messages are stored; keep them bounded.
std::string TruncateError(std::string_view error);

}  // namespace streamgate::internal
