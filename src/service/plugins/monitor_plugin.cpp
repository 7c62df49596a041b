// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The monitor plugin: GET /api/v1/monitor/health (this process's plugins and the configured
// services), /api/v1/monitor/metrics (the registry as JSON), /api/v1/monitor/alerts and
// /api/v1/monitor/logs. GET /metrics (Prometheus text) is the kernel's: it answers whether or
// not this plugin is loaded.
#include <charconv>
#include <cmath>
#include <ctime>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "service/plugins/service_plugin.h"
#include "streamgate/monitor.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

using Json = nlohmann::ordered_json;
using SystemTime = std::chrono::system_clock::time_point;

constexpr std::size_t kMaxLogLimit = 10000;

std::string Dump(const Json& document) {
  return document.dump(-1, ' ', false, Json::error_handler_t::replace);
}

HttpResponse BadRequest(const std::string& message) {
  return HttpResponse::Error(Status::InvalidArgument(message));
}

// InvalidArgument naming the first query parameter not in `allowed`, or one given twice.
Status CheckQuery(const HttpRequest& request, std::initializer_list<std::string_view> allowed) {
  for (std::size_t i = 0; i < request.query.size(); ++i) {
    const std::string& name = request.query[i].first;
    bool known = false;
    for (const std::string_view candidate : allowed) known = known || name == candidate;
    std::string list;
    for (const std::string_view candidate : allowed) {
      list += (list.empty() ? "" : ", ") + std::string(candidate);
    }
    if (!known) {
      return Status::InvalidArgument("unknown query parameter \"" + name.substr(0, 64) +
                                     "\" (expected " + (list.empty() ? "none" : list) + ")");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (request.query[j].first == name) {
        return Status::InvalidArgument("query parameter \"" + name + "\" given twice");
      }
    }
  }
  return Status::Ok();
}

// RFC 3339 UTC with milliseconds, or null for "never".
Json TimeJson(SystemTime time) {
  if (time == SystemTime{}) return nullptr;
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return std::string(buffer);
}

// `since`: Unix seconds ("1700000000", "1700000000.25") — strict, non-negative, finite.
Result<SystemTime> ParseSince(std::string_view text) {
  double seconds = 0;
  const auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), seconds, std::chars_format::fixed);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      !std::isfinite(seconds) || seconds < 0 || seconds > 1e11) {
    return Status::InvalidArgument(
        "since must be Unix seconds (e.g. 1700000000 or "
        "1700000000.5), got \"" +
        std::string(text.substr(0, 64)) + "\"");
  }
  return SystemTime(
      std::chrono::duration_cast<SystemTime::duration>(std::chrono::duration<double>(seconds)));
}

class MonitorPlugin final : public ServicePlugin {
 public:
  MonitorPlugin() : ServicePlugin("monitor") {}

  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(ServicePlugin::Init(context));
    metrics_ = &context.metrics;
    kernel_health_ = context.health;
    STREAMGATE_ASSIGN_OR_RETURN(
        monitor_, Monitor::Create(context.config.monitor, context.runtime, context.metrics));

    Router& router = context.router;
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kGet, "/api/v1/monitor/health",
                                          [this](HttpRequest& r) { return Health(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kGet, "/api/v1/monitor/metrics",
                                          [this](HttpRequest& r) { return Metrics(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kGet, "/api/v1/monitor/alerts",
                                          [this](HttpRequest& r) { return Alerts(r); }));
    STREAMGATE_RETURN_IF_ERROR(router.Add(HttpMethod::kGet, "/api/v1/monitor/logs",
                                          [this](HttpRequest& r) { return Logs(r); }));
    return Status::Ok();
  }

  Status Start() override { return monitor_->Start(); }
  Status Stop() override {
    monitor_->Stop();
    return Status::Ok();
  }
  // Deliberately reads nothing of the Monitor: the alert evaluation calls plugin health
  // (through the registry's collectors) while holding the Monitor's lock.

 private:
  HttpResponse Health(HttpRequest& request) {
    if (Status status = CheckQuery(request, {}); !status.ok()) return HttpResponse::Error(status);
    const KernelHealth local = kernel_health_ ? kernel_health_() : KernelHealth{};
    const AggregatedHealth health = monitor_->CheckHealth(local);
    Json body;
    body["status"] = health.status;
    body["service"] = config().service;
    Json plugins = Json::array();
    for (const PluginHealth& plugin : local.plugins) {
      Json entry;
      entry["name"] = plugin.name;
      entry["version"] = plugin.version;
      entry["status"] = std::string(HealthStateName(plugin.report.state));
      entry["message"] = plugin.report.message;
      plugins.push_back(std::move(entry));
    }
    body["plugins"] = std::move(plugins);
    Json services = Json::array();
    for (const ServiceHealthStatus& service : health.services) {
      Json entry;
      entry["name"] = service.name;
      entry["url"] = service.url;
      entry["status"] = service.status;
      entry["http_status"] = service.http_status;
      entry["latency_ms"] = service.latency_ms;
      entry["error"] = service.error;
      services.push_back(std::move(entry));
    }
    body["services"] = std::move(services);
    // Always 200: this reports on others; the monitor's own health is GET /health.
    return HttpResponse::Json(200, Dump(body));
  }

  HttpResponse Metrics(HttpRequest& request) {
    if (Status status = CheckQuery(request, {"prefix"}); !status.ok()) {
      return HttpResponse::Error(status);
    }
    const std::string_view prefix = request.Query("prefix");
    if (!prefix.empty()) {
      if (Status status = ValidateMetricName(prefix); !status.ok()) {
        return BadRequest("prefix: " + std::string(status.message()));
      }
    }
    return HttpResponse::Json(200, metrics_->RenderJson(prefix));
  }

  HttpResponse Alerts(HttpRequest& request) {
    if (Status status = CheckQuery(request, {"state"}); !status.ok()) {
      return HttpResponse::Error(status);
    }
    std::optional<AlertState> wanted;
    if (request.HasQuery("state")) {
      const std::string_view text = request.Query("state");
      for (const AlertState state : {AlertState::kInactive, AlertState::kPending,
                                     AlertState::kFiring, AlertState::kResolved}) {
        if (text == AlertStateName(state)) wanted = state;
      }
      if (!wanted) {
        return BadRequest("state must be inactive, pending, firing or resolved, got \"" +
                          std::string(text.substr(0, 64)) + "\"");
      }
    }
    const std::vector<AlertStatus> alerts = monitor_->Alerts();
    Json list = Json::array();
    for (const AlertStatus& alert : alerts) {
      if (wanted && alert.state != *wanted) continue;
      Json entry;
      entry["name"] = alert.rule.name;
      entry["rule"] = alert.rule.text;
      entry["metric"] = alert.rule.metric;
      entry["threshold"] = alert.rule.threshold;
      entry["for_ms"] = alert.rule.for_duration.count();
      entry["state"] = std::string(AlertStateName(alert.state));
      entry["value"] = alert.value.has_value() && std::isfinite(*alert.value) ? Json(*alert.value)
                                                                              : Json(nullptr);
      entry["active_since"] = TimeJson(alert.active_since);
      entry["fired_at"] = TimeJson(alert.fired_at);
      entry["resolved_at"] = TimeJson(alert.resolved_at);
      entry["evaluated_at"] = TimeJson(alert.evaluated_at);
      list.push_back(std::move(entry));
    }
    Json body;
    body["alerts"] = std::move(list);
    return HttpResponse::Json(200, Dump(body));
  }

  HttpResponse Logs(HttpRequest& request) {
    if (Status status = CheckQuery(request, {"level", "limit", "since"}); !status.ok()) {
      return HttpResponse::Error(status);
    }
    LogQuery query;
    if (request.HasQuery("level")) {
      const std::string_view text = request.Query("level");
      Result<LogLevel> level = ParseLogLevel(text);
      if (!level.ok() || *level == LogLevel::kOff) {
        return BadRequest("level must be trace, debug, info, warn, error or critical, got \"" +
                          std::string(text.substr(0, 64)) + "\"");
      }
      query.min_level = *level;
    }
    if (request.HasQuery("limit")) {
      const std::string_view text = request.Query("limit");
      std::size_t limit = 0;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
      if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || limit < 1 ||
          limit > kMaxLogLimit) {
        return BadRequest("limit must be an integer in [1, " + std::to_string(kMaxLogLimit) +
                          "], got \"" + std::string(text.substr(0, 64)) + "\"");
      }
      query.limit = limit;
    }
    if (request.HasQuery("since")) {
      Result<SystemTime> since = ParseSince(request.Query("since"));
      if (!since.ok()) return HttpResponse::Error(since.status());
      query.since = *since;
    }
    Json lines = Json::array();
    for (const LogRecord& record : monitor_->RecentLogs(query)) {
      Json entry;
      entry["seq"] = record.sequence;
      entry["ts"] = TimeJson(record.time);
      entry["level"] = std::string(LogLevelName(record.level));
      entry["logger"] = record.logger;
      entry["msg"] = record.message;
      lines.push_back(std::move(entry));
    }
    Json body;
    body["capacity"] = monitor_->log_capacity();
    body["lines"] = std::move(lines);
    return HttpResponse::Json(200, Dump(body));
  }

  MetricsRegistry* metrics_ = nullptr;
  std::function<KernelHealth()> kernel_health_;
  std::unique_ptr<Monitor> monitor_;
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewMonitorPlugin() { return std::make_unique<internal::MonitorPlugin>(); }

}  // namespace streamgate
