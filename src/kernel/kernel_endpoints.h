// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The routes every StreamGate process serves whatever its plugins: GET /health, /ready,
// /api/v1/health and /metrics (the kernel's MetricsRegistry). Built on Kernel's public API only.
#pragma once

#include <chrono>
#include <string>

#include "streamgate/kernel.h"

namespace streamgate::internal {

// Adds the four routes to `router`; the handlers borrow `kernel`, which must outlive the server.
// `created` is when the kernel was created, for uptime.
Status MountKernelEndpoints(Kernel& kernel, Router& router,
                            std::chrono::steady_clock::time_point created);

}  // namespace streamgate::internal
