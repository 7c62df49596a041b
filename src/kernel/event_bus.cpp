// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/runtime_impl.h"
#include "kernel/in_process_event_bus.h"

namespace streamgate {
namespace internal {
namespace {

struct Subscription {
  std::string type;  // an exact event type, or "*"
  EventHandler handler;
  // Cleared by Unsubscribe. A delivery checks it right before calling the handler; a call counts
  // as started once it has passed that check, so none starts after Unsubscribe has returned.
  std::atomic<bool> active{true};
};

}  // namespace

std::string RandomEventId() {
  // Per thread, so that concurrent publishers never contend; seeded once from the OS.
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }()};
  char text[33];
  std::snprintf(text, sizeof(text), "%016llx%016llx",
                static_cast<unsigned long long>(engine()),   // NOLINT(google-runtime-int)
                static_cast<unsigned long long>(engine()));  // NOLINT(google-runtime-int)
  return text;
}

struct InProcessEventBus::Shared {
  std::mutex mu;
  std::condition_variable idle;
  std::map<SubscriptionId, std::shared_ptr<Subscription>> subscriptions;  // guarded by mu
  SubscriptionId next_id = 1;                                             // guarded by mu
  // Deliveries running handlers now. Queued deliveries are not counted: they hold this state
  // (not the bus) and find `closed` set when they run, so nothing has to wait for them.
  int running = 0;                  // guarded by mu
  std::atomic<bool> closed{false};  // written under mu
};

namespace {

// The bus whose handler the current thread is running, so that Close() from inside a handler
// does not wait for itself.
thread_local const InProcessEventBus::Shared* current_delivery = nullptr;

void Deliver(InProcessEventBus::Shared& shared, const Event& event) {
  std::vector<std::shared_ptr<Subscription>> targets;
  {
    std::lock_guard lock(shared.mu);
    for (const auto& [id, subscription] : shared.subscriptions) {
      if (subscription->type == event.type || subscription->type == "*") {
        targets.push_back(subscription);
      }
    }
  }
  const InProcessEventBus::Shared* const outer = current_delivery;
  current_delivery = &shared;
  for (const auto& subscription : targets) {
    if (shared.closed.load(std::memory_order_acquire)) break;
    if (!subscription->active.load(std::memory_order_acquire)) continue;
    try {
      subscription->handler(event);
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "events",
          "handler for \"" + event.type + "\" threw: " + std::string(e.what()));
    } catch (...) {
      Log(LogLevel::kError, "events", "handler for \"" + event.type + "\" threw");
    }
  }
  current_delivery = outer;
}

}  // namespace

InProcessEventBus::InProcessEventBus(Runtime& runtime)
    : runtime_(runtime), shared_(std::make_shared<Shared>()) {}

InProcessEventBus::~InProcessEventBus() { Close(); }

Status InProcessEventBus::Publish(Event event) {
  if (event.type.empty()) return Status::InvalidArgument("event type must not be empty");
  if (shared_->closed.load(std::memory_order_acquire)) {
    return Status::FailedPrecondition("event bus is closed");
  }
  if (runtime_.impl().stopped.load(std::memory_order_acquire)) {
    return Status::Unavailable("runtime is stopped; event \"" + event.type + "\" not delivered");
  }
  if (event.id.empty()) event.id = RandomEventId();
  if (event.time_unix_ms == 0) {
    event.time_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  }
  runtime_.Post([shared = shared_, event = std::move(event)] {
    {
      std::lock_guard lock(shared->mu);
      if (shared->closed.load(std::memory_order_relaxed)) return;
      ++shared->running;
    }
    // Counted down even if Deliver throws (it catches handler exceptions, not bad_alloc), so
    // that Close() never waits forever.
    struct RunningGuard {
      Shared& state;
      ~RunningGuard() {
        std::lock_guard lock(state.mu);
        --state.running;
        state.idle.notify_all();
      }
    } guard{*shared};
    Deliver(*shared, event);
  });
  return Status::Ok();
}

SubscriptionId InProcessEventBus::Subscribe(std::string_view type, EventHandler handler) {
  auto subscription = std::make_shared<Subscription>();
  subscription->type = std::string(type);
  subscription->handler = std::move(handler);
  std::lock_guard lock(shared_->mu);
  const SubscriptionId id = shared_->next_id++;
  shared_->subscriptions.emplace(id, std::move(subscription));
  return id;
}

void InProcessEventBus::Unsubscribe(SubscriptionId id) {
  std::lock_guard lock(shared_->mu);
  const auto it = shared_->subscriptions.find(id);
  if (it == shared_->subscriptions.end()) return;
  it->second->active.store(false, std::memory_order_release);
  shared_->subscriptions.erase(it);
}

void InProcessEventBus::Close() {
  const int own = current_delivery == shared_.get() ? 1 : 0;
  std::unique_lock lock(shared_->mu);
  shared_->closed.store(true, std::memory_order_release);
  shared_->idle.wait(lock, [&] { return shared_->running <= own; });
}

}  // namespace internal

std::unique_ptr<EventBus> NewInProcessEventBus(Runtime& runtime) {
  return std::make_unique<internal::InProcessEventBus>(runtime);
}

}  // namespace streamgate
