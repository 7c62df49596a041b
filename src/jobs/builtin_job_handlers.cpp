// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Job types for tests and operations: check that workers are alive (noop), see a payload round
// trip (echo), hold a worker slot while honouring cancellation (sleep), and exercise retries
// (fail). Registered only on request (jobs.builtin_handlers), never by default.
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "streamgate/job_queue.h"

namespace streamgate {
namespace {

nlohmann::json ParsePayload(const Job& job) {
  nlohmann::json payload = nlohmann::json::parse(job.payload, nullptr, false);
  return payload.is_object() ? payload : nlohmann::json::object();
}

Status Sleep(const Job& job, JobContext& context) {
  const nlohmann::json payload = ParsePayload(job);
  const auto value = payload.find("ms");
  const int64_t total =
      value != payload.end() && value->is_number_integer() ? value->get<int64_t>() : 0;
  if (total < 0 || total > int64_t{3600} * 1000) {
    return Status::InvalidArgument("sleep: ms must be in [0, 3600000]");
  }
  // Short naps rather than one long sleep, so that a cancel is noticed within ~10 ms.
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(total);
  while (std::chrono::steady_clock::now() < end) {
    if (context.cancelled()) return Status::Cancelled("sleep cancelled");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    std::this_thread::sleep_for(
        std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(10)));
    if (total > 0) {
      const auto done = total - std::max<int64_t>(left.count(), 0);
      context.SetProgress(static_cast<int>(std::clamp<int64_t>(done * 100 / total, 0, 100)));
    }
  }
  return Status::Ok();
}

Status Fail(const Job& job, JobContext& /*context*/) {
  const nlohmann::json payload = ParsePayload(job);
  const std::string message = payload.value("message", std::string("requested failure"));
  const bool retryable = payload.value("retryable", true);
  return retryable ? Status::Unavailable(message) : Status::FailedPrecondition(message);
}

}  // namespace

Status RegisterBuiltinJobHandlers(JobWorker& worker) {
  STREAMGATE_RETURN_IF_ERROR(
      worker.RegisterHandler("noop", [](const Job&, JobContext&) { return Status::Ok(); }));
  STREAMGATE_RETURN_IF_ERROR(worker.RegisterHandler("echo", [](const Job& job, JobContext& ctx) {
    ctx.SetResult(job.payload);
    return Status::Ok();
  }));
  STREAMGATE_RETURN_IF_ERROR(worker.RegisterHandler("sleep", Sleep));
  return worker.RegisterHandler("fail", Fail);
}

}  // namespace streamgate
