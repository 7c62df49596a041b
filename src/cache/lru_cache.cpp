// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The in-process Cache backend: N independent shards, each an LRU list plus a hash index under
// its own mutex, so concurrent callers on different keys rarely contend. Each shard owns
// max_bytes / N of the memory budget; an insert evicts from the cold end of its shard until
// the new entry fits. Expired entries are dropped lazily when touched and by a sweep of the
// shard's cold end on insert, so memory held by dead entries is reclaimed under pressure.
#include "cache/lru_cache.h"

#include <atomic>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/entry_limits.h"

namespace streamgate {
namespace internal {
namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct Entry {
  std::string key;
  std::string value;
  TimePoint expires;  // TimePoint::max(): never
  std::size_t Charge() const { return key.size() + value.size() + kLruEntryOverheadBytes; }
};

// One LRU list (front: most recently used). Not thread-safe by itself: the owner holds `mu`.
struct Shard {
  std::mutex mu;
  std::list<Entry> lru;
  std::unordered_map<std::string, std::list<Entry>::iterator, StringHash, std::equal_to<>> index;
  std::size_t bytes = 0;

  void Erase(std::list<Entry>::iterator it) {
    bytes -= it->Charge();
    index.erase(it->key);
    lru.erase(it);
  }
  // The live entry for `key` (moved to the front), or lru.end(); drops it when expired.
  std::list<Entry>::iterator FindLive(std::string_view key, TimePoint now) {
    auto found = index.find(key);
    if (found == index.end()) return lru.end();
    auto it = found->second;
    if (it->expires <= now) {
      Erase(it);
      return lru.end();
    }
    lru.splice(lru.begin(), lru, it);
    return it;
  }
};

std::size_t RoundUpPowerOfTwo(std::size_t n) {
  std::size_t p = 1;
  while (p < n && p < (std::size_t{1} << 16)) p <<= 1;
  return p;
}

class LruCache final : public Cache {
 public:
  LruCache(const LruCacheOptions& options, CacheClock clock)
      : options_(options),
        clock_(std::move(clock)),
        shards_(RoundUpPowerOfTwo(options.shards == 0 ? 1 : options.shards)),
        shard_budget_(options.max_bytes / shards_.size()) {}

  Result<std::string> Get(std::string_view key) override {
    STREAMGATE_RETURN_IF_ERROR(CheckKey(key));
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mu);
    auto it = shard.FindLive(key, clock_());
    if (it == shard.lru.end()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return Status::NotFound("cache: no such key");
    }
    hits_.fetch_add(1, std::memory_order_relaxed);
    return it->value;
  }

  Status Set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override {
    STREAMGATE_RETURN_IF_ERROR(CheckEntry(key, value, ttl));
    Shard& shard = ShardFor(key);
    const TimePoint now = clock_();
    std::lock_guard lock(shard.mu);
    auto found = shard.index.find(key);
    if (found != shard.index.end()) shard.Erase(found->second);
    Insert(shard, key, value, Expiry(now, ttl), now);
    return Status::Ok();
  }

  Result<bool> SetIfAbsent(std::string_view key, std::string_view value,
                           std::chrono::milliseconds ttl) override {
    STREAMGATE_RETURN_IF_ERROR(CheckEntry(key, value, ttl));
    Shard& shard = ShardFor(key);
    const TimePoint now = clock_();
    std::lock_guard lock(shard.mu);
    if (shard.FindLive(key, now) != shard.lru.end()) return false;
    Insert(shard, key, value, Expiry(now, ttl), now);
    return true;
  }

  Result<std::string> Take(std::string_view key) override {
    STREAMGATE_RETURN_IF_ERROR(CheckKey(key));
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mu);
    auto it = shard.FindLive(key, clock_());
    if (it == shard.lru.end()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return Status::NotFound("cache: no such key");
    }
    hits_.fetch_add(1, std::memory_order_relaxed);
    std::string value = std::move(it->value);
    it->value.clear();
    shard.bytes -= value.size();  // the charge of the entry now excludes the moved-out value
    shard.Erase(it);
    return value;
  }

  Result<bool> Delete(std::string_view key) override {
    STREAMGATE_RETURN_IF_ERROR(CheckKey(key));
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mu);
    auto found = shard.index.find(key);
    if (found == shard.index.end()) return false;
    const bool live = found->second->expires > clock_();
    shard.Erase(found->second);
    return live;
  }

  Result<uint64_t> DeleteByPrefix(std::string_view prefix) override {
    if (prefix.size() > options_.max_key_bytes) {
      return Status::InvalidArgument("cache: prefix longer than the maximum key size");
    }
    const TimePoint now = clock_();
    uint64_t removed = 0;
    for (Shard& shard : shards_) {
      std::lock_guard lock(shard.mu);
      for (auto it = shard.lru.begin(); it != shard.lru.end();) {
        auto next = std::next(it);
        if (std::string_view(it->key).substr(0, prefix.size()) == prefix) {
          if (it->expires > now) ++removed;
          shard.Erase(it);
        }
        it = next;
      }
    }
    return removed;
  }

  Status Clear() override {
    for (Shard& shard : shards_) {
      std::lock_guard lock(shard.mu);
      shard.index.clear();
      shard.lru.clear();
      shard.bytes = 0;
    }
    return Status::Ok();
  }

  CacheStats Stats() const override {
    CacheStats stats;
    stats.hits = hits_.load(std::memory_order_relaxed);
    stats.misses = misses_.load(std::memory_order_relaxed);
    stats.evictions = evictions_.load(std::memory_order_relaxed);
    const TimePoint now = clock_();
    for (Shard& shard : shards_) {
      std::lock_guard lock(shard.mu);
      for (const Entry& entry : shard.lru) {
        if (entry.expires > now) ++stats.entries;
      }
      stats.bytes += shard.bytes;
    }
    return stats;
  }

  std::string_view backend() const override { return "lru"; }

 private:
  Status CheckKey(std::string_view key) const { return CheckCacheKey(key, options_.max_key_bytes); }

  Status CheckEntry(std::string_view key, std::string_view value,
                    std::chrono::milliseconds ttl) const {
    STREAMGATE_RETURN_IF_ERROR(
        CheckCacheEntry(key, value, ttl, options_.max_key_bytes, options_.max_value_bytes));
    if (key.size() + value.size() + kLruEntryOverheadBytes > shard_budget_) {
      return Status::ResourceExhausted("cache: entry larger than the memory bound allows");
    }
    return Status::Ok();
  }

  TimePoint Expiry(TimePoint now, std::chrono::milliseconds ttl) const {
    if (ttl.count() == 0) ttl = options_.default_ttl;
    if (ttl.count() <= 0) return TimePoint::max();
    // Saturate rather than overflow for absurdly long TTLs.
    if (ttl > std::chrono::duration_cast<std::chrono::milliseconds>(TimePoint::max() - now)) {
      return TimePoint::max();
    }
    return now + ttl;
  }

  // Precondition: shard.mu held, `key` absent, the entry fits in the shard budget.
  void Insert(Shard& shard, std::string_view key, std::string_view value, TimePoint expires,
              TimePoint now) {
    const std::size_t charge = key.size() + value.size() + kLruEntryOverheadBytes;
    while (!shard.lru.empty() && shard.bytes + charge > shard_budget_) {
      auto victim = std::prev(shard.lru.end());
      // An expired entry dropped to make room is an expiry, not an eviction.
      if (victim->expires > now) evictions_.fetch_add(1, std::memory_order_relaxed);
      shard.Erase(victim);
    }
    shard.lru.push_front(Entry{std::string(key), std::string(value), expires});
    shard.index.emplace(shard.lru.front().key, shard.lru.begin());
    shard.bytes += charge;
  }

  Shard& ShardFor(std::string_view key) const {
    // Mix the hash so that shard choice does not depend on the low bits alone.
    std::size_t h = StringHash{}(key);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return shards_[h & (shards_.size() - 1)];
  }

  const LruCacheOptions options_;
  const CacheClock clock_;
  mutable std::vector<Shard> shards_;
  const std::size_t shard_budget_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace

std::unique_ptr<Cache> NewLruCacheWithClock(const LruCacheOptions& options, CacheClock clock) {
  if (!clock) clock = [] { return Clock::now(); };
  return std::make_unique<LruCache>(options, std::move(clock));
}

}  // namespace internal

std::unique_ptr<Cache> NewLruCache(const LruCacheOptions& options) {
  return internal::NewLruCacheWithClock(options, nullptr);
}

}  // namespace streamgate
