// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The upload plugin: the HTTP face of the Uploader. Seed endpoints (whole file, chunks by
// index, complete, status) and tus 1.0.0 at /api/v1/tus/. Request bodies stream through an
// HttpBodySink into an UploadWriter; nothing is buffered whole. The plugin Provides its
// ObjectStore in the ServiceRegistry (media and streaming read from it).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/log.h"
#include "http/http_date.h"
#include "service/plugins/service_plugin.h"
#include "service/session_caller.h"
#include "streamgate/monitor.h"
#include "streamgate/plugins.h"
#include "streamgate/uploader.h"
#include "upload/digest.h"
#include "upload/multipart_parser.h"
#include "upload/tus_protocol.h"

namespace streamgate {
namespace internal {
namespace {

constexpr std::string_view kTusRoot = "/api/v1/tus/";
constexpr std::string_view kSecretHeader = "Upload-Secret";
// A refused body is read and dropped up to this much so that the client gets the precise
// answer; a larger one ends with the server's generic mapping and a closed connection.
constexpr uint64_t kDiscardBudget = uint64_t{4} << 20;

// ---------------------------------------------------------------------------------------------
// Who is calling: the one seam for ownership.
//
// With an UploadOwnerResolver in the ServiceRegistry (see uploader.h), a request carrying
// credentials (e.g. "Authorization: Bearer <session JWT>") is bound to the owner it resolves to.
// Otherwise the upload is bound to its secret: issued at creation (the `Upload-Secret` response
// header, the JSON field `upload_secret`) unless the client chose one (the tus "challenge"
// extension's `Upload-Secret` request header, 32-256 printable characters), and required on
// every later call as the `Upload-Secret` header or the `upload_secret` query parameter.
Result<UploadCaller> ResolveCaller(const HttpRequest& request,
                                   const UploadOwnerResolver* resolver) {
  UploadCaller caller;
  if (resolver != nullptr && resolver->resolve) {
    Result<std::string> owner = resolver->resolve(request);
    if (!owner.ok()) {
      return Status::Unauthenticated("invalid credentials: " + owner.status().message());
    }
    caller.owner = *owner;
  }
  caller.secret = std::string(request.Header(kSecretHeader));
  if (caller.secret.empty()) caller.secret = std::string(request.Query("upload_secret"));
  caller.client_key = "ip:" + request.remote_address;
  return caller;
}

// The HTTP status for an Uploader error (the table in uploader.h).
int UploadHttpStatus(StatusCode code) {
  switch (code) {
    case StatusCode::kFailedPrecondition:
      return 410;
    case StatusCode::kOutOfRange:
      return 413;
    case StatusCode::kUnimplemented:
      return 415;
    case StatusCode::kDataLoss:
      return 460;
    default:
      return HttpStatusFor(code);
  }
}

HttpResponse UploadError(const Status& status) {
  const int http = UploadHttpStatus(status.code());
  switch (http) {
    case 410:
      return HttpResponse::Error(410, "GONE", status.message());
    case 413:
      return HttpResponse::Error(413, "PAYLOAD_TOO_LARGE", status.message());
    case 415:
      return HttpResponse::Error(415, "UNSUPPORTED_MEDIA_TYPE", status.message());
    case 460:
      return HttpResponse::Error(460, "CHECKSUM_MISMATCH", status.message());
    default:
      return HttpResponse::Error(status);
  }
}

HttpResponse WithTus(HttpResponse response) {
  response.headers.Set("Tus-Resumable", std::string(kTusVersion));
  return response;
}

HttpResponse TusError(const Status& status) { return WithTus(UploadError(status)); }

HttpResponse TusVersionError() {
  HttpResponse response =
      HttpResponse::Error(412, "PRECONDITION_FAILED", "Tus-Resumable must be 1.0.0");
  response.headers.Set("Tus-Version", std::string(kTusVersion));
  return response;
}

std::string ExpiresHeader(int64_t unix_ms) {
  return FormatHttpDate(static_cast<std::time_t>(unix_ms / 1000));
}

std::string Dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json InfoJson(const UploadInfo& info) {
  nlohmann::json out;
  out["upload_id"] = info.id;
  out["content_id"] = info.id;
  out["kind"] = std::string(UploadKindName(info.kind));
  out["state"] = std::string(UploadStateName(info.state));
  out["bytes_received"] = info.offset;
  out["size"] = info.length ? nlohmann::json(*info.length) : nlohmann::json(nullptr);
  double progress = 0;
  if (info.length && *info.length > 0) {
    progress = 100.0 * static_cast<double>(info.offset) / static_cast<double>(*info.length);
  } else if (info.state == UploadState::kCompleted) {
    progress = 100.0;
  }
  out["progress_percent"] = progress;
  out["filename"] = info.filename;
  out["content_type"] = info.content_type;
  out["owner"] = info.owner;
  out["created_unix_ms"] = info.created_unix_ms;
  if (info.expires_unix_ms > 0) out["expires_unix_ms"] = info.expires_unix_ms;
  if (info.kind == UploadKind::kChunked && info.state != UploadState::kCompleted) {
    out["chunk_size"] = info.chunk_size;
    out["chunk_count"] = info.chunk_count;
    // Bounded: a listing of a million chunks would be a denial of service of its own.
    static constexpr std::size_t kListed = 1000;
    auto listed = [](const std::vector<uint32_t>& all) {
      return std::vector<uint32_t>(
          all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), kListed)));
    };
    out["chunks_present_count"] = info.chunks_present.size();
    out["chunks_missing_count"] = info.chunks_missing.size();
    out["chunks_present"] = listed(info.chunks_present);
    out["chunks_missing"] = listed(info.chunks_missing);
  }
  if (info.state == UploadState::kCompleted) {
    out["object_key"] = info.object_key;
    out["sha256"] = info.sha256;
  }
  if (!info.secret.empty()) out["upload_secret"] = info.secret;
  return out;
}

Result<uint64_t> QueryNumber(const HttpRequest& request, std::string_view name) {
  return ParseTusNumber(name, request.Query(name));
}

// A refusal whose body is too large to drain is answered through the server's generic table;
// codes that table would turn into a 5xx or a 416 are restated as a plain 400.
Status OverBudget(const Status& status) {
  const int generic = HttpStatusFor(status.code());
  if (generic >= 500 || generic == 416) return Status::InvalidArgument(status.message());
  return status;
}

// The sink every upload route uses: forwards to an UploadWriter, or holds the precise refusal
// to answer once the (bounded) body has been read. Owned by the HttpRequest; used by one thread
// at a time (the I/O thread while the body arrives, then the handler's worker thread).
class UploadBodySink final : public HttpBodySink {
 public:
  Status Write(std::string_view chunk) override {
    if (refusal) {
      discarded_ += chunk.size();
      if (discarded_ > kDiscardBudget) return OverBudget(refusal_status);
      return Status::Ok();
    }
    Status status = multipart ? multipart->Feed(chunk) : Forward(chunk);
    if (!status.ok()) Refuse(status);
    return Status::Ok();
  }

  void Abort() override {
    if (writer) writer->Abort();
  }

  Status Forward(std::string_view chunk) {
    if (!writer) {
      return chunk.empty() ? Status::Ok() : Status::InvalidArgument("this request takes no body");
    }
    return writer->Write(chunk);
  }

  // Takes the writer, or refuses with the reason there is none.
  void Accept(Result<std::unique_ptr<UploadWriter>> opened) {
    if (opened.ok()) {
      writer = std::move(*opened);
    } else {
      Refuse(opened.status());
    }
  }

  // Refuses with a status mapped by the upload table. The writer, if any, is dropped: it
  // aborts, and a writer that failed keeps nothing.
  void Refuse(const Status& status) {
    refusal = tus ? TusError(status) : UploadError(status);
    refusal_status = status;
    writer.reset();
  }
  void Refuse(HttpResponse response, Status status) {
    refusal = std::move(response);
    refusal_status = std::move(status);
    writer.reset();
  }

  bool tus = false;
  bool has_body = false;
  std::optional<HttpResponse> refusal;
  Status refusal_status;
  std::unique_ptr<UploadWriter> writer;
  std::unique_ptr<MultipartFileParser> multipart;
  // What the handler needs from the request head.
  UploadCaller caller;
  std::string generated_secret;
  std::optional<CreateUploadRequest> create;  // tus creation, chunked init/first chunk
  bool chunk_init = false;

 private:
  uint64_t discarded_ = 0;
};

bool HasBody(const HttpRequest& request) {
  const std::string_view length = request.Header("Content-Length");
  if (!length.empty()) return length != "0";
  return request.headers.Has("Transfer-Encoding");
}

// Hands the sink to the server, unless it holds a refusal and the announced body is too large
// to drain: then the server answers at once (and skips the body, or closes the connection).
Result<std::unique_ptr<HttpBodySink>> Done(std::unique_ptr<UploadBodySink> sink,
                                           const HttpRequest& request) {
  if (sink->refusal) {
    Result<uint64_t> length = ParseTusNumber("Content-Length", request.Header("Content-Length"));
    if (length.ok() && *length > kDiscardBudget) return OverBudget(sink->refusal_status);
  }
  return std::unique_ptr<HttpBodySink>(std::move(sink));
}

UploadBodySink* SinkOf(HttpRequest& request) {
  return dynamic_cast<UploadBodySink*>(request.body_sink.get());
}

// Owns the Uploader and its ObjectStore (shared through the ServiceRegistry). Handlers and sink
// factories run on any thread: they only read members set in Init()/Start().
class UploadPlugin final : public ServicePlugin {
 public:
  UploadPlugin() : ServicePlugin("upload") {}

  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(ServicePlugin::Init(context));
    UploaderOptions options = context.config.upload;
    if (options.state_dir.empty()) options.state_dir = context.config.data_dir;
    STREAMGATE_ASSIGN_OR_RETURN(std::shared_ptr<ObjectStore> store, MakeObjectStore());
    STREAMGATE_ASSIGN_OR_RETURN(uploader_,
                                Uploader::Create(options, store, context.runtime, &context.events));
    STREAMGATE_RETURN_IF_ERROR(context.services.Provide<ObjectStore>(store));
    services_ = &context.services;
    events_ = &context.events;
    STREAMGATE_RETURN_IF_ERROR(AddMetrics(context.metrics, context.events));
    return AddRoutes(context.router);
  }

  Status Stop() override {
    if (completed_subscription_ != 0) events_->Unsubscribe(completed_subscription_);
    completed_subscription_ = 0;
    return Status::Ok();
  }

  Status Start() override {
    // An embedder's own resolver wins; otherwise uploads carrying a session are bound to its
    // wallet (see UploadOwnerResolver).
    owner_resolver_ = services_->Find<UploadOwnerResolver>();
    if (owner_resolver_ == nullptr) {
      STREAMGATE_ASSIGN_OR_RETURN(std::shared_ptr<Authenticator> sessions,
                                  FindOrCreateSessionVerifier(*services_, config()));
      owner_resolver_ = std::make_shared<UploadOwnerResolver>(UploadOwnerResolver{
          [sessions](const HttpRequest& request) { return SessionWallet(request, *sessions); }});
    }
    return Status::Ok();
  }

  HealthReport Health() const override {
    if (!uploader_) return {HealthState::kUnhealthy, "uploader not running"};
    return {};
  }

 private:
  // streamgate_uploads_completed_total and streamgate_upload_bytes_total, counted from the
  // Uploader's own upload.completed events (rejections show in the HTTP metrics by status).
  Status AddMetrics(MetricsRegistry& registry, EventBus& events) {
    STREAMGATE_ASSIGN_OR_RETURN(
        CounterFamily * completed,
        registry.AddCounter("streamgate_uploads_completed_total", "Uploads completed and stored."));
    STREAMGATE_ASSIGN_OR_RETURN(
        CounterFamily * bytes,
        registry.AddCounter("streamgate_upload_bytes_total", "Bytes of completed uploads."));
    Counter* completed_count = &completed->Get();
    Counter* completed_bytes = &bytes->Get();
    completed_subscription_ = events.Subscribe(
        "upload.completed", [completed_count, completed_bytes](const Event& event) {
          completed_count->Inc();
          const nlohmann::json data = nlohmann::json::parse(event.data, nullptr, false);
          if (data.is_object() && data.contains("size") && data["size"].is_number_unsigned()) {
            completed_bytes->Add(static_cast<double>(data["size"].get<uint64_t>()));
          }
        });
    return Status::Ok();
  }

  // The backend the storage section names (local disk under <data_dir>/objects by default).
  Result<std::shared_ptr<ObjectStore>> MakeObjectStore() const {
    STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store,
                                NewObjectStore(config().storage, config().data_dir));
    return std::shared_ptr<ObjectStore>(std::move(store));
  }

  Result<UploadCaller> Caller(const HttpRequest& request) const {
    return ResolveCaller(request, owner_resolver_.get());
  }

  // Anonymous creators get a fresh secret unless they chose one.
  void AssignSecret(UploadBodySink& sink) const {
    if (sink.caller.owner.empty() && sink.caller.secret.empty()) {
      sink.generated_secret = RandomHex(32);
      sink.caller.secret = sink.generated_secret;
    }
  }

  Status AddRoutes(Router& router) {
    const uint64_t max_upload = uploader_->options().max_upload_bytes;
    RouteOptions streamed;
    streamed.max_body_bytes = max_upload;

    // --- tus ---
    RouteOptions inline_route;
    inline_route.mode = HandlerMode::kInline;
    for (const std::string_view path : {"/api/v1/tus/", "/api/v1/tus/{id}"}) {
      STREAMGATE_RETURN_IF_ERROR(router.Add(
          HttpMethod::kOptions, path, [this](HttpRequest&) { return TusOptions(); }, inline_route));
    }
    RouteOptions creation = streamed;
    creation.body_sink = [this](const HttpRequest& r) { return TusCreationSink(r); };
    for (const std::string_view path : {"/api/v1/tus/", "/api/v1/tus"}) {
      STREAMGATE_RETURN_IF_ERROR(router.Add(
          HttpMethod::kPost, path, [this](HttpRequest& r) { return TusCreate(r); }, creation));
    }
    STREAMGATE_RETURN_IF_ERROR(router.Add(
        HttpMethod::kHead, "/api/v1/tus/{id}", [this](HttpRequest& r) { return TusHead(r); },
        inline_route));
    RouteOptions patch = streamed;
    patch.body_sink = [this](const HttpRequest& r) { return TusPatchSink(r); };
    STREAMGATE_RETURN_IF_ERROR(router.Add(
        HttpMethod::kPatch, "/api/v1/tus/{id}", [this](HttpRequest& r) { return TusPatch(r); },
        patch));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kDelete, "/api/v1/tus/{id}",
                                          [this](HttpRequest& r) { return TusDelete(r); }));
    // X-HTTP-Method-Override: POST standing in for PATCH, DELETE or HEAD.
    STREAMGATE_RETURN_IF_ERROR(router.Add(
        HttpMethod::kPost, "/api/v1/tus/{id}", [this](HttpRequest& r) { return TusOverride(r); },
        patch));

    // --- seed endpoints ---
    RouteOptions whole = streamed;
    whole.body_sink = [this](const HttpRequest& r) { return WholeSink(r); };
    STREAMGATE_RETURN_IF_ERROR(router.Add(
        HttpMethod::kPost, "/api/v1/upload", [this](HttpRequest& r) { return WholeUpload(r); },
        whole));
    RouteOptions chunk;
    chunk.max_body_bytes = uploader_->options().max_chunk_bytes;
    chunk.body_sink = [this](const HttpRequest& r) { return ChunkSink(r); };
    STREAMGATE_RETURN_IF_ERROR(router.Add(
        HttpMethod::kPost, "/api/v1/upload/chunk", [this](HttpRequest& r) { return Chunk(r); },
        chunk));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kPost, "/api/v1/upload/complete",
                                          [this](HttpRequest& r) { return Complete(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kGet, "/api/v1/upload/status",
                                          [this](HttpRequest& r) { return StatusOf(r); }));
    return Status::Ok();
  }

  // ------------------------------------------------------------------------------------------
  // tus

  HttpResponse TusOptions() const {
    HttpResponse response;
    response.status = 204;
    response.headers.Set("Tus-Resumable", std::string(kTusVersion));
    response.headers.Set("Tus-Version", std::string(kTusVersion));
    response.headers.Set("Tus-Extension", std::string(kTusExtensions));
    response.headers.Set("Tus-Max-Size", std::to_string(uploader_->options().max_upload_bytes));
    response.headers.Set("Tus-Checksum-Algorithm", std::string(kTusChecksumAlgorithms));
    return response;
  }

  Result<std::unique_ptr<HttpBodySink>> TusCreationSink(const HttpRequest& request) {
    auto sink = std::make_unique<UploadBodySink>();
    sink->tus = true;
    sink->has_body = HasBody(request);
    if (!TusVersionSupported(request.Header("Tus-Resumable"))) {
      sink->Refuse(TusVersionError(), Status::FailedPrecondition("unsupported tus version"));
      return Done(std::move(sink), request);
    }
    Result<UploadCaller> caller = Caller(request);
    if (!caller.ok()) {
      sink->Refuse(caller.status());
      return Done(std::move(sink), request);
    }
    sink->caller = std::move(*caller);
    AssignSecret(*sink);
    Result<CreateUploadRequest> create = ParseTusCreation(request.headers);
    if (!create.ok()) {
      sink->Refuse(create.status());
      return Done(std::move(sink), request);
    }
    if (create->length && *create->length > uploader_->options().max_upload_bytes) {
      sink->Refuse(Status::OutOfRange("Upload-Length exceeds Tus-Max-Size (" +
                                      std::to_string(uploader_->options().max_upload_bytes) + ")"));
      return Done(std::move(sink), request);
    }
    sink->create = std::move(*create);
    if (sink->has_body) {
      if (!IsOffsetOctetStream(request.Header("Content-Type"))) {
        sink->Refuse(Status::Unimplemented(
            "creation-with-upload needs Content-Type: application/offset+octet-stream"));
        return Done(std::move(sink), request);
      }
      Result<AppendRequest> append = ParseTusAppend(request.headers, false);
      if (!append.ok()) {
        sink->Refuse(append.status());
        return Done(std::move(sink), request);
      }
      sink->Accept(uploader_->BeginUpload(*sink->create, sink->caller, *append));
    }
    return Done(std::move(sink), request);
  }

  HttpResponse TusCreate(HttpRequest& request) {
    UploadBodySink* sink = SinkOf(request);
    if (sink == nullptr) return TusError(Status::Internal("upload sink missing"));
    if (sink->refusal) return std::move(*sink->refusal);
    Result<UploadInfo> info = sink->writer ? sink->writer->Finish()
                                           : uploader_->CreateUpload(*sink->create, sink->caller);
    if (!info.ok()) return TusError(info.status());
    HttpResponse response = WithTus(HttpResponse{});
    response.status = 201;
    response.headers.Set("Location", std::string(kTusRoot) + info->id);
    response.headers.Set("Upload-Offset", std::to_string(info->offset));
    if (info->expires_unix_ms > 0) {
      response.headers.Set("Upload-Expires", ExpiresHeader(info->expires_unix_ms));
    }
    if (!sink->generated_secret.empty()) {
      response.headers.Set(std::string(kSecretHeader), sink->generated_secret);
    }
    return response;
  }

  HttpResponse TusHead(HttpRequest& request) {
    if (!TusVersionSupported(request.Header("Tus-Resumable"))) return TusVersionError();
    Result<UploadCaller> caller = Caller(request);
    Result<UploadInfo> info = caller.status();
    if (caller.ok()) info = uploader_->GetUpload(request.Param("id"), *caller);
    HttpResponse response;
    if (!info.ok()) {
      response = TusError(info.status());
      response.body.clear();  // a HEAD answer has no body
    } else {
      response = WithTus(HttpResponse{});
      response.status = 200;
      response.headers.Set("Upload-Offset", std::to_string(info->offset));
      if (info->length) {
        response.headers.Set("Upload-Length", std::to_string(*info->length));
      } else {
        response.headers.Set("Upload-Defer-Length", "1");
      }
      if (!info->metadata.empty()) {
        response.headers.Set("Upload-Metadata", FormatUploadMetadata(info->metadata));
      }
      if (info->expires_unix_ms > 0) {
        response.headers.Set("Upload-Expires", ExpiresHeader(info->expires_unix_ms));
      }
    }
    response.headers.Set("Cache-Control", "no-store");
    return response;
  }

  Result<std::unique_ptr<HttpBodySink>> TusPatchSink(const HttpRequest& request) {
    auto sink = std::make_unique<UploadBodySink>();
    sink->tus = true;
    sink->has_body = HasBody(request);
    if (request.method == HttpMethod::kPost) {
      // Only an override to PATCH streams a body; the others are answered by the handler.
      const std::string_view method = request.Header("X-HTTP-Method-Override");
      if (ParseHttpMethod(method) != HttpMethod::kPatch) {
        return Done(std::move(sink), request);
      }
    }
    if (!TusVersionSupported(request.Header("Tus-Resumable"))) {
      sink->Refuse(TusVersionError(), Status::FailedPrecondition("unsupported tus version"));
      return Done(std::move(sink), request);
    }
    if (!IsOffsetOctetStream(request.Header("Content-Type"))) {
      sink->Refuse(
          Status::Unimplemented("PATCH needs Content-Type: application/offset+octet-stream"));
      return Done(std::move(sink), request);
    }
    Result<AppendRequest> append = ParseTusAppend(request.headers, true);
    if (!append.ok()) {
      sink->Refuse(append.status());
      return Done(std::move(sink), request);
    }
    append->upload_id = std::string(request.Param("id"));
    Result<UploadCaller> caller = Caller(request);
    if (!caller.ok()) {
      sink->Refuse(caller.status());
      return Done(std::move(sink), request);
    }
    sink->Accept(uploader_->OpenAppend(*append, *caller));
    return Done(std::move(sink), request);
  }

  HttpResponse TusPatch(HttpRequest& request) {
    UploadBodySink* sink = SinkOf(request);
    if (sink == nullptr) return TusError(Status::Internal("upload sink missing"));
    if (sink->refusal) return std::move(*sink->refusal);
    Result<UploadInfo> info = sink->writer->Finish();
    if (!info.ok()) return TusError(info.status());
    HttpResponse response = WithTus(HttpResponse{});
    response.status = 204;
    response.headers.Set("Upload-Offset", std::to_string(info->offset));
    if (info->expires_unix_ms > 0) {
      response.headers.Set("Upload-Expires", ExpiresHeader(info->expires_unix_ms));
    }
    return response;
  }

  HttpResponse TusDelete(HttpRequest& request) {
    if (!TusVersionSupported(request.Header("Tus-Resumable"))) return TusVersionError();
    Result<UploadCaller> caller = Caller(request);
    if (!caller.ok()) return TusError(caller.status());
    Status status = uploader_->Terminate(request.Param("id"), *caller);
    if (!status.ok()) return TusError(status);
    HttpResponse response = WithTus(HttpResponse{});
    response.status = 204;
    return response;
  }

  HttpResponse TusOverride(HttpRequest& request) {
    switch (ParseHttpMethod(request.Header("X-HTTP-Method-Override"))) {
      case HttpMethod::kPatch:
        return TusPatch(request);
      case HttpMethod::kDelete:
        return TusDelete(request);
      case HttpMethod::kHead: {
        HttpResponse response = TusHead(request);
        response.body.clear();
        return response;
      }
      default:
        return WithTus(HttpResponse::Error(
            405, "METHOD_NOT_ALLOWED",
            "POST on an upload needs X-HTTP-Method-Override: PATCH, DELETE or HEAD"));
    }
  }

  // ------------------------------------------------------------------------------------------
  // Seed endpoints

  // POST /api/v1/upload: the whole file as the raw body (?filename=, ?content_type=,
  // ?sha256=) or as the file part of multipart/form-data.
  Result<std::unique_ptr<HttpBodySink>> WholeSink(const HttpRequest& request) {
    auto sink = std::make_unique<UploadBodySink>();
    Result<UploadCaller> caller = Caller(request);
    if (!caller.ok()) {
      sink->Refuse(caller.status());
      return Done(std::move(sink), request);
    }
    sink->caller = std::move(*caller);
    AssignSecret(*sink);
    CreateUploadRequest create;
    create.kind = UploadKind::kWhole;
    create.expected_sha256 = std::string(request.Query("sha256"));
    if (create.expected_sha256.empty()) {
      create.expected_sha256 = std::string(request.Header("X-Content-SHA256"));
    }
    const std::string_view content_type = request.Header("Content-Type");
    Result<std::string> boundary = MultipartBoundary(content_type);
    if (boundary.ok()) {
      // The upload begins when the file part's headers arrive (they carry its name and type).
      UploadBodySink* raw = sink.get();
      sink->multipart = std::make_unique<MultipartFileParser>(
          *boundary,
          [this, raw, create](const MultipartFileParser::FilePart& part) mutable {
            create.filename = part.filename;
            create.content_type = part.content_type;
            for (const auto& [name, value] : raw->multipart->fields()) {
              if (name == "sha256" && create.expected_sha256.empty()) {
                create.expected_sha256 = value;
              }
            }
            STREAMGATE_ASSIGN_OR_RETURN(raw->writer,
                                        uploader_->BeginUpload(create, raw->caller, {}));
            return Status::Ok();
          },
          [raw](std::string_view bytes) { return raw->writer->Write(bytes); });
      return Done(std::move(sink), request);
    }
    create.filename = std::string(request.Query("filename"));
    if (create.filename.empty()) create.filename = std::string(request.Header("X-Filename"));
    create.content_type = std::string(request.Query("content_type"));
    if (create.content_type.empty() && content_type != "application/octet-stream") {
      create.content_type = std::string(content_type);
    }
    AppendRequest first;
    if (!request.Header("Content-Length").empty()) {
      Result<uint64_t> length = ParseTusNumber("Content-Length", request.Header("Content-Length"));
      if (length.ok()) {
        create.length = *length;
        first.content_length = *length;
      }
    }
    sink->Accept(uploader_->BeginUpload(create, sink->caller, first));
    return Done(std::move(sink), request);
  }

  HttpResponse WholeUpload(HttpRequest& request) {
    UploadBodySink* sink = SinkOf(request);
    if (sink == nullptr) return UploadError(Status::Internal("upload sink missing"));
    if (sink->refusal) return std::move(*sink->refusal);
    if (sink->multipart) {
      Status parsed = sink->multipart->Finish();
      if (!parsed.ok()) {
        sink->writer.reset();
        return UploadError(parsed);
      }
    }
    if (!sink->writer) return UploadError(Status::InvalidArgument("no file in the request"));
    Result<UploadInfo> info = sink->writer->Finish();
    if (!info.ok()) return UploadError(info.status());
    info->secret = sink->generated_secret;
    return HttpResponse::Json(201, Dump(InfoJson(*info)));
  }

  // POST /api/v1/upload/chunk: ?init=1&size=&filename=[&chunk_size=&sha256=&content_type=]
  // creates an upload; ?upload_id=&index=&sha256= stores chunk `index` (the raw body) whose
  // SHA-256 is `sha256`; without upload_id, the first chunk creates the upload (with the
  // parameters of init, the file's SHA-256 as `file_sha256`).
  Result<std::unique_ptr<HttpBodySink>> ChunkSink(const HttpRequest& request) {
    auto sink = std::make_unique<UploadBodySink>();
    sink->has_body = HasBody(request);
    Result<UploadCaller> caller = Caller(request);
    if (!caller.ok()) {
      sink->Refuse(caller.status());
      return Done(std::move(sink), request);
    }
    sink->caller = std::move(*caller);
    const std::string_view init = request.Query("init");
    sink->chunk_init = init == "1" || init == "true";
    const bool creating = sink->chunk_init || !request.HasQuery("upload_id");
    if (creating) {
      AssignSecret(*sink);
      CreateUploadRequest create;
      create.kind = UploadKind::kChunked;
      Result<uint64_t> size = QueryNumber(request, "size");
      if (!size.ok()) {
        sink->Refuse(Status::InvalidArgument("size (the file's total bytes) is required"));
        return Done(std::move(sink), request);
      }
      create.length = *size;
      if (request.HasQuery("chunk_size")) {
        Result<uint64_t> chunk_size = QueryNumber(request, "chunk_size");
        if (!chunk_size.ok()) {
          sink->Refuse(chunk_size.status());
          return Done(std::move(sink), request);
        }
        create.chunk_size = *chunk_size;
      }
      create.filename = std::string(request.Query("filename"));
      create.content_type = std::string(request.Query("content_type"));
      create.expected_sha256 =
          std::string(request.Query(sink->chunk_init ? "sha256" : "file_sha256"));
      if (sink->chunk_init) {
        if (sink->has_body) sink->Refuse(Status::InvalidArgument("init takes no body"));
        sink->create = std::move(create);
        return Done(std::move(sink), request);
      }
      Result<AppendRequest> append = ChunkAppend(request);
      if (!append.ok()) {
        sink->Refuse(append.status());
        return Done(std::move(sink), request);
      }
      sink->Accept(uploader_->BeginUpload(create, sink->caller, *append));
      return Done(std::move(sink), request);
    }
    Result<AppendRequest> append = ChunkAppend(request);
    if (!append.ok()) {
      sink->Refuse(append.status());
      return Done(std::move(sink), request);
    }
    append->upload_id = std::string(request.Query("upload_id"));
    sink->Accept(uploader_->OpenAppend(*append, sink->caller));
    return Done(std::move(sink), request);
  }

  static Result<AppendRequest> ChunkAppend(const HttpRequest& request) {
    AppendRequest append;
    Result<uint64_t> index = QueryNumber(request, "index");
    if (!index.ok() || *index > UINT32_MAX) {
      return Status::InvalidArgument("index (the chunk's number, from 0) is required");
    }
    append.chunk_index = static_cast<uint32_t>(*index);
    std::optional<std::string> sha = HexDecode(request.Query("sha256"));
    if (!sha || sha->size() != 32) {
      return Status::InvalidArgument("sha256 (the chunk's SHA-256, 64 hex digits) is required");
    }
    append.checksum_algorithm = ChecksumAlgorithm::kSha256;
    append.checksum = std::move(*sha);
    if (!request.Header("Content-Length").empty()) {
      STREAMGATE_ASSIGN_OR_RETURN(
          append.content_length,
          ParseTusNumber("Content-Length", request.Header("Content-Length")));
    }
    return append;
  }

  HttpResponse Chunk(HttpRequest& request) {
    UploadBodySink* sink = SinkOf(request);
    if (sink == nullptr) return UploadError(Status::Internal("upload sink missing"));
    if (sink->refusal) return std::move(*sink->refusal);
    Result<UploadInfo> info = sink->writer ? sink->writer->Finish()
                                           : uploader_->CreateUpload(*sink->create, sink->caller);
    if (!info.ok()) return UploadError(info.status());
    info->secret = sink->generated_secret;
    const bool created = sink->chunk_init || !request.HasQuery("upload_id");
    return HttpResponse::Json(created ? 201 : 200, Dump(InfoJson(*info)));
  }

  // POST /api/v1/upload/complete: {"upload_id", "sha256", "size"} as JSON or query parameters.
  HttpResponse Complete(HttpRequest& request) {
    CompleteUploadRequest complete;
    complete.upload_id = std::string(request.Query("upload_id"));
    complete.sha256 = std::string(request.Query("sha256"));
    if (request.HasQuery("size")) {
      Result<uint64_t> size = QueryNumber(request, "size");
      if (!size.ok()) return UploadError(size.status());
      complete.size = *size;
    }
    if (!request.body.empty()) {
      const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
      if (!body.is_object())
        return UploadError(Status::InvalidArgument("body is not a JSON object"));
      if (body.contains("upload_id")) {
        if (!body["upload_id"].is_string()) {
          return UploadError(Status::InvalidArgument("upload_id must be a string"));
        }
        complete.upload_id = body["upload_id"].get<std::string>();
      }
      if (body.contains("sha256")) {
        if (!body["sha256"].is_string()) {
          return UploadError(Status::InvalidArgument("sha256 must be a string"));
        }
        complete.sha256 = body["sha256"].get<std::string>();
      }
      if (body.contains("size")) {
        if (!body["size"].is_number_unsigned()) {
          return UploadError(Status::InvalidArgument("size must be a non-negative integer"));
        }
        complete.size = body["size"].get<uint64_t>();
      }
      if (body.contains("upload_secret") && body["upload_secret"].is_string() &&
          request.Header(kSecretHeader).empty()) {
        request.headers.Set(std::string(kSecretHeader), body["upload_secret"].get<std::string>());
      }
    }
    if (complete.upload_id.empty()) {
      return UploadError(Status::InvalidArgument("upload_id is required"));
    }
    Result<UploadCaller> caller = Caller(request);
    if (!caller.ok()) return UploadError(caller.status());
    Result<UploadInfo> info = uploader_->Complete(complete, *caller);
    if (!info.ok()) return UploadError(info.status());
    return HttpResponse::Json(200, Dump(InfoJson(*info)));
  }

  // GET /api/v1/upload/status?upload_id=
  HttpResponse StatusOf(HttpRequest& request) {
    const std::string_view id = request.Query("upload_id");
    if (id.empty()) return UploadError(Status::InvalidArgument("upload_id is required"));
    Result<UploadCaller> caller = Caller(request);
    if (!caller.ok()) return UploadError(caller.status());
    Result<UploadInfo> info = uploader_->GetUpload(id, *caller);
    if (!info.ok()) return UploadError(info.status());
    return HttpResponse::Json(200, Dump(InfoJson(*info)));
  }

  std::unique_ptr<Uploader> uploader_;
  ServiceRegistry* services_ = nullptr;
  // Null: uploads are bound to their secret. Set in Start(), read-only afterwards.
  std::shared_ptr<UploadOwnerResolver> owner_resolver_;
  EventBus* events_ = nullptr;
  SubscriptionId completed_subscription_ = 0;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewUploadPlugin() { return std::make_unique<internal::UploadPlugin>(); }

}  // namespace streamgate
