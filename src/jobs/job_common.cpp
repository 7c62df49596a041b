// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "jobs/job_common.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>

namespace streamgate {

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
    case JobState::kScheduled:
      return "scheduled";
  }
  return "unknown";
}

Result<JobState> ParseJobState(std::string_view name) {
  for (JobState state : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
                         JobState::kFailed, JobState::kCancelled, JobState::kScheduled}) {
    if (JobStateName(state) == name) return state;
  }
  return Status::InvalidArgument("unknown job state \"" + std::string(name.substr(0, 32)) +
                                 "\" (queued|running|succeeded|failed|cancelled|scheduled)");
}

bool IsTerminal(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

namespace internal {
namespace {

// One generator per process, seeded from the OS; a mutex because ids are made on any thread.
std::mt19937_64& Generator(std::unique_lock<std::mutex>& lock) {
  static std::mutex mutex;
  static std::mt19937_64 generator([] {
    std::random_device device;
    std::seed_seq seq{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seq);
  }());
  lock = std::unique_lock<std::mutex>(mutex);
  return generator;
}

bool IsTypeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NewJobId() {
  std::unique_lock<std::mutex> lock;
  std::mt19937_64& generator = Generator(lock);
  const uint64_t high = generator();
  const uint64_t low = generator();
  lock.unlock();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int i = 0; i < 16; ++i) {
    id[static_cast<std::size_t>(i)] = kHex[(high >> (60 - 4 * i)) & 0xF];
    id[static_cast<std::size_t>(16 + i)] = kHex[(low >> (60 - 4 * i)) & 0xF];
  }
  return id;
}

Status ValidateJobType(std::string_view type) {
  if (type.empty()) return Status::InvalidArgument("job type is missing");
  if (type.size() > 64 || !std::all_of(type.begin(), type.end(), IsTypeChar)) {
    return Status::InvalidArgument("job type must be 1-64 characters of [A-Za-z0-9._-]");
  }
  return Status::Ok();
}

Status ValidateJobId(std::string_view id) {
  const bool ok = id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                  });
  if (id.empty()) return Status::InvalidArgument("job id is missing");
  // A malformed id cannot name a job: NotFound, as for an unknown well-formed one.
  if (!ok) return Status::NotFound("no such job");
  return Status::Ok();
}

Result<SubmitJobRequest> NormalizeSubmit(const SubmitJobRequest& request,
                                         const JobQueueOptions& options) {
  STREAMGATE_RETURN_IF_ERROR(ValidateJobType(request.type));
  SubmitJobRequest out = request;
  if (out.payload.empty()) out.payload = "{}";
  if (out.payload.size() > options.max_payload_bytes) {
    return Status::ResourceExhausted("job payload is " + std::to_string(out.payload.size()) +
                                     " bytes; the limit is " +
                                     std::to_string(options.max_payload_bytes));
  }
  if (!nlohmann::json::accept(out.payload)) {
    return Status::InvalidArgument("job payload is not valid JSON");
  }
  if (out.max_attempts < 0 || out.max_attempts > kMaxJobAttempts) {
    return Status::InvalidArgument("max_attempts must be in [0, " +
                                   std::to_string(kMaxJobAttempts) + "]");
  }
  if (out.max_attempts == 0) out.max_attempts = options.max_attempts;
  out.priority = std::clamp(out.priority, kMinJobPriority, kMaxJobPriority);
  if (out.run_at_ms < 0) return Status::InvalidArgument("run_at_ms must not be negative");
  constexpr int64_t kYearMs = int64_t{366} * 24 * 3600 * 1000;
  if (out.interval_ms < 0 || out.interval_ms > kYearMs) {
    return Status::InvalidArgument("interval_ms must be in [0, one year]");
  }
  if (out.interval_ms > 0 && out.interval_ms < 100) {
    return Status::InvalidArgument("interval_ms must be at least 100");
  }
  if (out.idempotency_key.size() > kMaxIdempotencyKeyBytes) {
    return Status::InvalidArgument("idempotency_key is longer than 200 bytes");
  }
  return out;
}

Status ValidateQueueOptions(const JobQueueOptions& options) {
  if (options.max_attempts < 1 || options.max_attempts > kMaxJobAttempts) {
    return Status::InvalidArgument("max_attempts must be in [1, 1000]");
  }
  if (options.backoff_base_ms < 0 || options.backoff_cap_ms < options.backoff_base_ms) {
    return Status::InvalidArgument("backoff_base_ms must be >= 0 and <= backoff_cap_ms");
  }
  if (options.max_payload_bytes == 0) {
    return Status::InvalidArgument("max_payload_bytes must be positive");
  }
  return Status::Ok();
}

Status CheckSchedulable(const SubmitJobRequest& request) {
  if (request.interval_ms <= 0 && request.run_at_ms <= NowMs()) {
    return Status::InvalidArgument("a scheduled job needs a future run_at_ms or an interval_ms");
  }
  return Status::Ok();
}

FirstRun PlanFirstRun(const SubmitJobRequest& request, int64_t now_ms) {
  FirstRun plan;
  plan.later = request.run_at_ms > now_ms || request.interval_ms > 0;
  plan.run_at_ms = std::max(request.run_at_ms, now_ms);
  if (request.interval_ms > 0 && request.run_at_ms == 0) {
    plan.run_at_ms = now_ms + request.interval_ms;
  }
  return plan;
}

int64_t BackoffDelayMs(const JobQueueOptions& options, int attempt) {
  const int shift = std::clamp(attempt - 1, 0, 40);
  int64_t ceiling = options.backoff_base_ms;
  for (int i = 0; i < shift && ceiling < options.backoff_cap_ms; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, options.backoff_cap_ms);
  if (ceiling <= 0) return 0;
  std::unique_lock<std::mutex> lock;
  std::mt19937_64& generator = Generator(lock);
  return std::uniform_int_distribution<int64_t>(0, ceiling)(generator);
}

Result<uint64_t> ParseJobCursor(std::string_view cursor) {
  uint64_t value = 0;
  const char* end = cursor.data() + cursor.size();
  const auto [ptr, ec] = std::from_chars(cursor.data(), end, value);
  if (cursor.empty() || cursor.size() > 20 || ec != std::errc() || ptr != end || value == 0) {
    return Status::InvalidArgument("invalid cursor");
  }
  return value;
}

Status ValidateListRequest(const ListJobsRequest& request) {
  if (request.limit < 1 || request.limit > kMaxListLimit) {
    return Status::InvalidArgument("limit must be in [1, 1000]");
  }
  if (!request.type.empty()) STREAMGATE_RETURN_IF_ERROR(ValidateJobType(request.type));
  if (!request.cursor.empty()) STREAMGATE_RETURN_IF_ERROR(ParseJobCursor(request.cursor).status());
  return Status::Ok();
}

std::string TruncateError(std::string_view error) {
  return std::string(error.substr(0, kMaxJobErrorBytes));
}

}  // namespace internal

Result<std::unique_ptr<JobQueue>> NewJobQueue(const JobQueueOptions& options) {
  return options.backend == JobBackend::kRedis ? NewRedisJobQueue(options)
                                               : NewSqliteJobQueue(options);
}

}  // namespace streamgate
