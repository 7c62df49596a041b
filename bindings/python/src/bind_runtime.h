// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

#include "common.h"
#include "streamgate/runtime.h"

namespace streamgate::python {

// A Runtime destroyed without the GIL (see DeleteWithoutGil).
std::shared_ptr<Runtime> NewRuntime(int io_threads, int worker_threads);
// `runtime`, or a small private one (1 I/O thread, 2 workers) when it is null.
std::shared_ptr<Runtime> RuntimeOrDefault(const std::shared_ptr<Runtime>& runtime);

}  // namespace streamgate::python
