// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// Runtime::Impl: the Asio objects behind the public Runtime, reachable from src/ only.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>
#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "streamgate/runtime.h"

namespace streamgate {

struct Runtime::Impl {
  Impl(int io_count, int worker_count)
      : io(io_count), workers(static_cast<std::size_t>(worker_count)),
        io_thread_count(io_count), worker_thread_count(worker_count) {}

  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> io_guard;
  std::vector<std::thread> io_threads;
  asio::thread_pool workers;
  std::atomic<bool> stopped{false};
  int io_thread_count;
  int worker_thread_count;
};

namespace internal {
inline asio::io_context& IoContext(Runtime& runtime) { return runtime.impl().io; }
}  // namespace internal

}  // namespace streamgate
