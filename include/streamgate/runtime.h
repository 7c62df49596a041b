// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Runtime: owns every thread of libstreamgate. I/O threads run the network event loop (Asio,
// not exposed); the worker pool runs blocking work (SQLite, libav, curl, hashing). Library
// objects never spawn threads of their own: they borrow these.
//
// Thread-safety: all methods are thread-safe. Ownership: the Runtime must outlive every object
// created with it; its destructor stops both pools and joins their threads.
#pragma once

#include <functional>
#include <memory>

#include "streamgate/result.h"

namespace streamgate {

struct RuntimeOptions {
  // Threads running the network event loop; 0 means one per hardware thread.
  int io_threads = 0;
  // Threads running blocking work and handlers marked kBlocking; 0 means max(2, hardware threads).
  int worker_threads = 0;
};

// See the file comment for threads and ownership. Errors: Create returns InvalidArgument for
// thread counts out of range (io_threads [0, 256], worker_threads [0, 1024]).
class Runtime {
 public:
  static Result<std::unique_ptr<Runtime>> Create(const RuntimeOptions& options);

  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Queues `task` on the worker pool. Tasks posted after Stop() are dropped.
  void Post(std::function<void()> task);

  // Stops accepting work, lets running tasks finish, joins all threads. Idempotent.
  void Stop();

  int io_threads() const;
  int worker_threads() const;

  // Implementation detail, reachable only from src/ (the type is not defined publicly).
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  explicit Runtime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamgate
