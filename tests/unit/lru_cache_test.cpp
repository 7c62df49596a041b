// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// White-box tests of the in-process LRU backend: eviction order, the memory bound, TTLs with an
// injected clock, statistics and concurrency. The behaviour shared with the Redis backend is in
// cache_contract_test.cpp.
#include "cache/lru_cache.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "streamgate/cache.h"

namespace streamgate {
namespace {

using namespace std::chrono_literals;
using internal::kLruEntryOverheadBytes;

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  internal::CacheClock Fn() {
    return [this] { return now; };
  }
};

TEST_CASE("LRU evicts the least recently used entry of a full shard", "[cache][lru]") {
  // One shard with room for exactly three 1+1-byte entries.
  LruCacheOptions options;
  options.shards = 1;
  options.max_bytes = 3 * (2 + kLruEntryOverheadBytes);
  auto cache = NewLruCache(options);
  REQUIRE(cache->Set("a", "1").ok());
  REQUIRE(cache->Set("b", "2").ok());
  REQUIRE(cache->Set("c", "3").ok());
  REQUIRE(cache->Get("a").value() == "1");  // a is now the most recent; b the least
  REQUIRE(cache->Set("d", "4").ok());
  CHECK(cache->Get("b").status().code() == StatusCode::kNotFound);
  CHECK(cache->Get("a").value() == "1");
  CHECK(cache->Get("c").value() == "3");
  CHECK(cache->Get("d").value() == "4");
  const CacheStats stats = cache->Stats();
  CHECK(stats.evictions == 1);
  CHECK(stats.entries == 3);
  CHECK(stats.bytes == 3 * (2 + kLruEntryOverheadBytes));
}

TEST_CASE("LRU never holds more than max_bytes", "[cache][lru]") {
  LruCacheOptions options;
  options.shards = 4;
  options.max_bytes = 64 * 1024;
  auto cache = NewLruCache(options);
  const std::string value(500, 'v');
  for (int i = 0; i < 2000; ++i) {
    REQUIRE(cache->Set("key-" + std::to_string(i), value).ok());
    REQUIRE(cache->Stats().bytes <= options.max_bytes);
  }
  const CacheStats stats = cache->Stats();
  CHECK(stats.evictions > 0);
  CHECK(stats.entries + stats.evictions == 2000);
  // The most recent entry always survives.
  CHECK(cache->Get("key-1999").value() == value);
}

TEST_CASE("LRU rejects an entry larger than its shard's share of memory", "[cache][lru]") {
  LruCacheOptions options;
  options.shards = 2;
  options.max_bytes = 4096;  // 2048 per shard
  auto cache = NewLruCache(options);
  CHECK(cache->Set("k", std::string(3000, 'x')).code() == StatusCode::kResourceExhausted);
  CHECK(cache->Stats().entries == 0);
}

TEST_CASE("LRU TTLs follow the clock, and the default TTL applies to ttl 0", "[cache][lru]") {
  FakeClock clock;
  LruCacheOptions options;
  options.default_ttl = 100ms;
  auto cache = internal::NewLruCacheWithClock(options, clock.Fn());
  REQUIRE(cache->Set("short", "s", 10ms).ok());
  REQUIRE(cache->Set("default", "d").ok());
  clock.now += 9ms;
  CHECK(cache->Get("short").value() == "s");
  clock.now += 1ms;
  CHECK(cache->Get("short").status().code() == StatusCode::kNotFound);
  CHECK(cache->Get("default").value() == "d");
  clock.now += 90ms;
  CHECK(cache->Get("default").status().code() == StatusCode::kNotFound);
  const CacheStats stats = cache->Stats();
  CHECK(stats.entries == 0);
  CHECK(stats.evictions == 0);  // expiries are not evictions
  CHECK(stats.hits == 2);
  CHECK(stats.misses == 2);
}

TEST_CASE("LRU without default TTL keeps entries; expired keys count as absent", "[cache][lru]") {
  FakeClock clock;
  auto cache = internal::NewLruCacheWithClock({}, clock.Fn());
  REQUIRE(cache->Set("forever", "f").ok());
  REQUIRE(cache->Set("brief", "b", 5ms).ok());
  clock.now += std::chrono::hours(24 * 365);
  CHECK(cache->Get("forever").value() == "f");
  // An expired key: SetIfAbsent stores, Delete reports nothing removed, Take finds nothing.
  REQUIRE(cache->Set("x", "old", 1ms).ok());
  clock.now += 2ms;
  CHECK(cache->Take("x").status().code() == StatusCode::kNotFound);
  REQUIRE(cache->Set("y", "old", 1ms).ok());
  clock.now += 2ms;
  CHECK(cache->Delete("y").value() == false);
  REQUIRE(cache->Set("z", "old", 1ms).ok());
  clock.now += 2ms;
  CHECK(cache->SetIfAbsent("z", "new").value() == true);
  CHECK(cache->Get("z").value() == "new");
  CHECK(cache->DeleteByPrefix("brief").value() == 0);  // expired long ago
}

TEST_CASE("LRU byte accounting returns to zero", "[cache][lru]") {
  auto cache = NewLruCache();
  REQUIRE(cache->Set("a", "12345").ok());
  REQUIRE(cache->Set("b", "1").ok());
  REQUIRE(cache->Set("a", "123").ok());  // overwrite shrinks
  CHECK(cache->Stats().bytes == 4 + 2 + 2 * kLruEntryOverheadBytes);
  REQUIRE(cache->Take("a").value() == "123");
  REQUIRE(cache->Delete("b").value());
  CHECK(cache->Stats().bytes == 0);
  CHECK(cache->Stats().entries == 0);
}

TEST_CASE("LRU: concurrent Takes of one key hand the value to exactly one caller", "[cache][lru]") {
  auto cache = NewLruCache();
  for (int round = 0; round < 200; ++round) {
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

TEST_CASE("LRU: concurrent writers and readers keep the index and list consistent",
          "[cache][lru]") {
  LruCacheOptions options;
  options.max_bytes = 32 * 1024;
  options.shards = 4;
  auto cache = NewLruCache(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        const std::string key = "k" + std::to_string((i * 7 + t) % 500);
        switch (i % 5) {
          case 0:
            (void)cache->Set(key, std::string(static_cast<size_t>(i % 200), 'x'));
            break;
          case 1:
            (void)cache->Get(key);
            break;
          case 2:
            (void)cache->SetIfAbsent(key, "y");
            break;
          case 3:
            (void)cache->Take(key);
            break;
          default:
            (void)cache->DeleteByPrefix("k4");
            break;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const CacheStats stats = cache->Stats();
  CHECK(stats.bytes <= options.max_bytes);
  REQUIRE(cache->Clear().ok());
  CHECK(cache->Stats().bytes == 0);
  CHECK(cache->Stats().entries == 0);
}

}  // namespace
}  // namespace streamgate
