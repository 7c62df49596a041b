// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// One behavioural suite for both JobQueue backends (SQLite and a real redis-server started
// here), the JobWorker, a Redis restart, a worker process killed with SIGKILL while it holds a
// job, and the worker plugin's HTTP endpoints. Public API only.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <streamgate/streamgate.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "redis_server_process.h"
#include "test_http_client.h"

extern char** environ;

namespace streamgate {
namespace {

using namespace std::chrono_literals;
using testing::RedisServerProcess;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A private directory under the system temp dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg-jobs-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string path() const { return path_.string(); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string RandomSuffix() {
  std::random_device device;
  return std::to_string(device()) + std::to_string(device());
}

// Storage for one backend: a SQLite file, or a redis-server with a key prefix of its own.
class QueueEnv {
 public:
  explicit QueueEnv(const std::string& backend) : backend_(backend) {
    options_.sqlite_path = dir_ / "jobs.db";
    options_.backoff_base_ms = 1;
    options_.backoff_cap_ms = 5;
    options_.max_attempts = 3;
    if (backend == "redis") {
      redis_ = std::make_unique<RedisServerProcess>(dir_.path(), true);
      options_.backend = JobBackend::kRedis;
      options_.redis_port = redis_->port();
      options_.key_prefix = "test:" + RandomSuffix() + ":";
    }
  }
  JobQueueOptions& options() { return options_; }
  RedisServerProcess* redis() { return redis_.get(); }
  const std::string& backend() const { return backend_; }
  std::string dir() const { return dir_.path(); }

  std::shared_ptr<JobQueue> Open() {
    Result<std::unique_ptr<JobQueue>> queue = NewJobQueue(options_);
    REQUIRE(queue.ok());
    REQUIRE((*queue)->backend() == backend_);
    return std::shared_ptr<JobQueue>(std::move(*queue));
  }

 private:
  std::string backend_;
  TempDir dir_;
  JobQueueOptions options_;
  std::unique_ptr<RedisServerProcess> redis_;
};

SubmitJobRequest Request(std::string type, std::string payload = "{}", int priority = 0) {
  SubmitJobRequest request;
  request.type = std::move(type);
  request.payload = std::move(payload);
  request.priority = priority;
  return request;
}

Job MustSubmit(JobQueue& queue, const SubmitJobRequest& request) {
  Result<Job> job = queue.Submit(request);
  INFO(job.status().ToString());
  REQUIRE(job.ok());
  return *job;
}

std::optional<Job> MustLease(JobQueue& queue, const std::string& worker,
                             std::vector<std::string> types,
                             std::chrono::milliseconds lease = 60s) {
  Result<std::optional<Job>> job = queue.Lease(worker, types, lease);
  INFO(job.status().ToString());
  REQUIRE(job.ok());
  return *job;
}

// Polls until `done` holds (bounded: a hang fails the test instead of blocking it).
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

Job WaitForState(JobQueue& queue, const std::string& id, JobState state) {
  Job last;
  const bool reached = WaitFor([&] {
    Result<Job> job = queue.Get(id);
    if (job.ok()) last = *job;
    return job.ok() && job->state == state;
  });
  INFO("job " << id << " is " << JobStateName(last.state) << ", wanted " << JobStateName(state)
              << "; last_error: " << last.last_error);
  REQUIRE(reached);
  return last;
}

// Each backend gets the same behavioural cases.
#define FOR_EACH_BACKEND()                                                    \
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "redis"); \
  DYNAMIC_SECTION("backend " << backend)

TEST_CASE("JobQueue: submit, get, lease and complete", "[jobs]") {
  FOR_EACH_BACKEND() {
    QueueEnv env(backend);
    auto queue = env.Open();
    SubmitJobRequest request = Request("echo", R"({"n":1})");
    const Job submitted = MustSubmit(*queue, request);
    CHECK(submitted.id.size() == 32);
    CHECK(submitted.state == JobState::kQueued);
    CHECK(submitted.payload == R"({"n":1})");
    CHECK(submitted.max_attempts == 3);
    CHECK(submitted.attempts == 0);

    Result<Job> got = queue->Get(submitted.id);
    REQUIRE(got.ok());
    CHECK(got->type == "echo");
    CHECK(got->created_ms > 0);

    CHECK_FALSE(MustLease(*queue, "w1", {"other"}).has_value());
    std::optional<Job> leased = MustLease(*queue, "w1", {"other", "echo"});
    REQUIRE(leased.has_value());
    CHECK(leased->id == submitted.id);
    CHECK(leased->state == JobState::kRunning);
    CHECK(leased->attempts == 1);
    CHECK(leased->lease_owner == "w1");
    CHECK(leased->lease_expires_ms > NowMs());
    CHECK_FALSE(MustLease(*queue, "w2", {"echo"}).has_value());

    CHECK(queue->Complete(submitted.id, "w2", "{}").status().code() == StatusCode::kAborted);
    Result<Job> done = queue->Complete(submitted.id, "w1", R"({"ok":true})");
    REQUIRE(done.ok());
    CHECK(done->state == JobState::kSucceeded);
    CHECK(done->result == R"({"ok":true})");
    CHECK(done->runs == 1);
    CHECK(done->progress == 100);
    CHECK(done->lease_owner.empty());
    CHECK(queue->Complete(submitted.id, "w1", "{}").status().code() == StatusCode::kAborted);
    CHECK_FALSE(MustLease(*queue, "w1", {"echo"}).has_value());
  }
}

TEST_CASE("JobQueue: bad input is refused precisely", "[jobs]") {
  FOR_EACH_BACKEND() {
    QueueEnv env(backend);
    env.options().max_payload_bytes = 64;
    auto queue = env.Open();
    CHECK(queue->Get("0123456789abcdef0123456789abcdef").status().code() == StatusCode::kNotFound);
    CHECK(queue->Get("../../etc/passwd").status().code() == StatusCode::kNotFound);
    CHECK(queue->Get("").status().code() == StatusCode::kInvalidArgument);
    CHECK(queue->Cancel("0123456789abcdef0123456789abcdef").status().code() ==
          StatusCode::kNotFound);
    CHECK(queue->Submit(Request("")).status().code() == StatusCode::kInvalidArgument);
    CHECK(queue->Submit(Request("bad type!")).status().code() == StatusCode::kInvalidArgument);
    CHECK(queue->Submit(Request("echo", "{not json")).status().code() ==
          StatusCode::kInvalidArgument);
    CHECK(queue->Submit(Request("echo", "\"" + std::string(100, 'x') + "\"")).status().code() ==
          StatusCode::kResourceExhausted);
    SubmitJobRequest negative = Request("echo");
    negative.max_attempts = -1;
    CHECK(queue->Submit(negative).status().code() == StatusCode::kInvalidArgument);
    ListJobsRequest list;
    for (const char* cursor : {"abc", "-1", "0", "1x", "99999999999999999999999"}) {
      list.cursor = cursor;
      INFO(cursor);
      CHECK(queue->List(list).status().code() == StatusCode::kInvalidArgument);
    }
    list.cursor.clear();
    list.limit = 0;
    CHECK(queue->List(list).status().code() == StatusCode::kInvalidArgument);
    CHECK(queue->Schedule(Request("echo")).status().code() == StatusCode::kInvalidArgument);
    // Nothing was stored by any of those.
    list.limit = 10;
    Result<ListJobsResponse> page = queue->List(list);
    REQUIRE(page.ok());
    CHECK(page->jobs.empty());
  }
}

TEST_CASE("JobQueue: priority order, then submission order", "[jobs]") {
  FOR_EACH_BACKEND() {
    QueueEnv env(backend);
    auto queue = env.Open();
    const Job low = MustSubmit(*queue, Request("t", "{}", -5));
    const Job normal1 = MustSubmit(*queue, Request("t", "{}", 0));
    const Job high = MustSubmit(*queue, Request("t", "{}", 10));
    const Job normal2 = MustSubmit(*queue, Request("t", "{}", 0));
    std::vector<std::string> order;
    while (std::optional<Job> job = MustLease(*queue, "w", {"t"})) order.push_back(job->id);
    CHECK(order == std::vector<std::string>{high.id, normal1.id, normal2.id, low.id});
  }
}

TEST_CASE("JobQueue: failures retry with backoff, then fail", "[jobs]") {
  FOR_EACH_BACKEND() {
    QueueEnv env(backend);
    auto queue = env.Open();
    const Job job = MustSubmit(*queue, Request("t"));
    for (int attempt = 1; attempt <= 3; ++attempt) {
      std::optional<Job> leased;
      REQUIRE(WaitFor([&] { return (leased = MustLease(*queue, "w", {"t"})).has_value(); }));
      CHECK(leased->attempts == attempt);
      Result<Job> failed = queue->Fail(job.id, "w", "boom " + std::to_string(attempt), true);
      REQUIRE(failed.ok());
      CHECK(failed->last_error == "boom " + std::to_string(attempt));
      CHECK(failed->state == (attempt < 3 ? JobState::kQueued : JobState::kFailed));
    }
    CHECK_FALSE(MustLease(*queue, "w", {"t"}).has_value());

    // A permanent failure ends the job at once.
    const Job permanent = MustSubmit(*queue, Request("t"));
    REQUIRE(MustLease(*queue, "w", {"t"}).has_value());
    Result<Job> failed = queue->Fail(permanent.id, "w", "bad input", false);
    REQUIRE(failed.ok());
    CHECK(failed->state == JobState::kFailed);
    CHECK(failed->attempts == 1);
  }
}

TEST_CASE("JobQueue: an expired lease is taken over; heartbeats keep it", "[jobs]") {
  FOR_EACH_BACKEND() {
    QueueEnv env(backend);
    auto queue = env.Open();
    const Job job = MustSubmit(*queue, Request("t"));
    REQUIRE(MustLease(*queue, "a", {"t"}, 60s).has_value());
    CHECK_FALSE(MustLease(*queue, "b", {"t"}, 1ms).has_value());

    Result<Job> beat = queue->Heartbeat(job.id, "a", 60s, 40);
    REQUIRE(beat.ok());
    CHECK(beat->progress == 40);
    CHECK_FALSE(beat->cancel_requested);
    CHECK(queue->Heartbeat(job.id, "b", 60s, 0).status().code() == StatusCode::kAborted);
    CHECK_FALSE(MustLease(*queue, "b", {"t"}, 1ms).has_value());

    // "a" stops renewing: its lease runs out and "b" gets the job.
    REQUIRE(queue->Heartbeat(job.id, "a", 1ms, 50).ok());
    std::optional<Job> taken;
    REQUIRE(WaitFor([&] { return (taken = MustLease(*queue, "b", {"t"}, 1ms)).has_value(); }));
    CHECK(taken->id == job.id);
    CHECK(taken->attempts == 2);
    CHECK(taken->lease_owner == "b");
    // The old holder is fenced off; the new one finishes.
    CHECK(queue->Complete(job.id, "a", "{}").status().code() == StatusCode::kAborted);
    CHECK(queue->Heartbeat(job.id, "a", 60s, 0).status().code() == StatusCode::kAborted);
    REQUIRE(queue->Heartbeat(job.id, "b", 60s, 0).ok());
    Result<Job> done = queue->Complete(job.id, "b", "{}");
    REQUIRE(done.ok());
    CHECK(done->state == JobState::kSucceeded);
  }
}

TEST_CASE("JobQueue: a lease expiring on the last attempt fails the job", "[jobs]") {
  FOR_EACH_BACKEND() {
    QueueEnv env(backend);
    auto queue = env.Open();
    SubmitJobRequest request = Request("t");
    request.max_attempts = 1;
    const Job job = MustSubmit(*queue, request);
    REQUIRE(MustLease(*queue, "a", {"t"}, 1ms).has_value());
    std::this_thread::sleep_for(20ms);
    CHECK_FALSE(MustLease(*queue, "b", {"t"}, 1ms).has_value());
    const Job failed = WaitForState(*queue, job.id, JobState::kFailed);
    CHECK(failed.last_error.find("lease expired") != std::string::npos);
  }
}

TEST_CASE("JobQueue: cancel", "[jobs]") {
  FOR_EACH_BACKEND() {
    QueueEnv env(backend);
    auto queue = env.Open();
    const Job queued = MustSubmit(*queue, Request("t"));
    Result<Job> cancelled = queue->Cancel(queued.id);
    REQUIRE(cancelled.ok());
    CHECK(cancelled->state == JobState::kCancelled);
    CHECK(queue->Cancel(queued.id).status().code() == StatusCode::kFailedPrecondition);
    CHECK_FALSE(MustLease(*queue, "w", {"t"}).has_value());

    const Job running = MustSubmit(*queue, Request("t"));
    REQUIRE(MustLease(*queue, "w", {"t"}).has_value());
    Result<Job> requested = queue->Cancel(running.id);
    REQUIRE(requested.ok());
    CHECK(requested->state == JobState::kRunning);
    CHECK(requested->cancel_requested);
    Result<Job> beat = queue->Heartbeat(running.id, "w", 60s, 10);
    REQUIRE(beat.ok());
    CHECK(beat->cancel_requested);
    Result<Job> ended = queue->Fail(running.id, "w", "cancelled", true);
    REQUIRE(ended.ok());
    CHECK(ended->state == JobState::kCancelled);
    CHECK_FALSE(MustLease(*queue, "w", {"t"}).has_value());

    SubmitJobRequest later = Request("t");
    later.run_at_ms = NowMs() + 3600 * 1000;
    Result<Job> scheduled = queue->Schedule(later);
    REQUIRE(scheduled.ok());
    CHECK(scheduled->state == JobState::kScheduled);
    REQUIRE(queue->Cancel(scheduled->id).ok());
    CHECK(queue->Get(scheduled->id)->state == JobState::kCancelled);
  }
}

TEST_CASE("JobQueue: depth counts queued, scheduled and running jobs", "[jobs]") {
  FOR_EACH_BACKEND() {
    QueueEnv env(backend);
    auto queue = env.Open();
    const auto depth = [&] {
      Result<JobQueueDepth> counted = queue->Depth();
      REQUIRE(counted.ok());
      return *counted;
    };
    CHECK(depth().queued == 0);
    for (int i = 0; i < 3; ++i) MustSubmit(*queue, Request("d"));
    SubmitJobRequest later = Request("d");
    later.run_at_ms = NowMs() + 3600 * 1000;
    REQUIRE(queue->Schedule(later).ok());
    const std::optional<Job> leased = MustLease(*queue, "w", {"d"});
    REQUIRE(leased.has_value());
    JobQueueDepth now = depth();
    CHECK(now.queued == 2);
    CHECK(now.running == 1);
    CHECK(now.scheduled == 1);
    REQUIRE(queue->Complete(leased->id, "w", "{}").ok());
    now = depth();
    CHECK(now.queued == 2);
    CHECK(now.running == 0);
  }
}

TEST_CASE("JobQueue: scheduled and interval jobs", "[jobs]") {
  FOR_EACH_BACKEND() {
    QueueEnv env(backend);
    auto queue = env.Open();
    SubmitJobRequest far = Request("t");
    far.run_at_ms = NowMs() + 3600 * 1000;
    const Job not_due = *queue->Schedule(far);
    CHECK(not_due.state == JobState::kScheduled);

    SubmitJobRequest soon = Request("t");
    soon.run_at_ms = NowMs() + 50;
    const Job due = *queue->Schedule(soon);
    std::optional<Job> leased;
    REQUIRE(WaitFor([&] { return (leased = MustLease(*queue, "w", {"t"})).has_value(); }));
    CHECK(leased->id == due.id);
    REQUIRE(queue->Complete(due.id, "w", "{}").ok());

    SubmitJobRequest every = Request("t");
    every.interval_ms = 100;
    Result<Job> recurring = queue->Schedule(every);
    REQUIRE(recurring.ok());
    CHECK(recurring->state == JobState::kScheduled);
    CHECK(recurring->interval_ms == 100);
    int64_t previous_run_at = recurring->run_at_ms;
    for (uint64_t run = 1; run <= 2; ++run) {
      REQUIRE(WaitFor([&] { return (leased = MustLease(*queue, "w", {"t"})).has_value(); }));
      CHECK(leased->id == recurring->id);
      Result<Job> done = queue->Complete(recurring->id, "w", "{}");
      REQUIRE(done.ok());
      CHECK(done->state == JobState::kScheduled);
      CHECK(done->runs == run);
      CHECK(done->attempts == 0);
      CHECK(done->run_at_ms > previous_run_at);
      previous_run_at = done->run_at_ms;
    }
    REQUIRE(queue->Cancel(recurring->id).ok());
    CHECK(queue->Get(recurring->id)->state == JobState::kCancelled);
    CHECK(queue->Get(not_due.id)->state == JobState::kScheduled);
  }
}

TEST_CASE("JobQueue: idempotency keys, listing and cursors", "[jobs]") {
  FOR_EACH_BACKEND() {
    QueueEnv env(backend);
    auto queue = env.Open();
    SubmitJobRequest keyed = Request("a");
    keyed.idempotency_key = "order-42";
    const Job first = MustSubmit(*queue, keyed);
    const Job again = MustSubmit(*queue, keyed);
    CHECK(again.id == first.id);
    std::vector<std::string> ids = {first.id};
    for (int i = 0; i < 4; ++i) ids.push_back(MustSubmit(*queue, Request(i % 2 ? "b" : "a")).id);

    std::vector<std::string> seen;
    ListJobsRequest list;
    list.limit = 2;
    int pages = 0;
    do {
      Result<ListJobsResponse> page = queue->List(list);
      REQUIRE(page.ok());
      for (const Job& job : page->jobs) seen.push_back(job.id);
      list.cursor = page->next_cursor;
      ++pages;
    } while (!list.cursor.empty() && pages < 10);
    CHECK(seen == ids);
    CHECK(pages == 3);

    ListJobsRequest only_b;
    only_b.type = "b";
    Result<ListJobsResponse> b = queue->List(only_b);
    REQUIRE(b.ok());
    REQUIRE(b->jobs.size() == 2);
    CHECK(b->jobs[0].id == ids[2]);
    CHECK(b->jobs[1].id == ids[4]);
    CHECK(b->next_cursor.empty());

    REQUIRE(queue->Cancel(ids[1]).ok());
    ListJobsRequest only_cancelled;
    only_cancelled.state = JobState::kCancelled;
    Result<ListJobsResponse> cancelled = queue->List(only_cancelled);
    REQUIRE(cancelled.ok());
    REQUIRE(cancelled->jobs.size() == 1);
    CHECK(cancelled->jobs[0].id == ids[1]);
  }
}

TEST_CASE("JobQueue: jobs survive reopening the store", "[jobs]") {
  FOR_EACH_BACKEND() {
    QueueEnv env(backend);
    std::string queued_id;
    std::string running_id;
    {
      auto queue = env.Open();
      queued_id = MustSubmit(*queue, Request("t", R"({"keep":"me"})")).id;
      running_id = MustSubmit(*queue, Request("u")).id;
      REQUIRE(MustLease(*queue, "gone", {"u"}, 1ms).has_value());
    }
    if (env.redis() != nullptr) {
      env.redis()->Stop();  // the AOF keeps the data across a server restart
      env.redis()->Start();
    }
    auto queue = env.Open();
    Result<Job> kept = queue->Get(queued_id);
    REQUIRE(kept.ok());
    CHECK(kept->payload == R"({"keep":"me"})");
    CHECK(kept->state == JobState::kQueued);
    std::optional<Job> leased = MustLease(*queue, "w", {"t"});
    REQUIRE(leased.has_value());
    CHECK(leased->id == queued_id);
    // The job whose worker vanished with the old process is run again.
    std::optional<Job> retaken;
    REQUIRE(WaitFor([&] { return (retaken = MustLease(*queue, "w", {"u"}, 1ms)).has_value(); }));
    CHECK(retaken->id == running_id);
    CHECK(retaken->attempts == 2);
  }
}

// --- JobWorker ---

struct WorkerEnv {
  explicit WorkerEnv(const std::string& backend) : env(backend) {
    runtime = std::move(*Runtime::Create({1, 4}));
    queue = env.Open();
  }
  std::unique_ptr<JobWorker> NewWorker(std::string id, int concurrency = 2,
                                       int64_t lease_ms = 30000) {
    JobWorkerOptions options;
    options.worker_id = std::move(id);
    options.concurrency = concurrency;
    options.poll_interval_ms = 10;
    options.lease_ms = lease_ms;
    Result<std::unique_ptr<JobWorker>> worker = JobWorker::Create(queue, options, *runtime);
    REQUIRE(worker.ok());
    return std::move(*worker);
  }
  QueueEnv env;
  std::unique_ptr<Runtime> runtime;
  std::shared_ptr<JobQueue> queue;
};

TEST_CASE("JobWorker runs handlers, retries and honours cancellation", "[jobs][worker]") {
  FOR_EACH_BACKEND() {
    WorkerEnv w(backend);
    auto worker = w.NewWorker("w1");
    REQUIRE(RegisterBuiltinJobHandlers(*worker).ok());
    CHECK(worker->RegisterHandler("echo", [](const Job&, JobContext&) { return Status::Ok(); })
              .code() == StatusCode::kAlreadyExists);
    CHECK(worker->RegisterHandler("bad type", [](const Job&, JobContext&) { return Status::Ok(); })
              .code() == StatusCode::kInvalidArgument);
    std::atomic<int> flaky_calls{0};
    REQUIRE(worker
                ->RegisterHandler("flaky",
                                  [&](const Job& job, JobContext&) {
                                    ++flaky_calls;
                                    return job.attempts < 3 ? Status::Unavailable("not yet")
                                                            : Status::Ok();
                                  })
                .ok());
    REQUIRE(worker->Start().ok());
    CHECK(worker->Start().code() == StatusCode::kFailedPrecondition);

    std::vector<std::string> echoes;
    for (int i = 0; i < 5; ++i) {
      echoes.push_back(
          MustSubmit(*w.queue, Request("echo", "{\"i\":" + std::to_string(i) + "}")).id);
    }
    const std::string flaky = MustSubmit(*w.queue, Request("flaky")).id;
    const std::string permanent =
        MustSubmit(*w.queue, Request("fail", R"({"message":"no","retryable":false})")).id;
    const std::string sleeper = MustSubmit(*w.queue, Request("sleep", R"({"ms":60000})")).id;

    for (int i = 0; i < 5; ++i) {
      const Job done =
          WaitForState(*w.queue, echoes[static_cast<std::size_t>(i)], JobState::kSucceeded);
      CHECK(done.result == "{\"i\":" + std::to_string(i) + "}");
      CHECK(done.lease_owner.empty());
    }
    const Job retried = WaitForState(*w.queue, flaky, JobState::kSucceeded);
    CHECK(retried.attempts == 3);
    CHECK(flaky_calls == 3);
    const Job failed = WaitForState(*w.queue, permanent, JobState::kFailed);
    CHECK(failed.attempts == 1);
    CHECK(failed.last_error.find("no") != std::string::npos);

    WaitForState(*w.queue, sleeper, JobState::kRunning);
    REQUIRE(w.queue->Cancel(sleeper).ok());
    const Job cancelled = WaitForState(*w.queue, sleeper, JobState::kCancelled);
    CHECK(cancelled.cancel_requested);
    worker->Stop();
    worker->Stop();
  }
}

TEST_CASE("JobWorker: competing workers run each job exactly once", "[jobs][worker]") {
  FOR_EACH_BACKEND() {
    WorkerEnv w(backend);
    std::mutex mutex;
    std::multiset<std::string> handled;  // guarded by mutex
    std::vector<std::unique_ptr<JobWorker>> workers;
    for (int i = 0; i < 3; ++i) {
      workers.push_back(w.NewWorker("competitor-" + std::to_string(i), 2));
      REQUIRE(workers.back()
                  ->RegisterHandler("count",
                                    [&](const Job& job, JobContext&) {
                                      std::lock_guard<std::mutex> lock(mutex);
                                      handled.insert(job.id);
                                      return Status::Ok();
                                    })
                  .ok());
      REQUIRE(workers.back()->Start().ok());
    }
    std::set<std::string> submitted;
    for (int i = 0; i < 150; ++i) {
      submitted.insert(MustSubmit(*w.queue, Request("count", "{}", i % 3 - 1)).id);
    }
    REQUIRE(WaitFor([&] {
      std::lock_guard<std::mutex> lock(mutex);
      return handled.size() >= submitted.size();
    }));
    for (const std::string& id : submitted) WaitForState(*w.queue, id, JobState::kSucceeded);
    for (auto& worker : workers) worker->Stop();
    std::lock_guard<std::mutex> lock(mutex);
    CHECK(handled.size() == submitted.size());
    CHECK(std::set<std::string>(handled.begin(), handled.end()) == submitted);
  }
}

TEST_CASE("JobWorker: Stop interrupts handlers and releases their jobs", "[jobs][worker]") {
  FOR_EACH_BACKEND() {
    WorkerEnv w(backend);
    auto worker = w.NewWorker("stopper", 1);
    REQUIRE(RegisterBuiltinJobHandlers(*worker).ok());
    REQUIRE(worker->Start().ok());
    const std::string id = MustSubmit(*w.queue, Request("sleep", R"({"ms":60000})")).id;
    WaitForState(*w.queue, id, JobState::kRunning);
    worker->Stop();
    Result<Job> released = w.queue->Get(id);
    REQUIRE(released.ok());
    CHECK(released->state == JobState::kQueued);
    CHECK(released->lease_owner.empty());
    // Another worker picks it up; make it quick this time by cancelling.
    auto next = w.NewWorker("next", 1);
    REQUIRE(RegisterBuiltinJobHandlers(*next).ok());
    REQUIRE(next->Start().ok());
    WaitForState(*w.queue, id, JobState::kRunning);
    REQUIRE(w.queue->Cancel(id).ok());
    WaitForState(*w.queue, id, JobState::kCancelled);
  }
}

TEST_CASE("JobQueue (redis): a Redis restart costs calls, not the process", "[jobs][redis]") {
  WorkerEnv w("redis");
  RedisServerProcess& redis = *w.env.redis();
  auto worker = w.NewWorker("survivor");
  REQUIRE(RegisterBuiltinJobHandlers(*worker).ok());
  REQUIRE(worker->Start().ok());
  const std::string before = MustSubmit(*w.queue, Request("echo", R"({"at":"before"})")).id;
  WaitForState(*w.queue, before, JobState::kSucceeded);

  redis.Stop();
  Result<Job> down = w.queue->Submit(Request("echo"));
  CHECK(down.status().code() == StatusCode::kUnavailable);
  CHECK(w.queue->Get(before).status().code() == StatusCode::kUnavailable);
  // The worker's polls fail meanwhile; it says so, and goes on.
  REQUIRE(WaitFor([&] { return !worker->queue_reachable(); }));
  redis.Start();

  // Pooled connections broke with the old server; the client notices, reconnects and repeats
  // the call, so the first call after the restart already succeeds.
  Result<Job> after = w.queue->Submit(Request("echo", R"({"at":"after"})"));
  INFO(after.status().ToString());
  REQUIRE(after.ok());
  const Job done = WaitForState(*w.queue, after->id, JobState::kSucceeded);
  CHECK(done.result == R"({"at":"after"})");
  CHECK(worker->queue_reachable());
  Result<Job> kept = w.queue->Get(before);
  REQUIRE(kept.ok());
  CHECK(kept->state == JobState::kSucceeded);
}

// --- kill -9 of a worker process holding a job ---
//
// The handler records every start in <ledger>/starts (one line each, O_APPEND) and its
// completion by creating <ledger>/<idempotency key>.done with O_EXCL: the file system is the
// unique constraint, so a second completion would be seen as EEXIST and recorded as a duplicate.
// Its first attempt sleeps (until cancelled), so the process running it can be killed mid-job.

Status LedgerHandler(const std::string& ledger, const Job& job, JobContext& context) {
  {
    std::ofstream starts(ledger + "/starts", std::ios::app);
    starts << getpid() << " " << job.attempts << "\n";
  }
  if (job.attempts == 1) {
    while (!context.cancelled()) std::this_thread::sleep_for(10ms);
    return Status::Cancelled("stopped");
  }
  const std::string marker = ledger + "/" + job.idempotency_key + ".done";
  const int fd = open(marker.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (fd < 0) {
    std::ofstream duplicates(ledger + "/duplicates", std::ios::app);
    duplicates << job.idempotency_key << "\n";
    return Status::Ok();
  }
  const std::string pid = std::to_string(getpid());
  // No Catch2 assertion here: handlers run on worker threads. The test reads the file back.
  const bool written = write(fd, pid.data(), pid.size()) == static_cast<ssize_t>(pid.size());
  close(fd);
  if (!written) return Status::Internal("cannot write the completion marker");
  return Status::Ok();
}

JobQueueOptions ChildQueueOptions() {
  JobQueueOptions options;
  const std::string backend = std::getenv("SG_JOBTEST_BACKEND");
  options.sqlite_path = std::getenv("SG_JOBTEST_DB");
  if (backend == "redis") {
    options.backend = JobBackend::kRedis;
    options.redis_port = std::stoi(std::getenv("SG_JOBTEST_REDIS_PORT"));
    options.key_prefix = std::getenv("SG_JOBTEST_PREFIX");
  }
  return options;
}

// Hidden ("[.]"): only run when the kill -9 test starts this binary as a worker process.
TEST_CASE("job worker child process", "[.][job_worker_child]") {
  if (std::getenv("SG_JOBTEST_LEDGER") == nullptr) return;
  const std::string ledger = std::getenv("SG_JOBTEST_LEDGER");
  auto runtime = std::move(*Runtime::Create({1, 2}));
  Result<std::unique_ptr<JobQueue>> queue = NewJobQueue(ChildQueueOptions());
  REQUIRE(queue.ok());
  JobWorkerOptions options;
  options.worker_id = "child-" + std::to_string(getpid());
  options.concurrency = 1;
  options.poll_interval_ms = 10;
  options.lease_ms = 1000;
  auto worker = JobWorker::Create(std::shared_ptr<JobQueue>(std::move(*queue)), options, *runtime);
  REQUIRE(worker.ok());
  REQUIRE((*worker)
              ->RegisterHandler("ledger",
                                [ledger](const Job& job, JobContext& context) {
                                  return LedgerHandler(ledger, job, context);
                                })
              .ok());
  REQUIRE((*worker)->Start().ok());
  std::this_thread::sleep_for(120s);  // killed long before this
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

TEST_CASE("JobWorker: a job held by a worker killed with SIGKILL completes exactly once",
          "[jobs][worker][kill]") {
  FOR_EACH_BACKEND() {
    WorkerEnv w(backend);
    const std::string ledger = w.env.dir() + "/ledger";
    std::filesystem::create_directories(ledger);
    SubmitJobRequest request = Request("ledger");
    request.idempotency_key = "kill9-" + RandomSuffix();
    const Job job = MustSubmit(*w.queue, request);

    std::vector<std::string> env_strings = {
        "SG_JOBTEST_LEDGER=" + ledger, "SG_JOBTEST_BACKEND=" + backend,
        "SG_JOBTEST_DB=" + w.env.options().sqlite_path,
        "SG_JOBTEST_REDIS_PORT=" + std::to_string(w.env.options().redis_port),
        "SG_JOBTEST_PREFIX=" + w.env.options().key_prefix};
    for (char** entry = environ; *entry != nullptr; ++entry) env_strings.emplace_back(*entry);
    std::vector<char*> envp;
    for (std::string& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    std::string name = "job worker child process";
    std::string out_flag = "-o";
    std::string quiet = "/dev/null";
    std::vector<char*> argv = {self.data(), name.data(), out_flag.data(), quiet.data(), nullptr};
    pid_t child = 0;
    REQUIRE(posix_spawn(&child, self.c_str(), nullptr, nullptr, argv.data(), envp.data()) == 0);
    struct Reaper {
      pid_t pid;
      ~Reaper() {
        if (pid > 0) {
          kill(pid, SIGKILL);
          waitpid(pid, nullptr, 0);
        }
      }
    } reaper{child};

    // The child leases the job and sits in its handler; then it dies without a word.
    const Job held = WaitForState(*w.queue, job.id, JobState::kRunning);
    CHECK(held.lease_owner == "child-" + std::to_string(child));
    REQUIRE(WaitFor([&] { return ReadLines(ledger + "/starts").size() == 1; }));
    REQUIRE(kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    reaper.pid = 0;
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    CHECK(w.queue->Get(job.id)->state == JobState::kRunning);  // nobody told the queue

    // A second worker (this process) takes the job over once the lease expires.
    auto survivor = w.NewWorker("survivor", 1, 1000);
    REQUIRE(survivor
                ->RegisterHandler("ledger",
                                  [ledger](const Job& leased, JobContext& context) {
                                    return LedgerHandler(ledger, leased, context);
                                  })
                .ok());
    REQUIRE(survivor->Start().ok());
    const Job done = WaitForState(*w.queue, job.id, JobState::kSucceeded);
    survivor->Stop();
    CHECK(done.attempts == 2);
    CHECK(done.runs == 1);

    const std::vector<std::string> starts = ReadLines(ledger + "/starts");
    REQUIRE(starts.size() == 2);
    CHECK(starts[0] == std::to_string(child) + " 1");
    CHECK(starts[1] == std::to_string(getpid()) + " 2");
    const std::vector<std::string> marker =
        ReadLines(ledger + "/" + request.idempotency_key + ".done");
    REQUIRE(marker.size() == 1);
    CHECK(marker[0] == std::to_string(getpid()));
    CHECK_FALSE(std::filesystem::exists(ledger + "/duplicates"));
  }
}

// --- the worker plugin over HTTP ---

struct ServiceEnv {
  explicit ServiceEnv(const std::string& data_dir, int64_t max_payload = 1024) {
    config.data_dir = data_dir;
    config.server.host = "127.0.0.1";
    config.server.port = 0;
    config.log.access_log = false;
    config.jobs.builtin_handlers = true;
    config.jobs.worker.poll_interval_ms = 10;
    config.jobs.queue.max_payload_bytes = static_cast<std::size_t>(max_payload);
    runtime = std::move(*Runtime::Create({1, 4}));
    kernel = std::move(*Kernel::Create(config, *runtime));
    REQUIRE(kernel->Register(NewWorkerPlugin()).ok());
    Status started = kernel->Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
  }
  ~ServiceEnv() {
    if (kernel) (void)kernel->Stop();
  }
  testing::TestHttpResponse Post(const std::string& path, const std::string& body) {
    testing::TestHttpClient client(kernel->port());
    return client.Exchange("POST " + path +
                           " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                           "application/json\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  }
  testing::TestHttpResponse Get(const std::string& target) {
    return testing::HttpGet(kernel->port(), target);
  }
  nlohmann::json JobStatus(const std::string& id) {
    testing::TestHttpResponse response = Get("/api/v1/jobs/status?id=" + id);
    REQUIRE(response.status == 200);
    return nlohmann::json::parse(response.body);
  }
  nlohmann::json WaitForState(const std::string& id, const std::string& state) {
    nlohmann::json last;
    const bool reached = WaitFor([&] {
      last = JobStatus(id);
      return last["state"] == state;
    });
    INFO(last.dump());
    REQUIRE(reached);
    return last;
  }
  Config config;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Kernel> kernel;
};

std::string ErrorCode(const testing::TestHttpResponse& response) {
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
}

TEST_CASE("worker plugin: submit, status, list, cancel and schedule over HTTP", "[jobs][http]") {
  TempDir dir;
  ServiceEnv service(dir.path());
  testing::TestHttpResponse submitted =
      service.Post("/api/v1/jobs/submit", R"({"type":"echo","payload":{"hello":[1,2,3]}})");
  REQUIRE(submitted.status == 202);
  const nlohmann::json job = nlohmann::json::parse(submitted.body);
  const std::string id = job["id"];
  CHECK(job["type"] == "echo");
  const nlohmann::json done = service.WaitForState(id, "succeeded");
  CHECK(done["result"] == nlohmann::json::parse(R"({"hello":[1,2,3]})"));
  CHECK(done["attempts"] == 1);

  testing::TestHttpResponse sleeping =
      service.Post("/api/v1/jobs/submit", R"({"type":"sleep","payload":{"ms":60000}})");
  REQUIRE(sleeping.status == 202);
  const std::string sleep_id = nlohmann::json::parse(sleeping.body)["id"];
  service.WaitForState(sleep_id, "running");
  testing::TestHttpResponse cancel =
      service.Post("/api/v1/jobs/cancel", "{\"id\":\"" + sleep_id + "\"}");
  REQUIRE(cancel.status == 200);
  CHECK(nlohmann::json::parse(cancel.body)["cancel_requested"] == true);
  service.WaitForState(sleep_id, "cancelled");

  testing::TestHttpResponse scheduled =
      service.Post("/api/v1/jobs/schedule", R"({"type":"noop","delay_ms":3600000,"priority":5})");
  REQUIRE(scheduled.status == 202);
  const nlohmann::json later = nlohmann::json::parse(scheduled.body);
  CHECK(later["state"] == "scheduled");
  CHECK(later["priority"] == 5);
  testing::TestHttpResponse every =
      service.Post("/api/v1/jobs/schedule", R"({"type":"noop","interval_ms":100})");
  REQUIRE(every.status == 202);
  const std::string every_id = nlohmann::json::parse(every.body)["id"];
  REQUIRE(WaitFor([&] { return service.JobStatus(every_id)["runs"] >= 2; }));
  CHECK(service.Post("/api/v1/jobs/cancel?id=" + every_id, "").status == 200);
  service.WaitForState(every_id, "cancelled");

  testing::TestHttpResponse page = service.Get("/api/v1/jobs/list?limit=2");
  REQUIRE(page.status == 200);
  const nlohmann::json first = nlohmann::json::parse(page.body);
  REQUIRE(first["jobs"].size() == 2);
  CHECK(first["jobs"][0]["id"] == id);
  CHECK(first["jobs"][1]["id"] == sleep_id);
  const std::string cursor = first["next_cursor"];
  REQUIRE_FALSE(cursor.empty());
  const nlohmann::json second =
      nlohmann::json::parse(service.Get("/api/v1/jobs/list?limit=2&cursor=" + cursor).body);
  REQUIRE(second["jobs"].size() == 2);
  CHECK(second["jobs"][0]["id"] == later["id"]);
  CHECK(second["jobs"][1]["id"] == every_id);
  CHECK(second["next_cursor"] == "");
  const nlohmann::json cancelled =
      nlohmann::json::parse(service.Get("/api/v1/jobs/list?state=cancelled").body);
  REQUIRE(cancelled["jobs"].size() == 2);
  CHECK(cancelled["jobs"][0]["id"] == sleep_id);
  const nlohmann::json by_type =
      nlohmann::json::parse(service.Get("/api/v1/jobs/list?type=echo").body);
  REQUIRE(by_type["jobs"].size() == 1);
  CHECK(by_type["jobs"][0]["id"] == id);

  // Idempotency through the header.
  const std::string keyed =
      "POST /api/v1/jobs/submit HTTP/1.1\r\nHost: x\r\nIdempotency-Key: "
      "k-1\r\nContent-Length: 15\r\n\r\n{\"type\":\"noop\"}";
  testing::TestHttpClient client(service.kernel->port());
  const testing::TestHttpResponse once = client.Exchange(keyed);
  const testing::TestHttpResponse twice = client.Exchange(keyed);
  REQUIRE(once.status == 202);
  REQUIRE(twice.status == 202);
  CHECK(nlohmann::json::parse(once.body)["id"] == nlohmann::json::parse(twice.body)["id"]);

  // /metrics reports the queue's depth: the job scheduled an hour ahead is still waiting.
  // Counting is a query, run in the background on a scrape and shown by a later one.
  std::string metrics;
  CHECK(WaitFor([&] {
    metrics = service.Get("/metrics").body;
    return metrics.find("streamgate_jobs_queue_depth{state=\"scheduled\"} 1\n") !=
           std::string::npos;
  }));
  INFO(metrics);
  CHECK(metrics.find("streamgate_jobs_queue_depth{state=\"running\"} 0\n") != std::string::npos);
}

TEST_CASE("worker plugin: bad requests get precise 4xx", "[jobs][http]") {
  TempDir dir;
  ServiceEnv service(dir.path(), 1024);
  struct Case {
    std::string method, target, body;
    int status;
    std::string code;
  };
  const std::string unknown = "0123456789abcdef0123456789abcdef";
  const std::vector<Case> cases = {
      {"POST", "/api/v1/jobs/submit", "{not json", 400, "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/submit", "[1,2]", 400, "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/submit", "{}", 400, "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/submit", R"({"type":"no-such-type"})", 400, "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/submit", R"({"type":"bad type"})", 400, "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/submit", R"({"type":7})", 400, "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/submit", R"({"type":"echo","priority":"high"})", 400,
       "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/submit", R"({"type":"echo","max_attempts":99999999999})", 400,
       "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/submit", R"({"type":"echo","surprise":1})", 400, "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/submit",
       R"({"type":"echo","payload":")" + std::string(2000, 'x') + "\"}", 413, "RESOURCE_EXHAUSTED"},
      {"POST", "/api/v1/jobs/submit", std::string(200 * 1024, ' '), 413, ""},
      {"POST", "/api/v1/jobs/schedule", R"({"type":"echo"})", 400, "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/schedule", R"({"type":"echo","interval_ms":-5})", 400,
       "INVALID_ARGUMENT"},
      {"GET", "/api/v1/jobs/status?id=" + unknown, "", 404, "NOT_FOUND"},
      {"GET", "/api/v1/jobs/status?id=..%2F..%2Fetc", "", 404, "NOT_FOUND"},
      {"GET", "/api/v1/jobs/status", "", 400, "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/cancel", "{\"id\":\"" + unknown + "\"}", 404, "NOT_FOUND"},
      {"POST", "/api/v1/jobs/cancel", "{oops", 400, "INVALID_ARGUMENT"},
      {"POST", "/api/v1/jobs/cancel", "{}", 400, "INVALID_ARGUMENT"},
      {"GET", "/api/v1/jobs/list?cursor=garbage", "", 400, "INVALID_ARGUMENT"},
      {"GET", "/api/v1/jobs/list?cursor=", "", 400, "INVALID_ARGUMENT"},
      {"GET", "/api/v1/jobs/list?limit=0", "", 400, "INVALID_ARGUMENT"},
      {"GET", "/api/v1/jobs/list?limit=ten", "", 400, "INVALID_ARGUMENT"},
      {"GET", "/api/v1/jobs/list?state=sleeping", "", 400, "INVALID_ARGUMENT"},
  };
  for (const Case& c : cases) {
    INFO(c.method << " " << c.target << " " << c.body.substr(0, 80));
    const testing::TestHttpResponse response =
        c.method == "GET" ? service.Get(c.target) : service.Post(c.target, c.body);
    CHECK(response.status == c.status);
    if (!c.code.empty()) CHECK(ErrorCode(response) == c.code);
  }
  // None of that stored anything.
  const nlohmann::json listed = nlohmann::json::parse(service.Get("/api/v1/jobs/list").body);
  CHECK(listed["jobs"].empty());
}

TEST_CASE("worker plugin: jobs survive a restart of the service", "[jobs][http]") {
  TempDir dir;
  std::string later_id;
  {
    ServiceEnv first(dir.path());
    testing::TestHttpResponse scheduled =
        first.Post("/api/v1/jobs/schedule", R"({"type":"echo","delay_ms":3600000,"payload":7})");
    REQUIRE(scheduled.status == 202);
    later_id = nlohmann::json::parse(scheduled.body)["id"];
  }
  CHECK(std::filesystem::exists(dir / "jobs.db"));
  ServiceEnv second(dir.path());
  const nlohmann::json kept = second.JobStatus(later_id);
  CHECK(kept["state"] == "scheduled");
  CHECK(kept["payload"] == 7);
  testing::TestHttpResponse cancel = second.Post("/api/v1/jobs/cancel?id=" + later_id, "");
  REQUIRE(cancel.status == 200);
  CHECK(nlohmann::json::parse(cancel.body)["state"] == "cancelled");
}

}  // namespace
}  // namespace streamgate
