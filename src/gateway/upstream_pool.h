// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// One service behind the gateway: its address, its health as the active check last saw it, and
// a pool of idle keep-alive connections to it.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/route_table.h"
#include "streamgate/gateway.h"

namespace streamgate::internal {

struct UpstreamSettings {
  int connect_timeout_ms = 2000;
  int response_timeout_ms = 30000;
  int pool_idle_timeout_ms = 20000;
  size_t max_idle = 64;
};

// Thread-safe (a mutex around the idle list, endpoints and health; an atomic for "down").
class UpstreamPool {
 public:
  // `address` is nullopt when the service has no URL configured.
  UpstreamPool(asio::io_context& io, std::string name, std::string url,
               std::optional<ServiceUrl> address, UpstreamSettings settings);
  ~UpstreamPool();

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }
  bool configured() const { return address_.has_value(); }
  const ServiceUrl& address() const { return *address_; }
  const UpstreamSettings& settings() const { return settings_; }
  asio::io_context& io() { return io_; }

  // Blocking name resolution (numeric addresses need none): never on an I/O thread.
  Status Resolve();
  std::vector<asio::ip::tcp::endpoint> endpoints() const;

  // An idle connection still open on the service side, or nullptr.
  std::unique_ptr<asio::ip::tcp::socket> TakeIdle();
  // Keeps `socket` for reuse (closed instead when the pool is full).
  void GiveBack(std::unique_ptr<asio::ip::tcp::socket> socket);
  // Closes idle connections older than the idle timeout.
  void Prune();

  void SetHealth(bool up, std::string error);
  bool down() const { return down_.load(std::memory_order_relaxed); }
  GatewayServiceStatus Snapshot() const;

 private:
  struct Idle {
    std::unique_ptr<asio::ip::tcp::socket> socket;
    std::chrono::steady_clock::time_point since;
  };

  asio::io_context& io_;
  const std::string name_;
  const std::string url_;
  const std::optional<ServiceUrl> address_;
  const UpstreamSettings settings_;

  mutable std::mutex mutex_;
  std::deque<Idle> idle_;                           // guarded by mutex_
  std::vector<asio::ip::tcp::endpoint> endpoints_;  // guarded by mutex_
  std::string state_ = "unknown";                   // guarded by mutex_
  std::string last_error_;                          // guarded by mutex_
  std::atomic<bool> down_{false};
};

}  // namespace streamgate::internal
