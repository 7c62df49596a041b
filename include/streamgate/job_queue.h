// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// JobQueue: durable background jobs (transcodes, clean-ups, anything retried until done) and the
// JobWorker that runs them. Two backends pass the same test suite: NewSqliteJobQueue (one
// SQLite file, <data_dir>/jobs.db; the embedded default, shared safely by several processes on
// one host) and NewRedisJobQueue (Redis Streams with a consumer group; many worker processes on
// many hosts).
//
// Life of a job: Submit -> queued (or scheduled when it has a future run_at or an interval) ->
// Lease by a worker -> running -> Complete (succeeded) | Fail (retried with exponential backoff
// and full jitter, failed after max_attempts) | Cancel (cancelled). A lease is a visibility
// timeout: a job whose worker stops heartbeating (crash, kill -9) becomes leasable again when the
// lease expires, and only the current lease holder may complete it. Execution is therefore
// at-least-once; handlers make their side effects idempotent with Job::idempotency_key.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/result.h"
#include "streamgate/runtime.h"
#include "streamgate/status.h"

namespace streamgate {

enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled, kScheduled };
// "queued", "running", "succeeded", "failed", "cancelled", "scheduled".
std::string_view JobStateName(JobState state);
// InvalidArgument for anything but the names above.
Result<JobState> ParseJobState(std::string_view name);
// succeeded, failed and cancelled: the job never changes again.
bool IsTerminal(JobState state);

// One job as stored. Times are Unix epoch milliseconds (0 = unset).
struct Job {
  std::string id;              // 32 hex characters, assigned by Submit
  std::string type;            // selects the handler: [A-Za-z0-9._-]{1,64}
  std::string payload = "{}";  // JSON text, handed to the handler unchanged
  std::string result;          // JSON text the handler left with JobContext::SetResult, or ""
  int priority = 0;            // higher runs first (Redis: three bands, >0, 0, <0)
  JobState state = JobState::kQueued;
  int attempts = 0;               // leases so far (of this run, for interval jobs)
  int max_attempts = 0;           // failed after this many attempts
  int64_t run_at_ms = 0;          // not leased before this time
  int64_t interval_ms = 0;        // > 0: runs again this long after each success, until cancelled
  uint64_t runs = 0;              // successful runs (interval jobs count up; others 0 or 1)
  std::string lease_owner;        // worker id while running
  int64_t lease_expires_ms = 0;   // while running: leasable by others after this time
  bool cancel_requested = false;  // Cancel() on a running job; the handler sees it
  int progress = 0;               // 0-100, reported by the handler
  std::string last_error;         // the last failure's message
  std::string idempotency_key;    // Submit with a key already used returns that job
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct SubmitJobRequest {
  std::string type;
  std::string payload = "{}";   // must be valid JSON, at most JobQueueOptions::max_payload_bytes
  int priority = 0;             // clamped to [-1000, 1000]
  int max_attempts = 0;         // 0: JobQueueOptions::max_attempts
  int64_t run_at_ms = 0;        // 0 or past: runnable now; future: state scheduled
  int64_t interval_ms = 0;      // > 0: recurring (state scheduled until its first run_at)
  std::string idempotency_key;  // optional, at most 200 bytes
};

struct ListJobsRequest {
  std::optional<JobState> state;  // only jobs in this state
  std::string type;               // only jobs of this type ("" = all)
  std::string cursor;             // next_cursor of the previous page; "" = first page
  int limit = 50;                 // 1 to 1000
};

struct ListJobsResponse {
  std::vector<Job> jobs;  // in submission order
  // "" when there is nothing more. With filters, a page may hold fewer than `limit` jobs and
  // still carry a cursor: the Redis backend examines at most 10,000 jobs per call.
  std::string next_cursor;
};

enum class JobBackend { kSqlite, kRedis };

struct JobQueueOptions {
  JobBackend backend = JobBackend::kSqlite;
  // SQLite file; the worker plugin uses <data_dir>/jobs.db. Required by NewSqliteJobQueue.
  std::string sqlite_path;
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  std::string redis_password;  // empty: no AUTH
  int redis_db = 0;
  // Every Redis key of the queue starts with this, so several queues share a server.
  std::string key_prefix = "streamgate:jobs:";
  std::size_t redis_pool_size = 4;  // connections kept open; callers beyond wait for one
  int64_t redis_connect_timeout_ms = 1000;
  int64_t redis_command_timeout_ms = 2000;
  int max_attempts = 5;            // default for jobs submitted without one
  int64_t backoff_base_ms = 1000;  // retry n waits uniform(0, min(cap, base * 2^(n-1)))
  int64_t backoff_cap_ms = 300000;
  std::size_t max_payload_bytes = 256 * 1024;  // larger payloads are ResourceExhausted
};

// How much work is waiting or running now, for metrics and operations.
struct JobQueueDepth {
  uint64_t queued = 0;     // runnable now
  uint64_t scheduled = 0;  // waiting for their run time (schedules and retry backoff)
  uint64_t running = 0;    // leased to a worker (including expired leases not yet taken over)
};

// The queue. Thread-safe: every method may be called from any thread. Every method blocks on
// disk or network (bounded by timeouts): call from worker threads, never from I/O threads.
// Errors: InvalidArgument for bad input, NotFound for unknown ids, Unavailable when the
// backend is unreachable (Redis down; retried by reconnecting on the next call).
class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Stores a new job, or returns the existing one when `idempotency_key` was used before.
  // ResourceExhausted for a payload over max_payload_bytes.
  virtual Result<Job> Submit(const SubmitJobRequest& request) = 0;
  // Submit for a job that runs later: requires a future run_at_ms or an interval_ms > 0.
  virtual Result<Job> Schedule(const SubmitJobRequest& request) = 0;
  virtual Result<Job> Get(std::string_view id) = 0;
  // Queued/scheduled jobs are cancelled at once; a running job gets cancel_requested and ends
  // cancelled when its handler returns. FailedPrecondition when the job already ended.
  virtual Result<Job> Cancel(std::string_view id) = 0;
  // InvalidArgument for a malformed cursor or limit.
  virtual Result<ListJobsResponse> List(const ListJobsRequest& request) = 0;

  // The worker side. Lease hands out at most one runnable job of one of `types` (highest
  // priority first, then oldest), marks it running for `worker_id` until now + lease, and counts
  // an attempt; nullopt when none is due. Jobs whose lease expired are leased again (or failed,
  // once out of attempts).
  virtual Result<std::optional<Job>> Lease(std::string_view worker_id,
                                           const std::vector<std::string>& types,
                                           std::chrono::milliseconds lease) = 0;
  // Extends the lease and records progress (0-100). Returns the job, whose cancel_requested tells
  // the handler to stop. Aborted when `worker_id` no longer holds the lease.
  virtual Result<Job> Heartbeat(std::string_view id, std::string_view worker_id,
                                std::chrono::milliseconds lease, int progress) = 0;
  // Ends a run: succeeded (interval jobs: scheduled again), or cancelled when cancellation was
  // requested. Aborted when `worker_id` no longer holds the lease (someone else will finish it).
  virtual Result<Job> Complete(std::string_view id, std::string_view worker_id,
                               std::string_view result = {}) = 0;
  // Ends a run that failed: retried after a backoff when `retryable` and attempts remain,
  // failed otherwise (cancelled when cancellation was requested). Aborted as for Complete.
  virtual Result<Job> Fail(std::string_view id, std::string_view worker_id, std::string_view error,
                           bool retryable) = 0;

  // Counts by state; Redis counts stream entries, so a cancelled job may be counted as queued
  // until a worker skips it.
  virtual Result<JobQueueDepth> Depth() = 0;

  // "sqlite" or "redis".
  virtual std::string_view backend() const = 0;
};

// Opens (creating when needed) options.sqlite_path in WAL mode and migrates its schema.
Result<std::unique_ptr<JobQueue>> NewSqliteJobQueue(const JobQueueOptions& options);
// Connects lazily and reconnects after failures; fails only on invalid options.
Result<std::unique_ptr<JobQueue>> NewRedisJobQueue(const JobQueueOptions& options);
// The backend options.backend names.
Result<std::unique_ptr<JobQueue>> NewJobQueue(const JobQueueOptions& options);

// What a running handler sees besides its Job. Thread-safe. Owned by the JobWorker and valid only
// while the handler runs: do not keep a reference after returning.
class JobContext {
 public:
  JobContext() = default;
  JobContext(const JobContext&) = delete;
  JobContext& operator=(const JobContext&) = delete;

  // True once the job was cancelled, the worker is stopping, or the lease was lost: return soon
  // (any status; the job then ends cancelled or is retried by another worker).
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  // 0-100; sent with the next heartbeat.
  void SetProgress(int percent) { progress_.store(percent, std::memory_order_relaxed); }
  int progress() const { return progress_.load(std::memory_order_relaxed); }
  // JSON text stored as Job::result when the handler succeeds.
  void SetResult(std::string json) { result_ = std::move(json); }
  const std::string& result() const { return result_; }
  // Used by the worker; a handler has no reason to call it.
  void RequestCancel() { cancelled_.store(true, std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
  std::atomic<int> progress_{0};
  std::string result_;  // written by the handler's thread only
};

// OK completes the job. Any other status fails the attempt: InvalidArgument, NotFound,
// FailedPrecondition, PermissionDenied and Unimplemented are permanent (failed at once); the
// rest are retried with backoff.
using JobHandler = std::function<Status(const Job& job, JobContext& context)>;

struct JobWorkerOptions {
  std::string worker_id;           // "" : <hostname>-<pid>-<random>
  int concurrency = 2;             // jobs run at once; each occupies one Runtime worker thread
  int64_t poll_interval_ms = 500;  // wait between Lease calls when nothing was due
  // Visibility timeout. Heartbeats renew it (and fetch cancellation) every min(lease_ms / 3, 1 s).
  int64_t lease_ms = 30000;
};

// Runs registered handlers for jobs leased from a JobQueue, on the Runtime's worker pool (polls
// use Runtime timers; no thread of its own). Thread-safe. Ownership: shares the queue; the
// Runtime must outlive the worker. Destruction stops it.
class JobWorker {
 public:
  static Result<std::unique_ptr<JobWorker>> Create(std::shared_ptr<JobQueue> queue,
                                                   const JobWorkerOptions& options,
                                                   Runtime& runtime);
  ~JobWorker();
  JobWorker(const JobWorker&) = delete;
  JobWorker& operator=(const JobWorker&) = delete;

  // Before or after Start(). InvalidArgument for a bad type name; AlreadyExists for a second
  // handler of the same type.
  Status RegisterHandler(std::string type, JobHandler handler);
  bool HasHandler(std::string_view type) const;
  std::vector<std::string> types() const;
  // Begins leasing. FailedPrecondition when already started or stopped.
  Status Start();
  // Stops leasing, asks running handlers to stop (JobContext::cancelled) and waits for them;
  // their jobs are released for retry. Idempotent.
  void Stop();
  const std::string& worker_id() const;
  // False while the queue is unreachable (the last Lease failed); never blocks.
  bool queue_reachable() const;

 private:
  struct Impl;
  explicit JobWorker(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The `jobs` section of the configuration (STREAMGATE_JOBS_*): what the worker plugin builds.
struct JobsConfig {
  JobQueueOptions queue;  // sqlite_path is filled in from data_dir when empty
  JobWorkerOptions worker;
  bool run_worker = true;         // false: serve the endpoints, run no handlers in this process
  bool builtin_handlers = false;  // register noop/echo/sleep/fail (tests and operations)
  // Also run "transcode" jobs here (the transcoder plugin's handler, with the `transcode`
  // section's options), so that the worker service can take transcodes off transcoder services.
  bool run_transcode = false;
};

// Registers the built-in job types on `worker` (see docs/jobs.md): "noop" (succeeds), "echo"
// (result = payload), "sleep" ({"ms": N}, honours cancellation), "fail" ({"message": "...",
// "retryable": bool}). For tests and operations; the worker plugin registers them only when
// jobs.builtin_handlers is true.
Status RegisterBuiltinJobHandlers(JobWorker& worker);

}  // namespace streamgate
