// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The Kernel's choice of EventBus: events.backend, with the Redis group defaulting to the
// service name so that every service is one consumer group.
#include "events/redis_event_bus.h"
#include "kernel/in_process_event_bus.h"
#include "kernel/kernel_event_bus.h"

namespace streamgate::internal {

Result<std::unique_ptr<KernelEventBus>> NewKernelEventBus(const Config& config, Runtime& runtime) {
  if (config.events.backend == EventBusBackend::kMemory) {
    return std::unique_ptr<KernelEventBus>(std::make_unique<InProcessEventBus>(runtime));
  }
  RedisEventBusOptions options = config.events.redis;
  if (options.group.empty()) options.group = config.service;
  STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<RedisEventBus> bus,
                              RedisEventBus::Create(options, runtime, false));
  return std::unique_ptr<KernelEventBus>(std::move(bus));
}

}  // namespace streamgate::internal
