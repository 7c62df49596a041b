// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "events/redis_event_bus.h"

#include <unistd.h>

#include <algorithm>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/runtime_impl.h"
#include "redis/redis_pool.h"

namespace streamgate {
namespace internal {
namespace {

using Clock = std::chrono::steady_clock;

struct Subscription {
  std::string type;  // an exact event type, or "*"
  EventHandler handler;
  // Cleared by Unsubscribe; checked right before each call (see the in-process bus).
  std::atomic<bool> active{true};
};

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string DefaultConsumer() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "events") + "-" + std::to_string(getpid()) + "-" +
         RandomEventId().substr(0, 8);
}

Status ValidateOptions(const RedisEventBusOptions& options) {
  if (options.redis_host.empty()) return Status::InvalidArgument("events: redis_host is empty");
  if (options.redis_port < 1 || options.redis_port > 65535) {
    return Status::InvalidArgument("events: redis_port must be in [1, 65535]");
  }
  if (options.stream.empty()) return Status::InvalidArgument("events: stream is empty");
  if (options.claim_idle_ms < 1) return Status::InvalidArgument("events: claim_idle_ms < 1");
  if (options.max_length < 1) return Status::InvalidArgument("events: max_length < 1");
  if (options.poll_interval_ms < 1) return Status::InvalidArgument("events: poll_interval_ms < 1");
  if (options.batch_size < 1 || options.batch_size > 10000) {
    return Status::InvalidArgument("events: batch_size must be in [1, 10000]");
  }
  if (options.redis_connect_timeout_ms < 1 || options.redis_command_timeout_ms < 1) {
    return Status::InvalidArgument("events: Redis timeouts must be positive");
  }
  return Status::Ok();
}

// One stream entry: its id, and the event when its fields were readable (a trimmed entry that
// is still pending comes back without fields).
struct Entry {
  std::string stream_id;
  std::optional<Event> event;
};

std::optional<Event> ParseFields(const RedisReply& fields) {
  if (fields.type != RedisReply::Type::kArray) return std::nullopt;
  Event event;
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    const std::string& name = fields.elements[i].str;
    const std::string& value = fields.elements[i + 1].str;
    if (name == "type") {
      event.type = value;
    } else if (name == "data") {
      event.data = value;
    } else if (name == "id") {
      event.id = value;
    } else if (name == "time") {
      try {
        event.time_unix_ms = std::stoll(value);
      } catch (const std::exception&) {
        event.time_unix_ms = 0;
      }
    }
  }
  if (event.type.empty()) return std::nullopt;
  return event;
}

// [[id, [field, value, ...]], ...]
std::vector<Entry> ParseEntries(const RedisReply& list) {
  std::vector<Entry> out;
  if (list.type != RedisReply::Type::kArray) return out;
  for (const RedisReply& item : list.elements) {
    if (item.type != RedisReply::Type::kArray || item.elements.empty()) continue;
    Entry entry;
    entry.stream_id = item.elements[0].str;
    if (item.elements.size() > 1) entry.event = ParseFields(item.elements[1]);
    out.push_back(std::move(entry));
  }
  return out;
}

// XREADGROUP's reply: [[stream, entries]] or nil.
std::vector<Entry> ParseReadReply(const RedisReply& reply) {
  if (reply.type != RedisReply::Type::kArray || reply.elements.empty()) return {};
  const RedisReply& stream = reply.elements[0];
  if (stream.type != RedisReply::Type::kArray || stream.elements.size() < 2) return {};
  return ParseEntries(stream.elements[1]);
}

}  // namespace

struct RedisEventBus::Shared {
  Shared(RedisEventBusOptions resolved, Runtime& runtime_in)
      : options(std::move(resolved)),
        runtime(runtime_in),
        pool(
            [&] {
              RedisEndpoint endpoint;
              endpoint.host = options.redis_host;
              endpoint.port = options.redis_port;
              endpoint.password = options.redis_password;
              endpoint.database = options.redis_db;
              endpoint.connect_timeout =
                  std::chrono::milliseconds(options.redis_connect_timeout_ms);
              endpoint.command_timeout =
                  std::chrono::milliseconds(options.redis_command_timeout_ms);
              return endpoint;
            }(),
            options.redis_pool_size) {}

  const RedisEventBusOptions options;
  Runtime& runtime;
  RedisPool pool;

  std::mutex mu;
  std::condition_variable idle;
  std::map<SubscriptionId, std::shared_ptr<Subscription>> subscriptions;  // guarded by mu
  SubscriptionId next_id = 1;                                             // guarded by mu
  bool delivering = false;  // guarded by mu: StartDelivery ran, StopDelivery did not
  bool loop_alive = false;  // guarded by mu: a poll task or its timer is scheduled or running
  bool polling = false;     // guarded by mu: a poll task is running now
  int async_publishes = 0;  // guarded by mu: XADDs handed to the worker pool, not done yet
  std::atomic<bool> closed{false};

  // Poll-task state: only the one running poll task touches these.
  bool group_ready = false;
  bool own_pending_read = false;  // this consumer's own pending entries were read once
  std::string claim_cursor = "0-0";
  Clock::time_point next_claim = Clock::now();
  bool reachable = true;  // for logging transitions only
};

namespace {

// The bus whose handler the current thread is running, so that StopDelivery/Close from inside a
// handler do not wait for themselves.
thread_local const RedisEventBus::Shared* current_delivery = nullptr;

using Shared = RedisEventBus::Shared;

void NoteReachable(Shared& shared, const Status& status) {
  if (status.ok()) {
    if (!shared.reachable) Logger("events")->info("redis event stream reachable again");
    shared.reachable = true;
    return;
  }
  if (shared.reachable) {
    Logger("events")->warn("redis event stream {} unreachable: {}", shared.options.stream,
                           status.ToString());
  }
  shared.reachable = false;
}

Status Xadd(Shared& shared, const Event& event) {
  STREAMGATE_ASSIGN_OR_RETURN(
      RedisReply reply, shared.pool.Command({"XADD", shared.options.stream, "MAXLEN", "~",
                                             std::to_string(shared.options.max_length), "*", "type",
                                             event.type, "data", event.data, "id", event.id, "time",
                                             std::to_string(event.time_unix_ms)}));
  if (reply.type == RedisReply::Type::kError) {
    return Status::Unavailable("redis XADD to " + shared.options.stream + ": " + reply.str);
  }
  return Status::Ok();
}

Status EnsureGroup(Shared& shared) {
  if (shared.group_ready) return Status::Ok();
  const char* start = shared.options.new_group_start == EventStartPosition::kEarliest ? "0" : "$";
  STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply,
                              shared.pool.Command({"XGROUP", "CREATE", shared.options.stream,
                                                   shared.options.group, start, "MKSTREAM"}));
  if (reply.type == RedisReply::Type::kError && reply.str.rfind("BUSYGROUP", 0) != 0) {
    return Status::Unavailable("redis XGROUP CREATE: " + reply.str);
  }
  shared.group_ready = true;
  return Status::Ok();
}

void Deliver(Shared& shared, const Event& event) {
  std::vector<std::shared_ptr<Subscription>> targets;
  {
    std::lock_guard lock(shared.mu);
    for (const auto& [id, subscription] : shared.subscriptions) {
      if (subscription->type == event.type || subscription->type == "*") {
        targets.push_back(subscription);
      }
    }
  }
  const Shared* const outer = current_delivery;
  current_delivery = &shared;
  for (const auto& subscription : targets) {
    if (shared.closed.load(std::memory_order_acquire)) break;
    if (!subscription->active.load(std::memory_order_acquire)) continue;
    try {
      subscription->handler(event);
    } catch (const std::exception& e) {
      Logger("events")->error("handler for \"{}\" threw: {}", event.type, e.what());
    } catch (...) {
      Logger("events")->error("handler for \"{}\" threw", event.type);
    }
  }
  current_delivery = outer;
}

bool StillDelivering(Shared& shared) {
  std::lock_guard lock(shared.mu);
  return shared.delivering && !shared.closed.load(std::memory_order_relaxed);
}

// Runs the handlers of each entry in order and acknowledges it. Stops early (leaving the rest
// pending, to be read again or claimed) when delivery is being stopped. Returns how many were
// handled; an error when an acknowledgement failed.
Result<std::size_t> Handle(Shared& shared, const std::vector<Entry>& entries) {
  std::size_t handled = 0;
  for (const Entry& entry : entries) {
    if (!StillDelivering(shared)) break;
    if (entry.event) Deliver(shared, *entry.event);
    STREAMGATE_ASSIGN_OR_RETURN(
        RedisReply ack, shared.pool.Command({"XACK", shared.options.stream, shared.options.group,
                                             entry.stream_id}));
    if (ack.type == RedisReply::Type::kError) {
      return Status::Unavailable("redis XACK: " + ack.str);
    }
    ++handled;
  }
  return handled;
}

bool IsNoGroup(const RedisReply& reply) {
  return reply.type == RedisReply::Type::kError && reply.str.rfind("NOGROUP", 0) == 0;
}

// One round: take over what dead consumers left, read this consumer's own leftovers once, then
// new entries. True when more is probably waiting (poll again at once).
Result<bool> PollOnce(Shared& shared) {
  const RedisEventBusOptions& options = shared.options;
  {
    // A process that handles nothing (a gateway, a monitor) reads nothing: events are not
    // consumed unhandled, and its group need not exist until it subscribes.
    std::lock_guard lock(shared.mu);
    if (shared.subscriptions.empty()) return false;
  }
  STREAMGATE_RETURN_IF_ERROR(EnsureGroup(shared));
  const std::string count = std::to_string(options.batch_size);
  bool more = false;

  if (Clock::now() >= shared.next_claim) {
    STREAMGATE_ASSIGN_OR_RETURN(
        RedisReply reply,
        shared.pool.Command({"XAUTOCLAIM", options.stream, options.group, options.consumer,
                             std::to_string(options.claim_idle_ms), shared.claim_cursor, "COUNT",
                             count}));
    if (IsNoGroup(reply)) {
      shared.group_ready = false;  // the server lost the stream (restart without persistence)
      return true;
    }
    if (reply.type == RedisReply::Type::kError) {
      return Status::Unavailable("redis XAUTOCLAIM: " + reply.str);
    }
    if (reply.type == RedisReply::Type::kArray && reply.elements.size() >= 2) {
      shared.claim_cursor = reply.elements[0].str;
      const std::vector<Entry> claimed = ParseEntries(reply.elements[1]);
      if (!claimed.empty()) {
        Logger("events")->info("consumer {} took over {} pending events of group {}",
                               options.consumer, claimed.size(), options.group);
      }
      STREAMGATE_RETURN_IF_ERROR(Handle(shared, claimed).status());
    } else {
      shared.claim_cursor = "0-0";
    }
    if (shared.claim_cursor == "0-0") {
      // A full pass is done; entries become claimable claim_idle_ms after their last delivery.
      shared.next_claim =
          Clock::now() + std::chrono::milliseconds(std::max<int64_t>(options.claim_idle_ms / 2, 1));
    } else {
      more = true;
    }
  }

  if (!shared.own_pending_read) {
    // Entries this consumer name read in an earlier life but never acknowledged (only possible
    // with a fixed events.consumer): handled first, in order.
    STREAMGATE_ASSIGN_OR_RETURN(
        RedisReply reply,
        shared.pool.Command({"XREADGROUP", "GROUP", options.group, options.consumer, "COUNT", count,
                             "STREAMS", options.stream, "0"}));
    if (IsNoGroup(reply)) {
      shared.group_ready = false;
      return true;
    }
    if (reply.type == RedisReply::Type::kError) {
      return Status::Unavailable("redis XREADGROUP: " + reply.str);
    }
    const std::vector<Entry> pending = ParseReadReply(reply);
    if (pending.empty()) {
      shared.own_pending_read = true;
    } else {
      STREAMGATE_RETURN_IF_ERROR(Handle(shared, pending).status());
      return true;
    }
  }

  STREAMGATE_ASSIGN_OR_RETURN(
      RedisReply reply, shared.pool.Command({"XREADGROUP", "GROUP", options.group, options.consumer,
                                             "COUNT", count, "STREAMS", options.stream, ">"}));
  if (IsNoGroup(reply)) {
    shared.group_ready = false;
    return true;
  }
  if (reply.type == RedisReply::Type::kError) {
    return Status::Unavailable("redis XREADGROUP: " + reply.str);
  }
  const std::vector<Entry> entries = ParseReadReply(reply);
  STREAMGATE_RETURN_IF_ERROR(Handle(shared, entries).status());
  return more || entries.size() >= static_cast<std::size_t>(options.batch_size);
}

void PollTask(const std::shared_ptr<Shared>& shared);

// Runs the next poll now (on the worker pool) or after `delay` (a Runtime timer).
void Schedule(const std::shared_ptr<Shared>& shared, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) {
    shared->runtime.Post([shared] { PollTask(shared); });
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(IoContext(shared->runtime), delay);
  timer->async_wait([timer, shared](const std::error_code&) {
    shared->runtime.Post([shared] { PollTask(shared); });
  });
}

void PollTask(const std::shared_ptr<Shared>& shared) {
  {
    std::lock_guard lock(shared->mu);
    if (!shared->delivering || shared->closed.load(std::memory_order_relaxed)) {
      shared->loop_alive = false;
      shared->idle.notify_all();
      return;
    }
    shared->polling = true;
  }
  bool more = false;
  try {
    const Result<bool> polled = PollOnce(*shared);
    NoteReachable(*shared, polled.status());
    more = polled.ok() && *polled;
  } catch (const std::exception& e) {
    Logger("events")->error("event poll failed: {}", e.what());
  }
  {
    std::lock_guard lock(shared->mu);
    shared->polling = false;
    shared->idle.notify_all();
    if (!shared->delivering || shared->closed.load(std::memory_order_relaxed)) {
      shared->loop_alive = false;
      return;
    }
  }
  Schedule(shared, more ? std::chrono::milliseconds(0)
                        : std::chrono::milliseconds(shared->options.poll_interval_ms));
}

}  // namespace

Result<std::unique_ptr<RedisEventBus>> RedisEventBus::Create(const RedisEventBusOptions& options,
                                                             Runtime& runtime,
                                                             bool start_on_subscribe) {
  STREAMGATE_RETURN_IF_ERROR(ValidateOptions(options));
  RedisEventBusOptions resolved = options;
  if (resolved.group.empty()) resolved.group = "streamgate";
  if (resolved.consumer.empty()) resolved.consumer = DefaultConsumer();
  if (resolved.redis_pool_size == 0) resolved.redis_pool_size = 1;
  auto shared = std::make_shared<Shared>(std::move(resolved), runtime);
  return std::unique_ptr<RedisEventBus>(new RedisEventBus(std::move(shared), start_on_subscribe));
}

RedisEventBus::RedisEventBus(std::shared_ptr<Shared> shared, bool start_on_subscribe)
    : shared_(std::move(shared)), start_on_subscribe_(start_on_subscribe) {}

RedisEventBus::~RedisEventBus() { Close(); }

const std::string& RedisEventBus::group() const { return shared_->options.group; }
const std::string& RedisEventBus::consumer() const { return shared_->options.consumer; }

Status RedisEventBus::Publish(Event event) {
  if (event.type.empty()) return Status::InvalidArgument("event type must not be empty");
  if (shared_->closed.load(std::memory_order_acquire)) {
    return Status::FailedPrecondition("event bus is closed");
  }
  if (event.data.size() > shared_->options.max_event_bytes) {
    return Status::InvalidArgument("event data is larger than " +
                                   std::to_string(shared_->options.max_event_bytes) + " bytes");
  }
  Runtime& runtime = shared_->runtime;
  if (runtime.impl().stopped.load(std::memory_order_acquire)) {
    return Status::Unavailable("runtime is stopped; event \"" + event.type + "\" not delivered");
  }
  if (event.id.empty()) event.id = RandomEventId();
  if (event.time_unix_ms == 0) event.time_unix_ms = NowUnixMs();
  // An I/O thread must never wait on Redis: hand the XADD to the worker pool.
  if (IoContext(runtime).get_executor().running_in_this_thread()) {
    {
      std::lock_guard lock(shared_->mu);
      ++shared_->async_publishes;
    }
    runtime.Post([shared = shared_, event = std::move(event)] {
      const Status status = Xadd(*shared, event);
      if (!status.ok()) {
        Logger("events")->error("event \"{}\" {} lost: {}", event.type, event.id,
                                status.ToString());
      }
      std::lock_guard lock(shared->mu);
      --shared->async_publishes;
      shared->idle.notify_all();
    });
    return Status::Ok();
  }
  return Xadd(*shared_, event);
}

SubscriptionId RedisEventBus::Subscribe(std::string_view type, EventHandler handler) {
  auto subscription = std::make_shared<Subscription>();
  subscription->type = std::string(type);
  subscription->handler = std::move(handler);
  SubscriptionId id = 0;
  {
    std::lock_guard lock(shared_->mu);
    id = shared_->next_id++;
    shared_->subscriptions.emplace(id, std::move(subscription));
  }
  if (start_on_subscribe_) static_cast<void>(StartDelivery());
  return id;
}

void RedisEventBus::Unsubscribe(SubscriptionId id) {
  std::lock_guard lock(shared_->mu);
  const auto it = shared_->subscriptions.find(id);
  if (it == shared_->subscriptions.end()) return;
  it->second->active.store(false, std::memory_order_release);
  shared_->subscriptions.erase(it);
}

Status RedisEventBus::StartDelivery() {
  std::lock_guard lock(shared_->mu);
  if (shared_->closed.load(std::memory_order_relaxed)) {
    return Status::FailedPrecondition("event bus is closed");
  }
  if (shared_->delivering) return Status::Ok();
  shared_->delivering = true;
  if (!shared_->loop_alive) {
    shared_->loop_alive = true;
    Schedule(shared_, std::chrono::milliseconds(0));
  }
  return Status::Ok();
}

void RedisEventBus::StopDelivery() {
  const bool own = current_delivery == shared_.get();
  std::unique_lock lock(shared_->mu);
  shared_->delivering = false;
  if (!own) shared_->idle.wait(lock, [&] { return !shared_->polling; });
}

void RedisEventBus::Close() {
  const bool own = current_delivery == shared_.get();
  std::unique_lock lock(shared_->mu);
  shared_->closed.store(true, std::memory_order_release);
  shared_->delivering = false;
  // Publishes handed to the worker pool are waited for, unless the Runtime stopped (it drops
  // queued tasks, which would never count down): then they are lost, as logged by nobody.
  const auto done = [&] {
    return (own || !shared_->polling) &&
           (shared_->async_publishes == 0 ||
            shared_->runtime.impl().stopped.load(std::memory_order_acquire));
  };
  while (!done()) shared_->idle.wait_for(lock, std::chrono::milliseconds(50));
}

}  // namespace internal

Result<std::unique_ptr<EventBus>> NewRedisEventBus(const RedisEventBusOptions& options,
                                                   Runtime& runtime) {
  STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<internal::RedisEventBus> bus,
                              internal::RedisEventBus::Create(options, runtime, true));
  return std::unique_ptr<EventBus>(std::move(bus));
}

}  // namespace streamgate
