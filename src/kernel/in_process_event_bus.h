// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The embedded EventBus: deliveries are tasks on the Runtime's worker pool. Internal so that the
// Kernel can Close() it (stop delivering, wait for running handlers) before it destroys the
// plugins whose handlers the bus would otherwise call.
#pragma once

#include <memory>

#include "kernel/kernel_event_bus.h"
#include "streamgate/event_bus.h"
#include "streamgate/runtime.h"

namespace streamgate::internal {

// Thread-safe. Borrows the Runtime, which must outlive it.
class InProcessEventBus final : public KernelEventBus {
 public:
  explicit InProcessEventBus(Runtime& runtime);
  ~InProcessEventBus() override;  // Close()
  InProcessEventBus(const InProcessEventBus&) = delete;
  InProcessEventBus& operator=(const InProcessEventBus&) = delete;

  Status Publish(Event event) override;
  SubscriptionId Subscribe(std::string_view type, EventHandler handler) override;
  void Unsubscribe(SubscriptionId id) override;

  // Drops deliveries that have not started, waits for handlers that are running (except the
  // caller's own, when called from inside a handler), and refuses later Publish calls with
  // FailedPrecondition. Idempotent.
  void Close() override;

  struct Shared;

 private:
  Runtime& runtime_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace streamgate::internal
