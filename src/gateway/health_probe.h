// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The active health check of one service: GET /health every interval on a fresh connection;
// a 2xx within the timeout marks the service up, anything else down (with the reason). State
// changes are logged. Runs on a strand of the Runtime's I/O threads.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <functional>
#include <memory>
#include <string>

#include "gateway/upstream_pool.h"

namespace streamgate::internal {

class HealthProbe : public std::enable_shared_from_this<HealthProbe> {
 public:
  // `resolve` runs UpstreamPool::Resolve off the I/O threads (the Runtime's worker pool).
  HealthProbe(std::shared_ptr<UpstreamPool> pool, int interval_ms, int timeout_ms,
              std::function<void(std::function<void()>)> run_blocking);
  void Start();
  // Idempotent; the probe lets go of itself once its pending operations are cancelled.
  void Stop();

 private:
  using Strand = asio::strand<asio::io_context::executor_type>;
  void Schedule(int delay_ms);
  void Run();
  void Done(bool up, std::string error);

  const std::shared_ptr<UpstreamPool> pool_;
  const int interval_ms_;
  const int timeout_ms_;
  const std::function<void(std::function<void()>)> run_blocking_;
  Strand strand_;
  asio::steady_timer timer_;
  asio::steady_timer deadline_;
  std::unique_ptr<asio::ip::tcp::socket> socket_;
  std::string request_;
  std::string response_;
  bool stopped_ = false;
  bool running_ = false;
  bool timed_out_ = false;
  bool was_up_ = true;  // logs only transitions
  unsigned generation_ = 0;
};

}  // namespace streamgate::internal
