// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The cache plugin: builds the Cache backend named by `cache.backend`, Provides it to the other
// plugins, drops entries under `content:<content_id>` when `content.updated` arrives, and
// serves the admin endpoints under /api/v1/cache (Bearer cache.admin_token; disabled when the
// token is empty).
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/log.h"
#include "service/background_refresh.h"
#include "service/plugins/service_plugin.h"
#include "streamgate/cache.h"
#include "streamgate/monitor.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

using json = nlohmann::json;

constexpr int64_t kMaxTtlMs = int64_t{365} * 24 * 60 * 60 * 1000;

HttpResponse JsonResponse(int status, const json& body) {
  return HttpResponse::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

// Equal-length digests compared in constant time: neither the token's content nor its length
// leaks through timing.
bool TokenMatches(std::string_view given, std::string_view expected) {
  unsigned char a[SHA256_DIGEST_LENGTH];
  unsigned char b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

class CachePlugin final : public ServicePlugin {
 public:
  CachePlugin() : ServicePlugin("cache") {}

  // streamgate_cache_requests_total{result}, streamgate_cache_evictions_total and
  // streamgate_cache_entries. The in-process cache's counters are read at scrape time; the
  // Redis backend's Stats() scans the server, so it is read in the background instead.
  Status AddMetrics(MetricsRegistry& registry, Runtime& runtime) {
    STREAMGATE_ASSIGN_OR_RETURN(CounterFamily * requests,
                                registry.AddCounter("streamgate_cache_requests_total",
                                                    "Cache reads, by result.", {"result"}));
    STREAMGATE_ASSIGN_OR_RETURN(
        CounterFamily * evictions,
        registry.AddCounter("streamgate_cache_evictions_total",
                            "Entries evicted to stay under the memory bound."));
    STREAMGATE_ASSIGN_OR_RETURN(
        GaugeFamily * entries,
        registry.AddGauge("streamgate_cache_entries", "Live entries in the cache."));
    Counter* hits = &requests->WithLabels({"hit"});
    Counter* misses = &requests->WithLabels({"miss"});
    Counter* evicted = &evictions->Get();
    Gauge* live = &entries->Get();
    // Holds the cache, not the plugin: safe to run whenever the registry renders.
    auto read = [cache = cache_, hits, misses, evicted, live] {
      const CacheStats stats = cache->Stats();
      hits->IncreaseTo(stats.hits);
      misses->IncreaseTo(stats.misses);
      evicted->IncreaseTo(stats.evictions);
      live->Set(static_cast<double>(stats.entries));
    };
    if (cache_->backend() == "lru") {
      registry.AddCollector(std::move(read));
    } else {
      auto refresh = std::make_shared<BackgroundRefresh>(runtime, std::chrono::seconds(1), read);
      registry.AddCollector([refresh] { refresh->Request(); });
    }
    return Status::Ok();
  }

  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(ServicePlugin::Init(context));
    events_ = &context.events;
    Result<std::unique_ptr<Cache>> cache = NewCacheFromConfig(config().cache);
    if (!cache.ok()) return cache.status().WithContext("cache");
    cache_ = std::shared_ptr<Cache>(std::move(cache).value());
    STREAMGATE_RETURN_IF_ERROR(context.services.Provide<Cache>(cache_));
    STREAMGATE_RETURN_IF_ERROR(AddMetrics(context.metrics, context.runtime));

    subscription_ = context.events.Subscribe("content.updated", [this](const Event& event) {
      const json data = json::parse(event.data, nullptr, false);
      const auto id = data.is_object() ? data.find("content_id") : data.end();
      if (id == data.end() || !id->is_string() || id->get<std::string>().empty()) {
        Logger("cache")->warn("ignoring malformed content.updated event");
        return;
      }
      Result<uint64_t> removed = cache_->DeleteByPrefix("content:" + id->get<std::string>());
      if (!removed.ok()) {
        Logger("cache")->warn("invalidation of content:{} failed: {}", id->get<std::string>(),
                              removed.status().ToString());
      }
    });

    Router& router = context.router;
    const auto admin = [this](auto handler) {
      return [this, handler](HttpRequest& request) {
        if (std::optional<HttpResponse> denied = CheckAdmin(request)) return std::move(*denied);
        return (this->*handler)(request);
      };
    };
    RouteOptions set_options;
    // JSON escaping may double a value's size; the exact bound is checked after parsing.
    set_options.max_body_bytes = config().cache.max_value_bytes * 2 + 64 * 1024;
    STREAMGATE_RETURN_IF_ERROR(
        router.Add(HttpMethod::kGet, "/api/v1/cache/get", admin(&CachePlugin::HandleGet)));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kPost, "/api/v1/cache/set",
                                          admin(&CachePlugin::HandleSet), set_options));
    STREAMGATE_RETURN_IF_ERROR(
        router.Add(HttpMethod::kDelete, "/api/v1/cache/delete", admin(&CachePlugin::HandleDelete)));
    STREAMGATE_RETURN_IF_ERROR(
        router.Add(HttpMethod::kPost, "/api/v1/cache/clear", admin(&CachePlugin::HandleClear)));
    STREAMGATE_RETURN_IF_ERROR(
        router.Add(HttpMethod::kGet, "/api/v1/cache/stats", admin(&CachePlugin::HandleStats)));
    return Status::Ok();
  }

  Status Stop() override {
    if (subscription_ != 0) events_->Unsubscribe(subscription_);
    subscription_ = 0;
    return Status::Ok();
  }

 private:
  std::optional<HttpResponse> CheckAdmin(const HttpRequest& request) const {
    const std::string& token = config().cache.admin_token;
    if (token.empty()) {
      return HttpResponse::Error(
          403, "PERMISSION_DENIED",
          "the cache admin endpoints are disabled: set cache.admin_token to enable them");
    }
    std::string_view header = request.Header("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() < kBearer.size() ||
        !std::equal(kBearer.begin(), kBearer.end(), header.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      HttpResponse response =
          HttpResponse::Error(Status::Unauthenticated("missing Authorization: Bearer token"));
      response.headers.Set("WWW-Authenticate", "Bearer");
      return response;
    }
    header.remove_prefix(kBearer.size());
    if (!TokenMatches(header, token)) {
      HttpResponse response = HttpResponse::Error(Status::Unauthenticated("invalid token"));
      response.headers.Set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      return response;
    }
    return std::nullopt;
  }

  // Cache statuses as HTTP: a key too long is 400, a value too large 413 (not the 429 that
  // ResourceExhausted means elsewhere).
  static HttpResponse CacheError(const Status& status) {
    if (status.code() == StatusCode::kResourceExhausted) {
      return HttpResponse::Error(413, "RESOURCE_EXHAUSTED", status.message());
    }
    return HttpResponse::Error(status);
  }

  HttpResponse HandleGet(HttpRequest& request) {
    if (!request.HasQuery("key")) {
      return HttpResponse::Error(Status::InvalidArgument("missing query parameter key"));
    }
    const std::string key(request.Query("key"));
    Result<std::string> value = cache_->Get(key);
    if (!value.ok()) return CacheError(value.status());
    return JsonResponse(200, json{{"key", key}, {"value", *value}});
  }

  HttpResponse HandleSet(HttpRequest& request) {
    const json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return HttpResponse::Error(Status::InvalidArgument("body must be a JSON object"));
    }
    const auto key = body.find("key");
    const auto value = body.find("value");
    if (key == body.end() || !key->is_string()) {
      return HttpResponse::Error(Status::InvalidArgument("key (a string) is required"));
    }
    if (value == body.end() || !value->is_string()) {
      return HttpResponse::Error(Status::InvalidArgument("value (a string) is required"));
    }
    int64_t ttl_ms = 0;
    if (const auto ttl = body.find("ttl_ms"); ttl != body.end()) {
      if (!ttl->is_number_integer() || ttl->get<int64_t>() < 0 ||
          (ttl->is_number_unsigned() && ttl->get<uint64_t>() > static_cast<uint64_t>(kMaxTtlMs)) ||
          ttl->get<int64_t>() > kMaxTtlMs) {
        return HttpResponse::Error(Status::InvalidArgument(
            "ttl_ms must be an integer from 0 (the default TTL) to one year"));
      }
      ttl_ms = ttl->get<int64_t>();
    }
    for (const auto& [name, unused] : body.items()) {
      if (name != "key" && name != "value" && name != "ttl_ms") {
        return HttpResponse::Error(Status::InvalidArgument("unknown field \"" + name + "\""));
      }
    }
    const Status stored = cache_->Set(key->get<std::string>(), value->get<std::string>(),
                                      std::chrono::milliseconds(ttl_ms));
    if (!stored.ok()) return CacheError(stored);
    return JsonResponse(200, json{{"stored", true}, {"key", key->get<std::string>()}});
  }

  HttpResponse HandleDelete(HttpRequest& request) {
    if (request.HasQuery("prefix") == request.HasQuery("key")) {
      return HttpResponse::Error(
          Status::InvalidArgument("give exactly one of the query parameters key and prefix"));
    }
    if (request.HasQuery("prefix")) {
      const std::string prefix(request.Query("prefix"));
      if (prefix.empty()) {
        return HttpResponse::Error(
            Status::InvalidArgument("empty prefix (use POST /api/v1/cache/clear)"));
      }
      Result<uint64_t> removed = cache_->DeleteByPrefix(prefix);
      if (!removed.ok()) return CacheError(removed.status());
      return JsonResponse(200, json{{"deleted", *removed}});
    }
    Result<bool> removed = cache_->Delete(request.Query("key"));
    if (!removed.ok()) return CacheError(removed.status());
    if (!*removed) return HttpResponse::Error(Status::NotFound("no such key"));
    return JsonResponse(200, json{{"deleted", 1}});
  }

  HttpResponse HandleClear(HttpRequest&) {
    const Status cleared = cache_->Clear();
    if (!cleared.ok()) return CacheError(cleared);
    return JsonResponse(200, json{{"cleared", true}});
  }

  HttpResponse HandleStats(HttpRequest&) {
    const CacheStats stats = cache_->Stats();
    return JsonResponse(200, json{{"backend", std::string(cache_->backend())},
                                  {"hits", stats.hits},
                                  {"misses", stats.misses},
                                  {"evictions", stats.evictions},
                                  {"entries", stats.entries},
                                  {"bytes", stats.bytes}});
  }

  EventBus* events_ = nullptr;
  std::shared_ptr<Cache> cache_;
  SubscriptionId subscription_ = 0;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewCachePlugin() { return std::make_unique<internal::CachePlugin>(); }

}  // namespace streamgate
