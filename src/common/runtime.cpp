// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include <asio/post.hpp>
#include <exception>

#include "common/runtime_impl.h"
#include "streamgate/logging.h"

namespace streamgate {
namespace {

int Resolve(int requested, int minimum) {
  if (requested > 0) return requested;
  const int hardware = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(minimum, hardware > 0 ? hardware : 1);
}

}  // namespace

Result<std::unique_ptr<Runtime>> Runtime::Create(const RuntimeOptions& options) {
  if (options.io_threads < 0 || options.io_threads > 256) {
    return Status::InvalidArgument("runtime.io_threads must be in [0, 256]");
  }
  if (options.worker_threads < 0 || options.worker_threads > 1024) {
    return Status::InvalidArgument("runtime.worker_threads must be in [0, 1024]");
  }
  auto impl = std::make_unique<Impl>(Resolve(options.io_threads, 1),
                                     Resolve(options.worker_threads, 2));
  impl->io_guard.emplace(impl->io.get_executor());
  for (int i = 0; i < impl->io_thread_count; ++i) {
    impl->io_threads.emplace_back([io = &impl->io] {
      // A handler that throws is a bug; log it and keep the loop alive rather than lose the
      // thread (and with it, every connection it serves).
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          Log(LogLevel::kError, "runtime", std::string("uncaught exception on I/O thread: ") +
                                               e.what());
        }
      }
    });
  }
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Runtime::~Runtime() { Stop(); }

void Runtime::Post(std::function<void()> task) {
  if (impl_->stopped.load(std::memory_order_acquire)) return;
  asio::post(impl_->workers, [task = std::move(task)] {
    try {
      task();
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "runtime", std::string("uncaught exception in worker task: ") +
                                           e.what());
    }
  });
}

void Runtime::Stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->workers.join();
  impl_->io_guard.reset();
  impl_->io.stop();
  for (auto& thread : impl_->io_threads) {
    if (thread.joinable()) thread.join();
  }
}

int Runtime::io_threads() const { return impl_->io_thread_count; }
int Runtime::worker_threads() const { return impl_->worker_thread_count; }

}  // namespace streamgate
