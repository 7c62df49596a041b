// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// JobWorker: `concurrency` lease loops on the Runtime's worker pool. Each loop leases one job,
// runs its handler on the pool thread it is on, reports the outcome, and leases again at once;
// when nothing is due it waits poll_interval_ms on a Runtime timer (no thread sleeps). While a
// handler runs, a timer renews the lease every min(lease_ms / 3, 1 s) and carries cancellation
// back.
#include <unistd.h>

#include <algorithm>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/runtime_impl.h"
#include "jobs/job_common.h"
#include "streamgate/job_queue.h"

namespace streamgate {

namespace {

bool IsPermanent(StatusCode code) {
  return code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound ||
         code == StatusCode::kFailedPrecondition || code == StatusCode::kPermissionDenied ||
         code == StatusCode::kUnimplemented;
}

std::string DefaultWorkerId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "worker") + "-" + std::to_string(getpid()) + "-" +
         internal::NewJobId().substr(0, 8);
}

}  // namespace

// Shared by the JobWorker handle, the tasks it posts and its timers, so that a late timer never
// touches freed memory. mutex_ guards handlers, phase, timers, running and in_flight.
struct JobWorker::Impl : std::enable_shared_from_this<JobWorker::Impl> {
  enum class Phase { kIdle, kRunning, kStopped };

  // One running job: the context its handler sees and the heartbeat timer renewing its lease.
  struct Running {
    explicit Running(Job leased) : job(std::move(leased)) {}
    Job job;
    JobContext context;
    std::shared_ptr<asio::steady_timer> heartbeat;
    bool done = false;  // guarded by Impl::mutex
  };

  // Counts one unit of work (a posted task or a running handler) until destroyed, so that
  // Stop() waits for it; a task the Runtime drops unrun is destroyed and so still counted off.
  struct InFlight {
    explicit InFlight(std::shared_ptr<Impl> owner) : impl(std::move(owner)) {
      std::lock_guard<std::mutex> lock(impl->mutex);
      ++impl->in_flight;
    }
    ~InFlight() {
      std::lock_guard<std::mutex> lock(impl->mutex);
      if (--impl->in_flight == 0) impl->idle.notify_all();
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
    std::shared_ptr<Impl> impl;
  };

  Impl(std::shared_ptr<JobQueue> job_queue, JobWorkerOptions worker_options, Runtime& rt)
      : queue(std::move(job_queue)), options(std::move(worker_options)), runtime(rt) {}

  std::shared_ptr<JobQueue> queue;
  const JobWorkerOptions options;
  Runtime& runtime;

  mutable std::mutex mutex;
  std::condition_variable idle;
  std::map<std::string, JobHandler, std::less<>> handlers;
  Phase phase = Phase::kIdle;
  std::set<std::shared_ptr<asio::steady_timer>> timers;
  std::set<std::shared_ptr<Running>> running;
  int in_flight = 0;
  std::atomic<bool> backend_down{false};

  void PostLoop() {
    auto token = std::make_shared<InFlight>(shared_from_this());
    runtime.Post([token] { token->impl->LoopOnce(); });
  }

  // Calls `then` on the worker pool after `delay`, unless the worker stops first.
  void After(std::chrono::milliseconds delay, std::function<void()> then) {
    std::lock_guard<std::mutex> lock(mutex);
    if (phase != Phase::kRunning) return;
    auto timer = std::make_shared<asio::steady_timer>(internal::IoContext(runtime), delay);
    timers.insert(timer);
    timer->async_wait(
        [self = shared_from_this(), timer, then = std::move(then)](const std::error_code& error) {
          {
            std::lock_guard<std::mutex> guard(self->mutex);
            self->timers.erase(timer);
            if (error || self->phase != Phase::kRunning) return;
          }
          // Timers fire on I/O threads; the work they start (queue calls) blocks: hand it over.
          auto token = std::make_shared<InFlight>(self);
          self->runtime.Post([token, then] { then(); });
        });
  }

  void WaitThenLoop() {
    After(std::chrono::milliseconds(options.poll_interval_ms),
          [self = shared_from_this()] { self->LoopOnce(); });
  }

  void LoopOnce() {
    std::vector<std::string> types;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (phase != Phase::kRunning) return;
      for (const auto& entry : handlers) types.push_back(entry.first);
    }
    if (types.empty()) return WaitThenLoop();
    Result<std::optional<Job>> leased =
        queue->Lease(options.worker_id, types, std::chrono::milliseconds(options.lease_ms));
    if (!leased.ok()) {
      // Once per outage, not once per poll: a Redis restart must not flood the log.
      if (!backend_down.exchange(true)) {
        internal::Logger("jobs")->warn("worker {}: cannot lease jobs: {}", options.worker_id,
                                       leased.status().ToString());
      }
      return WaitThenLoop();
    }
    if (backend_down.exchange(false)) {
      internal::Logger("jobs")->info("worker {}: the job queue answers again", options.worker_id);
    }
    if (!leased->has_value()) return WaitThenLoop();
    Run(std::move(**leased));
    PostLoop();
  }

  void Heartbeat(const std::shared_ptr<Running>& job) {
    // A third of the lease leaves two chances to renew before it expires; at most a second so
    // that a cancel reaches the handler quickly.
    After(std::chrono::milliseconds(std::clamp<int64_t>(options.lease_ms / 3, 1, 1000)),
          [self = shared_from_this(), job] {
            {
              std::lock_guard<std::mutex> lock(self->mutex);
              if (job->done) return;
            }
            Result<Job> renewed = self->queue->Heartbeat(
                job->job.id, self->options.worker_id,
                std::chrono::milliseconds(self->options.lease_ms), job->context.progress());
            if (renewed.ok()) {
              if (renewed->cancel_requested) job->context.RequestCancel();
            } else if (renewed.status().code() == StatusCode::kAborted ||
                       renewed.status().code() == StatusCode::kNotFound) {
              // Another worker owns the job now: stop duplicating its work.
              job->context.RequestCancel();
            }
            self->Heartbeat(job);
          });
  }

  void Run(Job job) {
    JobHandler handler;
    auto current = std::make_shared<Running>(std::move(job));
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto found = handlers.find(current->job.type);
      if (found != handlers.end()) handler = found->second;
      running.insert(current);
      if (phase != Phase::kRunning) current->context.RequestCancel();
    }
    if (current->job.cancel_requested) current->context.RequestCancel();
    Heartbeat(current);
    Status status = Status::Unimplemented("no handler for job type " + current->job.type);
    if (handler) {
      try {
        status = handler(current->job, current->context);
      } catch (const std::exception& error) {
        status = Status::Internal(std::string("handler threw: ") + error.what());
      } catch (...) {
        status = Status::Internal("handler threw");
      }
    }
    bool stopping = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      current->done = true;
      running.erase(current);
      stopping = phase != Phase::kRunning;
    }
    const Job& ran = current->job;
    Result<Job> outcome =
        status.ok() ? queue->Complete(ran.id, options.worker_id, current->context.result())
                    : queue->Fail(ran.id, options.worker_id, status.ToString(),
                                  stopping || !IsPermanent(status.code()));
    if (!outcome.ok()) {
      internal::Logger("jobs")->warn("worker {}: job {} ({}): could not record the outcome: {}",
                                     options.worker_id, ran.id, ran.type,
                                     outcome.status().ToString());
    }
  }
};

JobWorker::JobWorker(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

JobWorker::~JobWorker() { Stop(); }

Result<std::unique_ptr<JobWorker>> JobWorker::Create(std::shared_ptr<JobQueue> queue,
                                                     const JobWorkerOptions& options,
                                                     Runtime& runtime) {
  if (!queue) return Status::InvalidArgument("job worker: queue is null");
  if (options.concurrency < 1 || options.concurrency > 1024) {
    return Status::InvalidArgument("job worker: concurrency must be in [1, 1024]");
  }
  if (options.poll_interval_ms < 1 || options.lease_ms < 3) {
    return Status::InvalidArgument("job worker: poll_interval_ms >= 1 and lease_ms >= 3 required");
  }
  JobWorkerOptions resolved = options;
  if (resolved.worker_id.empty()) resolved.worker_id = DefaultWorkerId();
  auto impl = std::make_shared<Impl>(std::move(queue), std::move(resolved), runtime);
  return std::unique_ptr<JobWorker>(new JobWorker(std::move(impl)));
}

Status JobWorker::RegisterHandler(std::string type, JobHandler handler) {
  STREAMGATE_RETURN_IF_ERROR(internal::ValidateJobType(type));
  if (!handler) return Status::InvalidArgument("job handler is empty");
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->handlers.count(type) != 0) {
    return Status::AlreadyExists("a handler for job type " + type + " is registered");
  }
  impl_->handlers.emplace(std::move(type), std::move(handler));
  return Status::Ok();
}

bool JobWorker::HasHandler(std::string_view type) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->handlers.find(type) != impl_->handlers.end();
}

std::vector<std::string> JobWorker::types() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<std::string> out;
  for (const auto& entry : impl_->handlers) out.push_back(entry.first);
  return out;
}

Status JobWorker::Start() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->phase != Impl::Phase::kIdle) {
      return Status::FailedPrecondition("job worker already started or stopped");
    }
    impl_->phase = Impl::Phase::kRunning;
  }
  for (int i = 0; i < impl_->options.concurrency; ++i) impl_->PostLoop();
  return Status::Ok();
}

void JobWorker::Stop() {
  std::unique_lock<std::mutex> lock(impl_->mutex);
  impl_->phase = Impl::Phase::kStopped;
  for (const auto& timer : impl_->timers) timer->cancel();
  impl_->timers.clear();
  for (const auto& job : impl_->running) job->context.RequestCancel();
  impl_->idle.wait(lock, [this] { return impl_->in_flight == 0; });
}

const std::string& JobWorker::worker_id() const { return impl_->options.worker_id; }

bool JobWorker::queue_reachable() const { return !impl_->backend_down.load(); }

}  // namespace streamgate
