// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Fetches other services' GET /api/v1/health in parallel with libcurl's multi interface, on the
// calling (worker) thread: no thread of its own, and no waiting on the worker pool, which a
// handler already running on it could deadlock.
#pragma once

#include <chrono>
#include <vector>

#include "streamgate/monitor.h"

namespace streamgate::internal {

// One result per service, in order. A service that does not answer within `timeout`, answers
// with something other than a health document, or reports itself unhealthy is "unhealthy" with
// the reason in `error`.
std::vector<ServiceHealthStatus> FetchServiceHealth(const std::vector<MonitoredService>& services,
                                                    std::chrono::milliseconds timeout);

}  // namespace streamgate::internal
