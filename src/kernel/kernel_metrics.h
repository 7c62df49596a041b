// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The metrics every StreamGate process exports whatever its plugins: build and uptime, process
// resources, HTTP exchanges by route pattern and status with latency histograms, open
// connections, and plugin health. They live in the Kernel's MetricsRegistry beside the plugins'.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>

#include "streamgate/kernel.h"

namespace streamgate::internal {

// Thread-safe. Borrows the registry, which must outlive it; the collector it installs is
// removed by the destructor.
class KernelMetrics {
 public:
  // `health` reports the plugins' health at scrape time (cheap, non-blocking).
  static Result<std::unique_ptr<KernelMetrics>> Create(MetricsRegistry& registry,
                                                       const Config& config,
                                                       std::function<KernelHealth()> health);
  ~KernelMetrics();
  KernelMetrics(const KernelMetrics&) = delete;
  KernelMetrics& operator=(const KernelMetrics&) = delete;

  // Records one exchange: streamgate_http_requests_total{method,route,status},
  // streamgate_http_request_duration_seconds{method,route}, response bytes. The route is the
  // matched pattern ("unmatched" when none did), so that raw paths never become labels.
  void Record(const HttpExchange& exchange);
  // The server whose connection counts are exported; null before it exists.
  void SetServer(const HttpServer* server) { server_.store(server); }

 private:
  KernelMetrics() = default;
  void Collect();

  MetricsRegistry* registry_ = nullptr;
  int collector_id_ = 0;
  std::function<KernelHealth()> health_;
  std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
  std::atomic<const HttpServer*> server_{nullptr};

  CounterFamily* requests_ = nullptr;
  HistogramFamily* durations_ = nullptr;
  Counter* response_bytes_ = nullptr;
  Counter* connections_accepted_ = nullptr;
  Gauge* connections_active_ = nullptr;
  Gauge* uptime_ = nullptr;
  Gauge* resident_memory_ = nullptr;
  Gauge* open_fds_ = nullptr;
  GaugeFamily* plugin_health_ = nullptr;
};

// The HTTP method as a bounded label value: the standard methods as sent, anything else "other".
std::string_view MethodLabel(std::string_view method);

}  // namespace streamgate::internal
