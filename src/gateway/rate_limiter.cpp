// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "gateway/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace streamgate::internal {

int64_t MonotonicNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RateLimiter::RateLimiter(double rate_per_s, double burst, size_t max_buckets)
    : rate_(rate_per_s),
      burst_(std::max(1.0, burst)),
      max_buckets_(std::max<size_t>(1, max_buckets)) {}

RateDecision RateLimiter::Take(std::string_view key, int64_t now_ns) {
  if (rate_ <= 0) return {};
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_buckets_) EvictLocked(now_ns);
    it = buckets_.emplace(std::string(key), Bucket{burst_, now_ns}).first;
  }
  Bucket& bucket = it->second;
  const double elapsed_s = static_cast<double>(std::max<int64_t>(0, now_ns - bucket.last_ns)) / 1e9;
  bucket.tokens = std::min(burst_, bucket.tokens + elapsed_s * rate_);
  bucket.last_ns = now_ns;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {};
  }
  const double wait_s = (1.0 - bucket.tokens) / rate_;
  return {false, std::max(1, static_cast<int>(std::ceil(wait_s)))};
}

size_t RateLimiter::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return buckets_.size();
}

void RateLimiter::EvictLocked(int64_t now_ns) {
  // A bucket that would be full by now carries no information: drop it.
  const double full_after_ns = burst_ / rate_ * 1e9;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double idle_ns = static_cast<double>(now_ns - it->second.last_ns);
    if (it->second.tokens + idle_ns / 1e9 * rate_ >= burst_ || idle_ns >= full_after_ns) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  // Every bucket busy (a flood of distinct keys): forget an eighth rather than grow without
  // bound, so that the scan above is amortised over many insertions.
  if (buckets_.size() < max_buckets_) return;
  const size_t target = max_buckets_ - max_buckets_ / 8 - 1;
  while (!buckets_.empty() && buckets_.size() > target) buckets_.erase(buckets_.begin());
}

}  // namespace streamgate::internal
