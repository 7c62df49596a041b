// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The streaming plugin: gated HLS/DASH delivery (include/streamgate/streaming.h has the routes).
// The gate runs once per playback start (/api/v1/stream/hls|dash) and mints a playback token;
// every later request under /stream/{content_id}/ is checked by the token alone (a MAC, no
// database), and playlists are rendered per viewer from the parsed package with the token on
// every URI. Files are answered from the object store's local path (sendfile, ranges) on the
// I/O thread; only a first look at a package, or a remote store, goes to the worker pool.
#include <chrono>
#include <nlohmann/json.hpp>

#include "auth/session_keys.h"
#include "common/log.h"
#include "service/plugins/service_plugin.h"
#include "service/session_caller.h"
#include "streamgate/authenticator.h"
#include "streamgate/cache.h"
#include "streamgate/metadata_store.h"
#include "streamgate/object_store.h"
#include "streamgate/ownership.h"
#include "streamgate/playback_token.h"
#include "streamgate/plugins.h"
#include "streamgate/streaming.h"
#include "streaming/access_gate.h"
#include "streaming/delivery_path.h"
#include "streaming/package_library.h"

namespace streamgate {
namespace internal {
namespace {

using Json = nlohmann::json;

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string DumpJson(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

class StreamingPlugin final : public ServicePlugin {
 public:
  StreamingPlugin() : ServicePlugin("streaming") {}

  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(ServicePlugin::Init(context));
    services_ = &context.services;
    runtime_ = &context.runtime;
    events_ = &context.events;
    options_ = context.config.streaming;
    STREAMGATE_RETURN_IF_ERROR(CreateSigner(context.config));

    auto blocking = [this](HttpResponse (StreamingPlugin::*method)(HttpRequest&)) {
      return [this, method](HttpRequest& request) { return (this->*method)(request); };
    };
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(HttpMethod::kGet, "/api/v1/stream/info",
                                                  blocking(&StreamingPlugin::Info)));
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(HttpMethod::kGet, "/api/v1/stream/hls",
                                                  blocking(&StreamingPlugin::StartHls)));
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(HttpMethod::kGet, "/api/v1/stream/dash",
                                                  blocking(&StreamingPlugin::StartDash)));
    RouteOptions inline_route;
    inline_route.mode = HandlerMode::kInline;
    STREAMGATE_RETURN_IF_ERROR(context.router.AddAsync(
        HttpMethod::kGet, "/stream/{content_id}/{path...}",
        [this](HttpRequest& request, HttpResponder respond) {
          Deliver(request.Param("content_id"), request.Param("path"), request.Query("token"),
                  std::move(respond));
        },
        inline_route));
    STREAMGATE_RETURN_IF_ERROR(context.router.AddAsync(
        HttpMethod::kGet, "/api/v1/stream/segment",
        [this](HttpRequest& request, HttpResponder respond) {
          Deliver(request.Query("content_id"), request.Query("path"), request.Query("token"),
                  std::move(respond));
        },
        inline_route));
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(
        HttpMethod::kOptions, "/stream/{content_id}/{path...}",
        [this](HttpRequest&) { return Preflight(); }, inline_route));
    return Status::Ok();
  }

  Status Start() override {
    std::shared_ptr<ObjectStore> store = services_->Find<ObjectStore>();
    if (store == nullptr) {
      STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> own,
                                  NewObjectStore(config().storage, config().data_dir));
      store = std::move(own);
    }
    library_ = std::make_shared<PackageLibrary>(
        std::move(store), static_cast<std::size_t>(options_.package_cache_entries));

    metadata_ = services_->Find<MetadataStore>();
    if (metadata_ == nullptr) {
      MetadataStoreOptions metadata;
      metadata.path = config().data_dir + "/metadata.db";
      STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<MetadataStore> own,
                                  MetadataStore::Open(metadata));
      metadata_ = std::move(own);
    }
    STREAMGATE_ASSIGN_OR_RETURN(authenticator_, FindOrCreateSessionVerifier(*services_, config()));
    verifier_ = services_->Find<OwnershipVerifier>();
    if (verifier_ == nullptr && !config().chain.endpoints.empty()) {
      STREAMGATE_ASSIGN_OR_RETURN(
          std::unique_ptr<OwnershipVerifier> own,
          OwnershipVerifier::Create(config().chain, services_->Find<Cache>()));
      verifier_ = std::move(own);
    }
    // A re-packaged or deleted item must not be served from a stale parse.
    for (const char* type : {"transcode.completed", "content.updated"}) {
      subscriptions_.push_back(events_->Subscribe(type, [library = library_](const Event& event) {
        const Json data = Json::parse(event.data, nullptr, false);
        if (data.is_object() && data.contains("content_id") && data["content_id"].is_string()) {
          library->Forget(data["content_id"].get<std::string>());
        }
      }));
    }
    return Status::Ok();
  }

  Status Stop() override {
    for (const SubscriptionId id : subscriptions_) events_->Unsubscribe(id);
    subscriptions_.clear();
    return Status::Ok();
  }

 private:
  Status CreateSigner(const Config& config) {
    std::vector<SessionKey> keys;
    if (!options_.playback_keys.empty()) {
      STREAMGATE_ASSIGN_OR_RETURN(
          keys, ParseSessionKeys(options_.playback_keys, SessionTokenAlgorithm::kHs256));
    } else {
      const std::string path = options_.key_file.empty()
                                   ? config.data_dir + "/streaming/playback_keys"
                                   : options_.key_file;
      STREAMGATE_ASSIGN_OR_RETURN(keys,
                                  LoadOrCreateSessionKeyFile(path, SessionTokenAlgorithm::kHs256));
    }
    PlaybackTokenOptions token_options;
    for (SessionKey& key : keys) {
      token_options.keys.push_back({std::move(key.kid), std::move(key.secret)});
    }
    token_options.max_ttl_seconds = std::max<int64_t>(options_.token_ttl_s, 1);
    STREAMGATE_ASSIGN_OR_RETURN(signer_, PlaybackTokenSigner::Create(token_options));
    return Status::Ok();
  }

  // GET /api/v1/stream/info?content_id=: public facts about an item, never its files.
  HttpResponse Info(HttpRequest& request) {
    Result<ContentItem> item = FindItem(request.Query("content_id"));
    if (!item.ok()) return HttpResponse::Error(item.status());
    Json renditions = Json::parse(item->renditions_json, nullptr, false);
    if (renditions.is_discarded()) renditions = Json::array();
    Json body = {{"content_id", item->id},
                 {"title", item->title},
                 {"state", std::string(ContentStateName(item->state))},
                 {"duration_s", item->duration_s},
                 {"renditions", renditions},
                 {"gated", !item->gating_rule_json.empty()},
                 {"gate", GateSummary(*item)},
                 {"hls", !item->hls_key.empty()},
                 {"dash", !item->dash_key.empty()}};
    return HttpResponse::Json(200, DumpJson(body));
  }

  HttpResponse StartHls(HttpRequest& request) { return StartPlayback(request, "master.m3u8"); }
  HttpResponse StartDash(HttpRequest& request) { return StartPlayback(request, "manifest.mpd"); }

  // The gate: session → item → rule → chain → playback token.
  HttpResponse StartPlayback(HttpRequest& request, std::string_view manifest) {
    Result<ContentItem> item = FindItem(request.Query("content_id"));
    if (!item.ok()) return HttpResponse::Error(item.status());
    std::string wallet;
    int64_t session_expires = 0;
    const std::string_view authorization = request.Header("Authorization");
    if (!authorization.empty() || !item->gating_rule_json.empty()) {
      Result<SessionClaims> claims = authenticator_->VerifyBearer(authorization);
      if (!claims.ok()) {
        HttpResponse response = HttpResponse::Error(claims.status());
        response.headers.Set("WWW-Authenticate", "Bearer");
        return response;
      }
      wallet = claims->sub;
      session_expires = claims->exp;
    }
    const Status access = CheckAccess(*item, wallet, verifier_.get());
    if (!access.ok()) {
      Logger("streaming")
          ->info("playback of {} denied for {}: {}", item->id,
                 wallet.empty() ? "anonymous" : wallet, access.message());
      return HttpResponse::Error(access);
    }
    if (manifest == "manifest.mpd" && item->dash_key.empty()) {
      return HttpResponse::Error(Status::NotFound("content " + item->id + " has no DASH manifest"));
    }
    const int64_t now = NowUnix();
    int64_t expires = now + options_.token_ttl_s;
    if (session_expires > now) expires = std::min(expires, session_expires);
    const std::string prefix = "/stream/" + item->id + "/";
    Result<std::string> token =
        signer_->Mint({item->id, wallet.empty() ? "anonymous" : wallet, prefix, expires}, now);
    if (!token.ok()) return HttpResponse::Error(token.status());
    const std::string url = prefix + std::string(manifest) + "?token=" + *token;
    HttpResponse response;
    if (request.Header("Accept").find("application/json") != std::string_view::npos) {
      response = HttpResponse::Json(
          200, DumpJson({{"url", url}, {"token", *token}, {"expires_at", expires}}));
    } else {
      response = HttpResponse::Text(302, "");
      response.headers.Set("Location", url);
    }
    response.headers.Set("Cache-Control", "no-store");
    return response;
  }

  Result<ContentItem> FindItem(std::string_view content_id) {
    if (!IsValidContentId(content_id)) {
      return Status::InvalidArgument("content_id must be 1-128 characters of [A-Za-z0-9_-]");
    }
    return metadata_->Get(content_id);
  }

  // Token first (cheap, no I/O), then the file or the rendered playlist.
  void Deliver(std::string_view content_id, std::string_view path, std::string_view token,
               HttpResponder respond) {
    if (!IsValidContentId(content_id)) {
      return respond(Decorate(HttpResponse::Error(Status::NotFound("no such stream"))));
    }
    // The token covers /stream/{id}/…; the seed's segment endpoint names the same file.
    const std::string canonical = "/stream/" + std::string(content_id) + "/" + std::string(path);
    Result<PlaybackGrant> grant = signer_->Verify(token, content_id, canonical, NowUnix());
    if (!grant.ok()) return respond(Decorate(HttpResponse::Error(grant.status())));
    Result<DeliveryTarget> target = ParseDeliveryPath(path);
    if (!target.ok()) return respond(Decorate(HttpResponse::Error(target.status())));
    const bool is_playlist = target->kind == DeliveryKind::kHlsMaster ||
                             target->kind == DeliveryKind::kHlsMedia ||
                             target->kind == DeliveryKind::kDashManifest;
    if (is_playlist) {
      if (auto media = library_->Cached(content_id)) {
        return respond(Decorate(RenderPlaylist(*media, *target, token)));
      }
    } else if (auto local = library_->store().LocalPath(
                   PackageLibrary::ObjectKey(content_id, target->relative))) {
      return respond(Decorate(FileResponse(*local, *target, grant->expires_unix)));
    }
    // A first look at this package, or a remote store: blocking work for the worker pool.
    runtime_->Post([this, id = std::string(content_id), target = std::move(*target),
                    token = std::string(token), expires = grant->expires_unix,
                    respond = std::move(respond)]() mutable {
      respond(Decorate(SlowDeliver(id, target, token, expires)));
    });
  }

  HttpResponse SlowDeliver(const std::string& content_id, const DeliveryTarget& target,
                           const std::string& token, int64_t expires) {
    if (target.kind == DeliveryKind::kFile || target.kind == DeliveryKind::kKey) {
      Result<std::string> bytes =
          library_->store().Get(PackageLibrary::ObjectKey(content_id, target.relative));
      if (!bytes.ok()) return HttpResponse::Error(bytes.status());
      HttpResponse response =
          HttpResponse::Text(200, std::move(*bytes), DeliveryContentType(target));
      SetFileCaching(response, target, expires);
      return response;
    }
    Result<std::shared_ptr<const PackagedMedia>> media = library_->Load(content_id);
    if (!media.ok()) return HttpResponse::Error(media.status());
    return RenderPlaylist(**media, target, token);
  }

  HttpResponse RenderPlaylist(const PackagedMedia& media, const DeliveryTarget& target,
                              std::string_view token) {
    const std::string query = "token=" + std::string(token);
    std::string body;
    switch (target.kind) {
      case DeliveryKind::kHlsMaster:
        body = RenderHlsMaster(media, query);
        break;
      case DeliveryKind::kHlsMedia: {
        Result<const PackagedRendition*> rendition = FindRendition(media, target.rendition);
        if (!rendition.ok()) return HttpResponse::Error(Status::NotFound("no such rendition"));
        body = RenderHlsMedia(media, **rendition, query);
        break;
      }
      case DeliveryKind::kDashManifest:
        if (!media.has_dash) return HttpResponse::Error(Status::NotFound("no DASH manifest"));
        body = RenderDashMpd(media, query);
        break;
      default:
        return HttpResponse::Error(Status::Internal("not a playlist"));
    }
    HttpResponse response = HttpResponse::Text(200, std::move(body), DeliveryContentType(target));
    // Playlists carry this viewer's token: never shared, never stored.
    response.headers.Set("Cache-Control", "private, no-store");
    return response;
  }

  HttpResponse FileResponse(const std::string& local_path, const DeliveryTarget& target,
                            int64_t expires) {
    HttpResponse response = HttpResponse::File(local_path, DeliveryContentType(target));
    SetFileCaching(response, target, expires);
    return response;
  }

  void SetFileCaching(HttpResponse& response, const DeliveryTarget& target, int64_t expires) {
    if (target.kind == DeliveryKind::kKey) {
      response.headers.Set("Cache-Control", "private, no-store");
      return;
    }
    // Segments never change once published; a cache may keep them while the token is valid.
    const int64_t max_age =
        std::max<int64_t>(0, std::min<int64_t>(options_.segment_max_age_s, expires - NowUnix()));
    response.headers.Set("Cache-Control", "private, max-age=" + std::to_string(max_age));
  }

  HttpResponse Preflight() {
    HttpResponse response = HttpResponse::Text(204, "");
    AddCors(response);
    response.headers.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
    response.headers.Set("Access-Control-Allow-Headers", "Range");
    response.headers.Set("Access-Control-Max-Age", "600");
    return response;
  }

  // CORS for web players (tokens travel in URLs, not cookies).
  HttpResponse Decorate(HttpResponse response) const {
    AddCors(response);
    return response;
  }
  void AddCors(HttpResponse& response) const {
    if (options_.cors_allow_origin.empty()) return;
    response.headers.Set("Access-Control-Allow-Origin", options_.cors_allow_origin);
    response.headers.Set("Access-Control-Expose-Headers",
                         "Content-Length, Content-Range, Accept-Ranges");
  }

  ServiceRegistry* services_ = nullptr;
  Runtime* runtime_ = nullptr;
  EventBus* events_ = nullptr;
  StreamingOptions options_;
  std::unique_ptr<PlaybackTokenSigner> signer_;
  std::shared_ptr<PackageLibrary> library_;
  std::shared_ptr<MetadataStore> metadata_;
  std::shared_ptr<Authenticator> authenticator_;
  std::shared_ptr<OwnershipVerifier> verifier_;
  std::vector<SubscriptionId> subscriptions_;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewStreamingPlugin() {
  return std::make_unique<internal::StreamingPlugin>();
}

}  // namespace streamgate
