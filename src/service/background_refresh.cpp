// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "service/background_refresh.h"

namespace streamgate::internal {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void BackgroundRefresh::Request() {
  const int64_t now = SteadyMs();
  if (now - last_start_ms_.load() < min_interval_.count()) return;
  bool expected = false;
  if (!in_flight_.compare_exchange_strong(expected, true)) return;
  last_start_ms_ = now;
  runtime_.Post([self = shared_from_this()] {
    self->refresh_();
    self->in_flight_ = false;
  });
}

}  // namespace streamgate::internal
