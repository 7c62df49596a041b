// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Job queue throughput, public API only: for each backend, jobs/s for Submit alone (one thread,
// one job per call) and for submit -> complete (the same jobs drained by a JobWorker running a
// no-op handler with `--concurrency` slots). benchmarks/job_queue_vs_redis.sh runs it next to
// redis-benchmark on the same server and reports the ratios in docs/PERFORMANCE.md.
//
//   streamgate_bench_job_queue [--jobs N] [--concurrency C] [--redis-port P] [--backend B]
//
// Without --redis-port it starts its own redis-server on a free loopback port.
#include <streamgate/streamgate.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "redis_server_process.h"

namespace {

using Clock = std::chrono::steady_clock;
using streamgate::Job;
using streamgate::JobContext;
using streamgate::JobQueueOptions;
using streamgate::Status;

struct Figures {
  double submit_per_s = 0;
  double drain_per_s = 0;  // submit -> complete, workers running while jobs arrive
};

double Seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

int Fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

int Run(const JobQueueOptions& options, int jobs, int concurrency, Figures& out) {
  auto runtime_or = streamgate::Runtime::Create({1, concurrency + 1});
  if (!runtime_or.ok()) return Fail("runtime", runtime_or.status());
  auto runtime = std::move(*runtime_or);
  auto queue_or = streamgate::NewJobQueue(options);
  if (!queue_or.ok()) return Fail("queue", queue_or.status());
  std::shared_ptr<streamgate::JobQueue> queue(std::move(*queue_or));

  // 1. Submit alone.
  streamgate::SubmitJobRequest request;
  request.type = "bench.idle";  // no worker runs this type
  request.payload = R"({"content_id":"c-0001","renditions":["720p","480p"]})";
  auto start = Clock::now();
  for (int i = 0; i < jobs; ++i) {
    auto job = queue->Submit(request);
    if (!job.ok()) return Fail("submit", job.status());
  }
  out.submit_per_s = jobs / Seconds(Clock::now() - start);

  // 2. Submit -> complete: a worker drains jobs while they are being submitted.
  streamgate::JobWorkerOptions worker_options;
  worker_options.worker_id = "bench";
  worker_options.concurrency = concurrency;
  worker_options.poll_interval_ms = 1;
  auto worker_or = streamgate::JobWorker::Create(queue, worker_options, *runtime);
  if (!worker_or.ok()) return Fail("worker", worker_or.status());
  auto worker = std::move(*worker_or);
  std::atomic<int> done{0};
  Status registered = worker->RegisterHandler("bench.noop", [&](const Job&, JobContext&) {
    done.fetch_add(1, std::memory_order_relaxed);
    return Status::Ok();
  });
  if (!registered.ok()) return Fail("register", registered);
  if (Status started = worker->Start(); !started.ok()) return Fail("start", started);
  request.type = "bench.noop";
  start = Clock::now();
  for (int i = 0; i < jobs; ++i) {
    auto job = queue->Submit(request);
    if (!job.ok()) return Fail("submit", job.status());
  }
  while (done.load() < jobs) std::this_thread::sleep_for(std::chrono::microseconds(200));
  out.drain_per_s = jobs / Seconds(Clock::now() - start);
  worker->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int jobs = 2000;
  int concurrency = 2;
  int redis_port = 0;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--jobs")
      jobs = std::atoi(argv[i + 1]);
    else if (flag == "--concurrency")
      concurrency = std::atoi(argv[i + 1]);
    else if (flag == "--redis-port")
      redis_port = std::atoi(argv[i + 1]);
    else if (flag == "--backend")
      only = argv[i + 1];
  }
  streamgate::LogOptions log;
  log.level = streamgate::LogLevel::kWarn;
  (void)streamgate::ConfigureLogging(log);

  char dir_template[] = "/tmp/sg-bench-jobs-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return 1;
  const std::string dir = dir_template;
  int rc = 0;
  {
    std::unique_ptr<streamgate::testing::RedisServerProcess> redis;
    if (redis_port == 0 && only != "sqlite") {
      redis = std::make_unique<streamgate::testing::RedisServerProcess>(dir);
      redis_port = redis->port();
    }
    std::printf("backend,jobs,concurrency,submit_jobs_per_s,submit_to_complete_jobs_per_s\n");
    for (const std::string backend : {"sqlite", "redis"}) {
      if (!only.empty() && only != backend) continue;
      JobQueueOptions options;
      options.sqlite_path = dir + "/jobs.db";
      if (backend == "redis") {
        options.backend = streamgate::JobBackend::kRedis;
        options.redis_port = redis_port;
        options.key_prefix = "bench:" + std::to_string(getpid()) + ":";
      }
      Figures figures;
      rc = Run(options, jobs, concurrency, figures);
      if (rc != 0) break;
      std::printf("%s,%d,%d,%.0f,%.0f\n", backend.c_str(), jobs, concurrency, figures.submit_per_s,
                  figures.drain_per_s);
      std::fflush(stdout);
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return rc;
}
