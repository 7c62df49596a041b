// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The EventBus as the Kernel manages it: whichever backend events.backend names, with the hooks
// the plugin life cycle needs. Delivery starts after every plugin has started (a bus that reads
// from Redis must not consume an event before the plugin that handles it has subscribed), stops
// before plugins stop, and Close() ends it before the plugins whose handlers it calls are
// destroyed.
#pragma once

#include <memory>
#include <string>

#include "streamgate/config.h"
#include "streamgate/event_bus.h"
#include "streamgate/runtime.h"

namespace streamgate::internal {

// Thread-safe. Borrows the Runtime, which must outlive it.
class KernelEventBus : public EventBus {
 public:
  // Begins delivering events that arrive from outside the process (no-op in process).
  virtual Status StartDelivery() { return Status::Ok(); }
  // No delivery starts after this returns, and those running have finished (except the
  // caller's own, from inside a handler). Publish keeps working. StartDelivery may follow.
  virtual void StopDelivery() {}
  // Stops delivering for good, waits for running handlers (except the caller's own) and
  // refuses later Publish calls with FailedPrecondition. Idempotent.
  virtual void Close() = 0;
};

// A random 128-bit id in 32 hex digits: what Publish gives an event without one.
std::string RandomEventId();

// The bus config.events names; a Redis bus's group defaults to config.service.
Result<std::unique_ptr<KernelEventBus>> NewKernelEventBus(const Config& config, Runtime& runtime);

}  // namespace streamgate::internal
