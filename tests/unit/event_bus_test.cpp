// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streamgate/event_bus.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kernel/in_process_event_bus.h"
#include "streamgate/runtime.h"

namespace streamgate {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Runtime> MakeRuntime(int workers) {
  Result<std::unique_ptr<Runtime>> runtime = Runtime::Create({1, workers});
  REQUIRE(runtime.ok());
  return std::move(runtime).value();
}

template <typename Predicate>
bool WaitUntil(Predicate predicate, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Collects delivered events, thread-safely.
struct Inbox {
  std::mutex mu;
  std::vector<Event> events;
  EventHandler Handler() {
    return [this](const Event& event) {
      std::lock_guard lock(mu);
      events.push_back(event);
    };
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return events.size();
  }
};

}  // namespace

TEST_CASE("Events reach exact and wildcard subscribers", "[events]") {
  auto runtime = MakeRuntime(2);
  auto bus = NewInProcessEventBus(*runtime);
  Inbox uploads, everything, other;
  bus->Subscribe("upload.completed", uploads.Handler());
  bus->Subscribe("*", everything.Handler());
  bus->Subscribe("transcode.completed", other.Handler());

  REQUIRE(bus->Publish({"upload.completed", R"({"id":"a"})", "", 0}).ok());
  REQUIRE(bus->Publish({"content.updated", "{}", "my-id", 42}).ok());
  REQUIRE(WaitUntil([&] { return uploads.size() == 1 && everything.size() == 2; }));
  bus.reset();  // waits for deliveries in progress

  CHECK(other.size() == 0);
  CHECK(uploads.size() == 1);
  const Event& event = uploads.events[0];
  CHECK(event.type == "upload.completed");
  CHECK(event.data == R"({"id":"a"})");
  // Publish fills a random 128-bit hex id and the current time.
  CHECK(event.id.size() == 32);
  CHECK(event.id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(std::abs(event.time_unix_ms - NowMs()) < 60'000);

  // Given id and time are kept.
  std::set<std::string> ids;
  for (const Event& e : everything.events) {
    ids.insert(e.id);
    if (e.type == "content.updated") {
      CHECK(e.id == "my-id");
      CHECK(e.time_unix_ms == 42);
    }
  }
  CHECK(ids.size() == 2);
}

TEST_CASE("Publish rejects an empty type and never runs handlers inline", "[events]") {
  auto runtime = MakeRuntime(2);
  auto bus = NewInProcessEventBus(*runtime);
  const Status empty = bus->Publish({"", "{}", "", 0});
  CHECK(empty.code() == StatusCode::kInvalidArgument);

  const std::thread::id publisher = std::this_thread::get_id();
  std::atomic<bool> inline_call{false};
  std::atomic<int> calls{0};
  bus->Subscribe("x", [&](const Event&) {
    inline_call = inline_call || std::this_thread::get_id() == publisher;
    ++calls;
  });
  for (int i = 0; i < 20; ++i) REQUIRE(bus->Publish({"x", "{}", "", 0}).ok());
  REQUIRE(WaitUntil([&] { return calls == 20; }));
  CHECK_FALSE(inline_call);
}

TEST_CASE("Ids are unique across many publishers", "[events]") {
  auto runtime = MakeRuntime(3);
  auto bus = NewInProcessEventBus(*runtime);
  Inbox inbox;
  bus->Subscribe("*", inbox.Handler());
  std::vector<std::thread> publishers;
  for (int t = 0; t < 4; ++t) {
    publishers.emplace_back([&] {
      for (int i = 0; i < 250; ++i) CHECK(bus->Publish({"load", "{}", "", 0}).ok());
    });
  }
  for (auto& thread : publishers) thread.join();
  REQUIRE(WaitUntil([&] { return inbox.size() == 1000; }));
  std::set<std::string> ids;
  for (const Event& event : inbox.events) ids.insert(event.id);
  CHECK(ids.size() == 1000);
}

TEST_CASE("A handler can unsubscribe itself; no call starts afterwards", "[events]") {
  // One worker: deliveries run one after another, so the count is exact.
  auto runtime = MakeRuntime(1);
  auto bus = NewInProcessEventBus(*runtime);
  std::atomic<int> calls{0};
  std::atomic<int> witness{0};
  SubscriptionId id = 0;
  id = bus->Subscribe("tick", [&](const Event&) {
    ++calls;
    bus->Unsubscribe(id);
  });
  bus->Subscribe("tick", [&](const Event&) { ++witness; });
  for (int i = 0; i < 10; ++i) REQUIRE(bus->Publish({"tick", "{}", "", 0}).ok());
  REQUIRE(WaitUntil([&] { return witness == 10; }));
  CHECK(calls == 1);
}

TEST_CASE("Unsubscribe from another thread stops deliveries", "[events]") {
  auto runtime = MakeRuntime(2);
  auto bus = NewInProcessEventBus(*runtime);
  std::atomic<int> calls{0};
  std::atomic<int> witness{0};
  const SubscriptionId id = bus->Subscribe("tick", [&](const Event&) { ++calls; });
  bus->Subscribe("tick", [&](const Event&) { ++witness; });
  REQUIRE(bus->Publish({"tick", "{}", "", 0}).ok());
  REQUIRE(WaitUntil([&] { return calls == 1 && witness == 1; }));
  bus->Unsubscribe(id);
  bus->Unsubscribe(id);      // twice is harmless
  bus->Unsubscribe(999999);  // unknown ids too
  for (int i = 0; i < 10; ++i) REQUIRE(bus->Publish({"tick", "{}", "", 0}).ok());
  REQUIRE(WaitUntil([&] { return witness == 11; }));
  CHECK(calls == 1);
}

TEST_CASE("A throwing handler does not stop the others", "[events]") {
  auto runtime = MakeRuntime(1);
  auto bus = NewInProcessEventBus(*runtime);
  std::atomic<int> calls{0};
  bus->Subscribe("e", [](const Event&) { throw std::runtime_error("handler bug"); });
  bus->Subscribe("e", [&](const Event&) { ++calls; });
  REQUIRE(bus->Publish({"e", "{}", "", 0}).ok());
  REQUIRE(bus->Publish({"e", "{}", "", 0}).ok());
  CHECK(WaitUntil([&] { return calls == 2; }));
}

TEST_CASE("Destroying the bus waits for deliveries in progress", "[events]") {
  auto runtime = MakeRuntime(2);
  auto bus = NewInProcessEventBus(*runtime);
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  bus->Subscribe("slow", [&](const Event&) {
    started = true;
    std::this_thread::sleep_for(200ms);
    finished = true;
  });
  REQUIRE(bus->Publish({"slow", "{}", "", 0}).ok());
  REQUIRE(WaitUntil([&] { return started.load(); }));
  bus.reset();
  CHECK(finished);
}

TEST_CASE("Close drops pending deliveries and refuses new events", "[events]") {
  auto runtime = MakeRuntime(1);
  internal::InProcessEventBus bus(*runtime);
  std::atomic<int> calls{0};
  std::atomic<bool> all_published{false};
  std::atomic<bool> closed_inside{false};
  bus.Subscribe("e", [&](const Event&) {
    ++calls;
    // Hold the first delivery until every event is queued, so that four are still pending
    // when it closes the bus (otherwise a fast first delivery closes it mid-publishing).
    WaitUntil([&] { return all_published.load(); });
    // Closing from inside a handler must not wait for this very handler.
    bus.Close();
    closed_inside = true;
  });
  for (int i = 0; i < 5; ++i) REQUIRE(bus.Publish({"e", "{}", "", 0}).ok());
  all_published = true;
  REQUIRE(WaitUntil([&] { return closed_inside.load(); }));
  bus.Close();
  CHECK(calls == 1);
  CHECK(bus.Publish({"e", "{}", "", 0}).code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("Publishing after the runtime stopped fails and does not hang", "[events]") {
  auto runtime = MakeRuntime(1);
  auto bus = NewInProcessEventBus(*runtime);
  bus->Subscribe("*", [](const Event&) {});
  runtime->Stop();
  CHECK(bus->Publish({"late", "{}", "", 0}).code() == StatusCode::kUnavailable);
  bus.reset();  // would wait forever if a dropped delivery were still counted
  SUCCEED();
}

}  // namespace streamgate
