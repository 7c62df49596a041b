// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "gateway/upstream_pool.h"

#include <sys/socket.h>

#include <cerrno>

namespace streamgate::internal {

UpstreamPool::UpstreamPool(asio::io_context& io, std::string name, std::string url,
                           std::optional<ServiceUrl> address, UpstreamSettings settings)
    : io_(io),
      name_(std::move(name)),
      url_(std::move(url)),
      address_(std::move(address)),
      settings_(settings) {
  if (!address_) state_ = "unconfigured";
}

UpstreamPool::~UpstreamPool() = default;

Status UpstreamPool::Resolve() {
  if (!address_) return Status::FailedPrecondition(name_ + " service has no URL configured");
  asio::error_code ec;
  std::vector<asio::ip::tcp::endpoint> found;
  const asio::ip::address numeric = asio::ip::make_address(address_->host, ec);
  if (!ec) {
    found.emplace_back(numeric, address_->port);
  } else {
    asio::io_context scratch;  // the synchronous resolver runs on the calling thread
    asio::ip::tcp::resolver resolver(scratch);
    auto results = resolver.resolve(address_->host, std::to_string(address_->port), ec);
    if (ec) {
      return Status::Unavailable("cannot resolve " + address_->host + ": " + ec.message());
    }
    for (const auto& entry : results) found.push_back(entry.endpoint());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  endpoints_ = std::move(found);
  return Status::Ok();
}

std::vector<asio::ip::tcp::endpoint> UpstreamPool::endpoints() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return endpoints_;
}

std::unique_ptr<asio::ip::tcp::socket> UpstreamPool::TakeIdle() {
  const auto now = std::chrono::steady_clock::now();
  const auto max_age = std::chrono::milliseconds(settings_.pool_idle_timeout_ms);
  for (;;) {
    std::unique_ptr<asio::ip::tcp::socket> socket;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (idle_.empty()) return nullptr;
      Idle entry = std::move(idle_.back());  // most recently used: least likely closed
      idle_.pop_back();
      if (now - entry.since > max_age) continue;
      socket = std::move(entry.socket);
    }
    // A connection the service closed (or wrote to: protocol error) reads as EOF or data.
    char byte;
    const ssize_t n = ::recv(socket->native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return socket;
    asio::error_code ec;
    socket->close(ec);
  }
}

void UpstreamPool::GiveBack(std::unique_ptr<asio::ip::tcp::socket> socket) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() >= settings_.max_idle) {
    asio::error_code ec;
    idle_.front().socket->close(ec);
    idle_.pop_front();
  }
  idle_.push_back({std::move(socket), std::chrono::steady_clock::now()});
}

void UpstreamPool::Prune() {
  const auto cutoff =
      std::chrono::steady_clock::now() - std::chrono::milliseconds(settings_.pool_idle_timeout_ms);
  std::lock_guard<std::mutex> lock(mutex_);
  while (!idle_.empty() && idle_.front().since < cutoff) {
    asio::error_code ec;
    idle_.front().socket->close(ec);
    idle_.pop_front();
  }
}

void UpstreamPool::SetHealth(bool up, std::string error) {
  std::lock_guard<std::mutex> lock(mutex_);
  state_ = up ? "up" : "down";
  last_error_ = up ? std::string() : std::move(error);
  down_.store(!up, std::memory_order_relaxed);
  if (!up) {
    for (Idle& entry : idle_) {
      asio::error_code ec;
      entry.socket->close(ec);
    }
    idle_.clear();
  }
}

GatewayServiceStatus UpstreamPool::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {name_, address_ ? url_ : std::string(), state_, last_error_};
}

}  // namespace streamgate::internal
