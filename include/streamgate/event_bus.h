// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// EventBus: publish/subscribe by event type ("upload.completed", "transcode.completed",
// "content.updated", …). The in-process bus is the embedded default; the Redis bus
// (NewRedisEventBus: Redis Streams, one consumer group per service) carries the same events
// between service processes. Both pass the same contract tests (tests/unit/event_bus_test.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "streamgate/result.h"

namespace streamgate {

class Runtime;

struct Event {
  std::string type;          // dotted name, e.g. "upload.completed"
  std::string data;          // a JSON document
  std::string id;            // filled in by Publish when empty
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

// Where a consumer group that does not exist yet starts reading the stream.
enum class EventStartPosition {
  kEarliest,  // every event still in the stream ("0"): nothing published before is missed
  kLatest,    // only events published from now on ("$")
};

// The Redis bus. Every event is one entry of one Redis Stream (fields type, data, id, time),
// trimmed to about `max_length` entries (XADD MAXLEN ~). Each process reads the stream in the
// consumer group `group`: every group sees every event once, and processes that share a group
// (replicas of one service) share its events, each delivered to one of them. Delivery is
// at-least-once: an entry is acknowledged (XACK) after the process's handlers for it returned;
// entries a consumer read but never acknowledged (it crashed) are claimed by another consumer
// of the group (XAUTOCLAIM) once idle for `claim_idle_ms`. A group remembers where it stopped,
// so a service that was down receives what was published meanwhile when it comes back (as long
// as the stream was not trimmed past it). Handlers must therefore be idempotent.
struct RedisEventBusOptions {
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  std::string redis_password;  // empty: no AUTH
  int redis_db = 0;
  std::string stream = "streamgate:events";  // the stream key
  // Consumer group; "" means "streamgate". The Kernel passes Config::service when empty, so
  // every service (upload, metadata, …) is one group.
  std::string group;
  // Consumer name inside the group; "" means <hostname>-<pid>-<random> (a restarted process is
  // a new consumer; what the old one left unacknowledged is claimed after claim_idle_ms).
  std::string consumer;
  EventStartPosition new_group_start = EventStartPosition::kEarliest;
  int64_t claim_idle_ms = 30000;              // pending entries idle this long are taken over
  int64_t max_length = 100000;                // approximate bound of the stream (MAXLEN ~)
  int64_t poll_interval_ms = 100;             // wait between reads when the stream had nothing new
  int batch_size = 64;                        // entries read per call
  std::size_t max_event_bytes = 1024 * 1024;  // larger data is refused by Publish
  std::size_t redis_pool_size = 4;
  int64_t redis_connect_timeout_ms = 1000;
  int64_t redis_command_timeout_ms = 2000;
};

// Publish runs XADD on the calling thread (so OK means the event is stored in Redis), except on
// one of the Runtime's I/O threads, where it is handed to the worker pool instead; Unavailable
// when Redis cannot be reached. Handlers run one event after another, in stream order, on a
// worker-pool task that polls the stream with Runtime timers (no thread of its own). Reading
// starts with the first Subscribe and pauses while there is no subscription, so events are
// never consumed unhandled: they wait in the stream (the group is created on the first read).
// InvalidArgument for invalid options (nothing is contacted until the first call). Its destructor
// stops reading and waits for handlers running.
Result<std::unique_ptr<EventBus>> NewRedisEventBus(const RedisEventBusOptions& options,
                                                   Runtime& runtime);

enum class EventBusBackend { kMemory, kRedis };

// The `events` section of the configuration (STREAMGATE_EVENTS_*): which bus the Kernel creates.
struct EventsConfig {
  EventBusBackend backend = EventBusBackend::kMemory;
  RedisEventBusOptions redis;  // backend redis; group "" = Config::service
};

}  // namespace streamgate
