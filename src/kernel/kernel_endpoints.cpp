// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "kernel/kernel_endpoints.h"

#include <nlohmann/json.hpp>

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

Status MountKernelEndpoints(Kernel& kernel, Router& router, Clock::time_point created) {
  // Cheap and non-blocking (plugin Health() and metric collectors must be), so they run on the I/O
  // thread and still answer when the worker pool is saturated.
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
      [k](HttpRequest&) {
        return HttpResponse::Text(200, k->metrics().RenderPrometheusText(),
                                  PrometheusContentType());
      },
      inline_route));
  return Status::Ok();
}

}  // namespace streamgate::internal
