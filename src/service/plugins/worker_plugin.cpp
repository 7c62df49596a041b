// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The worker plugin: the durable job queue, its HTTP endpoints, and a JobWorker that runs the
// handlers other plugins (or embedders) register. It Provides both the JobQueue (so that, say,
// the transcoder submits to it) and the JobWorker (so that plugins register handlers from their
// Start(), when every Init has run) in the ServiceRegistry.
//
//   POST /api/v1/jobs/submit    {"type", "payload", "priority", "max_attempts",
//                                "idempotency_key", "run_at_ms", "delay_ms"}  -> 202 job
//   POST /api/v1/jobs/schedule  the same plus "interval_ms"; needs a future time or an interval
//   GET  /api/v1/jobs/status?id=ID                                             -> job
//   POST /api/v1/jobs/cancel    {"id"}                                         -> job
//   GET  /api/v1/jobs/list?state=&type=&cursor=&limit=      -> {"jobs": [...], "next_cursor"}
//
// With jobs.run_transcode it also runs "transcode" jobs (media/transcode_job.h), reading sources
// from and publishing media to the upload plugin's ObjectStore or the configured one, so that the
// worker service takes transcodes too.
#include <charconv>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "common/log.h"
#include "jobs/job_common.h"
#include "media/transcode_job.h"
#include "service/background_refresh.h"
#include "service/plugins/service_plugin.h"
#include "service/shared_stores.h"
#include "streamgate/job_queue.h"
#include "streamgate/monitor.h"
#include "streamgate/object_store.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

using nlohmann::json;

// Room for the request's other fields around the largest payload.
constexpr uint64_t kEnvelopeBytes = 64 * 1024;

json JobToJson(const Job& job) {
  json out;
  out["id"] = job.id;
  out["type"] = job.type;
  // Stored payloads were validated as JSON on the way in; show them as JSON, not as a string.
  json payload = json::parse(job.payload, nullptr, false);
  out["payload"] = payload.is_discarded() ? json(job.payload) : payload;
  json result = job.result.empty() ? json(nullptr) : json::parse(job.result, nullptr, false);
  out["result"] = result.is_discarded() ? json(job.result) : result;
  out["priority"] = job.priority;
  out["state"] = std::string(JobStateName(job.state));
  out["attempts"] = job.attempts;
  out["max_attempts"] = job.max_attempts;
  out["run_at_ms"] = job.run_at_ms;
  out["interval_ms"] = job.interval_ms;
  out["runs"] = job.runs;
  out["lease_owner"] = job.lease_owner;
  out["lease_expires_ms"] = job.lease_expires_ms;
  out["cancel_requested"] = job.cancel_requested;
  out["progress"] = job.progress;
  out["last_error"] = job.last_error;
  out["idempotency_key"] = job.idempotency_key;
  out["created_ms"] = job.created_ms;
  out["updated_ms"] = job.updated_ms;
  return out;
}

HttpResponse JsonResponse(int status, const json& body) {
  return HttpResponse::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

HttpResponse ErrorResponse(const Status& status) {
  // Body-size limits are 413 (the table maps ResourceExhausted to 429 for rate limits).
  if (status.code() == StatusCode::kResourceExhausted) {
    return HttpResponse::Error(413, StatusCodeName(status.code()), status.message());
  }
  return HttpResponse::Error(status);
}

Result<json> ParseObject(const std::string& body) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return Status::InvalidArgument("request body is not valid JSON");
  if (!parsed.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return parsed;
}

template <typename T>
Status ReadInteger(const json& body, const char* name, T& out) {
  const auto found = body.find(name);
  if (found == body.end() || found->is_null()) return Status::Ok();
  if (!found->is_number_integer()) {
    return Status::InvalidArgument(std::string(name) + " must be an integer");
  }
  if (found->is_number_unsigned() && found->get<uint64_t>() > uint64_t{INT64_MAX}) {
    return Status::InvalidArgument(std::string(name) + " is out of range");
  }
  const int64_t value = found->get<int64_t>();
  if (value < std::numeric_limits<T>::min() || value > std::numeric_limits<T>::max()) {
    return Status::InvalidArgument(std::string(name) + " is out of range");
  }
  out = static_cast<T>(value);
  return Status::Ok();
}

Status ReadString(const json& body, const char* name, std::string& out) {
  const auto found = body.find(name);
  if (found == body.end() || found->is_null()) return Status::Ok();
  if (!found->is_string()) return Status::InvalidArgument(std::string(name) + " must be a string");
  out = found->get<std::string>();
  return Status::Ok();
}

Result<SubmitJobRequest> ParseSubmit(const HttpRequest& request, const JobQueueOptions& options,
                                     bool allow_interval) {
  STREAMGATE_ASSIGN_OR_RETURN(json body, ParseObject(request.body));
  static const std::set<std::string> kSubmitFields = {
      "type", "payload", "priority", "max_attempts", "idempotency_key", "run_at_ms", "delay_ms"};
  for (const auto& [name, unused] : body.items()) {
    if (kSubmitFields.count(name) == 0 && !(allow_interval && name == "interval_ms")) {
      return Status::InvalidArgument("unknown field \"" + name.substr(0, 64) + "\"");
    }
  }
  SubmitJobRequest submit;
  if (!body.contains("type")) return Status::InvalidArgument("type is missing");
  STREAMGATE_RETURN_IF_ERROR(ReadString(body, "type", submit.type));
  if (const auto payload = body.find("payload"); payload != body.end()) {
    submit.payload = payload->dump(-1, ' ', false, json::error_handler_t::replace);
    if (submit.payload.size() > options.max_payload_bytes) {
      return Status::ResourceExhausted("payload is larger than " +
                                       std::to_string(options.max_payload_bytes) + " bytes");
    }
  }
  STREAMGATE_RETURN_IF_ERROR(ReadInteger(body, "priority", submit.priority));
  STREAMGATE_RETURN_IF_ERROR(ReadInteger(body, "max_attempts", submit.max_attempts));
  STREAMGATE_RETURN_IF_ERROR(ReadString(body, "idempotency_key", submit.idempotency_key));
  if (submit.idempotency_key.empty()) {
    submit.idempotency_key = std::string(request.Header("Idempotency-Key"));
  }
  STREAMGATE_RETURN_IF_ERROR(ReadInteger(body, "run_at_ms", submit.run_at_ms));
  int64_t delay_ms = 0;
  STREAMGATE_RETURN_IF_ERROR(ReadInteger(body, "delay_ms", delay_ms));
  if (delay_ms < 0 || delay_ms > int64_t{366} * 24 * 3600 * 1000) {
    return Status::InvalidArgument("delay_ms must be in [0, one year]");
  }
  if (delay_ms > 0) {
    if (submit.run_at_ms != 0) return Status::InvalidArgument("give run_at_ms or delay_ms");
    submit.run_at_ms = NowMs() + delay_ms;
  }
  if (allow_interval)
    STREAMGATE_RETURN_IF_ERROR(ReadInteger(body, "interval_ms", submit.interval_ms));
  return submit;
}

class WorkerPlugin final : public ServicePlugin {
 public:
  WorkerPlugin() : ServicePlugin("worker") {}

  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(ServicePlugin::Init(context));
    settings_ = config().jobs;
    if (settings_.queue.sqlite_path.empty()) {
      settings_.queue.sqlite_path = (std::filesystem::path(config().data_dir) / "jobs.db").string();
    }
    STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<JobQueue> queue, NewJobQueue(settings_.queue));
    queue_ = std::move(queue);
    STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<JobWorker> worker,
                                JobWorker::Create(queue_, settings_.worker, context.runtime));
    worker_ = std::move(worker);
    if (settings_.builtin_handlers)
      STREAMGATE_RETURN_IF_ERROR(RegisterBuiltinJobHandlers(*worker_));
    STREAMGATE_RETURN_IF_ERROR(context.services.Provide<JobQueue>(queue_));
    STREAMGATE_RETURN_IF_ERROR(context.services.Provide<JobWorker>(worker_));
    services_ = &context.services;
    events_ = &context.events;
    runtime_ = &context.runtime;
    if (settings_.run_transcode) {
      STREAMGATE_ASSIGN_OR_RETURN(transcode_metrics_, AddTranscodeJobMetrics(context.metrics));
    }
    STREAMGATE_RETURN_IF_ERROR(AddMetrics(context.metrics, context.runtime));
    return AddRoutes(context.router);
  }

  // streamgate_jobs_queue_depth{state}: queued, scheduled and running jobs of the whole queue
  // (every worker process's), read in the background because counting is a query.
  Status AddMetrics(MetricsRegistry& registry, Runtime& runtime) {
    STREAMGATE_ASSIGN_OR_RETURN(
        GaugeFamily * depth,
        registry.AddGauge("streamgate_jobs_queue_depth",
                          "Jobs waiting or running, as of the previous scrape.", {"state"}));
    Gauge* queued = &depth->WithLabels({"queued"});
    Gauge* scheduled = &depth->WithLabels({"scheduled"});
    Gauge* running = &depth->WithLabels({"running"});
    auto refresh = std::make_shared<BackgroundRefresh>(
        runtime, std::chrono::seconds(1), [queue = queue_, queued, scheduled, running] {
          const Result<JobQueueDepth> now = queue->Depth();
          if (!now.ok()) return;  // the health check reports an unreachable queue
          queued->Set(static_cast<double>(now->queued));
          scheduled->Set(static_cast<double>(now->scheduled));
          running->Set(static_cast<double>(now->running));
        });
    registry.AddCollector([refresh] { refresh->Request(); });
    return Status::Ok();
  }

  Status Start() override {
    if (!settings_.run_worker) return Status::Ok();
    if (settings_.run_transcode) STREAMGATE_RETURN_IF_ERROR(RegisterTranscode());
    std::string types;
    for (const std::string& type : worker_->types()) types += (types.empty() ? "" : ", ") + type;
    Logger("jobs")->info("worker {} runs job types [{}] on the {} queue", worker_->worker_id(),
                         types, queue_->backend());
    return worker_->Start();
  }

  // Reads a flag the worker keeps; asks the queue nothing, so it is safe on any thread.
  HealthReport Health() const override {
    if (worker_ && settings_.run_worker && !worker_->queue_reachable()) {
      return {HealthState::kDegraded,
              "the job queue (" + std::string(queue_->backend()) + ") is unreachable; jobs wait"};
    }
    return {};
  }

  Status Stop() override {
    if (worker_) worker_->Stop();
    return Status::Ok();
  }

 private:
  // The transcoder plugin's job handler on this worker (found objects are Provided in Init).
  Status RegisterTranscode() {
    TranscodeJobContext context;
    context.settings = config().transcode;
    STREAMGATE_ASSIGN_OR_RETURN(context.store, FindOrOpenObjectStore(*services_, config()));
    context.queue = queue_;
    context.events = events_;
    context.runtime = runtime_;
    context.staging_root = config().data_dir + "/tmp/transcode";
    context.metrics = transcode_metrics_;
    STREAMGATE_RETURN_IF_ERROR(CleanTranscodeStaging(context.staging_root));
    return RegisterTranscodeJobHandler(*worker_, std::move(context));
  }

  Status AddRoutes(Router& router) {
    RouteOptions submit_options;
    submit_options.max_body_bytes = settings_.queue.max_payload_bytes + kEnvelopeBytes;
    STREAMGATE_RETURN_IF_ERROR(router.Add(
        HttpMethod::kPost, "/api/v1/jobs/submit",
        [this](HttpRequest& request) { return Submit(request, false); }, submit_options));
    STREAMGATE_RETURN_IF_ERROR(router.Add(
        HttpMethod::kPost, "/api/v1/jobs/schedule",
        [this](HttpRequest& request) { return Submit(request, true); }, submit_options));
    STREAMGATE_RETURN_IF_ERROR(
        router.Add(HttpMethod::kGet, "/api/v1/jobs/status", [this](HttpRequest& request) {
          if (!request.HasQuery("id"))
            return ErrorResponse(Status::InvalidArgument("id is missing"));
          return Answer(200, queue_->Get(request.Query("id")));
        }));
    STREAMGATE_RETURN_IF_ERROR(
        router.Add(HttpMethod::kPost, "/api/v1/jobs/cancel", [this](HttpRequest& request) {
          std::string id(request.Query("id"));
          if (id.empty()) {
            Result<json> body = ParseObject(request.body);
            if (!body.ok()) return ErrorResponse(body.status());
            if (Status read = ReadString(*body, "id", id); !read.ok()) return ErrorResponse(read);
          }
          if (id.empty()) return ErrorResponse(Status::InvalidArgument("id is missing"));
          return Answer(200, queue_->Cancel(id));
        }));
    return router.Add(HttpMethod::kGet, "/api/v1/jobs/list",
                      [this](HttpRequest& request) { return List(request); });
  }

  HttpResponse Answer(int status, const Result<Job>& job) {
    if (!job.ok()) return ErrorResponse(job.status());
    return JsonResponse(status, JobToJson(*job));
  }

  HttpResponse Submit(const HttpRequest& request, bool schedule) {
    Result<SubmitJobRequest> submit = ParseSubmit(request, settings_.queue, schedule);
    if (!submit.ok()) return ErrorResponse(submit.status());
    if (Status valid = ValidateJobType(submit->type); !valid.ok()) return ErrorResponse(valid);
    // Only types someone here can run are accepted; a process that runs no worker cannot tell.
    if (settings_.run_worker && !worker_->HasHandler(submit->type)) {
      return ErrorResponse(Status::InvalidArgument("unknown job type \"" + submit->type + "\""));
    }
    return Answer(202, schedule ? queue_->Schedule(*submit) : queue_->Submit(*submit));
  }

  HttpResponse List(const HttpRequest& request) {
    ListJobsRequest list;
    if (request.HasQuery("state")) {
      Result<JobState> state = ParseJobState(request.Query("state"));
      if (!state.ok()) return ErrorResponse(state.status());
      list.state = *state;
    }
    list.type = std::string(request.Query("type"));
    list.cursor = std::string(request.Query("cursor"));
    if (request.HasQuery("cursor") && list.cursor.empty()) {
      return ErrorResponse(Status::InvalidArgument("invalid cursor"));
    }
    if (request.HasQuery("limit")) {
      const std::string_view text = request.Query("limit");
      int limit = 0;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
      if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
        return ErrorResponse(Status::InvalidArgument("limit must be an integer in [1, 1000]"));
      }
      list.limit = limit;
    }
    Result<ListJobsResponse> page = queue_->List(list);
    if (!page.ok()) return ErrorResponse(page.status());
    json body;
    body["jobs"] = json::array();
    for (const Job& job : page->jobs) body["jobs"].push_back(JobToJson(job));
    body["next_cursor"] = page->next_cursor;
    return JsonResponse(200, body);
  }

  JobsConfig settings_;
  ServiceRegistry* services_ = nullptr;
  EventBus* events_ = nullptr;
  Runtime* runtime_ = nullptr;
  TranscodeJobMetrics transcode_metrics_;
  std::shared_ptr<JobQueue> queue_;
  std::shared_ptr<JobWorker> worker_;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewWorkerPlugin() { return std::make_unique<internal::WorkerPlugin>(); }

}  // namespace streamgate
