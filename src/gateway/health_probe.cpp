// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "gateway/health_probe.h"

#include <asio/bind_executor.hpp>
#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/write.hpp>

#include "streamgate/logging.h"

namespace streamgate::internal {

HealthProbe::HealthProbe(std::shared_ptr<UpstreamPool> pool, int interval_ms, int timeout_ms,
                         std::function<void(std::function<void()>)> run_blocking)
    : pool_(std::move(pool)),
      interval_ms_(interval_ms),
      timeout_ms_(timeout_ms),
      run_blocking_(std::move(run_blocking)),
      strand_(asio::make_strand(pool_->io())),
      timer_(strand_),
      deadline_(strand_) {
  request_ = "GET /health HTTP/1.1\r\nHost: " + pool_->address().host_header +
             "\r\nUser-Agent: streamgate-gateway\r\nConnection: close\r\n\r\n";
}

void HealthProbe::Start() { Schedule(0); }

void HealthProbe::Stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
    self->deadline_.cancel();
    if (self->socket_) {
      asio::error_code ec;
      self->socket_->close(ec);
    }
  });
}

void HealthProbe::Schedule(int delay_ms) {
  if (stopped_) return;
  timer_.expires_after(std::chrono::milliseconds(delay_ms));
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec) self->Run();
  });
}

void HealthProbe::Run() {
  if (stopped_ || running_) return;
  std::vector<asio::ip::tcp::endpoint> endpoints = pool_->endpoints();
  if (endpoints.empty()) {
    // Not resolvable yet (a name whose DNS entry appears later, as in a compose network).
    run_blocking_([pool = pool_] { static_cast<void>(pool->Resolve()); });
    return Done(false, "cannot resolve " + pool_->address().host);
  }
  running_ = true;
  timed_out_ = false;
  response_.clear();
  const unsigned generation = ++generation_;
  socket_ = std::make_unique<asio::ip::tcp::socket>(pool_->io());
  deadline_.expires_after(std::chrono::milliseconds(timeout_ms_));
  deadline_.async_wait([self = shared_from_this(), generation](const asio::error_code& ec) {
    if (ec || generation != self->generation_ || !self->socket_) return;
    self->timed_out_ = true;
    asio::error_code ignored;
    self->socket_->close(ignored);
  });
  auto self = shared_from_this();
  auto fail = [self](std::string_view doing, const asio::error_code& ec) {
    self->Done(false, self->timed_out_ ? "health check timed out after " +
                                             std::to_string(self->timeout_ms_) + " ms"
                                       : std::string(doing) + ": " + ec.message());
  };
  asio::async_connect(
      *socket_, endpoints,
      asio::bind_executor(strand_, [self, fail](const asio::error_code& ec,
                                                const asio::ip::tcp::endpoint&) {
        if (self->stopped_) return;
        if (ec) return fail("connect", ec);
        asio::async_write(
            *self->socket_, asio::buffer(self->request_),
            asio::bind_executor(self->strand_, [self, fail](const asio::error_code& wec, size_t) {
              if (self->stopped_) return;
              if (wec) return fail("send", wec);
              asio::async_read_until(
                  *self->socket_, asio::dynamic_buffer(self->response_, 4096), "\r\n",
                  asio::bind_executor(self->strand_, [self, fail](const asio::error_code& rec,
                                                                  size_t line) {
                    if (self->stopped_) return;
                    if (rec) return fail("read", rec);
                    // "HTTP/1.1 200 OK"
                    const std::string status_line = self->response_.substr(0, line);
                    int code = 0;
                    if (status_line.size() >= 12 && status_line.compare(0, 5, "HTTP/") == 0) {
                      code = std::atoi(status_line.c_str() + 9);
                    }
                    if (code >= 200 && code < 300) return self->Done(true, "");
                    self->Done(false, code == 0 ? "malformed health response"
                                                : "GET /health answered " + std::to_string(code));
                  }));
            }));
      }));
}

void HealthProbe::Done(bool up, std::string error) {
  running_ = false;
  ++generation_;
  deadline_.cancel();
  if (socket_) {
    asio::error_code ec;
    socket_->close(ec);
    socket_.reset();
  }
  if (up != was_up_) {
    if (up) {
      Log(LogLevel::kInfo, "gateway", pool_->name() + " service is up again");
    } else {
      Log(LogLevel::kWarn, "gateway", pool_->name() + " service is down: " + error);
    }
    was_up_ = up;
  }
  pool_->SetHealth(up, std::move(error));
  pool_->Prune();
  Schedule(interval_ms_);
}

}  // namespace streamgate::internal
