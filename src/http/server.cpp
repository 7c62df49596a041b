// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// HttpServer: the acceptor, the deadline sweeper and graceful shutdown. Per-connection work is in
// connection.cpp.
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <csignal>
#include <thread>
#include <vector>

#include "common/runtime_impl.h"
#include "http/connection.h"
#include "http/server_core.h"
#include "streamgate/http.h"
#include "streamgate/logging.h"

namespace streamgate {

using internal::Connection;
using internal::ServerCore;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  // The acceptor and both timers share one strand: Shutdown() posts to it from other threads.
  Impl(std::shared_ptr<ServerCore> c, asio::io_context& io)
      : core(std::move(c)),
        strand(asio::make_strand(io)),
        acceptor(strand),
        sweep_timer(strand),
        retry_timer(strand) {}

  void Accept();
  // Closes the acceptor (and the accept-retry timer) on the strand; with `stop_sweeping`, the
  // deadline sweep too.
  void StopAccepting(bool stop_sweeping);
  void ScheduleSweep();
  void Sweep();
  // Live connections, each kept alive by the returned pointers while the caller uses them.
  std::vector<std::shared_ptr<Connection>> Snapshot();
  void WaitForConnections(std::chrono::milliseconds limit);

  std::shared_ptr<ServerCore> core;
  asio::strand<asio::io_context::executor_type> strand;
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer sweep_timer;
  asio::steady_timer retry_timer;
  int sweep_interval_ms = 1000;
  std::atomic<uint16_t> port{0};
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
};

namespace {

Status ValidateOptions(const HttpServerOptions& o) {
  if (o.backlog <= 0) return Status::InvalidArgument("server.backlog must be positive");
  if (o.max_connections == 0) {
    return Status::InvalidArgument("server.max_connections must be positive");
  }
  if (o.max_uri_bytes == 0 || o.max_header_bytes == 0) {
    return Status::InvalidArgument(
        "server.max_uri_bytes and server.max_header_bytes must be positive");
  }
  for (int t : {o.header_timeout_ms, o.idle_timeout_ms, o.body_timeout_ms, o.write_timeout_ms}) {
    if (t <= 0) return Status::InvalidArgument("server timeouts must be positive");
  }
  if (o.shutdown_timeout_ms < 0) {
    return Status::InvalidArgument("server.shutdown_timeout_ms must not be negative");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Create(const HttpServerOptions& options,
                                                       std::shared_ptr<const Router> router,
                                                       Runtime& runtime) {
  STREAMGATE_RETURN_IF_ERROR(ValidateOptions(options));
  if (!router) return Status::InvalidArgument("HttpServer needs a router");
  auto core = std::make_shared<ServerCore>(options, std::move(router), runtime);
  auto impl = std::make_shared<Impl>(std::move(core), internal::IoContext(runtime));
  // Deadlines are checked by one sweep over all connections rather than a timer each: a quarter
  // of the shortest timeout keeps the error small, and 10,000 idle connections cost no timers.
  int shortest = std::min({options.header_timeout_ms, options.idle_timeout_ms,
                           options.body_timeout_ms, options.write_timeout_ms});
  impl->sweep_interval_ms = std::clamp(shortest / 4, 10, 1000);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  if (impl_->started.load() && !impl_->stopped.load()) {
    // No grace period: the owner chose to destroy a running server.
    impl_->stopped = true;
    impl_->core->draining = true;
    impl_->StopAccepting(/*stop_sweeping=*/true);
    for (auto& c : impl_->Snapshot()) c->PostClose();
    impl_->WaitForConnections(std::chrono::milliseconds(2000));
  }
}

Status HttpServer::Start() {
  if (impl_->started.exchange(true)) return Status::FailedPrecondition("server already started");
  // sendfile(2) has no MSG_NOSIGNAL: a peer that resets mid-file would raise SIGPIPE and kill the
  // process. Ignore it unless the embedder installed a handler of its own.
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    std::signal(SIGPIPE, SIG_IGN);
  }
  const HttpServerOptions& o = impl_->core->options;
  asio::error_code ec;
  std::string host = o.host == "localhost" ? "127.0.0.1" : o.host;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("server.host: \"" + o.host + "\" is not an IP address");
  asio::ip::tcp::endpoint endpoint(address, o.port);
  auto& acceptor = impl_->acceptor;
  const std::string where = host + ":" + std::to_string(o.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(o.backlog, ec);
  if (ec) {
    acceptor.close();
    return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
  }
  impl_->port = acceptor.local_endpoint().port();
  // Start the loops from an I/O thread so that the acceptor is never touched concurrently.
  asio::post(impl_->strand, [impl = impl_] {
    impl->Accept();
    impl->ScheduleSweep();
  });
  return Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->port.load(); }

void HttpServer::SetObserver(HttpObserver observer) { impl_->core->observer = std::move(observer); }

HttpServerStats HttpServer::stats() const {
  const ServerCore& c = *impl_->core;
  HttpServerStats s;
  s.connections_accepted = c.connections_accepted.load(std::memory_order_relaxed);
  s.connections_active = c.connections_active.load(std::memory_order_relaxed);
  s.requests = c.requests.load(std::memory_order_relaxed);
  s.bytes_sent = c.bytes_sent.load(std::memory_order_relaxed);
  for (int i = 0; i < 6; ++i) {
    s.responses_by_class[i] = c.responses_by_class[i].load(std::memory_order_relaxed);
  }
  return s;
}

void HttpServer::Shutdown() {
  if (!impl_->started.load() || impl_->stopped.exchange(true)) return;
  ServerCore& core = *impl_->core;
  core.draining = true;
  // Deadlines keep being enforced while in-flight exchanges drain.
  impl_->StopAccepting(/*stop_sweeping=*/false);
  // Idle connections close now; busy ones after their current response ("Connection: close").
  for (auto& c : impl_->Snapshot()) c->PostDrain();
  impl_->WaitForConnections(std::chrono::milliseconds(core.options.shutdown_timeout_ms));
  if (core.connections_active.load() > 0) {
    Log(LogLevel::kWarn, "http",
        std::to_string(core.connections_active.load()) +
            " connections still busy after the shutdown grace period; closing them");
    for (auto& c : impl_->Snapshot()) c->PostClose();
    impl_->WaitForConnections(std::chrono::milliseconds(2000));
  }
  asio::post(impl_->strand, [impl = impl_] { impl->sweep_timer.cancel(); });
}

void HttpServer::Impl::StopAccepting(bool stop_sweeping) {
  asio::post(strand, [self = shared_from_this(), stop_sweeping] {
    asio::error_code ec;
    self->acceptor.close(ec);
    self->retry_timer.cancel();
    if (stop_sweeping) self->sweep_timer.cancel();
  });
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(
      asio::make_strand(strand.get_inner_executor()),
      [self = shared_from_this()](const asio::error_code& ec, asio::ip::tcp::socket socket) {
        if (!self->acceptor.is_open() || ec == asio::error::operation_aborted) return;
        if (ec) {
          // Out of descriptors (EMFILE/ENFILE) or memory: back off instead of spinning.
          Log(LogLevel::kWarn, "http", "accept failed: " + ec.message());
          self->retry_timer.expires_after(std::chrono::milliseconds(50));
          self->retry_timer.async_wait([self](const asio::error_code& e) {
            if (!e) self->Accept();
          });
          return;
        }
        ServerCore& c = *self->core;
        c.connections_accepted.fetch_add(1, std::memory_order_relaxed);
        if (c.draining.load() || c.connections_active.load() >= c.options.max_connections) {
          asio::error_code ignored;
          socket.close(ignored);
        } else {
          std::make_shared<Connection>(self->core, std::move(socket))->Start();
        }
        self->Accept();
      });
}

void HttpServer::Impl::ScheduleSweep() {
  sweep_timer.expires_after(std::chrono::milliseconds(sweep_interval_ms));
  sweep_timer.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec) return;
    self->Sweep();
    self->ScheduleSweep();
  });
}

void HttpServer::Impl::Sweep() {
  const int64_t now = internal::SteadyNowMs();
  std::vector<std::shared_ptr<Connection>> expired;
  {
    std::lock_guard<std::mutex> lock(core->connections_mutex);
    for (Connection* c : core->connections) {
      const int64_t deadline = c->Deadline();
      if (deadline == 0 || deadline > now) continue;
      if (auto alive = c->weak_from_this().lock()) expired.push_back(std::move(alive));
    }
  }
  for (auto& c : expired) c->PostDeadlineCheck();
}

std::vector<std::shared_ptr<Connection>> HttpServer::Impl::Snapshot() {
  std::vector<std::shared_ptr<Connection>> out;
  std::lock_guard<std::mutex> lock(core->connections_mutex);
  out.reserve(core->connections.size());
  for (Connection* c : core->connections) {
    if (auto alive = c->weak_from_this().lock()) out.push_back(std::move(alive));
  }
  return out;
}

void HttpServer::Impl::WaitForConnections(std::chrono::milliseconds limit) {
  // Polling keeps Shutdown() callable from any non-I/O thread without extra synchronisation.
  const auto until = std::chrono::steady_clock::now() + limit;
  while (core->connections_active.load() > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace streamgate
