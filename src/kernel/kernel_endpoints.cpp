// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "kernel/kernel_endpoints.h"

#include <nlohmann/json.hpp>

#include "kernel/prometheus_text.h"
#include "streamgate/version.h"

namespace streamgate::internal {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Load balancers only read the status code; unhealthy must be a 5xx for them to act on it.
int HealthHttpStatus(HealthState state) { return state == HealthState::kUnhealthy ? 503 : 200; }

std::string Dump(const nlohmann::ordered_json& document) {
  return document.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

HttpResponse Health(Kernel& kernel) {
  const HealthState state = kernel.Health().state;
  nlohmann::ordered_json body;
  body["status"] = std::string(HealthStateName(state));
  return HttpResponse::Json(HealthHttpStatus(state), Dump(body));
}

HttpResponse Ready(Kernel& kernel) {
  const bool ready = kernel.ready();
  nlohmann::ordered_json body;
  body["status"] = ready ? "ready" : "not_ready";
  return HttpResponse::Json(ready ? 200 : 503, Dump(body));
}

HttpResponse DetailedHealth(Kernel& kernel, Clock::time_point created) {
  const KernelHealth health = kernel.Health();
  nlohmann::ordered_json body;
  body["status"] = std::string(HealthStateName(health.state));
  body["service"] = kernel.config().service;
  body["version"] = kVersion;
  body["uptime_seconds"] = SecondsSince(created);
  body["ready"] = kernel.ready();
  body["plugins"] = nlohmann::ordered_json::array();
  for (const PluginHealth& plugin : health.plugins) {
    nlohmann::ordered_json entry;
    entry["name"] = plugin.name;
    entry["version"] = plugin.version;
    entry["status"] = std::string(HealthStateName(plugin.report.state));
    entry["message"] = plugin.report.message;
    body["plugins"].push_back(std::move(entry));
  }
  return HttpResponse::Json(HealthHttpStatus(health.state), Dump(body));
}

}  // namespace

std::string RenderKernelMetrics(Kernel& kernel, double uptime_seconds) {
  PrometheusWriter out;
  out.Family("streamgate_build_info", "gauge", "Always 1; the labels name the build.");
  out.Sample("streamgate_build_info", {{"service", kernel.config().service}, {"version", kVersion}},
             uint64_t{1});
  out.Family("streamgate_up", "gauge", "1 while the process serves requests.");
  out.Sample("streamgate_up", {}, uint64_t{1});
  out.Family("streamgate_uptime_seconds", "gauge", "Seconds since the kernel was created.");
  out.Sample("streamgate_uptime_seconds", {}, uptime_seconds);

  const HttpServer* server = kernel.server();
  const HttpServerStats stats = server != nullptr ? server->stats() : HttpServerStats{};
  out.Family("streamgate_http_requests_total", "counter", "HTTP responses sent, by status class.");
  static constexpr std::string_view kClasses[] = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};
  for (int i = 1; i <= 5; ++i) {
    out.Sample("streamgate_http_requests_total", {{"code_class", kClasses[i]}},
               stats.responses_by_class[i]);
  }
  out.Family("streamgate_http_connections_active", "gauge", "Open HTTP connections.");
  out.Sample("streamgate_http_connections_active", {}, stats.connections_active);
  out.Family("streamgate_http_connections_accepted_total", "counter", "HTTP connections accepted.");
  out.Sample("streamgate_http_connections_accepted_total", {}, stats.connections_accepted);
  out.Family("streamgate_http_response_bytes_total", "counter", "HTTP response bytes sent.");
  out.Sample("streamgate_http_response_bytes_total", {}, stats.bytes_sent);

  // A state set: one series per state, 1 for the current one, so that alerts can match on
  // state="unhealthy" without knowing a numeric encoding.
  out.Family("streamgate_plugin_health", "gauge",
             "1 for the plugin's current health state, 0 for the others.");
  for (const PluginHealth& plugin : kernel.Health().plugins) {
    for (const HealthState state :
         {HealthState::kHealthy, HealthState::kDegraded, HealthState::kUnhealthy}) {
      out.Sample("streamgate_plugin_health",
                 {{"plugin", plugin.name}, {"state", HealthStateName(state)}},
                 uint64_t{plugin.report.state == state ? 1u : 0u});
    }
  }
  return out.Take();
}

Status MountKernelEndpoints(Kernel& kernel, Router& router, Clock::time_point created) {
  // Cheap and non-blocking (plugin Health() must be), so they run on the I/O thread and still
  // answer when the worker pool is saturated.
  RouteOptions inline_route;
  inline_route.mode = HandlerMode::kInline;
  Kernel* const k = &kernel;
  STREAMGATE_RETURN_IF_ERROR(router.Add(
      HttpMethod::kGet, "/health", [k](HttpRequest&) { return Health(*k); }, inline_route));
  STREAMGATE_RETURN_IF_ERROR(router.Add(
      HttpMethod::kGet, "/ready", [k](HttpRequest&) { return Ready(*k); }, inline_route));
  STREAMGATE_RETURN_IF_ERROR(router.Add(
      HttpMethod::kGet, "/api/v1/health",
      [k, created](HttpRequest&) { return DetailedHealth(*k, created); }, inline_route));
  STREAMGATE_RETURN_IF_ERROR(router.Add(
      HttpMethod::kGet, "/metrics",
      [k, created](HttpRequest&) {
        return HttpResponse::Text(200, RenderKernelMetrics(*k, SecondsSince(created)),
                                  kPrometheusContentType);
      },
      inline_route));
  return Status::Ok();
}

}  // namespace streamgate::internal
