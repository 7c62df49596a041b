// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Token buckets keyed by client (an IP, a wallet): `rate` tokens per second up to `burst`; a
// request takes one. Memory is bounded: beyond `max_buckets`, buckets that have refilled to full
// (idle clients, indistinguishable from new ones) are evicted, then arbitrary ones.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace streamgate::internal {

struct RateDecision {
  bool allowed = true;
  int retry_after_s = 0;  // when refused: whole seconds until a token is back (>= 1)
};

// Thread-safe (one mutex: a map look-up and a few arithmetic operations under it).
class RateLimiter {
 public:
  // rate_per_s == 0 disables the limiter (everything allowed).
  RateLimiter(double rate_per_s, double burst, size_t max_buckets);

  // `now_ns`: a monotonic clock in nanoseconds (a parameter so that tests control time).
  RateDecision Take(std::string_view key, int64_t now_ns);
  size_t size() const;

 private:
  struct Bucket {
    double tokens;
    int64_t last_ns;
  };
  void EvictLocked(int64_t now_ns);

  const double rate_;
  const double burst_;
  const size_t max_buckets_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

int64_t MonotonicNowNs();

}  // namespace streamgate::internal
