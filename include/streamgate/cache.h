// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Cache: a key-value cache with per-entry time-to-live. Two backends pass the same test suite:
// NewLruCache (in-process, sharded LRU with a memory bound; the embedded default) and
// NewRedisCache (hiredis; shared by many processes). The auth plugin keeps sign-in nonces here,
// the streaming and auth plugins cache ownership checks, the metadata plugin caches reads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "streamgate/result.h"
#include "streamgate/status.h"

namespace streamgate {

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;     // absent or expired
  uint64_t evictions = 0;  // removed to stay under the memory bound (not expiries)
  uint64_t entries = 0;    // live entries now (Redis: keys under this cache's prefix)
  uint64_t bytes = 0;      // approximate memory held by keys and values (LRU only; 0 for Redis)
};

// Thread-safe: every method may be called from any thread. Calls to the Redis backend block on
// the network (bounded by its timeouts): call them from worker threads, never from I/O threads.
// Ownership: the factories return a unique_ptr; plugins share one cache as shared_ptr (through
// the ServiceRegistry). Errors are per method below; Unavailable always means the backend could
// not be reached, never "absent" (NotFound). Implement it to add a backend (examples/verify_siwe).
class Cache {
 public:
  virtual ~Cache() = default;

  // The value, or NotFound when absent or expired. Unavailable when the backend is unreachable.
  virtual Result<std::string> Get(std::string_view key) = 0;
  // Stores `value`. ttl == 0 means the backend's default TTL (which may be "never expires").
  // InvalidArgument for an empty or oversized key, ResourceExhausted for an oversized value.
  virtual Status Set(std::string_view key, std::string_view value,
                     std::chrono::milliseconds ttl = std::chrono::milliseconds(0)) = 0;
  // Stores only when the key is absent (or expired): true if stored. Atomic.
  virtual Result<bool> SetIfAbsent(
      std::string_view key, std::string_view value,
      std::chrono::milliseconds ttl = std::chrono::milliseconds(0)) = 0;
  // Returns the value and removes it in one atomic step (single-use tokens such as nonces):
  // of two concurrent Takes of the same key, at most one gets the value. NotFound when absent.
  virtual Result<std::string> Take(std::string_view key) = 0;
  // True when something was removed.
  virtual Result<bool> Delete(std::string_view key) = 0;
  // Removes every key starting with `prefix`; returns how many.
  virtual Result<uint64_t> DeleteByPrefix(std::string_view prefix) = 0;
  // Removes every entry of this cache (Redis: only keys under its key prefix).
  virtual Status Clear() = 0;
  virtual CacheStats Stats() const = 0;
  // "lru" or "redis".
  virtual std::string_view backend() const = 0;
};

struct LruCacheOptions {
  // Upper bound on keys + values + bookkeeping; least recently used entries are evicted beyond.
  std::size_t max_bytes = std::size_t{64} << 20;
  // Independent LRU lists, each with its own lock, so threads rarely contend. Rounded up to a
  // power of two.
  std::size_t shards = 16;
  std::chrono::milliseconds default_ttl{0};  // 0: entries live until evicted or deleted
  std::size_t max_key_bytes = 1024;
  std::size_t max_value_bytes = std::size_t{1} << 20;
};
std::unique_ptr<Cache> NewLruCache(const LruCacheOptions& options = {});

struct RedisCacheOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // empty: no AUTH
  int database = 0;
  // Every key is stored as key_prefix + key, so several caches (and other data) share a server.
  std::string key_prefix = "streamgate:cache:";
  std::size_t pool_size = 4;  // connections kept open; callers beyond this wait for one
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds default_ttl{0};
  std::size_t max_key_bytes = 1024;
  std::size_t max_value_bytes = std::size_t{1} << 20;
};
// Connects lazily and reconnects after failures; creation fails only on invalid options.
Result<std::unique_ptr<Cache>> NewRedisCache(const RedisCacheOptions& options);

// The `cache.*` configuration section: which backend the cache plugin builds, and its limits.
struct CacheConfig {
  enum class Backend { kLru, kRedis };
  Backend backend = Backend::kLru;
  uint64_t max_bytes = uint64_t{64} << 20;  // LRU memory bound
  uint32_t shards = 16;                     // LRU shards
  int64_t default_ttl_ms = 0;               // 0: entries live until evicted or deleted
  uint32_t max_key_bytes = 1024;
  uint64_t max_value_bytes = uint64_t{1} << 20;
  std::string redis_host = "127.0.0.1";
  uint16_t redis_port = 6379;
  std::string redis_password;
  uint32_t redis_database = 0;
  std::string redis_key_prefix = "streamgate:cache:";
  uint32_t redis_pool_size = 4;
  int64_t redis_connect_timeout_ms = 1000;
  int64_t redis_command_timeout_ms = 1000;
  // Bearer token of the /api/v1/cache admin endpoints; empty disables them (403).
  std::string admin_token;
};

// The backend `config` names; InvalidArgument for invalid Redis options.
Result<std::unique_ptr<Cache>> NewCacheFromConfig(const CacheConfig& config);

}  // namespace streamgate
