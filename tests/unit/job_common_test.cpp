// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The rules both JobQueue backends share: backoff bounds, ids, type names, cursors, and request
// normalisation. The behavioural suite over both backends is tests/integration/job_queue_test.cpp.
#include "jobs/job_common.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

namespace streamgate::internal {
namespace {

TEST_CASE("Backoff is full jitter under an exponential, capped ceiling", "[jobs]") {
  JobQueueOptions options;
  options.backoff_base_ms = 100;
  options.backoff_cap_ms = 1000;
  for (int attempt = 1; attempt <= 12; ++attempt) {
    int64_t ceiling = 100;
    for (int i = 1; i < attempt && ceiling < 1000; ++i) ceiling *= 2;
    ceiling = std::min<int64_t>(ceiling, 1000);
    int64_t smallest = ceiling;
    int64_t largest = 0;
    for (int i = 0; i < 400; ++i) {
      const int64_t delay = BackoffDelayMs(options, attempt);
      REQUIRE(delay >= 0);
      REQUIRE(delay <= ceiling);
      smallest = std::min(smallest, delay);
      largest = std::max(largest, delay);
    }
    INFO("attempt " << attempt);
    // Spread over the whole range (400 draws: both ends land in the outer quarters).
    CHECK(smallest < ceiling / 4);
    CHECK(largest > ceiling * 3 / 4);
  }
  options.backoff_base_ms = 0;
  CHECK(BackoffDelayMs(options, 5) == 0);
}

TEST_CASE("Job ids are 32 hex characters and unique", "[jobs]") {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewJobId();
    REQUIRE(ValidateJobId(id).ok());
    ids.insert(id);
  }
  CHECK(ids.size() == 1000);
  CHECK(ValidateJobId("").code() == StatusCode::kInvalidArgument);
  CHECK(ValidateJobId("0123456789ABCDEF0123456789abcdef").code() == StatusCode::kNotFound);
  CHECK(ValidateJobId("job:1").code() == StatusCode::kNotFound);
}

TEST_CASE("Job types, cursors and submit requests are validated", "[jobs]") {
  CHECK(ValidateJobType("media.transcode-v2_x").ok());
  CHECK(ValidateJobType(std::string(64, 'a')).ok());
  for (const std::string& bad :
       std::vector<std::string>{"", "a b", "a:b", "é", std::string(65, 'a'), "a\nb"}) {
    CHECK(ValidateJobType(bad).code() == StatusCode::kInvalidArgument);
  }
  CHECK(*ParseJobCursor("42") == 42u);
  for (const char* bad : {"", "0", "-1", "+1", "1.5", " 1", "x", "184467440737095516160"}) {
    INFO(bad);
    CHECK(ParseJobCursor(bad).status().code() == StatusCode::kInvalidArgument);
  }

  JobQueueOptions options;
  options.max_payload_bytes = 10;
  SubmitJobRequest request;
  request.type = "t";
  request.payload = "";
  request.priority = 5000;
  Result<SubmitJobRequest> normal = NormalizeSubmit(request, options);
  REQUIRE(normal.ok());
  CHECK(normal->payload == "{}");
  CHECK(normal->priority == kMaxJobPriority);
  CHECK(normal->max_attempts == options.max_attempts);
  request.payload = "[1,2,3,4,5,6]";
  CHECK(NormalizeSubmit(request, options).status().code() == StatusCode::kResourceExhausted);
  request.payload = "{\"a\":";
  CHECK(NormalizeSubmit(request, options).status().code() == StatusCode::kInvalidArgument);
  request.payload = "1";
  request.interval_ms = 5;
  CHECK(NormalizeSubmit(request, options).status().code() == StatusCode::kInvalidArgument);
  request.interval_ms = 0;
  request.idempotency_key = std::string(201, 'k');
  CHECK(NormalizeSubmit(request, options).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Job states round-trip through their names", "[jobs]") {
  for (JobState state : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
                         JobState::kFailed, JobState::kCancelled, JobState::kScheduled}) {
    CHECK(*ParseJobState(JobStateName(state)) == state);
  }
  CHECK(ParseJobState("done").status().code() == StatusCode::kInvalidArgument);
  CHECK(IsTerminal(JobState::kCancelled));
  CHECK_FALSE(IsTerminal(JobState::kScheduled));
}

}  // namespace
}  // namespace streamgate::internal
