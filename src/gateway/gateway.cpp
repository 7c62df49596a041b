// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The Gateway: admission (request id, CORS preflight, route, service state, rate limits,
// session) runs as soon as a request's headers are in, before any body byte is read, so that a
// refused upload is refused at once; then the request is handed to a ProxyExchange that streams
// it to the service and the response back.
#include "streamgate/gateway.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "common/runtime_impl.h"
#include "gateway/health_probe.h"
#include "gateway/proxy_exchange.h"
#include "gateway/proxy_headers.h"
#include "gateway/rate_limiter.h"
#include "gateway/route_table.h"
#include "gateway/upstream_pool.h"
#include "streamgate/authenticator.h"
#include "streamgate/logging.h"
#include "streamgate/runtime.h"

namespace streamgate {

using internal::BodyFraming;
using internal::HealthProbe;
using internal::ProxyExchange;
using internal::RateLimiter;
using internal::RouteTable;
using internal::UpstreamPool;

namespace {

constexpr std::string_view kExposedHeaders =
    "Upload-Offset, Upload-Length, Location, Tus-Resumable, Tus-Version, Tus-Max-Size, "
    "Tus-Extension, Upload-Expires, Upload-Metadata, X-Request-Id, Content-Range, Accept-Ranges, "
    "Content-Length, ETag, Retry-After";
constexpr std::string_view kAllowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
constexpr std::string_view kAllowedHeaders =
    "Authorization, Content-Type, Range, If-None-Match, If-Range, Upload-Offset, Upload-Length, "
    "Upload-Metadata, Upload-Defer-Length, Upload-Concat, Upload-Checksum, Upload-Secret, "
    "Tus-Resumable, X-HTTP-Method-Override, X-Request-Id";

// The request body, handed to the exchange as the client sends it.
class ProxySink final : public HttpBodySink {
 public:
  explicit ProxySink(std::shared_ptr<ProxyExchange> exchange) : exchange_(std::move(exchange)) {}
  Status Write(std::string_view chunk) override { return exchange_->WriteBody(chunk); }
  void Abort() override { exchange_->AbortRequest(); }
  bool ReadyForMore(std::function<void()> resume) override {
    return exchange_->ReadyForMore(std::move(resume));
  }
  const std::shared_ptr<ProxyExchange>& exchange() const { return exchange_; }

 private:
  std::shared_ptr<ProxyExchange> exchange_;
};

Status CheckPositive(int value, std::string_view name) {
  if (value <= 0) return Status::InvalidArgument("gateway." + std::string(name) + " must be > 0");
  return Status::Ok();
}

}  // namespace

struct Gateway::Impl : std::enable_shared_from_this<Gateway::Impl> {
  Impl(const GatewayOptions& o, Runtime& rt, std::shared_ptr<const Authenticator> s)
      : options(o),
        runtime(rt),
        sessions(std::move(s)),
        routes(DefaultGatewayRoutes(o)),
        ip_limiter(o.rate_limit_ip_per_s, o.rate_limit_ip_burst,
                   static_cast<size_t>(o.rate_limit_max_buckets)),
        wallet_limiter(o.rate_limit_wallet_per_s, o.rate_limit_wallet_burst,
                       static_cast<size_t>(o.rate_limit_max_buckets)) {
    for (std::string& origin : internal::SplitList(o.cors_allowed_origins)) {
      if (origin == "*") {
        cors_any = true;
      } else {
        cors_origins.push_back(std::move(origin));
      }
    }
    cors_enabled = cors_any || !cors_origins.empty();
  }

  std::optional<HttpResponse> Admit(HttpRequest& request);
  Result<std::unique_ptr<HttpBodySink>> MakeSink(const HttpRequest& request);
  void Forward(HttpRequest& request, HttpResponder respond);
  HttpResponse ServicesResponse(const HttpRequest& request);

  // Adds X-Request-Id and, for an allowed Origin, the CORS fields.
  void Decorate(std::string_view request_id, std::string_view origin, HttpResponse& response) const;
  bool OriginAllowed(std::string_view origin) const {
    if (!cors_enabled || origin.empty()) return false;
    return cors_any ||
           std::find(cors_origins.begin(), cors_origins.end(), origin) != cors_origins.end();
  }
  HttpResponse Refuse(const HttpRequest& request, HttpResponse response) const {
    Decorate(request.Header("X-Request-Id"), request.Header("Origin"), response);
    return response;
  }

  const GatewayOptions options;
  Runtime& runtime;
  const std::shared_ptr<const Authenticator> sessions;
  const RouteTable routes;
  std::map<std::string, std::shared_ptr<UpstreamPool>, std::less<>> pools;
  RateLimiter ip_limiter;
  RateLimiter wallet_limiter;
  bool cors_enabled = false;
  bool cors_any = false;
  std::vector<std::string> cors_origins;
  std::mutex probes_mutex;
  std::vector<std::shared_ptr<HealthProbe>> probes;  // guarded by probes_mutex
};

void Gateway::Impl::Decorate(std::string_view request_id, std::string_view origin,
                             HttpResponse& response) const {
  if (!request_id.empty()) response.headers.Set("X-Request-Id", std::string(request_id));
  if (OriginAllowed(origin)) {
    response.headers.Set("Access-Control-Allow-Origin", std::string(origin));
    response.headers.Set("Access-Control-Expose-Headers", std::string(kExposedHeaders));
    response.headers.Add("Vary", "Origin");
  }
}

std::optional<HttpResponse> Gateway::Impl::Admit(HttpRequest& request) {
  // 1. A request id: the client's when well-formed, else ours; the service sees the same.
  if (!internal::IsValidRequestId(request.Header("X-Request-Id"))) {
    request.headers.Set("X-Request-Id", internal::NewRequestId());
  }
  const std::string_view origin = request.Header("Origin");

  // 2. CORS preflight, answered here for every service alike.
  if (cors_enabled && request.method == HttpMethod::kOptions && !origin.empty() &&
      request.headers.Has("Access-Control-Request-Method")) {
    if (!OriginAllowed(origin)) {
      return Refuse(request, HttpResponse::Error(403, "FORBIDDEN", "origin not allowed"));
    }
    HttpResponse preflight;
    preflight.status = 204;
    preflight.headers.Set("Access-Control-Allow-Methods", std::string(kAllowedMethods));
    preflight.headers.Set("Access-Control-Allow-Headers", std::string(kAllowedHeaders));
    preflight.headers.Set("Access-Control-Max-Age", std::to_string(options.cors_max_age_s));
    return Refuse(request, std::move(preflight));
  }

  // 3. Which service, and is it there.
  const GatewayRoute* route = routes.Match(request.path);
  if (route == nullptr) {
    return Refuse(request, HttpResponse::Error(404, "NOT_FOUND", "no service serves this path"));
  }
  auto pool = pools.find(route->service);
  if (pool == pools.end() || !pool->second->configured()) {
    return Refuse(request,
                  HttpResponse::Error(503, "SERVICE_UNAVAILABLE",
                                      route->service + " service is not configured (gateway." +
                                          route->service + "_url)"));
  }
  if (pool->second->down()) {
    const GatewayServiceStatus status = pool->second->Snapshot();
    HttpResponse down = HttpResponse::Error(
        503, "SERVICE_UNAVAILABLE", route->service + " service is down: " + status.last_error);
    down.headers.Set("Retry-After", std::to_string(std::max(1, options.health_interval_ms / 1000)));
    return Refuse(request, std::move(down));
  }

  const int64_t now = internal::MonotonicNowNs();
  const auto too_many = [&](const internal::RateDecision& decision, std::string_view who) {
    HttpResponse response =
        HttpResponse::Error(429, "RATE_LIMITED",
                            "too many requests from this " + std::string(who) + "; retry in " +
                                std::to_string(decision.retry_after_s) + " s");
    response.headers.Set("Retry-After", std::to_string(decision.retry_after_s));
    return Refuse(request, std::move(response));
  };
  // 4. Per-IP limit first: it also protects the session check below.
  if (const auto decision = ip_limiter.Take(request.remote_address, now); !decision.allowed) {
    return too_many(decision, "client address");
  }

  // 5. Session: verified here (a MAC check, no I/O); the service verifies it again.
  std::string wallet;
  if (route->auth != GatewayAuth::kPassThrough) {
    const std::string_view authorization = request.Header("Authorization");
    if (!authorization.empty() && sessions) {
      Result<SessionClaims> claims = sessions->VerifyBearer(authorization);
      if (!claims.ok()) {
        HttpResponse response = HttpResponse::Error(
            401, "UNAUTHENTICATED", "invalid session token: " + claims.status().message());
        response.headers.Set("WWW-Authenticate", "Bearer");
        return Refuse(request, std::move(response));
      }
      wallet = std::move(claims->sub);
    } else if (route->auth == GatewayAuth::kRequired) {
      HttpResponse response = HttpResponse::Error(
          401, "UNAUTHENTICATED",
          authorization.empty() ? "this route needs a session: Authorization: Bearer <token>"
                                : "sessions cannot be verified by this gateway");
      response.headers.Set("WWW-Authenticate", "Bearer");
      return Refuse(request, std::move(response));
    }
  }
  // 6. Per-wallet limit: one wallet cannot escape its limit by changing address.
  if (!wallet.empty()) {
    if (const auto decision = wallet_limiter.Take(wallet, now); !decision.allowed) {
      return too_many(decision, "wallet");
    }
  }
  return std::nullopt;
}

Result<std::unique_ptr<HttpBodySink>> Gateway::Impl::MakeSink(const HttpRequest& request) {
  const GatewayRoute* route = routes.Match(request.path);
  if (route == nullptr) return Status::NotFound("no service serves this path");
  auto pool = pools.find(route->service);
  if (pool == pools.end() || !pool->second->configured()) {
    return Status::Unavailable(route->service + " service is not configured");
  }
  BodyFraming framing = BodyFraming::kNone;
  uint64_t length = 0;
  const std::string_view te = request.Header("Transfer-Encoding");
  if (!te.empty()) {
    framing = BodyFraming::kChunked;  // llhttp accepted it, so chunked is its final coding
  } else if (const std::string* cl = request.headers.Find("Content-Length")) {
    const auto [ptr, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), length);
    if (ec != std::errc() || ptr != cl->data() + cl->size()) {
      return Status::InvalidArgument("malformed Content-Length");
    }
    framing = BodyFraming::kLength;
  }
  auto exchange = std::make_shared<ProxyExchange>(
      pool->second,
      internal::BuildUpstreamRequestHead(request, pool->second->address(), framing, length),
      framing, request.method == HttpMethod::kHead);
  exchange->Start();  // connects while the body (if any) arrives
  return std::unique_ptr<HttpBodySink>(std::make_unique<ProxySink>(std::move(exchange)));
}

void Gateway::Impl::Forward(HttpRequest& request, HttpResponder respond) {
  auto* sink = dynamic_cast<ProxySink*>(request.body_sink.get());
  if (sink == nullptr) {
    return respond(Refuse(request, HttpResponse::Error(Status::Internal("no upstream exchange"))));
  }
  sink->exchange()->Finish([self = shared_from_this(),
                            id = std::string(request.Header("X-Request-Id")),
                            origin = std::string(request.Header("Origin")),
                            respond = std::move(respond)](HttpResponse response) {
    self->Decorate(id, origin, response);
    respond(std::move(response));
  });
}

HttpResponse Gateway::Impl::ServicesResponse(const HttpRequest& request) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, pool] : pools) {
    const GatewayServiceStatus status = pool->Snapshot();
    list.push_back({{"name", status.name},
                    {"url", status.url},
                    {"state", status.state},
                    {"last_error", status.last_error}});
  }
  HttpResponse response = HttpResponse::Json(200, nlohmann::json{{"services", list}}.dump());
  const std::string_view sent = request.Header("X-Request-Id");
  Decorate(internal::IsValidRequestId(sent) ? sent : std::string_view(internal::NewRequestId()),
           request.Header("Origin"), response);
  return response;
}

// ---------------------------------------------------------------------------------------------

Result<std::unique_ptr<Gateway>> Gateway::Create(const GatewayOptions& options, Runtime& runtime,
                                                 std::shared_ptr<const Authenticator> sessions) {
  STREAMGATE_RETURN_IF_ERROR(CheckPositive(options.connect_timeout_ms, "connect_timeout_ms"));
  STREAMGATE_RETURN_IF_ERROR(CheckPositive(options.response_timeout_ms, "response_timeout_ms"));
  STREAMGATE_RETURN_IF_ERROR(CheckPositive(options.pool_idle_timeout_ms, "pool_idle_timeout_ms"));
  STREAMGATE_RETURN_IF_ERROR(CheckPositive(options.health_interval_ms, "health_interval_ms"));
  STREAMGATE_RETURN_IF_ERROR(CheckPositive(options.health_timeout_ms, "health_timeout_ms"));
  STREAMGATE_RETURN_IF_ERROR(
      CheckPositive(options.rate_limit_max_buckets, "rate_limit_max_buckets"));
  if (options.max_idle_connections < 0 || options.rate_limit_ip_per_s < 0 ||
      options.rate_limit_wallet_per_s < 0 || options.rate_limit_ip_burst < 0 ||
      options.rate_limit_wallet_burst < 0) {
    return Status::InvalidArgument("gateway limits must not be negative");
  }
  auto impl = std::make_shared<Impl>(options, runtime, std::move(sessions));
  internal::UpstreamSettings settings;
  settings.connect_timeout_ms = options.connect_timeout_ms;
  settings.response_timeout_ms = options.response_timeout_ms;
  settings.pool_idle_timeout_ms = options.pool_idle_timeout_ms;
  settings.max_idle = static_cast<size_t>(options.max_idle_connections);
  const std::pair<const char*, const std::string*> services[] = {
      {"upload", &options.upload_url},       {"transcoder", &options.transcoder_url},
      {"streaming", &options.streaming_url}, {"metadata", &options.metadata_url},
      {"cache", &options.cache_url},         {"auth", &options.auth_url},
      {"worker", &options.worker_url},       {"monitor", &options.monitor_url}};
  for (const auto& [name, url] : services) {
    std::optional<internal::ServiceUrl> address;
    if (!url->empty()) {
      Result<internal::ServiceUrl> parsed = internal::ParseServiceUrl(*url);
      if (!parsed.ok()) {
        return Status::InvalidArgument("gateway." + std::string(name) +
                                       "_url: " + parsed.status().message());
      }
      address = std::move(*parsed);
    }
    impl->pools.emplace(name, std::make_shared<UpstreamPool>(internal::IoContext(runtime), name,
                                                             *url, std::move(address), settings));
  }
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

Gateway::Gateway(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() { Stop(); }

Status Gateway::RegisterRoutes(Router& router) {
  std::shared_ptr<Impl> impl = impl_;
  RouteOptions proxy;
  proxy.mode = HandlerMode::kInline;  // never blocks: all waiting is asynchronous
  proxy.max_body_bytes = impl->options.max_body_bytes;
  proxy.admit = [impl](HttpRequest& request) { return impl->Admit(request); };
  proxy.body_sink = [impl](const HttpRequest& request) { return impl->MakeSink(request); };
  AsyncHttpHandler forward = [impl](HttpRequest& request, HttpResponder respond) {
    impl->Forward(request, std::move(respond));
  };
  RouteOptions local;
  local.mode = HandlerMode::kInline;
  STREAMGATE_RETURN_IF_ERROR(router.Add(
      HttpMethod::kGet, "/api/v1/gateway/services",
      [impl](HttpRequest& request) { return impl->ServicesResponse(request); }, local));
  for (const std::string_view pattern : {"/api/v1/{path...}", "/stream/{path...}"}) {
    for (const HttpMethod method :
         {HttpMethod::kGet, HttpMethod::kHead, HttpMethod::kPost, HttpMethod::kPut,
          HttpMethod::kPatch, HttpMethod::kDelete, HttpMethod::kOptions}) {
      STREAMGATE_RETURN_IF_ERROR(router.AddAsync(method, pattern, forward, proxy));
    }
  }
  return Status::Ok();
}

Status Gateway::Start() {
  std::lock_guard<std::mutex> lock(impl_->probes_mutex);
  if (!impl_->probes.empty()) return Status::Ok();
  Runtime* runtime = &impl_->runtime;
  for (const auto& [name, pool] : impl_->pools) {
    if (!pool->configured()) continue;
    if (Status resolved = pool->Resolve(); !resolved.ok()) {
      Log(LogLevel::kWarn, "gateway", resolved.message() + " (retried by the health check)");
    }
    auto probe = std::make_shared<HealthProbe>(
        pool, impl_->options.health_interval_ms, impl_->options.health_timeout_ms,
        [runtime](std::function<void()> task) { runtime->Post(std::move(task)); });
    probe->Start();
    impl_->probes.push_back(std::move(probe));
  }
  return Status::Ok();
}

void Gateway::Stop() {
  std::lock_guard<std::mutex> lock(impl_->probes_mutex);
  for (const auto& probe : impl_->probes) probe->Stop();
  impl_->probes.clear();
}

std::vector<GatewayServiceStatus> Gateway::Services() const {
  std::vector<GatewayServiceStatus> out;
  for (const auto& [name, pool] : impl_->pools) out.push_back(pool->Snapshot());
  return out;
}

std::string Gateway::DownServices() const {
  std::string down;
  for (const auto& [name, pool] : impl_->pools) {
    if (!pool->configured() || !pool->down()) continue;
    if (!down.empty()) down += ", ";
    down += name;
  }
  return down;
}

}  // namespace streamgate
