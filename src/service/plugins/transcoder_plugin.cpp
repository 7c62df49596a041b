// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The transcoder plugin: the /api/v1/transcode/* routes, a job for every `upload.completed`,
// jobs run on the Runtime's worker pool with bounded concurrency, and the output published
// atomically under media/<content_id>/ (staged in <data_dir>/tmp first), announced with
// `transcode.completed` / `transcode.failed`.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "media/transcode_job_table.h"
#include "service/plugins/service_plugin.h"
#include "streamgate/monitor.h"
#include "streamgate/object_store.h"
#include "streamgate/packager.h"
#include "streamgate/plugins.h"
#include "streamgate/transcoder.h"

namespace streamgate {
namespace internal {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Content ids name a directory: letters, digits, '-', '_' only.
bool ValidContentId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The ObjectStore key rules: '/'-separated segments, none empty, "." or ".."; no '\' or NUL.
bool ValidObjectKey(std::string_view key) {
  if (key.empty() || key.size() > 1024) return false;
  std::size_t start = 0;
  while (start <= key.size()) {
    const std::size_t slash = std::min(key.find('/', start), key.size());
    const std::string_view segment = key.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = slash + 1;
  }
  return key.find('\\') == std::string_view::npos && key.find('\0') == std::string_view::npos;
}

json JobToJson(const TranscodeJob& job) {
  json out = {{"job_id", job.id},
              {"content_id", job.content_id},
              {"source", job.source_key},
              {"state", std::string(JobStateName(job.state))},
              {"progress", job.progress},
              {"created_unix_ms", job.created_unix_ms},
              {"started_unix_ms", job.started_unix_ms},
              {"finished_unix_ms", job.finished_unix_ms},
              {"frames_encoded", job.frames_encoded},
              {"duration_s", job.duration_s},
              {"ladder", LadderToString(job.options.ladder)}};
  if (!job.error.empty()) out["error"] = job.error;
  if (!job.hls_key.empty()) out["hls"] = job.hls_key;
  if (!job.dash_key.empty()) out["dash"] = job.dash_key;
  if (!job.poster_key.empty()) out["poster"] = job.poster_key;
  return out;
}

class TranscoderPlugin final : public ServicePlugin {
 public:
  TranscoderPlugin() : ServicePlugin("transcoder") {}

  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(ServicePlugin::Init(context));
    runtime_ = &context.runtime;
    events_ = &context.events;
    services_ = &context.services;
    settings_ = context.config.transcode;
    objects_root_ = context.config.data_dir + "/objects";
    staging_root_ = context.config.data_dir + "/tmp/transcode";
    STREAMGATE_RETURN_IF_ERROR(Transcoder::Create(settings_.transcoder).status());
    STREAMGATE_RETURN_IF_ERROR(AddMetrics(context.metrics));
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
    // The upload plugin provides the store when it runs in this process; otherwise sources are
    // read from (and output published to) <data_dir>/objects directly.
    store_ = services_->Find<ObjectStore>();
    std::error_code error;
    fs::create_directories(staging_root_, error);
    if (error) return Status::Internal("cannot create " + staging_root_ + ": " + error.message());
    // Staging left by a killed process is never playable; clear it.
    for (const auto& entry : fs::directory_iterator(staging_root_, error)) {
      fs::remove_all(entry.path(), error);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    started_ = true;
    return Status::Ok();
  }

  Status Stop() override {
    if (subscription_ != 0) events_->Unsubscribe(subscription_);
    // The registry outlives this plugin: its collector must not.
    if (registry_ != nullptr) registry_->RemoveCollector(metrics_.collector);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      started_ = false;
    }
    jobs_.CancelAll();
    std::unique_lock<std::mutex> lock(mutex_);
    // Cancellation stops a transcode within about a frame; the bound only guards a wedged job.
    idle_.wait_for(lock, std::chrono::seconds(30), [this] { return active_ == 0; });
    return Status::Ok();
  }

 private:
  Result<TranscodeJob> Submit(const std::string& content_id, const std::string& source_key,
                              const json* overrides) {
    if (!ValidContentId(content_id)) {
      return Status::InvalidArgument("content_id must be 1-128 characters of [A-Za-z0-9_-]");
    }
    if (!ValidObjectKey(source_key)) {
      return Status::InvalidArgument("source must be an object key such as uploads/x/source.mp4");
    }
    TranscoderOptions options = settings_.transcoder;
    if (overrides != nullptr) {
      if (!overrides->is_object()) return Status::InvalidArgument("options must be an object");
      try {
        for (const auto& [name, value] : overrides->items()) {
          if (name == "ladder") {
            STREAMGATE_ASSIGN_OR_RETURN(options.ladder, ParseLadder(value.get<std::string>()));
          } else if (name == "segment_seconds") {
            options.packager.segment_seconds = value.get<double>();
          } else if (name == "preset") {
            options.preset = value.get<std::string>();
          } else if (name == "crf") {
            options.crf = value.get<int>();
          } else if (name == "aes128") {
            options.packager.aes128 = value.get<bool>();
          } else if (name == "poster") {
            options.poster = value.get<bool>();
          } else {
            return Status::InvalidArgument("unknown option \"" + name + "\"");
          }
        }
      } catch (const json::exception&) {
        return Status::InvalidArgument("options have the wrong types");
      }
      // The same validation as the service's own settings.
      STREAMGATE_RETURN_IF_ERROR(Transcoder::Create(options).status());
    }
    TranscodeJob job = jobs_.Add(content_id, source_key, std::move(options));
    Pump();
    return job;
  }

  // Starts queued jobs while fewer than max_concurrent_jobs run.
  void Pump() {
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!started_) return;
      }
      std::optional<TranscodeJob> job = jobs_.StartNext(settings_.max_concurrent_jobs);
      if (!job) return;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++active_;
      }
      runtime_->Post([this, job = std::move(*job)]() mutable {
        Run(job);
        // Start the next job while this one still counts as active, and notify under the lock:
        // once active_ drops to zero Stop() may return and the plugin be destroyed, so nothing
        // here touches `this` after the lock is released.
        Pump();
        std::lock_guard<std::mutex> lock(mutex_);
        --active_;
        idle_.notify_all();
      });
    }
  }

  Result<std::string> ResolveSource(const TranscodeJob& job, const std::string& staging) {
    if (store_) {
      const std::optional<std::string> local = store_->LocalPath(job.source_key);
      std::error_code error;
      if (local && fs::is_regular_file(*local, error)) return *local;
      const std::string copy = staging + "/source";
      const Status fetched = store_->GetToFile(job.source_key, copy);
      if (fetched.code() == StatusCode::kNotFound) {
        return Status::NotFound("source object " + job.source_key + " not found");
      }
      STREAMGATE_RETURN_IF_ERROR(fetched);
      return copy;
    }
    const std::string path = objects_root_ + "/" + job.source_key;
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
      return Status::NotFound("source object " + job.source_key + " not found");
    }
    return path;
  }

  // Local: one rename of the staged directory (the previous version, if any, is swapped out
  // first). Remote: every file, then manifest.mpd, then master.m3u8 last.
  Status Publish(const std::string& content_id, const std::string& staged,
                 const std::string& staging) {
    const std::string prefix = "media/" + content_id;
    std::optional<std::string> local_dir;
    if (!store_) {
      local_dir = objects_root_ + "/" + prefix;
    } else if (auto path = store_->LocalPath(prefix + "/master.m3u8")) {
      local_dir = fs::path(*path).parent_path().string();
    }
    std::error_code error;
    if (local_dir) {
      fs::create_directories(fs::path(*local_dir).parent_path(), error);
      if (error) return Status::Internal("cannot create the media directory");
      const std::string previous = staging + "/previous";
      const bool had_previous = fs::exists(*local_dir, error);
      if (had_previous) {
        fs::rename(*local_dir, previous, error);
        if (error) return Status::Internal("cannot replace " + prefix + ": " + error.message());
      }
      fs::rename(staged, *local_dir, error);
      if (error) {
        if (had_previous) fs::rename(previous, *local_dir, error);
        return Status::Internal("cannot publish " + prefix);
      }
      return Status::Ok();
    }
    std::vector<std::string> last;
    for (const auto& entry : fs::recursive_directory_iterator(staged, error)) {
      if (!entry.is_regular_file()) continue;
      const std::string relative = fs::relative(entry.path(), staged).string();
      if (relative == "master.m3u8" || relative == "manifest.mpd") continue;
      STREAMGATE_RETURN_IF_ERROR(store_->PutFile(prefix + "/" + relative, entry.path().string()));
    }
    if (error) return Status::Internal("cannot list the staged output");
    for (const char* name : {"manifest.mpd", "master.m3u8"}) {
      if (fs::exists(staged + "/" + name, error)) {
        STREAMGATE_RETURN_IF_ERROR(store_->PutFile(prefix + "/" + name, staged + "/" + name));
      }
    }
    return Status::Ok();
  }

  void Run(TranscodeJob job) {
    const std::string staging = staging_root_ + "/" + job.id;
    const std::string staged = staging + "/out";
    std::error_code error;
    fs::create_directories(staging, error);
    TranscodeJob done = job;
    Result<TranscodeResult> result = Status::Internal("not run");
    {
      Result<std::string> source = ResolveSource(job, staging);
      if (!source.ok()) {
        result = source.status();
      } else {
        Result<std::unique_ptr<Transcoder>> transcoder = Transcoder::Create(job.options, runtime_);
        if (!transcoder.ok()) {
          result = transcoder.status();
        } else {
          TranscodeRequest request;
          request.input_path = *source;
          request.output_dir = staged;
          request.cancel = job.cancel;
          const std::string id = job.id;
          request.progress = [this, id](double percent) { jobs_.SetProgress(id, percent); };
          result = (*transcoder)->Transcode(request);
        }
      }
    }
    if (result.ok()) {
      const Status published = Publish(job.content_id, staged, staging);
      if (!published.ok()) result = published;
    }
    fs::remove_all(staging, error);

    if (!result.ok()) {
      const bool cancelled = result.status().code() == StatusCode::kCancelled;
      const std::string reason = result.status().message();
      jobs_.Finish(job.id, cancelled ? JobState::kCancelled : JobState::kFailed, reason, nullptr);
      (cancelled ? metrics_.cancelled : metrics_.failed)->Inc();
      Logger("transcoder")
          ->warn("transcode {} of {} {}: {}", job.id, job.content_id,
                 cancelled ? "cancelled" : "failed", reason);
      PublishEvent("transcode.failed", json{{"content_id", job.content_id},
                                            {"job_id", job.id},
                                            {"reason", cancelled ? "cancelled" : reason}});
      return;
    }
    const PackagedMedia& media = result->media;
    const std::string prefix = "media/" + job.content_id + "/";
    done.frames_encoded = result->frames_encoded;
    done.duration_s = media.duration_s;
    done.hls_key = prefix + "master.m3u8";
    done.dash_key = media.has_dash ? prefix + "manifest.mpd" : "";
    done.poster_key = media.poster_uri.empty() ? "" : prefix + media.poster_uri;
    jobs_.Finish(job.id, JobState::kCompleted, "", &done);
    metrics_.completed->Inc();
    metrics_.duration->Observe(result->elapsed_s);

    int64_t audio_bandwidth = 0;
    std::string audio_codecs;
    for (const PackagedRendition& rendition : media.renditions) {
      if (rendition.kind == RenditionKind::kAudio) {
        audio_bandwidth = rendition.peak_bandwidth;
        audio_codecs = "," + rendition.codecs;
      }
    }
    json renditions = json::array();
    for (const PackagedRendition& rendition : media.renditions) {
      if (rendition.kind != RenditionKind::kVideo) continue;
      renditions.push_back({{"name", rendition.name},
                            {"width", rendition.width},
                            {"height", rendition.height},
                            {"bandwidth", rendition.peak_bandwidth + audio_bandwidth},
                            {"codecs", rendition.codecs + audio_codecs}});
    }
    Logger("transcoder")
        ->info("transcode {} of {} completed: {} renditions, {:.1f} s of media in {:.1f} s", job.id,
               job.content_id, renditions.size(), media.duration_s, result->elapsed_s);
    PublishEvent("transcode.completed", json{{"content_id", job.content_id},
                                             {"job_id", job.id},
                                             {"duration_s", media.duration_s},
                                             {"renditions", renditions},
                                             {"hls", done.hls_key},
                                             {"dash", done.dash_key},
                                             {"poster", done.poster_key}});
  }

  void PublishEvent(const std::string& type, const json& data) {
    Event event;
    event.type = type;
    event.data = data.dump();
    const Status status = events_->Publish(std::move(event));
    if (!status.ok()) Logger("transcoder")->warn("cannot publish {}: {}", type, status.ToString());
  }

  void OnUpload(const Event& event) {
    try {
      const json data = json::parse(event.data);
      const std::string content_id = data.at("content_id").get<std::string>();
      const std::string key = data.at("object_key").get<std::string>();
      Result<TranscodeJob> job = Submit(content_id, key, nullptr);
      if (!job.ok()) {
        Logger("transcoder")
            ->warn("upload.completed for {} not transcoded: {}", content_id,
                   job.status().ToString());
      }
    } catch (const json::exception& error) {
      Logger("transcoder")->warn("malformed upload.completed event: {}", error.what());
    }
  }

  HttpResponse HandleSubmit(HttpRequest& request) {
    json body;
    try {
      body = json::parse(request.body);
    } catch (const json::exception&) {
      return HttpResponse::Error(Status::InvalidArgument("the body is not JSON"));
    }
    if (!body.is_object())
      return HttpResponse::Error(Status::InvalidArgument("expected an object"));
    const auto text = [&body](const char* name) -> std::string {
      const auto it = body.find(name);
      return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::string source = text("object_key");
    if (source.empty()) source = text("source");
    const auto options = body.find("options");
    Result<TranscodeJob> job =
        Submit(text("content_id"), source, options != body.end() ? &*options : nullptr);
    if (!job.ok()) return HttpResponse::Error(job.status());
    return HttpResponse::Json(202, JobToJson(*job).dump());
  }

  HttpResponse HandleStatus(HttpRequest& request) {
    const std::string id(request.Query("job_id"));
    if (id.empty()) return HttpResponse::Error(Status::InvalidArgument("job_id is required"));
    const std::optional<TranscodeJob> job = jobs_.Get(id);
    if (!job) return HttpResponse::Error(Status::NotFound("no transcode job " + id));
    return HttpResponse::Json(200, JobToJson(*job).dump());
  }

  HttpResponse HandleCancel(HttpRequest& request) {
    std::string id(request.Query("job_id"));
    if (id.empty()) {
      try {
        const json body = json::parse(request.body);
        id = body.at("job_id").get<std::string>();
      } catch (const json::exception&) {
        return HttpResponse::Error(Status::InvalidArgument("job_id is required"));
      }
    }
    Result<JobState> state = jobs_.Cancel(id);
    if (!state.ok()) return HttpResponse::Error(state.status());
    // A running job reports "cancelling" until its worker has stopped and cleaned up.
    const std::string shown =
        *state == JobState::kRunning ? "cancelling" : std::string(JobStateName(*state));
    return HttpResponse::Json(200, json{{"job_id", id}, {"state", shown}}.dump());
  }

  HttpResponse HandleList(HttpRequest& request) {
    std::optional<JobState> filter;
    const std::string_view wanted = request.Query("state");
    if (!wanted.empty()) {
      for (const JobState state : {JobState::kQueued, JobState::kRunning, JobState::kCompleted,
                                   JobState::kFailed, JobState::kCancelled}) {
        if (JobStateName(state) == wanted) filter = state;
      }
      if (!filter) return HttpResponse::Error(Status::InvalidArgument("unknown state"));
    }
    json jobs = json::array();
    for (const TranscodeJob& job : jobs_.List(filter)) jobs.push_back(JobToJson(job));
    return HttpResponse::Json(200, json{{"jobs", jobs}}.dump());
  }

  // streamgate_transcode_jobs_total{state}, streamgate_transcode_duration_seconds and
  // streamgate_transcode_jobs_active, for /metrics (the JSON view is HandleMetrics).
  Status AddMetrics(MetricsRegistry& registry) {
    STREAMGATE_ASSIGN_OR_RETURN(
        CounterFamily * finished,
        registry.AddCounter("streamgate_transcode_jobs_total",
                            "Transcode jobs finished, by outcome.", {"state"}));
    metrics_.completed = &finished->WithLabels({"completed"});
    metrics_.failed = &finished->WithLabels({"failed"});
    metrics_.cancelled = &finished->WithLabels({"cancelled"});
    STREAMGATE_ASSIGN_OR_RETURN(
        HistogramFamily * duration,
        registry.AddHistogram("streamgate_transcode_duration_seconds",
                              "Wall time of completed transcode jobs.", {},
                              {1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}));
    metrics_.duration = &duration->Get();
    STREAMGATE_ASSIGN_OR_RETURN(GaugeFamily * active,
                                registry.AddGauge("streamgate_transcode_jobs_active",
                                                  "Transcode jobs queued or running.", {"state"}));
    Gauge* queued = &active->WithLabels({"queued"});
    Gauge* running = &active->WithLabels({"running"});
    metrics_.collector = registry.AddCollector([this, queued, running] {
      const TranscodeMetrics now = jobs_.Metrics();
      const auto count = [&now](const char* state) {
        const auto it = now.jobs_by_state.find(state);
        return it == now.jobs_by_state.end() ? 0.0 : static_cast<double>(it->second);
      };
      queued->Set(count("queued"));
      running->Set(count("running"));
    });
    registry_ = &registry;
    return Status::Ok();
  }

  HttpResponse HandleMetrics() {
    const TranscodeMetrics metrics = jobs_.Metrics();
    const double mean =
        metrics.finished_jobs > 0 ? metrics.run_seconds_total / metrics.finished_jobs : 0.0;
    json out = {{"jobs", metrics.jobs_by_state},
                {"frames_encoded_total", metrics.frames_encoded_total},
                {"completed_run_seconds",
                 {{"count", metrics.finished_jobs},
                  {"total", metrics.run_seconds_total},
                  {"max", metrics.run_seconds_max},
                  {"mean", mean}}},
                {"media_seconds_total", metrics.media_seconds_total},
                {"max_concurrent_jobs", settings_.max_concurrent_jobs}};
    return HttpResponse::Json(200, out.dump());
  }

  Runtime* runtime_ = nullptr;
  EventBus* events_ = nullptr;
  ServiceRegistry* services_ = nullptr;
  TranscodeSettings settings_;
  std::string objects_root_;
  std::string staging_root_;
  std::shared_ptr<ObjectStore> store_;
  SubscriptionId subscription_ = 0;
  TranscodeJobTable jobs_;
  MetricsRegistry* registry_ = nullptr;
  struct {
    Counter* completed = nullptr;
    Counter* failed = nullptr;
    Counter* cancelled = nullptr;
    Histogram* duration = nullptr;
    int collector = -1;
  } metrics_;
  std::mutex mutex_;  // guards started_ and active_
  std::condition_variable idle_;
  bool started_ = false;
  int active_ = 0;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewTranscoderPlugin() {
  return std::make_unique<internal::TranscoderPlugin>();
}

}  // namespace streamgate
