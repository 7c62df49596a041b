// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The API gateway: the single entry point in microservices mode. It routes every `/api/v1/<prefix>`
// and `/stream/` request to the service that owns it, streaming bodies both ways (an upload or a
// segment is never held whole in memory), and in front of the services it enforces session
// authentication where a route needs it, rate limits per client IP and per wallet, answers CORS,
// and gives every exchange a request id. Upstream failures are answered clearly: 502 (refused,
// reset, malformed response), 503 (no address configured, or the service is down by the active
// health check), 504 (timeout), each with {"error":{"code":...,"message":...}} naming the service.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "streamgate/http.h"
#include "streamgate/result.h"

namespace streamgate {

class Authenticator;
class Runtime;

// The services behind the gateway, by name: "upload", "transcoder", "streaming", "metadata",
// "cache", "auth", "worker", "monitor".
struct GatewayOptions {
  // Base URL of each service ("http://host:port", plain HTTP). Empty: not configured (its routes
  // answer 503). Defaults: the SPEC ports on 127.0.0.1.
  std::string upload_url = "http://127.0.0.1:9091";
  std::string transcoder_url = "http://127.0.0.1:9092";
  std::string streaming_url = "http://127.0.0.1:9093";
  std::string metadata_url = "http://127.0.0.1:9005";
  std::string cache_url = "http://127.0.0.1:9006";
  std::string auth_url = "http://127.0.0.1:9007";
  std::string worker_url = "http://127.0.0.1:9008";
  std::string monitor_url = "http://127.0.0.1:9009";

  int connect_timeout_ms = 2000;     // TCP connect to a service: 502 when refused, 504 beyond
  int response_timeout_ms = 30000;   // request sent → response head, and between body reads: 504
  int pool_idle_timeout_ms = 20000;  // idle keep-alive connections to a service are closed after
  int max_idle_connections = 64;     // kept per service
  int health_interval_ms = 2000;     // GET /health of each service this often
  int health_timeout_ms = 1000;      // a health check slower than this counts as down

  // Token buckets (requests per second, and burst). 0 per second disables that limit.
  int rate_limit_ip_per_s = 200;
  int rate_limit_ip_burst = 400;
  int rate_limit_wallet_per_s = 100;
  int rate_limit_wallet_burst = 200;
  int rate_limit_max_buckets = 100000;  // idle buckets are evicted beyond this

  // Comma-separated allowed origins for CORS, "*" for any, empty: no CORS headers at all.
  std::string cors_allowed_origins = "*";
  int cors_max_age_s = 600;
  // Comma-separated path prefixes that need a valid session (Authorization: Bearer <session
  // JWT>); elsewhere a token is optional but, when given, must be valid (except under
  // /api/v1/cache, whose Bearer is the cache admin token, left to the cache service).
  std::string session_required_prefixes =
      "/api/v1/auth/verify-nft,/api/v1/metadata/create,/api/v1/metadata/update,"
      "/api/v1/metadata/delete";
  // Largest request body forwarded (uploads stream through, so this can be large).
  uint64_t max_body_bytes = uint64_t{64} << 30;
};

enum class GatewayAuth {
  kPassThrough,  // the gateway does not look at Authorization (e.g. an admin token)
  kOptional,     // no token is fine; a token given must be a valid session
  kRequired,     // a valid session is required: 401 before proxying
};

// One row of the route table: requests whose path is `prefix` or starts with `prefix` + "/"
// go to `service`; the longest matching prefix wins.
struct GatewayRoute {
  std::string prefix;
  std::string service;
  GatewayAuth auth = GatewayAuth::kOptional;
};

// The table from SPEC §2 (upload + tus, transcode, auth, metadata/content/search, stream and
// /stream delivery, cache, jobs, monitor), with `session_required_prefixes` applied.
std::vector<GatewayRoute> DefaultGatewayRoutes(const GatewayOptions& options);

// What the active health check knows about one service.
struct GatewayServiceStatus {
  std::string name;
  std::string url;         // "" when not configured
  std::string state;       // "up", "down", "unknown" (not checked yet), "unconfigured"
  std::string last_error;  // why it is down; "" when up
};

// Owns its upstream connection pools and health-check timers (on the Runtime's I/O threads).
// Thread-safe. The Runtime and the Router it registered on must outlive it; Stop() before the
// Runtime stops.
class Gateway {
 public:
  // `sessions` verifies session JWTs (may be null: then required routes answer 401 and optional
  // tokens are not checked). InvalidArgument for a malformed URL or option.
  static Result<std::unique_ptr<Gateway>> Create(const GatewayOptions& options, Runtime& runtime,
                                                 std::shared_ptr<const Authenticator> sessions);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Adds the proxy routes ("/api/v1/{path...}", "/stream/{path...}" for every method) and
  // GET /api/v1/gateway/services. Literal routes already on the router (/api/v1/health) win.
  Status RegisterRoutes(Router& router);
  // Resolves the services and starts the health checks (first round at once).
  Status Start();
  // Stops the health checks; in-flight exchanges finish on their own. Idempotent.
  void Stop();

  std::vector<GatewayServiceStatus> Services() const;
  // Names of configured services the health check found down, comma-separated; "" if none.
  std::string DownServices() const;

 private:
  struct Impl;
  explicit Gateway(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace streamgate
