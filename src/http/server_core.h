// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// State shared by the HttpServer and its connections.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "streamgate/http.h"

namespace streamgate {
class Runtime;
}

namespace streamgate::internal {

class Connection;

inline int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct ServerCore {
  ServerCore(HttpServerOptions opts, std::shared_ptr<const Router> r, Runtime& rt)
      : options(std::move(opts)), router(std::move(r)), runtime(rt) {}

  const HttpServerOptions options;
  const std::shared_ptr<const Router> router;
  Runtime& runtime;
  HttpObserver observer;  // set before Start(), read-only afterwards

  // Set once Shutdown() begins: connections finish their current exchange and close.
  std::atomic<bool> draining{false};

  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_active{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> responses_by_class[6] = {};

  // Every live connection, for the deadline sweeper and for shutdown. A connection adds itself
  // when it starts and removes itself in its destructor.
  std::mutex connections_mutex;
  std::unordered_set<Connection*> connections;  // guarded by connections_mutex
};

}  // namespace streamgate::internal
