// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Cache throughput through the public Cache interface: N threads issue SETs, then GETs, of
// random keys out of a keyspace (like `redis-benchmark -t set,get -r KEYSPACE -d SIZE`), and
// the program prints requests per second for each. With the redis backend every thread has
// its own pooled connection (pool_size = N), the same concurrency as `redis-benchmark -c N`.
// cache_vs_redis.sh runs both side by side. Not a test: figures for docs/PERFORMANCE.md.
//
//   streamgate_bench_cache lru|redis THREADS REQUESTS [PORT] [KEYSPACE] [VALUE_BYTES]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "streamgate/cache.h"

namespace {

using Clock = std::chrono::steady_clock;

template <typename Op>
double Run(int threads, long requests, Op op) {
  std::atomic<long> failures{0};
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t) * 7919 + 1);
      const long mine = requests / threads + (t < requests % threads ? 1 : 0);
      for (long i = 0; i < mine; ++i) {
        if (!op(rng)) failures.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (failures.load() > 0) std::fprintf(stderr, "%ld requests failed\n", failures.load());
  return static_cast<double>(requests) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s lru|redis THREADS REQUESTS [PORT] [KEYSPACE] [VALUE_BYTES]\n",
                 argv[0]);
    return 2;
  }
  const std::string backend = argv[1];
  const int threads = std::stoi(argv[2]);
  const long requests = std::stol(argv[3]);
  const int port = argc > 4 ? std::stoi(argv[4]) : 6379;
  const long keyspace = argc > 5 ? std::stol(argv[5]) : 100000;
  const std::size_t value_bytes = argc > 6 ? std::stoul(argv[6]) : 3;

  std::unique_ptr<streamgate::Cache> cache;
  if (backend == "redis") {
    streamgate::RedisCacheOptions options;
    options.port = port;
    options.pool_size = static_cast<std::size_t>(threads);
    options.key_prefix = "";  // the same keys as redis-benchmark's "key:NNNNNNNNNNNN"
    auto created = streamgate::NewRedisCache(options);
    if (!created.ok()) {
      std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
      return 1;
    }
    cache = std::move(created).value();
  } else {
    cache = streamgate::NewLruCache();
  }
  const std::string value(value_bytes, 'x');
  const auto key = [keyspace](std::mt19937_64& rng) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "key:%012ld",
                  static_cast<long>(rng() % static_cast<uint64_t>(keyspace)));
    return std::string(buffer);
  };
  const double set_rate = Run(
      threads, requests, [&](std::mt19937_64& rng) { return cache->Set(key(rng), value).ok(); });
  const double get_rate = Run(threads, requests, [&](std::mt19937_64& rng) {
    auto got = cache->Get(key(rng));
    return got.ok() || got.status().code() == streamgate::StatusCode::kNotFound;
  });
  // The same CSV shape as `redis-benchmark --csv`.
  std::printf("\"SET\",\"%.2f\"\n\"GET\",\"%.2f\"\n", set_rate, get_rate);
  return 0;
}
