// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The Redis EventBus (contract in event_bus.h): XADD to publish, one consumer group per service
// reading with XREADGROUP, XACK once the handlers ran, XAUTOCLAIM for what dead consumers left
// pending. Internal so that the Kernel can start and stop delivery with the plugin life cycle.
#pragma once

#include <memory>

#include "kernel/kernel_event_bus.h"
#include "streamgate/event_bus.h"
#include "streamgate/runtime.h"

namespace streamgate::internal {

// Thread-safe. Borrows the Runtime, which must outlive it.
class RedisEventBus final : public KernelEventBus {
 public:
  // InvalidArgument for invalid options; contacts nothing. With `start_on_subscribe`, the first
  // Subscribe starts delivery (the public factory); otherwise StartDelivery() does (the Kernel).
  static Result<std::unique_ptr<RedisEventBus>> Create(const RedisEventBusOptions& options,
                                                       Runtime& runtime, bool start_on_subscribe);
  ~RedisEventBus() override;  // Close()
  RedisEventBus(const RedisEventBus&) = delete;
  RedisEventBus& operator=(const RedisEventBus&) = delete;

  Status Publish(Event event) override;
  SubscriptionId Subscribe(std::string_view type, EventHandler handler) override;
  void Unsubscribe(SubscriptionId id) override;

  Status StartDelivery() override;
  void StopDelivery() override;
  void Close() override;

  // The resolved group and consumer names (defaults filled in).
  const std::string& group() const;
  const std::string& consumer() const;

  struct Shared;

 private:
  RedisEventBus(std::shared_ptr<Shared> shared, bool start_on_subscribe);
  std::shared_ptr<Shared> shared_;
  const bool start_on_subscribe_;
};

}  // namespace streamgate::internal
