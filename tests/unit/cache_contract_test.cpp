// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The behaviour every Cache backend shares, run against each backend (GENERATE): the in-process
// LRU and Redis (a real redis-server on a free loopback port, started by the test).
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "streamgate/cache.h"

namespace streamgate {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Cache> MakeCache(const std::string& backend) {
  if (backend == "lru") {
    LruCacheOptions options;
    options.max_key_bytes = 64;
    options.max_value_bytes = 4096;
    return NewLruCache(options);
  }
  FAIL("unknown backend " << backend);
  return nullptr;
}

TEST_CASE("Cache contract", "[cache]") {
  const std::string backend = GENERATE(as<std::string>{}, "lru");
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

}  // namespace
}  // namespace streamgate
