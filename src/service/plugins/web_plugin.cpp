// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The web plugin: serves the browser app (web/, docs/web.md) at `/` — index.html for `/`, the
// app's modules, styles and vendored libraries under /app/ — and poster thumbnails at
// /api/v1/web/poster/{content_id}, the one thing the app needs that no other route offers
// without a playback token. Everything else the app does goes through the other plugins' APIs.
// Files go through StaticFileHandler (no traversal, no symlinks out of the root); this plugin
// only adds the headers of a hardened page: a Content-Security-Policy that allows nothing but
// this origin (plus blob: media for MSE), nosniff, no referrer (playback tokens travel in URLs),
// no framing, and cache lifetimes.
#include <unistd.h>

#include <array>
#include <climits>
#include <filesystem>
#include <string>
#include <system_error>

#include "common/log.h"
#include "service/plugins/service_plugin.h"
#include "service/shared_stores.h"
#include "streamgate/metadata_store.h"
#include "streamgate/object_store.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

namespace fs = std::filesystem;

// Scripts, styles, images and API calls from this origin only. `media-src blob:` is the
// MediaSource object URL hls.js attaches to the <video>; `img-src data:` the inline favicon.
// No inline script or style anywhere in the app, so neither needs 'unsafe-inline'.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; object-src 'none'";
constexpr uint64_t kMaxPosterBytes = uint64_t{8} << 20;

bool HasIndex(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(dir / "index.html", ec);
}

// The directory of the running executable ("" when /proc is not mounted).
fs::path ExecutableDir() {
  std::array<char, PATH_MAX> buffer{};
  const ssize_t length = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
  if (length <= 0) return {};
  return fs::path(std::string(buffer.data(), static_cast<std::size_t>(length))).parent_path();
}

// web.root when set; otherwise the first tree that holds index.html: the installed one beside
// the binary (<prefix>/bin/../share/streamgate/web, wherever the prefix was moved), the build
// tree's, and the configured install prefix's.
fs::path ResolveWebRoot(const WebOptions& options) {
  if (!options.root.empty()) return options.root;
  const fs::path exe_dir = ExecutableDir();
  if (!exe_dir.empty() && HasIndex(exe_dir / ".." / "share" / "streamgate" / "web")) {
    return (exe_dir / ".." / "share" / "streamgate" / "web").lexically_normal();
  }
#ifdef STREAMGATE_WEB_BUILD_ROOT
  if (HasIndex(STREAMGATE_WEB_BUILD_ROOT)) return STREAMGATE_WEB_BUILD_ROOT;
#endif
#ifdef STREAMGATE_WEB_INSTALL_ROOT
  if (HasIndex(STREAMGATE_WEB_INSTALL_ROOT)) return STREAMGATE_WEB_INSTALL_ROOT;
#endif
  return {};
}

bool IsContentIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    if (!IsContentIdChar(c)) return false;
  }
  return true;
}

void AddPageHeaders(HttpResponse& response) {
  response.headers.Set("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.headers.Set("X-Content-Type-Options", "nosniff");
  response.headers.Set("Referrer-Policy", "no-referrer");
  response.headers.Set("X-Frame-Options", "DENY");
  response.headers.Set("Cross-Origin-Opener-Policy", "same-origin");
}

class WebPlugin final : public ServicePlugin {
 public:
  WebPlugin() : ServicePlugin("web") {}

  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(ServicePlugin::Init(context));
    options_ = context.config.web;
    services_ = &context.services;
    if (!options_.enabled) return Status::Ok();
    root_ = ResolveWebRoot(options_);
    if (root_.empty() || !HasIndex(root_)) {
      // Not fatal: the APIs work without the app. `/` answers 404 until the files exist.
      Logger("web")->warn(
          "web app files not found ({}); build the project (make run installs the browser "
          "libraries) or set web.root",
          root_.empty() ? std::string("no web.root, no installed or build tree") : root_.string());
      if (root_.empty()) root_ = fs::path(context.config.data_dir) / "web-app-missing";
    } else {
      Logger("web")->info("serving the web app from {}", root_.string());
    }
    files_ = StaticFileHandler(root_.string(), "path");

    RouteOptions inline_route;  // a stat and an open: cheap enough for the I/O thread
    inline_route.mode = HandlerMode::kInline;
    for (const std::string_view page : {"/", "/index.html"}) {
      STREAMGATE_RETURN_IF_ERROR(context.router.Add(
          HttpMethod::kGet, page, [this](HttpRequest& request) { return Index(request); },
          inline_route));
    }
    STREAMGATE_RETURN_IF_ERROR(context.router.Add(
        HttpMethod::kGet, "/app/{path...}", [this](HttpRequest& request) { return App(request); },
        inline_route));
    // Blocking: a metadata look-up (SQLite) and possibly a remote object store.
    STREAMGATE_RETURN_IF_ERROR(
        context.router.Add(HttpMethod::kGet, "/api/v1/web/poster/{content_id}",
                           [this](HttpRequest& request) { return Poster(request); }));
    return Status::Ok();
  }

  Status Start() override {
    if (!options_.enabled) return Status::Ok();
    // The monolith shares the metadata and upload plugins' objects; alone, open our own.
    STREAMGATE_ASSIGN_OR_RETURN(metadata_, FindOrOpenMetadataStore(*services_, config()));
    STREAMGATE_ASSIGN_OR_RETURN(store_, FindOrOpenObjectStore(*services_, config()));
    return Status::Ok();
  }

  HealthReport Health() const override {
    if (options_.enabled && !HasIndex(root_)) {
      return {HealthState::kDegraded, "web app files not found under " + root_.string()};
    }
    return {};
  }

 private:
  HttpResponse Index(HttpRequest& request) {
    request.path_params.assign({{"path", "index.html"}});
    HttpResponse response = files_(request);
    AddPageHeaders(response);
    // Always revalidated (ETag / Last-Modified), so a new build shows at the next load.
    response.headers.Set("Cache-Control", "no-cache");
    return response;
  }

  HttpResponse App(HttpRequest& request) {
    const std::string relative = "app/" + std::string(request.Param("path"));
    request.path_params.assign({{"path", relative}});
    HttpResponse response = files_(request);
    AddPageHeaders(response);
    if (response.status == 200 && relative.rfind("app/vendor/", 0) == 0) {
      response.headers.Set("Cache-Control",
                           "public, max-age=" + std::to_string(options_.vendor_max_age_s));
    } else {
      response.headers.Set("Cache-Control", "no-cache");
    }
    return response;
  }

  // GET /api/v1/web/poster/{content_id}: the JPEG the transcoder made for a ready item.
  HttpResponse Poster(HttpRequest& request) {
    const std::string_view id = request.Param("content_id");
    if (!IsValidId(id)) {
      return HttpResponse::Error(
          Status::InvalidArgument("content_id must be 1-128 characters of [A-Za-z0-9_-]"));
    }
    Result<ContentItem> item = metadata_->Get(id);
    if (!item.ok()) return HttpResponse::Error(item.status());
    // Only keys the transcoder publishes for this item (media/<id>/...): a corrupt row must not
    // turn this route into a reader of arbitrary objects.
    const std::string prefix = "media/" + item->id + "/";
    if (item->poster_key.empty() || item->poster_key.rfind(prefix, 0) != 0) {
      return HttpResponse::Error(Status::NotFound("content " + item->id + " has no poster"));
    }
    if (!options_.public_posters && !item->gating_rule_json.empty()) {
      return HttpResponse::Error(
          Status::PermissionDenied("posters of token-gated content are not public"));
    }
    HttpResponse response;
    if (std::optional<std::string> local = store_->LocalPath(item->poster_key)) {
      response = HttpResponse::File(std::move(*local), "image/jpeg");
    } else {
      Result<ObjectInfo> info = store_->Stat(item->poster_key);
      if (!info.ok()) return HttpResponse::Error(info.status());
      if (info->size > kMaxPosterBytes) {
        return HttpResponse::Error(Status::FailedPrecondition("poster too large"));
      }
      Result<std::string> bytes = store_->Get(item->poster_key);
      if (!bytes.ok()) return HttpResponse::Error(bytes.status());
      response = HttpResponse::Text(200, std::move(*bytes), "image/jpeg");
    }
    response.headers.Set("X-Content-Type-Options", "nosniff");
    // Re-transcoding replaces the poster: keep it briefly.
    response.headers.Set("Cache-Control",
                         std::string(item->gating_rule_json.empty() ? "public, max-age=300"
                                                                    : "private, max-age=300"));
    return response;
  }

  WebOptions options_;
  ServiceRegistry* services_ = nullptr;
  fs::path root_;
  HttpHandler files_;
  std::shared_ptr<MetadataStore> metadata_;
  std::shared_ptr<ObjectStore> store_;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewWebPlugin() { return std::make_unique<internal::WebPlugin>(); }

}  // namespace streamgate
