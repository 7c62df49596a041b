// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "kernel/kernel_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>

#include "streamgate/version.h"

namespace streamgate::internal {
namespace {

// Resident set size from /proc/self/statm (pages), or -1 when unreadable (not Linux).
double ResidentBytes() {
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (file == nullptr) return -1;
  unsigned long size = 0;
  unsigned long resident = 0;
  const int read = std::fscanf(file, "%lu %lu", &size, &resident);
  std::fclose(file);
  if (read != 2) return -1;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double OpenFileDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the descriptor opendir itself holds
}

}  // namespace

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",   "HEAD",    "POST",    "PUT",  "DELETE",
                                                "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  for (const std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "other";
}

Result<std::unique_ptr<KernelMetrics>> KernelMetrics::Create(MetricsRegistry& registry,
                                                             const Config& config,
                                                             std::function<KernelHealth()> health) {
  std::unique_ptr<KernelMetrics> m(new KernelMetrics());
  m->registry_ = &registry;
  m->health_ = std::move(health);

  STREAMGATE_ASSIGN_OR_RETURN(
      GaugeFamily * build,
      registry.AddGauge("streamgate_build_info", "Always 1; the labels name the build.",
                        {"service", "version"}));
  build->WithLabels({config.service, kVersion}).Set(1);
  STREAMGATE_ASSIGN_OR_RETURN(
      GaugeFamily * up, registry.AddGauge("streamgate_up", "1 while the process serves requests."));
  up->Get().Set(1);
  STREAMGATE_ASSIGN_OR_RETURN(
      GaugeFamily * uptime,
      registry.AddGauge("streamgate_uptime_seconds", "Seconds since the kernel was created."));
  m->uptime_ = &uptime->Get();
  STREAMGATE_ASSIGN_OR_RETURN(
      GaugeFamily * rss,
      registry.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes."));
  m->resident_memory_ = &rss->Get();
  STREAMGATE_ASSIGN_OR_RETURN(
      GaugeFamily * fds, registry.AddGauge("process_open_fds", "Number of open file descriptors."));
  m->open_fds_ = &fds->Get();

  STREAMGATE_ASSIGN_OR_RETURN(
      m->requests_,
      registry.AddCounter("streamgate_http_requests_total",
                          "HTTP responses sent, by method, route pattern and status code.",
                          {"method", "route", "status"}));
  STREAMGATE_ASSIGN_OR_RETURN(
      m->durations_,
      registry.AddHistogram("streamgate_http_request_duration_seconds",
                            "Time from a request's first byte to its response's last, by method "
                            "and route pattern.",
                            {"method", "route"}));
  STREAMGATE_ASSIGN_OR_RETURN(
      CounterFamily * bytes,
      registry.AddCounter("streamgate_http_response_bytes_total", "HTTP response bytes sent."));
  m->response_bytes_ = &bytes->Get();
  STREAMGATE_ASSIGN_OR_RETURN(CounterFamily * accepted,
                              registry.AddCounter("streamgate_http_connections_accepted_total",
                                                  "HTTP connections accepted."));
  m->connections_accepted_ = &accepted->Get();
  STREAMGATE_ASSIGN_OR_RETURN(
      GaugeFamily * active,
      registry.AddGauge("streamgate_http_connections_active", "Open HTTP connections."));
  m->connections_active_ = &active->Get();
  // A state set: one series per state, 1 for the current one, so that alerts can match on
  // state="unhealthy" without knowing a numeric encoding.
  STREAMGATE_ASSIGN_OR_RETURN(
      m->plugin_health_,
      registry.AddGauge("streamgate_plugin_health",
                        "1 for the plugin's current health state, 0 for the others.",
                        {"plugin", "state"}));

  KernelMetrics* const raw = m.get();
  m->collector_id_ = registry.AddCollector([raw] { raw->Collect(); });
  return m;
}

KernelMetrics::~KernelMetrics() { registry_->RemoveCollector(collector_id_); }

void KernelMetrics::Record(const HttpExchange& exchange) {
  const std::string_view method = MethodLabel(exchange.method);
  const std::string_view route = exchange.route.empty() ? "unmatched" : exchange.route;
  char status[8];
  const int length = std::snprintf(status, sizeof(status), "%d", exchange.status);
  requests_->WithLabels({method, route, std::string_view(status, static_cast<std::size_t>(length))})
      .Inc();
  durations_->WithLabels({method, route})
      .Observe(std::chrono::duration<double>(exchange.duration).count());
  response_bytes_->Add(static_cast<double>(exchange.bytes_sent));
}

void KernelMetrics::Collect() {
  uptime_->Set(std::chrono::duration<double>(std::chrono::steady_clock::now() - created_).count());
  resident_memory_->Set(ResidentBytes());
  open_fds_->Set(OpenFileDescriptors());
  if (const HttpServer* server = server_.load(); server != nullptr) {
    const HttpServerStats stats = server->stats();
    connections_accepted_->IncreaseTo(stats.connections_accepted);
    connections_active_->Set(static_cast<double>(stats.connections_active));
  }
  if (health_) {
    for (const PluginHealth& plugin : health_().plugins) {
      for (const HealthState state :
           {HealthState::kHealthy, HealthState::kDegraded, HealthState::kUnhealthy}) {
        plugin_health_->WithLabels({plugin.name, HealthStateName(state)})
            .Set(plugin.report.state == state ? 1 : 0);
      }
    }
  }
}

}  // namespace streamgate::internal
