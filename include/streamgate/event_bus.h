// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// EventBus: publish/subscribe by event type ("upload.completed", "transcode.completed",
// "content.updated", …). The in-process bus is the embedded default; a Redis-backed bus
// carries the same events between service processes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "streamgate/result.h"

namespace streamgate {

class Runtime;

struct Event {
  std::string type;   // dotted name, e.g. "upload.completed"
  std::string data;   // a JSON document
  std::string id;     // filled in by Publish when empty
  int64_t time_unix_ms = 0;  // filled in by Publish when 0
};

using EventHandler = std::function<void(const Event&)>;
using SubscriptionId = uint64_t;

// Thread-safe. Handlers never run inside Publish(): they run later on the Runtime's worker pool,
// possibly concurrently with each other; a handler must not block for long.
class EventBus {
 public:
  virtual ~EventBus() = default;
  // InvalidArgument for an empty type. Returns once the event is queued, not delivered.
  virtual Status Publish(Event event) = 0;
  // `type` is an exact event type, or "*" for every event.
  virtual SubscriptionId Subscribe(std::string_view type, EventHandler handler) = 0;
  // No call of the handler starts after this returns (a call already running may finish).
  // May be called from inside the handler itself.
  virtual void Unsubscribe(SubscriptionId id) = 0;
};

// Delivers on `runtime`'s worker pool. Its destructor waits for deliveries in progress.
std::unique_ptr<EventBus> NewInProcessEventBus(Runtime& runtime);

}  // namespace streamgate
