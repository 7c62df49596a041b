// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/transcode_job.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/log.h"

namespace streamgate::internal {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsPermanent(StatusCode code) {
  // The JobWorker's rule: these fail the job at once, the rest are retried.
  return code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound ||
         code == StatusCode::kFailedPrecondition || code == StatusCode::kPermissionDenied ||
         code == StatusCode::kUnimplemented;
}

void PublishEvent(EventBus* events, const std::string& type, const json& data) {
  if (events == nullptr) return;
  Event event;
  event.type = type;
  event.data = data.dump(-1, ' ', false, json::error_handler_t::replace);
  const Status status = events->Publish(std::move(event));
  if (!status.ok()) Logger("transcoder")->warn("cannot publish {}: {}", type, status.ToString());
}

// A local path FFmpeg can open: the object itself on a local store, else a copy in staging.
Result<std::string> ResolveSource(ObjectStore& store, const std::string& key,
                                  const std::string& staging) {
  const std::optional<std::string> local = store.LocalPath(key);
  std::error_code error;
  if (local) {
    if (fs::is_regular_file(*local, error)) return *local;
    return Status::NotFound("source object " + key + " not found");
  }
  const std::string copy = staging + "/source";
  const Status fetched = store.GetToFile(key, copy);
  if (fetched.code() == StatusCode::kNotFound) {
    return Status::NotFound("source object " + key + " not found");
  }
  STREAMGATE_RETURN_IF_ERROR(fetched);
  return copy;
}

// Local store: one rename of the staged directory (the previous version, if any, is swapped
// out first), so readers see the old package or the new one. Remote: every file, then
// manifest.mpd, then master.m3u8 last, so the package is announced only once complete.
Status PublishPackage(ObjectStore& store, const std::string& content_id, const std::string& staged,
                      const std::string& staging) {
  const std::string prefix = "media/" + content_id;
  std::error_code error;
  if (const auto path = store.LocalPath(prefix + "/master.m3u8")) {
    const std::string local_dir = fs::path(*path).parent_path().string();
    fs::create_directories(fs::path(local_dir).parent_path(), error);
    if (error) return Status::Internal("cannot create the media directory");
    const std::string previous = staging + "/previous";
    const bool had_previous = fs::exists(local_dir, error);
    if (had_previous) {
      fs::rename(local_dir, previous, error);
      if (error) return Status::Internal("cannot replace " + prefix + ": " + error.message());
    }
    fs::rename(staged, local_dir, error);
    if (error) {
      if (had_previous) fs::rename(previous, local_dir, error);
      return Status::Internal("cannot publish " + prefix);
    }
    return Status::Ok();
  }
  for (const auto& entry : fs::recursive_directory_iterator(staged, error)) {
    if (!entry.is_regular_file()) continue;
    const std::string relative = fs::relative(entry.path(), staged).generic_string();
    if (relative == "master.m3u8" || relative == "manifest.mpd") continue;
    STREAMGATE_RETURN_IF_ERROR(store.PutFile(prefix + "/" + relative, entry.path().string()));
  }
  if (error) return Status::Internal("cannot list the staged output");
  for (const char* name : {"manifest.mpd", "master.m3u8"}) {
    if (fs::exists(staged + "/" + name, error)) {
      STREAMGATE_RETURN_IF_ERROR(store.PutFile(prefix + "/" + name, staged + "/" + name));
    }
  }
  return Status::Ok();
}

// The video renditions as transcode.completed lists them: bandwidth and codecs include audio.
json RenditionsJson(const PackagedMedia& media) {
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
  return renditions;
}

class TranscodeRun {
 public:
  TranscodeRun(const TranscodeJobContext& context, const Job& job, JobContext& progress)
      : context_(context), job_(job), job_context_(progress) {}

  Status Run() {
    const json payload = json::parse(job_.payload, nullptr, false);
    if (!payload.is_object()) return Status::InvalidArgument("transcode payload is not an object");
    content_id_ = payload.value("content_id", std::string());
    const std::string source = payload.value("source", std::string());
    if (!ValidContentId(content_id_)) {
      return Status::InvalidArgument("transcode payload: invalid content_id");
    }
    const json overrides = payload.contains("options") ? payload["options"] : json();
    Result<TranscoderOptions> options = TranscodeOptionsFor(context_.settings, overrides);
    if (!ValidObjectKey(source)) {
      options = Status::InvalidArgument("transcode payload: invalid source object key");
    }
    if (!options.ok()) return Finish(options.status());

    const int64_t started = NowUnixMs();
    PublishEvent(context_.events, "transcode.progress",
                 json{{"content_id", content_id_}, {"job_id", job_.id}, {"progress", 0}});
    // Per attempt: a retry never meets what an earlier (killed) attempt left half-written.
    const std::string staging =
        context_.staging_root + "/" + job_.id + "-" + std::to_string(job_.attempts);
    const std::string staged = staging + "/out";
    std::error_code error;
    fs::remove_all(staging, error);
    fs::create_directories(staging, error);
    if (error) return Finish(Status::Internal("cannot create " + staging + ": " + error.message()));

    Result<TranscodeResult> result = Transcode(*options, source, staging, staged);
    if (result.ok()) {
      const Status published = PublishPackage(*context_.store, content_id_, staged, staging);
      if (!published.ok()) result = published;
    }
    fs::remove_all(staging, error);
    if (!result.ok()) return Finish(result.status());

    const PackagedMedia& media = result->media;
    const std::string prefix = "media/" + content_id_ + "/";
    const json completed = {{"content_id", content_id_},
                            {"job_id", job_.id},
                            {"duration_s", media.duration_s},
                            {"renditions", RenditionsJson(media)},
                            {"hls", prefix + "master.m3u8"},
                            {"dash", media.has_dash ? prefix + "manifest.mpd" : ""},
                            {"poster", media.poster_uri.empty() ? "" : prefix + media.poster_uri}};
    json stored = completed;
    stored["frames_encoded"] = result->frames_encoded;
    stored["elapsed_s"] = result->elapsed_s;
    stored["started_unix_ms"] = started;
    stored["finished_unix_ms"] = NowUnixMs();
    job_context_.SetProgress(100);
    job_context_.SetResult(stored.dump());
    if (context_.metrics.completed) context_.metrics.completed->Inc();
    if (context_.metrics.duration) context_.metrics.duration->Observe(result->elapsed_s);
    Logger("transcoder")
        ->info("transcode {} of {} completed: {} renditions, {:.1f} s of media in {:.1f} s",
               job_.id, content_id_, completed["renditions"].size(), media.duration_s,
               result->elapsed_s);
    PublishEvent(context_.events, "transcode.completed", completed);
    return Status::Ok();
  }

 private:
  Result<TranscodeResult> Transcode(const TranscoderOptions& options, const std::string& source,
                                    const std::string& staging, const std::string& staged) {
    STREAMGATE_ASSIGN_OR_RETURN(std::string input, ResolveSource(*context_.store, source, staging));
    STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<Transcoder> transcoder,
                                Transcoder::Create(options, context_.runtime));
    TranscodeRequest request;
    request.input_path = input;
    request.output_dir = staged;
    CancelToken cancel = request.cancel;
    if (job_context_.cancelled()) cancel.Cancel();
    // The worker's heartbeats carry the progress out and bring cancellation in.
    JobContext& job_context = job_context_;
    request.progress = [&job_context, cancel](double percent) {
      job_context.SetProgress(std::clamp(static_cast<int>(percent), 0, 99));
      if (job_context.cancelled()) cancel.Cancel();
    };
    return transcoder->Transcode(request);
  }

  // A failed attempt: announced (and counted) only when it is the last one. A cancellation is
  // the user's (the job has cancel_requested) or the worker stopping (the job is retried).
  Status Finish(const Status& status) {
    const bool cancelled = status.code() == StatusCode::kCancelled || job_context_.cancelled();
    if (cancelled) {
      bool by_user = job_.cancel_requested;
      if (!by_user && context_.queue) {
        const Result<Job> now = context_.queue->Get(job_.id);
        by_user = now.ok() && now->cancel_requested;
      }
      if (!by_user) return Status::Unavailable("transcode interrupted; the job will be retried");
      if (context_.metrics.cancelled) context_.metrics.cancelled->Inc();
      Logger("transcoder")->warn("transcode {} of {} cancelled", job_.id, content_id_);
      PublishEvent(context_.events, "transcode.failed",
                   json{{"content_id", content_id_}, {"job_id", job_.id}, {"reason", "cancelled"}});
      return Status::Cancelled("cancelled");
    }
    const bool last = IsPermanent(status.code()) || job_.attempts >= job_.max_attempts;
    Logger("transcoder")
        ->warn("transcode {} of {} failed (attempt {} of {}): {}", job_.id, content_id_,
               job_.attempts, job_.max_attempts, status.ToString());
    if (last) {
      if (context_.metrics.failed) context_.metrics.failed->Inc();
      PublishEvent(context_.events, "transcode.failed",
                   json{{"content_id", content_id_},
                        {"job_id", job_.id},
                        {"reason", std::string(status.message())}});
    }
    return status;
  }

  const TranscodeJobContext& context_;
  const Job& job_;
  JobContext& job_context_;
  std::string content_id_;
};

}  // namespace

Result<TranscodeJobMetrics> AddTranscodeJobMetrics(MetricsRegistry& registry) {
  TranscodeJobMetrics metrics;
  STREAMGATE_ASSIGN_OR_RETURN(
      CounterFamily * finished,
      registry.AddCounter("streamgate_transcode_jobs_total", "Transcode jobs finished, by outcome.",
                          {"state"}));
  metrics.completed = &finished->WithLabels({"completed"});
  metrics.failed = &finished->WithLabels({"failed"});
  metrics.cancelled = &finished->WithLabels({"cancelled"});
  STREAMGATE_ASSIGN_OR_RETURN(HistogramFamily * duration,
                              registry.AddHistogram("streamgate_transcode_duration_seconds",
                                                    "Wall time of completed transcode jobs.", {},
                                                    {1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}));
  metrics.duration = &duration->Get();
  return metrics;
}

bool ValidContentId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

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

Result<TranscoderOptions> TranscodeOptionsFor(const TranscodeSettings& settings,
                                              const json& overrides) {
  TranscoderOptions options = settings.transcoder;
  if (overrides.is_null()) return options;
  if (!overrides.is_object()) return Status::InvalidArgument("options must be an object");
  try {
    for (const auto& [name, value] : overrides.items()) {
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
        return Status::InvalidArgument("unknown option \"" + name.substr(0, 64) + "\"");
      }
    }
  } catch (const json::exception&) {
    return Status::InvalidArgument("options have the wrong types");
  }
  // The same validation as the service's own settings.
  STREAMGATE_RETURN_IF_ERROR(Transcoder::Create(options).status());
  return options;
}

Result<SubmitJobRequest> MakeTranscodeJob(const TranscodeSettings& settings,
                                          const std::string& content_id,
                                          const std::string& source_key, const json& overrides,
                                          std::string idempotency_key) {
  if (!ValidContentId(content_id)) {
    return Status::InvalidArgument("content_id must be 1-128 characters of [A-Za-z0-9_-]");
  }
  if (!ValidObjectKey(source_key)) {
    return Status::InvalidArgument("source must be an object key such as uploads/x/source.mp4");
  }
  STREAMGATE_RETURN_IF_ERROR(TranscodeOptionsFor(settings, overrides).status());
  json payload = {{"content_id", content_id}, {"source", source_key}};
  if (!overrides.is_null()) payload["options"] = overrides;
  SubmitJobRequest request;
  request.type = kTranscodeJobType;
  request.payload = payload.dump(-1, ' ', false, json::error_handler_t::replace);
  request.idempotency_key = std::move(idempotency_key);
  return request;
}

std::string UploadTranscodeKey(const std::string& content_id, const std::string& object_key) {
  std::string key = "transcode:" + content_id + ":" + object_key;
  // The queue bounds keys at 200 bytes; ids and keys are bounded, but a long key must still
  // map to one job.
  if (key.size() > 200)
    key = "transcode:" + content_id + ":" + std::to_string(std::hash<std::string>{}(object_key));
  return key;
}

Status RegisterTranscodeJobHandler(JobWorker& worker, TranscodeJobContext context) {
  if (!context.store) return Status::InvalidArgument("transcode jobs need an object store");
  auto shared = std::make_shared<const TranscodeJobContext>(std::move(context));
  return worker.RegisterHandler(kTranscodeJobType,
                                [shared](const Job& job, JobContext& progress) -> Status {
                                  return TranscodeRun(*shared, job, progress).Run();
                                });
}

Status CleanTranscodeStaging(const std::string& staging_root) {
  std::error_code error;
  fs::create_directories(staging_root, error);
  if (error) return Status::Internal("cannot create " + staging_root + ": " + error.message());
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(1);
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(staging_root, error)) {
    std::error_code time_error;
    const auto modified = fs::last_write_time(entry.path(), time_error);
    if (!time_error && modified < cutoff) stale.push_back(entry.path());
  }
  for (const fs::path& path : stale) fs::remove_all(path, error);
  return Status::Ok();
}

}  // namespace streamgate::internal
