// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The streaming plugin: gated HLS/DASH delivery (include/streamgate/streaming.h has the routes).
// The gate runs once per playback start (/api/v1/stream/hls|dash) and mints a playback token;
// every later request under /stream/{content_id}/ is checked by the token alone (a MAC, no
// database), and playlists are rendered per viewer from the parsed package with the token on
// every URI. Files are answered from the object store's local path (sendfile, ranges) on the
// I/O thread; only a first look at a package, or a remote store, goes to the worker pool.
// Remote (S3) files are proxied with Range or redirected to a presigned URL
// (streaming.s3_delivery). A deny-list of revoked wallets (revocation_list.h) is checked at mint
// and, from memory, on every /stream/ request; playlists never use a stale snapshot of it.
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "auth/session_keys.h"
#include "common/log.h"
#include "http/range.h"
#include "service/background_refresh.h"
#include "service/plugins/service_plugin.h"
#include "service/session_caller.h"
#include "service/shared_stores.h"
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
#include "streaming/revocation_list.h"

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

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Published after every change to the deny-list, so that processes sharing it (through a
// shared event bus) re-read it at once instead of at their next refresh.
constexpr char kRevocationEvent[] = "stream.revocation";

// Free text stored with a revocation: bounded, printable, no line breaks.
bool IsValidReason(std::string_view reason) {
  if (reason.size() > kMaxRevocationReasonBytes) return false;
  for (const char c : reason) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

Json RevocationJson(const Revocation& revocation) {
  return {{"content_id", revocation.content_id},
          {"wallet", revocation.wallet},
          {"revoked_by", revocation.revoked_by},
          {"reason", revocation.reason},
          {"created_at", revocation.created_unix}};
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
    RouteOptions small_body;
    small_body.max_body_bytes = 4096;
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(HttpMethod::kPost, "/api/v1/stream/revocations",
                                                  blocking(&StreamingPlugin::Revoke), small_body));
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(HttpMethod::kDelete, "/api/v1/stream/revocations",
                                                  blocking(&StreamingPlugin::Restore), small_body));
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(HttpMethod::kGet, "/api/v1/stream/revocations",
                                                  blocking(&StreamingPlugin::ListRevocations)));
    for (std::string_view admin : SplitList(options_.revocation_admins)) {
      std::optional<std::string> wallet = CanonicalWallet(admin);
      if (!wallet) {
        return Status::InvalidArgument("streaming.revocation_admins: not a wallet address: " +
                                       std::string(admin));
      }
      admins_.push_back(std::move(*wallet));
    }
    STREAMGATE_ASSIGN_OR_RETURN(
        revocations_,
        RevocationList::Open(options_.revocations_db.empty()
                                 ? context.config.data_dir + "/streaming/revocations.db"
                                 : options_.revocations_db));
    revocation_refresh_ = std::make_shared<BackgroundRefresh>(
        context.runtime,
        std::chrono::milliseconds(std::max<int64_t>(options_.revocation_refresh_ms / 2, 1)),
        [list = revocations_] {
          const Status status = list->Refresh();
          if (!status.ok()) Logger("streaming")->warn("revocations: {}", status.ToString());
        });

    RouteOptions inline_route;
    inline_route.mode = HandlerMode::kInline;
    STREAMGATE_RETURN_IF_ERROR(context.router.AddAsync(
        HttpMethod::kGet, "/stream/{content_id}/{path...}",
        [this](HttpRequest& request, HttpResponder respond) {
          Deliver(request, request.Param("content_id"), request.Param("path"),
                  request.Query("token"), std::move(respond));
        },
        inline_route));
    STREAMGATE_RETURN_IF_ERROR(context.router.AddAsync(
        HttpMethod::kGet, "/api/v1/stream/segment",
        [this](HttpRequest& request, HttpResponder respond) {
          Deliver(request, request.Query("content_id"), request.Query("path"),
                  request.Query("token"), std::move(respond));
        },
        inline_route));
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(
        HttpMethod::kOptions, "/stream/{content_id}/{path...}",
        [this](HttpRequest&) { return Preflight(); }, inline_route));
    return Status::Ok();
  }

  Status Start() override {
    STREAMGATE_ASSIGN_OR_RETURN(std::shared_ptr<ObjectStore> store,
                                FindOrOpenObjectStore(*services_, config()));
    library_ = std::make_shared<PackageLibrary>(
        std::move(store), static_cast<std::size_t>(options_.package_cache_entries));

    STREAMGATE_ASSIGN_OR_RETURN(metadata_, FindOrOpenMetadataStore(*services_, config()));
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
    subscriptions_.push_back(
        events_->Subscribe(kRevocationEvent, [list = revocations_](const Event&) {
          const Status status = list->Refresh();
          if (!status.ok()) Logger("streaming")->warn("revocations: {}", status.ToString());
        }));
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
    // The deny-list as stored now (another process may have just changed it).
    if (const Status fresh = revocations_->Refresh(); !fresh.ok()) {
      return HttpResponse::Error(fresh);
    }
    if (revocations_->IsRevoked(item->id, wallet)) {
      Logger("streaming")->info("playback of {} refused to {}: revoked", item->id, wallet);
      return HttpResponse::Error(Revoked());
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

  // --- revocations -----------------------------------------------------------------------------

  // Who may change or read the revocations of `content_id` ("*": every item): an operator
  // always; for one item, its owner. Returns the caller's canonical wallet.
  Result<std::string> AuthorizeRevocation(const HttpRequest& request, std::string_view content_id) {
    STREAMGATE_ASSIGN_OR_RETURN(std::string caller, SessionWallet(request, *authenticator_));
    if (caller.empty()) return Status::Unauthenticated("sign in to manage revocations");
    std::optional<std::string> wallet = CanonicalWallet(caller);
    if (!wallet) return Status::PermissionDenied("only wallets may manage revocations");
    const bool admin = std::find(admins_.begin(), admins_.end(), *wallet) != admins_.end();
    if (content_id == kEveryContent) {
      if (!admin) return Status::PermissionDenied("only operators may revoke on every item");
      return *wallet;
    }
    STREAMGATE_ASSIGN_OR_RETURN(ContentItem item, FindItem(content_id));
    if (admin) return *wallet;
    const std::optional<std::string> owner = CanonicalWallet(item.owner);
    if (!owner || *owner != *wallet) {
      return Status::PermissionDenied("only the owner of this content may manage its revocations");
    }
    return *wallet;
  }

  // POST /api/v1/stream/revocations {"content_id": "<id>"|"*", "wallet", "reason"}
  HttpResponse Revoke(HttpRequest& request) {
    const Json body = Json::parse(request.body, nullptr, false);
    if (!body.is_object()) {
      return HttpResponse::Error(Status::InvalidArgument("body must be a JSON object"));
    }
    auto text = [&body](const char* name) -> std::optional<std::string> {
      if (!body.contains(name)) return std::string();
      if (!body[name].is_string()) return std::nullopt;
      return body[name].get<std::string>();
    };
    const std::optional<std::string> content_id = text("content_id");
    const std::optional<std::string> wallet_text = text("wallet");
    const std::optional<std::string> reason = text("reason");
    if (!content_id || !wallet_text || !reason) {
      return HttpResponse::Error(
          Status::InvalidArgument("content_id, wallet and reason must be strings"));
    }
    const std::string scope = content_id->empty() ? std::string(kEveryContent) : *content_id;
    if (scope != kEveryContent && !IsValidContentId(scope)) {
      return HttpResponse::Error(
          Status::InvalidArgument("content_id must be \"*\" or 1-128 characters of [A-Za-z0-9_-]"));
    }
    const std::optional<std::string> wallet = CanonicalWallet(*wallet_text);
    if (!wallet) {
      return HttpResponse::Error(Status::InvalidArgument(
          "wallet must be an Ethereum (0x + 40 hex digits) or Solana (base58) address"));
    }
    if (!IsValidReason(*reason)) {
      return HttpResponse::Error(
          Status::InvalidArgument("reason must be at most 256 bytes without control characters"));
    }
    Result<std::string> caller = AuthorizeRevocation(request, scope);
    if (!caller.ok()) return HttpResponse::Error(caller.status());
    if (scope != kEveryContent) {
      Result<ContentItem> item = FindItem(scope);
      if (!item.ok()) return HttpResponse::Error(item.status());
      if (CanonicalWallet(item->owner) == wallet) {
        return HttpResponse::Error(
            Status::InvalidArgument("the owner of an item cannot be revoked from it"));
      }
    }
    Revocation revocation{scope, *wallet, *caller, *reason, NowUnix()};
    Result<bool> added = revocations_->Revoke(revocation);
    if (!added.ok()) return HttpResponse::Error(added.status());
    if (*added) {
      PublishRevocation(scope, *wallet, true);
      Logger("streaming")->info("{} revoked {} on {}", *caller, *wallet, scope);
    }
    return HttpResponse::Json(*added ? 201 : 200, DumpJson(RevocationJson(revocation)));
  }

  // DELETE /api/v1/stream/revocations?content_id=<id>|*&wallet=
  HttpResponse Restore(HttpRequest& request) {
    std::string scope(request.Query("content_id"));
    if (scope.empty()) scope = kEveryContent;
    if (scope != kEveryContent && !IsValidContentId(scope)) {
      return HttpResponse::Error(Status::InvalidArgument("malformed content_id"));
    }
    const std::optional<std::string> wallet = CanonicalWallet(request.Query("wallet"));
    if (!wallet) return HttpResponse::Error(Status::InvalidArgument("malformed wallet"));
    Result<std::string> caller = AuthorizeRevocation(request, scope);
    if (!caller.ok()) return HttpResponse::Error(caller.status());
    Result<bool> removed = revocations_->Restore(scope, *wallet);
    if (!removed.ok()) return HttpResponse::Error(removed.status());
    if (!*removed) {
      return HttpResponse::Error(Status::NotFound("this wallet is not revoked on this content"));
    }
    PublishRevocation(scope, *wallet, false);
    Logger("streaming")->info("{} restored {} on {}", *caller, *wallet, scope);
    return HttpResponse::Text(204, "");
  }

  // GET /api/v1/stream/revocations?content_id=<id>|*
  HttpResponse ListRevocations(HttpRequest& request) {
    std::string scope(request.Query("content_id"));
    if (scope.empty()) scope = kEveryContent;
    if (scope != kEveryContent && !IsValidContentId(scope)) {
      return HttpResponse::Error(Status::InvalidArgument("malformed content_id"));
    }
    Result<std::string> caller = AuthorizeRevocation(request, scope);
    if (!caller.ok()) return HttpResponse::Error(caller.status());
    Result<std::vector<Revocation>> list = revocations_->List(scope);
    if (!list.ok()) return HttpResponse::Error(list.status());
    Json entries = Json::array();
    for (const Revocation& revocation : *list) entries.push_back(RevocationJson(revocation));
    HttpResponse response =
        HttpResponse::Json(200, DumpJson({{"content_id", scope}, {"revocations", entries}}));
    response.headers.Set("Cache-Control", "no-store");
    return response;
  }

  void PublishRevocation(const std::string& scope, const std::string& wallet, bool revoked) {
    Event event;
    event.type = kRevocationEvent;
    event.data = DumpJson({{"content_id", scope}, {"wallet", wallet}, {"revoked", revoked}});
    const Status published = events_->Publish(std::move(event));
    if (!published.ok()) Logger("streaming")->warn("revocation event: {}", published.ToString());
  }

  static std::vector<std::string_view> SplitList(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
      const std::size_t comma = text.find(',');
      std::string_view item = text.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) out.push_back(item);
      if (comma == std::string_view::npos) break;
      text.remove_prefix(comma + 1);
    }
    return out;
  }

  Result<ContentItem> FindItem(std::string_view content_id) {
    if (!IsValidContentId(content_id)) {
      return Status::InvalidArgument("content_id must be 1-128 characters of [A-Za-z0-9_-]");
    }
    return metadata_->Get(content_id);
  }

  // Token first (cheap, no I/O), then the deny-list (memory), then the file or the rendered
  // playlist.
  void Deliver(const HttpRequest& request, std::string_view content_id, std::string_view path,
               std::string_view token, HttpResponder respond) {
    if (!IsValidContentId(content_id)) {
      return respond(Decorate(HttpResponse::Error(Status::NotFound("no such stream"))));
    }
    // The token covers /stream/{id}/…; the seed's segment endpoint names the same file.
    std::string canonical;
    canonical.reserve(9 + content_id.size() + path.size());
    canonical.append("/stream/").append(content_id).push_back('/');
    canonical.append(path);
    Result<PlaybackGrant> grant = signer_->Verify(token, content_id, canonical, NowUnix());
    if (!grant.ok()) return respond(Decorate(HttpResponse::Error(grant.status())));
    Result<DeliveryTarget> target = ParseDeliveryPath(path);
    if (!target.ok()) return respond(Decorate(HttpResponse::Error(target.status())));
    // Keeps the snapshot of the deny-list current while requests come (at most one re-read
    // per half refresh interval, on the worker pool).
    revocation_refresh_->Request();
    if (revocations_->IsRevoked(content_id, grant->wallet)) {
      return respond(Decorate(HttpResponse::Error(Revoked())));
    }
    const bool is_playlist = target->kind == DeliveryKind::kHlsMaster ||
                             target->kind == DeliveryKind::kHlsMedia ||
                             target->kind == DeliveryKind::kDashManifest;
    ObjectStore& store = library_->store();
    if (is_playlist) {
      // A playlist is the point where revocation must hold: never answer one from a snapshot
      // older than the refresh interval (the slow path re-reads the list first).
      const bool fresh =
          SteadyMs() - revocations_->checked_at_ms() <= options_.revocation_refresh_ms;
      if (fresh) {
        if (auto media = library_->Cached(content_id)) {
          return respond(Decorate(RenderPlaylist(content_id, media, *target, token)));
        }
      }
    } else {
      const std::string key = PackageLibrary::ObjectKey(content_id, target->relative);
      if (auto local = store.LocalPath(key)) {
        return respond(Decorate(FileResponse(*local, *target, grant->expires_unix)));
      }
      if (target->kind == DeliveryKind::kFile &&
          options_.s3_delivery == StreamingOptions::S3Delivery::kRedirect) {
        // Presigning is a few HMACs: no reason to leave the I/O thread.
        Result<std::string> url = store.PresignGet(key, options_.presign_ttl_s);
        if (url.ok()) return respond(Decorate(Redirect(*url)));
        if (url.status().code() != StatusCode::kUnimplemented) {
          return respond(Decorate(HttpResponse::Error(url.status())));
        }
      }
    }
    // A first look at this package, a stale deny-list, or a remote store: blocking work for
    // the worker pool.
    runtime_->Post([this, id = std::string(content_id), target = std::move(*target),
                    token = std::string(token), grant = std::move(*grant),
                    range = std::string(request.Header("Range")),
                    respond = std::move(respond)]() mutable {
      respond(Decorate(SlowDeliver(id, target, token, grant, range)));
    });
  }

  HttpResponse SlowDeliver(const std::string& content_id, const DeliveryTarget& target,
                           const std::string& token, const PlaybackGrant& grant,
                           const std::string& range) {
    if (target.kind == DeliveryKind::kFile || target.kind == DeliveryKind::kKey) {
      return ProxyFile(PackageLibrary::ObjectKey(content_id, target.relative), target,
                       grant.expires_unix, range);
    }
    if (const Status fresh = revocations_->Refresh(); !fresh.ok()) {
      return HttpResponse::Error(fresh);
    }
    if (revocations_->IsRevoked(content_id, grant.wallet)) return HttpResponse::Error(Revoked());
    Result<std::shared_ptr<const PackagedMedia>> media = library_->Load(content_id);
    if (!media.ok()) return HttpResponse::Error(media.status());
    return RenderPlaylist(content_id, *media, target, token);
  }

  // A file of a remote store streamed through this server, with single byte ranges.
  HttpResponse ProxyFile(const std::string& key, const DeliveryTarget& target, int64_t expires,
                         const std::string& range) {
    ObjectStore& store = library_->store();
    HttpResponse response;
    if (range.empty()) {
      Result<std::string> bytes = store.Get(key);
      if (!bytes.ok()) return HttpResponse::Error(bytes.status());
      response = HttpResponse::Text(200, std::move(*bytes), DeliveryContentType(target));
    } else {
      Result<ObjectInfo> info = store.Stat(key);
      if (!info.ok()) return HttpResponse::Error(info.status());
      const ByteRange parsed = ParseRange(range, info->size);
      if (parsed.kind == ByteRange::Kind::kUnsatisfiable) {
        response =
            HttpResponse::Error(416, "RANGE_NOT_SATISFIABLE", "the range lies outside the file");
        response.headers.Set("Content-Range", "bytes */" + std::to_string(info->size));
        return response;
      }
      const uint64_t first = parsed.kind == ByteRange::Kind::kSatisfiable ? parsed.first : 0;
      const uint64_t length =
          parsed.kind == ByteRange::Kind::kSatisfiable ? parsed.length() : info->size;
      std::string body;
      body.reserve(static_cast<std::size_t>(length));
      const Status read = store.Read(key, first, length, [&body](std::string_view piece) {
        body.append(piece);
        return Status::Ok();
      });
      if (!read.ok()) return HttpResponse::Error(read);
      if (body.size() != length) {
        return HttpResponse::Error(Status::Unavailable("the object changed while being read"));
      }
      const int status = parsed.kind == ByteRange::Kind::kSatisfiable ? 206 : 200;
      response = HttpResponse::Text(status, std::move(body), DeliveryContentType(target));
      if (status == 206) {
        response.headers.Set("Content-Range", "bytes " + std::to_string(parsed.first) + "-" +
                                                  std::to_string(parsed.last) + "/" +
                                                  std::to_string(info->size));
      }
    }
    response.headers.Set("Accept-Ranges", "bytes");
    SetFileCaching(response, target, expires);
    return response;
  }

  static HttpResponse Redirect(const std::string& url) {
    HttpResponse response = HttpResponse::Text(302, "");
    response.headers.Set("Location", url);
    // The URL is a short-lived credential of its own: never cached.
    response.headers.Set("Cache-Control", "private, no-store");
    return response;
  }

  static Status Revoked() {
    return Status::PermissionDenied("playback of this content was revoked for this wallet");
  }

  // A playlist rendered once per parsed package with a marker where the token goes; a request
  // only splices its token in (no number formatting, no walk over segments). A verified token
  // is "pt1." + base64url + "." + base64url, characters every playlist syntax carries as they
  // are (HLS URIs, DASH templates and XML attributes escape none of them), so splicing gives the
  // same bytes as rendering with the token.
  struct PlaylistTemplate {
    std::shared_ptr<const PackagedMedia> media;  // the parse it was rendered from
    std::vector<std::string> pieces;             // the token goes between consecutive pieces
  };
  static constexpr std::string_view kTokenMarker = "@@token@@";

  Result<std::shared_ptr<const PlaylistTemplate>> FindTemplate(
      std::string_view content_id, const std::shared_ptr<const PackagedMedia>& media,
      const DeliveryTarget& target) {
    std::string key;
    key.reserve(content_id.size() + 1 + target.relative.size());
    key.append(content_id).push_back('\n');
    key.append(target.relative);
    {
      std::lock_guard<std::mutex> lock(templates_mutex_);
      auto found = templates_.find(key);
      if (found != templates_.end() && found->second->media == media) return found->second;
    }
    const std::string query = "token=" + std::string(kTokenMarker);
    std::string body;
    switch (target.kind) {
      case DeliveryKind::kHlsMaster:
        body = RenderHlsMaster(*media, query);
        break;
      case DeliveryKind::kHlsMedia: {
        Result<const PackagedRendition*> rendition = FindRendition(*media, target.rendition);
        if (!rendition.ok()) return Status::NotFound("no such rendition");
        body = RenderHlsMedia(*media, **rendition, query);
        break;
      }
      case DeliveryKind::kDashManifest:
        if (!media->has_dash) return Status::NotFound("no DASH manifest");
        body = RenderDashMpd(*media, query);
        break;
      default:
        return Status::Internal("not a playlist");
    }
    auto rendered = std::make_shared<PlaylistTemplate>();
    rendered->media = media;
    std::size_t start = 0;
    for (std::size_t at = body.find(kTokenMarker); at != std::string::npos;
         at = body.find(kTokenMarker, start)) {
      rendered->pieces.push_back(body.substr(start, at - start));
      start = at + kTokenMarker.size();
    }
    rendered->pieces.push_back(body.substr(start));
    std::lock_guard<std::mutex> lock(templates_mutex_);
    // Bounded like the package cache; a re-packaged item simply renders again.
    if (templates_.size() >= 4 * static_cast<std::size_t>(options_.package_cache_entries)) {
      templates_.clear();
    }
    templates_[key] = rendered;
    return std::shared_ptr<const PlaylistTemplate>(std::move(rendered));
  }

  HttpResponse RenderPlaylist(std::string_view content_id,
                              const std::shared_ptr<const PackagedMedia>& media,
                              const DeliveryTarget& target, std::string_view token) {
    Result<std::shared_ptr<const PlaylistTemplate>> found = FindTemplate(content_id, media, target);
    if (!found.ok()) return HttpResponse::Error(found.status());
    const std::vector<std::string>& pieces = (*found)->pieces;
    std::size_t size = token.size() * (pieces.size() - 1);
    for (const std::string& piece : pieces) size += piece.size();
    std::string body;
    body.reserve(size);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      if (i > 0) body.append(token);
      body.append(pieces[i]);
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
  std::vector<std::string> admins_;  // canonical wallets of streaming.revocation_admins
  std::shared_ptr<RevocationList> revocations_;
  std::shared_ptr<BackgroundRefresh> revocation_refresh_;
  std::mutex templates_mutex_;  // guards templates_
  std::unordered_map<std::string, std::shared_ptr<const PlaylistTemplate>> templates_;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewStreamingPlugin() {
  return std::make_unique<internal::StreamingPlugin>();
}

}  // namespace streamgate
