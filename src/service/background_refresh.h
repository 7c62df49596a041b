// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Metrics collectors run while /metrics renders and must not block, yet some values take a query
// to read (a job queue's depth, a Redis cache's key count). A collector calls Request(); the
// refresh then runs on the Runtime's worker pool (at most one at a time, at most once per
// `min_interval`) and sets the metrics, so a scrape shows values at most one scrape old.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "streamgate/runtime.h"

namespace streamgate::internal {

// Thread-safe. Create with std::make_shared: queued runs keep it alive. `refresh` must stay
// callable for as long as runs may be queued (capture shared ownership of what it reads).
class BackgroundRefresh : public std::enable_shared_from_this<BackgroundRefresh> {
 public:
  BackgroundRefresh(Runtime& runtime, std::chrono::milliseconds min_interval,
                    std::function<void()> refresh)
      : runtime_(runtime), min_interval_(min_interval), refresh_(std::move(refresh)) {}

  // Never blocks: queues a refresh unless one is queued or running or the last is too recent.
  void Request();

 private:
  Runtime& runtime_;
  const std::chrono::milliseconds min_interval_;
  const std::function<void()> refresh_;
  std::atomic<bool> in_flight_{false};
  std::atomic<int64_t> last_start_ms_{-1'000'000'000};
};

}  // namespace streamgate::internal
