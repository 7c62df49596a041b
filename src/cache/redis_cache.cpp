// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The Redis Cache backend: every key is stored as key_prefix + key. Take uses GETDEL (atomic,
// Redis >= 6.2) and falls back to a Lua script on older servers; SetIfAbsent is SET NX PX;
// prefix deletion walks SCAN MATCH (glob metacharacters escaped) and UNLINKs each batch, never
// KEYS, so a large keyspace never blocks the server.
#include <atomic>
#include <string>
#include <vector>

#include "cache/entry_limits.h"
#include "redis/redis_pool.h"
#include "streamgate/cache.h"

namespace streamgate {
namespace internal {
namespace {

constexpr const char* kScanBatch = "1000";
constexpr const char* kTakeScript =
    "local v = redis.call('GET', KEYS[1]) if v then redis.call('DEL', KEYS[1]) end return v";

// SCAN MATCH treats * ? [ ] \ as glob syntax; a prefix must match literally.
std::string EscapeGlob(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

class RedisCache final : public Cache {
 public:
  RedisCache(const RedisCacheOptions& options, RedisEndpoint endpoint)
      : options_(options), pool_(std::move(endpoint), options.pool_size) {}

  Result<std::string> Get(std::string_view key) override {
    STREAMGATE_RETURN_IF_ERROR(CheckKey(key));
    const std::string full = Full(key);
    STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply, Run({"GET", full}));
    return CountedValue(reply);
  }

  Status Set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override {
    STREAMGATE_RETURN_IF_ERROR(CheckEntry(key, value, ttl));
    const std::string full = Full(key);
    const std::string ms = std::to_string(EffectiveTtl(ttl).count());
    std::vector<std::string> args = {"SET", full, std::string(value)};
    if (EffectiveTtl(ttl).count() > 0) args.insert(args.end(), {"PX", ms});
    return Run(args).status();
  }

  Result<bool> SetIfAbsent(std::string_view key, std::string_view value,
                           std::chrono::milliseconds ttl) override {
    STREAMGATE_RETURN_IF_ERROR(CheckEntry(key, value, ttl));
    const std::string full = Full(key);
    const std::string ms = std::to_string(EffectiveTtl(ttl).count());
    std::vector<std::string> args = {"SET", full, std::string(value), "NX"};
    if (EffectiveTtl(ttl).count() > 0) args.insert(args.end(), {"PX", ms});
    STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply, Run(args));
    return reply.type == RedisReply::Type::kString;  // "OK"; nil when the key existed
  }

  Result<std::string> Take(std::string_view key) override {
    STREAMGATE_RETURN_IF_ERROR(CheckKey(key));
    const std::string full = Full(key);
    if (!use_script_.load(std::memory_order_relaxed)) {
      STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply, pool_.Command({"GETDEL", full}));
      if (reply.type != RedisReply::Type::kError ||
          reply.str.find("unknown command") == std::string::npos) {
        STREAMGATE_RETURN_IF_ERROR(CheckError(reply));
        return CountedValue(reply);
      }
      use_script_.store(true, std::memory_order_relaxed);  // Redis < 6.2
    }
    STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply, Run({"EVAL", kTakeScript, "1", full}));
    return CountedValue(reply);
  }

  Result<bool> Delete(std::string_view key) override {
    STREAMGATE_RETURN_IF_ERROR(CheckKey(key));
    const std::string full = Full(key);
    STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply, Run({"UNLINK", full}));
    return reply.type == RedisReply::Type::kInteger && reply.integer > 0;
  }

  Result<uint64_t> DeleteByPrefix(std::string_view prefix) override {
    if (prefix.size() > options_.max_key_bytes) {
      return Status::InvalidArgument("cache: prefix longer than the maximum key size");
    }
    const std::string pattern = EscapeGlob(options_.key_prefix) + EscapeGlob(prefix) + "*";
    uint64_t removed = 0;
    std::string cursor = "0";
    do {
      STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply,
                                  Run({"SCAN", cursor, "MATCH", pattern, "COUNT", kScanBatch}));
      if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 2) {
        return Status::Internal("cache: unexpected SCAN reply");
      }
      cursor = reply.elements[0].str;
      const std::vector<RedisReply>& keys = reply.elements[1].elements;
      if (!keys.empty()) {
        std::vector<std::string> args = {"UNLINK"};
        for (const RedisReply& key : keys) args.push_back(key.str);
        STREAMGATE_ASSIGN_OR_RETURN(RedisReply unlinked, Run(args));
        if (unlinked.type == RedisReply::Type::kInteger && unlinked.integer > 0) {
          removed += static_cast<uint64_t>(unlinked.integer);
        }
      }
    } while (cursor != "0");
    return removed;
  }

  Status Clear() override { return DeleteByPrefix("").status(); }

  CacheStats Stats() const override {
    CacheStats stats;
    stats.hits = hits_.load(std::memory_order_relaxed);
    stats.misses = misses_.load(std::memory_order_relaxed);
    // Entries: a SCAN count of this cache's keys (O(keys); Stats is an admin call). Evictions:
    // the server's evicted_keys, which covers every user of the server.
    const std::string pattern = EscapeGlob(options_.key_prefix) + "*";
    std::string cursor = "0";
    do {
      Result<RedisReply> reply =
          pool_.Command({"SCAN", cursor, "MATCH", pattern, "COUNT", kScanBatch});
      if (!reply.ok() || reply->type != RedisReply::Type::kArray || reply->elements.size() != 2) {
        break;
      }
      cursor = reply->elements[0].str;
      stats.entries += reply->elements[1].elements.size();
    } while (cursor != "0");
    Result<RedisReply> info = pool_.Command({"INFO", "stats"});
    if (info.ok() && info->type == RedisReply::Type::kString) {
      const std::string_view text(info->str);
      const std::size_t at = text.find("evicted_keys:");
      if (at != std::string_view::npos) {
        stats.evictions = std::strtoull(text.data() + at + 13, nullptr, 10);
      }
    }
    return stats;
  }

  std::string_view backend() const override { return "redis"; }

 private:
  std::string Full(std::string_view key) const { return options_.key_prefix + std::string(key); }

  std::chrono::milliseconds EffectiveTtl(std::chrono::milliseconds ttl) const {
    return ttl.count() == 0 ? options_.default_ttl : ttl;
  }

  static Status CheckError(const RedisReply& reply) {
    if (reply.type == RedisReply::Type::kError) {
      return Status::Unavailable("cache: redis error: " + reply.str);
    }
    return Status::Ok();
  }

  Result<RedisReply> Run(const std::vector<std::string>& args) const {
    Result<RedisReply> reply = pool_.Command(args);
    if (!reply.ok()) return Status::Unavailable("cache: " + reply.status().message());
    STREAMGATE_RETURN_IF_ERROR(CheckError(*reply));
    return reply;
  }

  Result<std::string> CountedValue(RedisReply& reply) {
    if (reply.type == RedisReply::Type::kString) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return std::move(reply.str);
    }
    misses_.fetch_add(1, std::memory_order_relaxed);
    return Status::NotFound("cache: no such key");
  }

  Status CheckKey(std::string_view key) const { return CheckCacheKey(key, options_.max_key_bytes); }

  Status CheckEntry(std::string_view key, std::string_view value,
                    std::chrono::milliseconds ttl) const {
    STREAMGATE_RETURN_IF_ERROR(
        CheckCacheEntry(key, value, ttl, options_.max_key_bytes, options_.max_value_bytes));
    return Status::Ok();
  }

  const RedisCacheOptions options_;
  mutable RedisPool pool_;
  std::atomic<bool> use_script_{false};
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace
}  // namespace internal

Result<std::unique_ptr<Cache>> NewRedisCache(const RedisCacheOptions& options) {
  if (options.host.empty()) return Status::InvalidArgument("redis cache: empty host");
  if (options.port <= 0 || options.port > 65535) {
    return Status::InvalidArgument("redis cache: port out of range");
  }
  if (options.pool_size == 0) return Status::InvalidArgument("redis cache: pool_size is 0");
  if (options.database < 0) return Status::InvalidArgument("redis cache: negative database");
  if (options.connect_timeout.count() <= 0 || options.command_timeout.count() <= 0) {
    return Status::InvalidArgument("redis cache: timeouts must be positive");
  }
  if (options.default_ttl.count() < 0) {
    return Status::InvalidArgument("redis cache: negative default TTL");
  }
  if (options.max_key_bytes == 0) return Status::InvalidArgument("redis cache: max_key_bytes 0");
  internal::RedisEndpoint endpoint;
  endpoint.host = options.host;
  endpoint.port = options.port;
  endpoint.password = options.password;
  endpoint.database = options.database;
  endpoint.connect_timeout = options.connect_timeout;
  endpoint.command_timeout = options.command_timeout;
  return std::unique_ptr<Cache>(std::make_unique<internal::RedisCache>(options, endpoint));
}

}  // namespace streamgate
