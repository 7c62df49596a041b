// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The behaviour every Cache backend shares, run against each backend (GENERATE): the in-process
// LRU and Redis (a real redis-server on a free loopback port, started by the test).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "streamgate/cache.h"
#include "test_redis_server.h"

namespace streamgate {
namespace {

using namespace std::chrono_literals;

// One redis-server for the contract runs of this process; each run uses its own key prefix.
testing::TestRedisServer& SharedRedis() {
  static testing::TestRedisServer server;
  return server;
}

std::string UniquePrefix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return "test:" + std::to_string(rd()) + ":" + std::to_string(counter++) + ":";
}

RedisCacheOptions RedisOptions(int port) {
  RedisCacheOptions options;
  options.port = port;
  options.key_prefix = UniquePrefix();
  options.max_key_bytes = 64;
  options.max_value_bytes = 4096;
  options.connect_timeout = 2000ms;
  options.command_timeout = 2000ms;
  return options;
}

std::unique_ptr<Cache> MakeCache(const std::string& backend) {
  if (backend == "lru") {
    LruCacheOptions options;
    options.max_key_bytes = 64;
    options.max_value_bytes = 4096;
    return NewLruCache(options);
  }
  Result<std::unique_ptr<Cache>> cache = NewRedisCache(RedisOptions(SharedRedis().port()));
  REQUIRE(cache.ok());
  return std::move(cache).value();
}

template <typename Predicate>
bool WaitUntil(Predicate predicate, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

TEST_CASE("Cache contract", "[cache]") {
  const std::string backend = GENERATE(as<std::string>{}, "lru", "redis");
  INFO("backend " << backend);
  std::unique_ptr<Cache> cache = MakeCache(backend);
  REQUIRE(cache->backend() == backend);

  SECTION("get, set, overwrite, delete") {
    CHECK(cache->Get("k").status().code() == StatusCode::kNotFound);
    REQUIRE(cache->Set("k", "v1").ok());
    CHECK(cache->Get("k").value() == "v1");
    REQUIRE(cache->Set("k", "v2").ok());
    CHECK(cache->Get("k").value() == "v2");
    CHECK(cache->Delete("k").value() == true);
    CHECK(cache->Delete("k").value() == false);
    CHECK(cache->Get("k").status().code() == StatusCode::kNotFound);
  }
  SECTION("binary-safe keys and values") {
    const std::string key("a\0b\r\n c", 7);
    const std::string value("\0\xff\x01 \r\n$3\r\n", 11);
    REQUIRE(cache->Set(key, value).ok());
    CHECK(cache->Get(key).value() == value);
    CHECK(cache->Get(std::string("a\0b", 3)).status().code() == StatusCode::kNotFound);
    REQUIRE(cache->Set("empty", "").ok());
    CHECK(cache->Get("empty").value().empty());
  }
  SECTION("bad keys and values are rejected and nothing is stored") {
    CHECK(cache->Set("", "v").code() == StatusCode::kInvalidArgument);
    CHECK(cache->Get("").status().code() == StatusCode::kInvalidArgument);
    CHECK(cache->Set(std::string(65, 'k'), "v").code() == StatusCode::kInvalidArgument);
    CHECK(cache->Set("k", std::string(4097, 'v')).code() == StatusCode::kResourceExhausted);
    CHECK(cache->SetIfAbsent("k", std::string(4097, 'v')).status().code() ==
          StatusCode::kResourceExhausted);
    CHECK(cache->Set("k", "v", -1ms).code() == StatusCode::kInvalidArgument);
    CHECK(cache->Get("k").status().code() == StatusCode::kNotFound);
    REQUIRE(cache->Set(std::string(64, 'k'), std::string(4096, 'v')).ok());
    CHECK(cache->Get(std::string(64, 'k')).value().size() == 4096);
  }
  SECTION("SetIfAbsent stores only once") {
    CHECK(cache->SetIfAbsent("once", "first").value() == true);
    CHECK(cache->SetIfAbsent("once", "second").value() == false);
    CHECK(cache->Get("once").value() == "first");
  }
  SECTION("Take returns the value once") {
    REQUIRE(cache->Set("nonce", "abc").ok());
    CHECK(cache->Take("nonce").value() == "abc");
    CHECK(cache->Take("nonce").status().code() == StatusCode::kNotFound);
    CHECK(cache->Get("nonce").status().code() == StatusCode::kNotFound);
  }
  SECTION("TTL: a short-lived entry is gone after its TTL, a long-lived one stays") {
    REQUIRE(cache->Set("short", "s", 30ms).ok());
    REQUIRE(cache->Set("long", "l", 60s).ok());
    REQUIRE(cache->SetIfAbsent("short-nx", "s", 30ms).value());
    std::this_thread::sleep_for(150ms);
    CHECK(cache->Get("short").status().code() == StatusCode::kNotFound);
    CHECK(cache->Get("short-nx").status().code() == StatusCode::kNotFound);
    CHECK(cache->Get("long").value() == "l");
    CHECK(cache->SetIfAbsent("short", "again").value() == true);
  }
  SECTION("DeleteByPrefix removes exactly the keys under the prefix") {
    for (int i = 0; i < 30; ++i) {
      REQUIRE(cache->Set("content:42:" + std::to_string(i), "x").ok());
    }
    REQUIRE(cache->Set("content:421", "other item").ok());
    REQUIRE(cache->Set("content:4", "shorter").ok());
    REQUIRE(cache->Set("session:1", "s").ok());
    // Glob metacharacters in a prefix are literal.
    REQUIRE(cache->Set("we*ird?[x]:1", "w").ok());
    REQUIRE(cache->Set("weXird:1", "not matched").ok());
    CHECK(cache->DeleteByPrefix("content:42:").value() == 30);
    CHECK(cache->Get("content:42:7").status().code() == StatusCode::kNotFound);
    CHECK(cache->Get("content:421").value() == "other item");
    CHECK(cache->Get("content:4").value() == "shorter");
    CHECK(cache->DeleteByPrefix("we*").value() == 1);
    CHECK(cache->Get("weXird:1").value() == "not matched");
    CHECK(cache->DeleteByPrefix("nothing:").value() == 0);
  }
  SECTION("Clear empties the cache; Stats count hits and misses") {
    REQUIRE(cache->Set("a", "1").ok());
    REQUIRE(cache->Set("b", "2").ok());
    const CacheStats before = cache->Stats();
    REQUIRE(cache->Get("a").ok());
    REQUIRE(cache->Get("a").ok());
    REQUIRE(!cache->Get("zzz").ok());
    const CacheStats after = cache->Stats();
    CHECK(after.hits == before.hits + 2);
    CHECK(after.misses == before.misses + 1);
    CHECK(after.entries == 2);
    REQUIRE(cache->Clear().ok());
    CHECK(cache->Stats().entries == 0);
    CHECK(cache->Get("a").status().code() == StatusCode::kNotFound);
  }
}

TEST_CASE("Cache contract: concurrent Takes hand a value to one caller", "[cache]") {
  const std::string backend = GENERATE(as<std::string>{}, "lru", "redis");
  INFO("backend " << backend);
  std::unique_ptr<Cache> cache = MakeCache(backend);
  for (int round = 0; round < 20; ++round) {
    REQUIRE(cache->Set("nonce", "n").ok());
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        if (cache->Take("nonce").ok()) winners.fetch_add(1);
      });
    }
    for (auto& thread : threads) thread.join();
    REQUIRE(winners.load() == 1);
  }
}

TEST_CASE("Redis cache: keys live under the key prefix, other prefixes untouched",
          "[cache][redis]") {
  RedisCacheOptions a_options = RedisOptions(SharedRedis().port());
  RedisCacheOptions b_options = RedisOptions(SharedRedis().port());
  auto a = NewRedisCache(a_options).value();
  auto b = NewRedisCache(b_options).value();
  REQUIRE(a->Set("k", "from a").ok());
  REQUIRE(b->Set("k", "from b").ok());
  REQUIRE(a->Clear().ok());
  CHECK(a->Get("k").status().code() == StatusCode::kNotFound);
  CHECK(b->Get("k").value() == "from b");
  CHECK(b->Stats().entries == 1);
}

TEST_CASE("Redis cache: invalid options, unreachable server", "[cache][redis]") {
  RedisCacheOptions options;
  options.pool_size = 0;
  CHECK(NewRedisCache(options).status().code() == StatusCode::kInvalidArgument);
  options = RedisCacheOptions();
  options.port = 70000;
  CHECK(NewRedisCache(options).status().code() == StatusCode::kInvalidArgument);
  options = RedisCacheOptions();
  options.host = "";
  CHECK(NewRedisCache(options).status().code() == StatusCode::kInvalidArgument);

  int dead_port = 0;
  {
    testing::TestRedisServer server;
    dead_port = server.port();
  }  // stopped: nothing listens there now
  auto cache = NewRedisCache(RedisOptions(dead_port)).value();
  CHECK(cache->Get("k").status().code() == StatusCode::kUnavailable);
  CHECK(cache->Set("k", "v").code() == StatusCode::kUnavailable);
  CHECK(cache->Take("k").status().code() == StatusCode::kUnavailable);
  CHECK(cache->DeleteByPrefix("k").status().code() == StatusCode::kUnavailable);
}

TEST_CASE("Redis cache survives a server restart", "[cache][redis]") {
  testing::TestRedisServer server;
  RedisCacheOptions options = RedisOptions(server.port());
  options.pool_size = 3;
  options.command_timeout = 500ms;
  options.connect_timeout = 500ms;
  auto cache = NewRedisCache(options).value();
  // Open every pooled connection, so that each one goes stale at the restart.
  std::vector<std::thread> warm;
  for (int t = 0; t < 3; ++t) {
    warm.emplace_back([&, t] { REQUIRE(cache->Set("k" + std::to_string(t), "v").ok()); });
  }
  for (auto& thread : warm) thread.join();
  REQUIRE(cache->Get("k0").value() == "v");

  server.Stop();
  for (int i = 0; i < 5; ++i) {
    CHECK(cache->Get("k0").status().code() == StatusCode::kUnavailable);
    CHECK(cache->Set("k0", "x").code() == StatusCode::kUnavailable);
  }
  REQUIRE(server.Start());
  // The server came back empty (no persistence); the cache reconnects on its own.
  REQUIRE(WaitUntil([&] { return cache->Set("after", "restart").ok(); }));
  CHECK(cache->Get("after").value() == "restart");
  CHECK(cache->Get("k0").status().code() == StatusCode::kNotFound);
  CHECK(cache->Take("after").value() == "restart");
}

}  // namespace
}  // namespace streamgate
