// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streamgate/event_bus.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "events/redis_event_bus.h"
#include "kernel/in_process_event_bus.h"
#include "redis/redis_pool.h"
#include "streamgate/config.h"
#include "streamgate/kernel.h"
#include "streamgate/runtime.h"
#include "test_redis_server.h"

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

// The Redis bus as the tests use it: a short poll interval keeps them fast.
RedisEventBusOptions RedisOptions(int port, const std::string& group = "contract") {
  RedisEventBusOptions options;
  options.redis_port = port;
  options.group = group;
  options.poll_interval_ms = 10;
  return options;
}

// One bus of either backend (the contract below runs against both), with what it needs: the
// Redis server (started first, stopped last) and the Runtime (outlives the bus).
struct BusUnderTest {
  BusUnderTest(const std::string& backend, int workers) {
    if (backend == "redis") redis = std::make_unique<testing::TestRedisServer>();
    runtime = MakeRuntime(workers);
    if (redis) {
      Result<std::unique_ptr<EventBus>> created =
          NewRedisEventBus(RedisOptions(redis->port()), *runtime);
      REQUIRE(created.ok());
      bus = std::move(created).value();
    } else {
      bus = NewInProcessEventBus(*runtime);
    }
  }
  std::unique_ptr<testing::TestRedisServer> redis;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<EventBus> bus;
};

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
  const std::string backend = GENERATE(as<std::string>{}, "memory", "redis");
  BusUnderTest under(backend, 2);
  auto& bus = under.bus;
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
  const std::string backend = GENERATE(as<std::string>{}, "memory", "redis");
  BusUnderTest under(backend, 2);
  auto& bus = under.bus;
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
  const std::string backend = GENERATE(as<std::string>{}, "memory", "redis");
  BusUnderTest under(backend, 3);
  auto& bus = under.bus;
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
  const std::string backend = GENERATE(as<std::string>{}, "memory", "redis");
  BusUnderTest under(backend, 1);
  auto& bus = under.bus;
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
  const std::string backend = GENERATE(as<std::string>{}, "memory", "redis");
  BusUnderTest under(backend, 2);
  auto& bus = under.bus;
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
  const std::string backend = GENERATE(as<std::string>{}, "memory", "redis");
  BusUnderTest under(backend, 1);
  auto& bus = under.bus;
  std::atomic<int> calls{0};
  bus->Subscribe("e", [](const Event&) { throw std::runtime_error("handler bug"); });
  bus->Subscribe("e", [&](const Event&) { ++calls; });
  REQUIRE(bus->Publish({"e", "{}", "", 0}).ok());
  REQUIRE(bus->Publish({"e", "{}", "", 0}).ok());
  CHECK(WaitUntil([&] { return calls == 2; }));
}

TEST_CASE("Destroying the bus waits for deliveries in progress", "[events]") {
  const std::string backend = GENERATE(as<std::string>{}, "memory", "redis");
  BusUnderTest under(backend, 2);
  auto& bus = under.bus;
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
  const std::string backend = GENERATE(as<std::string>{}, "memory", "redis");
  BusUnderTest under(backend, 1);
  auto& bus = under.bus;
  auto& runtime = under.runtime;
  bus->Subscribe("*", [](const Event&) {});
  runtime->Stop();
  CHECK(bus->Publish({"late", "{}", "", 0}).code() == StatusCode::kUnavailable);
  bus.reset();  // would wait forever if a dropped delivery were still counted
  SUCCEED();
}

// --- The Redis bus beyond the shared contract: groups, restarts, crashed consumers. ---

TEST_CASE("Redis bus: every group gets every event; consumers of one group share them",
          "[events][redis]") {
  testing::TestRedisServer redis;
  auto runtime = MakeRuntime(4);
  auto make = [&](const std::string& group) {
    Result<std::unique_ptr<EventBus>> bus =
        NewRedisEventBus(RedisOptions(redis.port(), group), *runtime);
    REQUIRE(bus.ok());
    return std::move(bus).value();
  };
  auto metadata = make("metadata");
  auto cache_a = make("cache");
  auto cache_b = make("cache");
  Inbox seen_by_metadata, seen_by_a, seen_by_b;
  metadata->Subscribe("content.updated", seen_by_metadata.Handler());
  cache_a->Subscribe("content.updated", seen_by_a.Handler());
  cache_b->Subscribe("content.updated", seen_by_b.Handler());
  auto publisher = make("upload");
  for (int i = 0; i < 200; ++i) {
    REQUIRE(
        publisher->Publish({"content.updated", "{\"n\":" + std::to_string(i) + "}", "", 0}).ok());
  }
  REQUIRE(WaitUntil([&] { return seen_by_metadata.size() == 200; }, 20s));
  REQUIRE(WaitUntil([&] { return seen_by_a.size() + seen_by_b.size() == 200; }, 20s));
  std::this_thread::sleep_for(100ms);  // nothing more may arrive
  CHECK(seen_by_metadata.size() == 200);
  CHECK(seen_by_a.size() + seen_by_b.size() == 200);
  // Each cache consumer saw distinct events, and together all of them, in stream order.
  std::set<std::string> ids;
  for (Inbox* inbox : {&seen_by_a, &seen_by_b}) {
    for (const Event& event : inbox->events) ids.insert(event.id);
  }
  CHECK(ids.size() == 200);
  for (std::size_t i = 0; i < seen_by_metadata.events.size(); ++i) {
    CHECK(seen_by_metadata.events[i].data == "{\"n\":" + std::to_string(i) + "}");
  }
}

TEST_CASE("Redis bus: a group resumes where it stopped; a new group starts as configured",
          "[events][redis]") {
  testing::TestRedisServer redis;
  auto runtime = MakeRuntime(2);
  Result<std::unique_ptr<EventBus>> publisher =
      NewRedisEventBus(RedisOptions(redis.port(), "upload"), *runtime);
  REQUIRE(publisher.ok());
  {
    Result<std::unique_ptr<EventBus>> first =
        NewRedisEventBus(RedisOptions(redis.port(), "metadata"), *runtime);
    REQUIRE(first.ok());
    Inbox inbox;
    (*first)->Subscribe("*", inbox.Handler());
    REQUIRE((*publisher)->Publish({"a", "1", "", 0}).ok());
    REQUIRE(WaitUntil([&] { return inbox.size() == 1; }));
  }  // the metadata service goes down
  REQUIRE((*publisher)->Publish({"b", "2", "", 0}).ok());
  REQUIRE((*publisher)->Publish({"c", "3", "", 0}).ok());

  // Back up (a new consumer in the same group): exactly what it missed, in order.
  Result<std::unique_ptr<EventBus>> second =
      NewRedisEventBus(RedisOptions(redis.port(), "metadata"), *runtime);
  REQUIRE(second.ok());
  Inbox resumed;
  (*second)->Subscribe("*", resumed.Handler());
  REQUIRE(WaitUntil([&] { return resumed.size() == 2; }));

  // A brand-new group: earliest reads the whole stream, latest only what comes next.
  RedisEventBusOptions earliest_options = RedisOptions(redis.port(), "newcomer");
  Result<std::unique_ptr<EventBus>> earliest = NewRedisEventBus(earliest_options, *runtime);
  RedisEventBusOptions latest_options = RedisOptions(redis.port(), "late");
  latest_options.new_group_start = EventStartPosition::kLatest;
  Result<std::unique_ptr<EventBus>> latest = NewRedisEventBus(latest_options, *runtime);
  REQUIRE(earliest.ok());
  REQUIRE(latest.ok());
  Inbox from_start, from_now;
  (*earliest)->Subscribe("*", from_start.Handler());
  (*latest)->Subscribe("*", from_now.Handler());
  REQUIRE(WaitUntil([&] { return from_start.size() == 3; }));
  std::this_thread::sleep_for(200ms);  // the latest group has created itself by now
  REQUIRE((*publisher)->Publish({"d", "4", "", 0}).ok());
  REQUIRE(WaitUntil([&] { return from_now.size() == 1 && from_start.size() == 4; }));
  std::this_thread::sleep_for(100ms);
  CHECK(resumed.size() == 3);
  CHECK(resumed.events[0].type == "b");
  CHECK(resumed.events[1].type == "c");
  CHECK(resumed.events[2].type == "d");
  CHECK(from_start.events[0].type == "a");
  CHECK(from_now.size() == 1);
  CHECK(from_now.events[0].type == "d");
}

TEST_CASE("Redis bus: events a crashed consumer never acknowledged are taken over",
          "[events][redis]") {
  testing::TestRedisServer redis;
  auto runtime = MakeRuntime(2);
  Result<std::unique_ptr<EventBus>> publisher =
      NewRedisEventBus(RedisOptions(redis.port(), "upload"), *runtime);
  REQUIRE(publisher.ok());
  internal::RedisEndpoint endpoint;
  endpoint.port = redis.port();
  internal::RedisPool raw(endpoint, 1);
  REQUIRE(
      raw.Command({"XGROUP", "CREATE", "streamgate:events", "transcoder", "0", "MKSTREAM"}).ok());
  for (const char* type : {"x", "y"}) REQUIRE((*publisher)->Publish({type, "{}", "", 0}).ok());
  // A consumer reads both and dies before acknowledging (kill -9).
  Result<internal::RedisReply> read =
      raw.Command({"XREADGROUP", "GROUP", "transcoder", "dead-consumer", "COUNT", "10", "STREAMS",
                   "streamgate:events", ">"});
  REQUIRE(read.ok());
  REQUIRE(read->type == internal::RedisReply::Type::kArray);

  RedisEventBusOptions options = RedisOptions(redis.port(), "transcoder");
  options.claim_idle_ms = 300;
  Result<std::unique_ptr<EventBus>> survivor = NewRedisEventBus(options, *runtime);
  REQUIRE(survivor.ok());
  Inbox inbox;
  (*survivor)->Subscribe("*", inbox.Handler());
  REQUIRE(WaitUntil([&] { return inbox.size() == 2; }, 10s));
  CHECK(inbox.events[0].type == "x");
  CHECK(inbox.events[1].type == "y");
  // Acknowledged: nothing is pending in the group any more.
  REQUIRE(WaitUntil([&] {
    Result<internal::RedisReply> pending =
        raw.Command({"XPENDING", "streamgate:events", "transcoder"});
    return pending.ok() && !pending->elements.empty() && pending->elements[0].integer == 0;
  }));
}

TEST_CASE("Redis bus: the stream is bounded, oversized events and bad options are refused",
          "[events][redis]") {
  testing::TestRedisServer redis;
  auto runtime = MakeRuntime(2);
  RedisEventBusOptions options = RedisOptions(redis.port(), "g");
  options.max_length = 100;
  options.max_event_bytes = 1000;
  Result<std::unique_ptr<EventBus>> bus = NewRedisEventBus(options, *runtime);
  REQUIRE(bus.ok());
  for (int i = 0; i < 1000; ++i) REQUIRE((*bus)->Publish({"fill", "{}", "", 0}).ok());
  internal::RedisEndpoint endpoint;
  endpoint.port = redis.port();
  internal::RedisPool raw(endpoint, 1);
  Result<internal::RedisReply> length = raw.Command({"XLEN", "streamgate:events"});
  REQUIRE(length.ok());
  CHECK(length->integer >= 100);
  CHECK(length->integer < 400);  // MAXLEN ~ trims whole nodes (100 entries each by default)

  CHECK((*bus)->Publish({"big", std::string(1001, 'x'), "", 0}).code() ==
        StatusCode::kInvalidArgument);
  RedisEventBusOptions bad = options;
  bad.stream = "";
  CHECK(NewRedisEventBus(bad, *runtime).status().code() == StatusCode::kInvalidArgument);
  bad = options;
  bad.batch_size = 0;
  CHECK(NewRedisEventBus(bad, *runtime).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Redis bus: Redis down is Unavailable; delivery resumes after a restart",
          "[events][redis]") {
  testing::TestRedisServer redis;
  auto runtime = MakeRuntime(2);
  Result<std::unique_ptr<EventBus>> bus =
      NewRedisEventBus(RedisOptions(redis.port(), "g"), *runtime);
  REQUIRE(bus.ok());
  Inbox inbox;
  (*bus)->Subscribe("e", inbox.Handler());
  REQUIRE((*bus)->Publish({"e", "1", "", 0}).ok());
  REQUIRE(WaitUntil([&] { return inbox.size() == 1; }));
  redis.Stop();
  CHECK((*bus)->Publish({"e", "lost", "", 0}).code() == StatusCode::kUnavailable);
  std::this_thread::sleep_for(100ms);  // the poll loop meets the outage too
  REQUIRE(redis.Start());
  // The restarted server has no stream and no group (no persistence): both are recreated.
  REQUIRE(WaitUntil([&] { return (*bus)->Publish({"e", "2", "", 0}).ok(); }));
  REQUIRE(WaitUntil([&] { return inbox.size() >= 2; }, 10s));
  CHECK(inbox.events.back().data == "2");
}

TEST_CASE("The kernel creates the bus events.* names; its group is the service name",
          "[events][redis][kernel]") {
  testing::TestRedisServer redis;
  const std::map<std::string, std::string> environment = {
      {"STREAMGATE_EVENTS_BACKEND", "redis"},
      {"STREAMGATE_EVENTS_REDIS_PORT", std::to_string(redis.port())},
      {"STREAMGATE_EVENTS_POLL_INTERVAL_MS", "10"},
      {"STREAMGATE_EVENTS_NEW_GROUP_START", "latest"},
      {"STREAMGATE_SERVER_PORT", "0"},
      {"STREAMGATE_SERVER_HOST", "127.0.0.1"}};
  Result<Config> loaded = LoadConfig(ConfigSources{{}, environment});
  REQUIRE(loaded.ok());
  CHECK(loaded->events.backend == EventBusBackend::kRedis);
  CHECK(loaded->events.redis.new_group_start == EventStartPosition::kLatest);
  CHECK(loaded->events.redis.group.empty());
  auto runtime = MakeRuntime(2);
  Config publisher_config = *loaded;
  publisher_config.service = "upload";
  Config subscriber_config = *loaded;
  subscriber_config.service = "metadata";
  Result<std::unique_ptr<Kernel>> publisher = Kernel::Create(publisher_config, *runtime);
  Result<std::unique_ptr<Kernel>> subscriber = Kernel::Create(subscriber_config, *runtime);
  REQUIRE(publisher.ok());
  REQUIRE(subscriber.ok());
  Inbox inbox;
  (*subscriber)->events().Subscribe("upload.completed", inbox.Handler());
  REQUIRE((*subscriber)->Start().ok());  // delivery starts with the kernel
  REQUIRE((*publisher)->Start().ok());
  // The metadata group exists once its kernel started (new_group_start=latest needs that).
  internal::RedisEndpoint endpoint;
  endpoint.port = redis.port();
  internal::RedisPool raw(endpoint, 1);
  REQUIRE(WaitUntil([&] {
    Result<internal::RedisReply> groups = raw.Command({"XINFO", "GROUPS", "streamgate:events"});
    return groups.ok() && groups->type == internal::RedisReply::Type::kArray &&
           groups->elements.size() == 1;
  }));
  Result<internal::RedisReply> groups = raw.Command({"XINFO", "GROUPS", "streamgate:events"});
  REQUIRE(groups.ok());
  CHECK(groups->elements[0].elements[1].str == "metadata");  // [name, <group>, ...]
  REQUIRE((*publisher)->events().Publish({"upload.completed", "{}", "", 0}).ok());
  REQUIRE(WaitUntil([&] { return inbox.size() == 1; }));
  (void)(*subscriber)->Stop();
  (void)(*publisher)->Stop();

  // Invalid bus options fail Kernel::Create and name the section.
  Config bad = *loaded;
  bad.events.redis.stream = "";
  const Result<std::unique_ptr<Kernel>> refused = Kernel::Create(bad, *runtime);
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(refused.status().message(), Catch::Contains("events"));
}

}  // namespace streamgate
