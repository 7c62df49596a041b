// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The transcoder plugin: the /api/v1/transcode/* routes over the durable JobQueue, a "transcode"
// job for every `upload.completed` (one job per upload however often the event is delivered),
// and a JobWorker running those jobs (media/transcode_job.h: publication under
// media/<content_id>/, then `transcode.completed` / `transcode.failed`).
//
// The queue is the worker plugin's when it runs in this process, and otherwise opened here from
// the `jobs` section (SQLite <data_dir>/jobs.db or Redis), so a transcoder service on its own
// shares the queue of the whole deployment. Jobs therefore survive a restart (kill -9: the
// lease expires and the job runs again). With transcode.run_jobs false the process only submits
// and reports; the worker service (jobs.run_transcode) or another transcoder runs the jobs.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "media/transcode_job.h"
#include "service/background_refresh.h"
#include "service/plugins/service_plugin.h"
#include "service/shared_stores.h"
#include "streamgate/job_queue.h"
#include "streamgate/monitor.h"
#include "streamgate/object_store.h"
#include "streamgate/plugins.h"
#include "streamgate/transcoder.h"

namespace streamgate {
namespace internal {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Transcode jobs examined per report (list, metrics): bounded work per request.
constexpr int kListPageSize = 1000;
constexpr int kMaxListPages = 20;

// The route's names for job states (the API predates the JobQueue): a retry waiting for its
// backoff is still "queued", a succeeded job is "completed".
std::string_view TranscodeStateName(const Job& job) {
  switch (job.state) {
    case JobState::kQueued:
    case JobState::kScheduled:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "completed";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

json ParseOr(const std::string& text, json fallback) {
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? fallback : parsed;
}

// The error text without the status-code prefix the worker stores ("INVALID_ARGUMENT: ...").
std::string ErrorText(const std::string& last_error) {
  const std::size_t colon = last_error.find(": ");
  if (colon != std::string::npos && colon > 0 &&
      last_error.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == colon) {
    return last_error.substr(colon + 2);
  }
  return last_error;
}

json JobToJson(const Job& job, const TranscodeSettings& settings) {
  const json payload = ParseOr(job.payload, json::object());
  const json result = ParseOr(job.result, json::object());
  const bool terminal = IsTerminal(job.state);
  const json overrides =
      payload.is_object() && payload.contains("options") ? payload["options"] : json();
  Result<TranscoderOptions> options = TranscodeOptionsFor(settings, overrides);
  const auto field = [](const json& object, const char* name, json fallback) {
    return object.is_object() && object.contains(name) ? object[name] : fallback;
  };
  json out = {
      {"job_id", job.id},
      {"content_id", field(payload, "content_id", "")},
      {"source", field(payload, "source", "")},
      {"state", std::string(TranscodeStateName(job))},
      {"progress", job.state == JobState::kSucceeded ? 100 : job.progress},
      {"attempts", job.attempts},
      {"max_attempts", job.max_attempts},
      {"created_unix_ms", job.created_ms},
      {"started_unix_ms", field(result, "started_unix_ms", 0)},
      {"finished_unix_ms", terminal ? job.updated_ms : 0},
      {"frames_encoded", field(result, "frames_encoded", 0)},
      {"duration_s", field(result, "duration_s", 0.0)},
      {"ladder", LadderToString(options.ok() ? options->ladder : settings.transcoder.ladder)}};
  if (job.state == JobState::kFailed || job.state == JobState::kCancelled ||
      (!terminal && !job.last_error.empty())) {
    out["error"] = job.state == JobState::kCancelled && job.last_error.empty()
                       ? std::string("cancelled")
                       : ErrorText(job.last_error);
  }
  for (const char* name : {"hls", "dash", "poster"}) {
    const json value = field(result, name, "");
    if (value.is_string() && !value.get<std::string>().empty()) out[name] = value;
  }
  if (result.is_object() && result.contains("renditions")) out["renditions"] = result["renditions"];
  return out;
}

// Every transcode job (newest last), at most kListPageSize * kMaxListPages of them.
Result<std::vector<Job>> ListTranscodeJobs(JobQueue& queue, std::optional<JobState> state) {
  std::vector<Job> jobs;
  ListJobsRequest request;
  request.type = kTranscodeJobType;
  request.state = state;
  request.limit = kListPageSize;
  for (int page = 0; page < kMaxListPages; ++page) {
    STREAMGATE_ASSIGN_OR_RETURN(ListJobsResponse response, queue.List(request));
    for (Job& job : response.jobs) jobs.push_back(std::move(job));
    if (response.next_cursor.empty()) break;
    request.cursor = response.next_cursor;
  }
  return jobs;
}

class TranscoderPlugin final : public ServicePlugin {
 public:
  TranscoderPlugin() : ServicePlugin("transcoder") {}

  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(ServicePlugin::Init(context));
    runtime_ = &context.runtime;
    events_ = &context.events;
    services_ = &context.services;
    registry_ = &context.metrics;
    settings_ = context.config.transcode;
    staging_root_ = context.config.data_dir + "/tmp/transcode";
    STREAMGATE_RETURN_IF_ERROR(Transcoder::Create(settings_.transcoder).status());
    STREAMGATE_ASSIGN_OR_RETURN(metrics_, AddTranscodeJobMetrics(context.metrics));
    STREAMGATE_ASSIGN_OR_RETURN(
        active_, context.metrics.AddGauge("streamgate_transcode_jobs_active",
                                          "Transcode jobs queued or running.", {"state"}));
    Router& router = context.router;
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kPost, "/api/v1/transcode/submit",
                                          [this](HttpRequest& r) { return HandleSubmit(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kGet, "/api/v1/transcode/status",
                                          [this](HttpRequest& r) { return HandleStatus(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kPost, "/api/v1/transcode/cancel",
                                          [this](HttpRequest& r) { return HandleCancel(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kGet, "/api/v1/transcode/list",
                                          [this](HttpRequest& r) { return HandleList(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kGet, "/api/v1/transcode/metrics",
                                          [this](HttpRequest&) { return HandleMetrics(); }));
    if (settings_.on_upload) {
      subscription_ =
          events_->Subscribe("upload.completed", [this](const Event& event) { OnUpload(event); });
    }
    return Status::Ok();
  }

  Status Start() override {
    // The upload plugin's store when it runs here; otherwise the configured one (a shared
    // local directory or S3), which is what the upload service writes to.
    STREAMGATE_ASSIGN_OR_RETURN(store_, FindOrOpenObjectStore(*services_, config()));
    queue_ = services_->Find<JobQueue>();
    if (!queue_) {
      JobQueueOptions options = config().jobs.queue;
      if (options.sqlite_path.empty()) {
        options.sqlite_path = (fs::path(config().data_dir) / "jobs.db").string();
      }
      STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<JobQueue> own, NewJobQueue(options));
      queue_ = std::move(own);
    }
    AddActiveCollector();
    if (!settings_.run_jobs) return Status::Ok();
    STREAMGATE_RETURN_IF_ERROR(CleanTranscodeStaging(staging_root_));
    // A worker of its own, so that max_concurrent_jobs bounds transcodes alone (the worker
    // plugin's JobWorker, if any, runs the other job types at its own concurrency).
    JobWorkerOptions worker_options = config().jobs.worker;
    worker_options.concurrency = settings_.max_concurrent_jobs;
    STREAMGATE_ASSIGN_OR_RETURN(worker_, JobWorker::Create(queue_, worker_options, *runtime_));
    TranscodeJobContext context;
    context.settings = settings_;
    context.store = store_;
    context.queue = queue_;
    context.events = events_;
    context.runtime = runtime_;
    context.staging_root = staging_root_;
    context.metrics = metrics_;
    STREAMGATE_RETURN_IF_ERROR(RegisterTranscodeJobHandler(*worker_, std::move(context)));
    Logger("transcoder")
        ->info("worker {} runs up to {} transcode jobs at once from the {} queue",
               worker_->worker_id(), settings_.max_concurrent_jobs, queue_->backend());
    return worker_->Start();
  }

  Status Stop() override {
    if (subscription_ != 0) events_->Unsubscribe(subscription_);
    subscription_ = 0;
    // The registry outlives this plugin: its collector must not.
    if (collector_ >= 0) registry_->RemoveCollector(collector_);
    collector_ = -1;
    // Running transcodes stop within about a frame and go back to the queue for a retry.
    if (worker_) worker_->Stop();
    return Status::Ok();
  }

  HealthReport Health() const override {
    if (worker_ && !worker_->queue_reachable()) {
      return {HealthState::kDegraded,
              "the job queue (" + std::string(queue_->backend()) + ") is unreachable"};
    }
    return {};
  }

 private:
  // streamgate_transcode_jobs_active{state}: transcode jobs of the whole queue, counted in the
  // background (a query) and shown one scrape late.
  void AddActiveCollector() {
    Gauge* queued = &active_->WithLabels({"queued"});
    Gauge* running = &active_->WithLabels({"running"});
    auto refresh = std::make_shared<BackgroundRefresh>(
        *runtime_, std::chrono::seconds(1), [queue = queue_, queued, running] {
          for (const auto& [state, gauge] :
               {std::pair{JobState::kQueued, queued}, std::pair{JobState::kRunning, running}}) {
            Result<std::vector<Job>> jobs = ListTranscodeJobs(*queue, state);
            if (jobs.ok()) gauge->Set(static_cast<double>(jobs->size()));
          }
        });
    collector_ = registry_->AddCollector([refresh] { refresh->Request(); });
  }

  Result<Job> Submit(const std::string& content_id, const std::string& source_key,
                     const json& overrides, std::string idempotency_key) {
    if (!queue_) return Status::Unavailable("the transcoder has not started");
    STREAMGATE_ASSIGN_OR_RETURN(
        SubmitJobRequest request,
        MakeTranscodeJob(settings_, content_id, source_key, overrides, std::move(idempotency_key)));
    return queue_->Submit(request);
  }

  void OnUpload(const Event& event) {
    const json data = json::parse(event.data, nullptr, false);
    const auto text = [&data](const char* name) {
      const auto it = data.is_object() ? data.find(name) : data.end();
      return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const std::string content_id = text("content_id");
    const std::string key = text("object_key");
    if (content_id.empty() || key.empty()) {
      Logger("transcoder")->warn("malformed upload.completed event {}", event.id);
      return;
    }
    // Redelivered events (at-least-once buses) find the job submitted the first time.
    Result<Job> job = Submit(content_id, key, json(), UploadTranscodeKey(content_id, key));
    if (!job.ok()) {
      Logger("transcoder")
          ->warn("upload.completed for {} not transcoded: {}", content_id, job.status().ToString());
    }
  }

  // A transcode job by id; NotFound for unknown ids and for jobs of other types.
  Result<Job> GetTranscodeJob(const std::string& id) {
    if (!queue_) return Status::Unavailable("the transcoder has not started");
    Result<Job> job = queue_->Get(id);
    if ((!job.ok() && job.status().code() == StatusCode::kInvalidArgument) ||
        (job.ok() && job->type != kTranscodeJobType)) {
      return Status::NotFound("no transcode job " + id.substr(0, 64));
    }
    return job;
  }

  HttpResponse HandleSubmit(HttpRequest& request) {
    const json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) {
      return HttpResponse::Error(Status::InvalidArgument("the body is not JSON"));
    }
    if (!body.is_object()) {
      return HttpResponse::Error(Status::InvalidArgument("expected an object"));
    }
    const auto text = [&body](const char* name) -> std::string {
      const auto it = body.find(name);
      return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::string source = text("object_key");
    if (source.empty()) source = text("source");
    std::string idempotency_key = text("idempotency_key");
    if (idempotency_key.empty()) idempotency_key = std::string(request.Header("Idempotency-Key"));
    const auto options = body.find("options");
    Result<Job> job = Submit(text("content_id"), source, options != body.end() ? *options : json(),
                             std::move(idempotency_key));
    if (!job.ok()) return HttpResponse::Error(job.status());
    return HttpResponse::Json(202, JobToJson(*job, settings_).dump());
  }

  HttpResponse HandleStatus(HttpRequest& request) {
    const std::string id(request.Query("job_id"));
    if (id.empty()) return HttpResponse::Error(Status::InvalidArgument("job_id is required"));
    Result<Job> job = GetTranscodeJob(id);
    if (!job.ok()) return HttpResponse::Error(job.status());
    return HttpResponse::Json(200, JobToJson(*job, settings_).dump());
  }

  HttpResponse HandleCancel(HttpRequest& request) {
    std::string id(request.Query("job_id"));
    if (id.empty()) {
      const json body = json::parse(request.body, nullptr, false);
      if (body.is_object() && body.contains("job_id") && body["job_id"].is_string()) {
        id = body["job_id"].get<std::string>();
      }
    }
    if (id.empty()) return HttpResponse::Error(Status::InvalidArgument("job_id is required"));
    Result<Job> found = GetTranscodeJob(id);
    if (!found.ok()) return HttpResponse::Error(found.status());
    Result<Job> job = queue_->Cancel(id);
    if (!job.ok()) return HttpResponse::Error(job.status());
    if (job->state == JobState::kCancelled) {
      // It never ran (or never will again): nobody else announces the end of this content's
      // transcode.
      metrics_.cancelled->Inc();
      const json payload = ParseOr(job->payload, json::object());
      Event event;
      event.type = "transcode.failed";
      event.data = json{{"content_id", payload.value("content_id", "")},
                        {"job_id", job->id},
                        {"reason", "cancelled"}}
                       .dump();
      if (const Status published = events_->Publish(std::move(event)); !published.ok()) {
        Logger("transcoder")->warn("cannot publish transcode.failed: {}", published.ToString());
      }
    }
    // A running job reports "cancelling" until its worker has stopped and cleaned up.
    const std::string shown =
        job->state == JobState::kRunning ? "cancelling" : std::string(TranscodeStateName(*job));
    return HttpResponse::Json(200, json{{"job_id", id}, {"state", shown}}.dump());
  }

  HttpResponse HandleList(HttpRequest& request) {
    if (!queue_) return HttpResponse::Error(Status::Unavailable("the transcoder has not started"));
    const std::string_view wanted = request.Query("state");
    std::vector<std::optional<JobState>> states = {std::nullopt};
    if (wanted == "queued") {
      states = {JobState::kQueued, JobState::kScheduled};
    } else if (wanted == "running") {
      states = {JobState::kRunning};
    } else if (wanted == "completed") {
      states = {JobState::kSucceeded};
    } else if (wanted == "failed") {
      states = {JobState::kFailed};
    } else if (wanted == "cancelled") {
      states = {JobState::kCancelled};
    } else if (!wanted.empty()) {
      return HttpResponse::Error(Status::InvalidArgument("unknown state"));
    }
    std::vector<Job> jobs;
    for (const std::optional<JobState>& state : states) {
      Result<std::vector<Job>> page = ListTranscodeJobs(*queue_, state);
      if (!page.ok()) return HttpResponse::Error(page.status());
      for (Job& job : *page) jobs.push_back(std::move(job));
    }
    // Newest first.
    std::stable_sort(jobs.begin(), jobs.end(),
                     [](const Job& a, const Job& b) { return a.created_ms > b.created_ms; });
    json out = json::array();
    for (const Job& job : jobs) out.push_back(JobToJson(job, settings_));
    return HttpResponse::Json(200, json{{"jobs", out}}.dump());
  }

  // Figures over every transcode job in the queue, whichever process ran it.
  HttpResponse HandleMetrics() {
    if (!queue_) return HttpResponse::Error(Status::Unavailable("the transcoder has not started"));
    Result<std::vector<Job>> jobs = ListTranscodeJobs(*queue_, std::nullopt);
    if (!jobs.ok()) return HttpResponse::Error(jobs.status());
    std::map<std::string, int64_t> by_state;
    int64_t frames = 0;
    int64_t finished = 0;
    double run_total = 0;
    double run_max = 0;
    double media_total = 0;
    for (const Job& job : *jobs) {
      ++by_state[std::string(TranscodeStateName(job))];
      if (job.state != JobState::kSucceeded) continue;
      const json result = ParseOr(job.result, json::object());
      if (!result.is_object()) continue;
      const double elapsed = result.value("elapsed_s", 0.0);
      frames += result.value("frames_encoded", int64_t{0});
      media_total += result.value("duration_s", 0.0);
      run_total += elapsed;
      run_max = std::max(run_max, elapsed);
      ++finished;
    }
    const double mean = finished > 0 ? run_total / static_cast<double>(finished) : 0.0;
    json out = {{"jobs", by_state},
                {"frames_encoded_total", frames},
                {"completed_run_seconds",
                 {{"count", finished}, {"total", run_total}, {"max", run_max}, {"mean", mean}}},
                {"media_seconds_total", media_total},
                {"max_concurrent_jobs", settings_.max_concurrent_jobs},
                {"queue", std::string(queue_->backend())}};
    return HttpResponse::Json(200, out.dump());
  }

  Runtime* runtime_ = nullptr;
  EventBus* events_ = nullptr;
  ServiceRegistry* services_ = nullptr;
  MetricsRegistry* registry_ = nullptr;
  TranscodeSettings settings_;
  std::string staging_root_;
  std::shared_ptr<ObjectStore> store_;  // set in Start()
  std::shared_ptr<JobQueue> queue_;     // set in Start()
  std::unique_ptr<JobWorker> worker_;   // set in Start() when transcode.run_jobs
  SubscriptionId subscription_ = 0;
  TranscodeJobMetrics metrics_;
  GaugeFamily* active_ = nullptr;
  int collector_ = -1;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewTranscoderPlugin() {
  return std::make_unique<internal::TranscoderPlugin>();
}

}  // namespace streamgate
