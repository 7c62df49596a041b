// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Monitor: health aggregation, alert evaluation on a Runtime timer, and the log ring buffer.
#include "streamgate/monitor.h"

#include <asio/steady_timer.hpp>
#include <mutex>

#include "common/log.h"
#include "common/runtime_impl.h"
#include "monitor/alert_rules.h"
#include "monitor/log_ring.h"
#include "monitor/service_health.h"
#include "streamgate/kernel.h"

namespace streamgate {
namespace {

int Severity(std::string_view status) {
  if (status == "healthy") return 0;
  if (status == "degraded") return 1;
  return 2;
}

}  // namespace

// Shared with the timer's handlers through a weak_ptr: a handler that runs after the Monitor is
// gone finds nothing and returns.
struct Monitor::Impl {
  Impl(const MonitorOptions& options_in, Runtime& runtime_in, MetricsRegistry& metrics_in)
      : options(options_in),
        metrics(metrics_in),
        log_sink(std::make_shared<internal::LogRingSink>(
            static_cast<std::size_t>(std::max(0, options_in.log_buffer_lines)))),
        timer(internal::IoContext(runtime_in)) {}

  void Schedule(const std::shared_ptr<Impl>& self) {
    // Caller holds mu.
    timer.expires_after(std::chrono::milliseconds(options.alert_interval_ms));
    std::weak_ptr<Impl> weak = self;
    timer.async_wait([weak](const std::error_code& error) {
      if (error) return;
      const std::shared_ptr<Impl> impl = weak.lock();
      if (impl == nullptr) return;
      // Checked under the lock the evaluation holds: once Stop() has returned, no evaluation
      // is in progress and none starts.
      std::lock_guard lock(impl->mu);
      if (!impl->running) return;
      impl->EvaluateLocked();
      impl->Schedule(impl);
    });
  }

  // Caller holds mu. Collectors run inside (metrics.Snapshot), so no collector and no
  // Plugin::Health() may call back into this Monitor.
  std::vector<AlertStatus> EvaluateLocked() {
    if (alerts.empty()) return alerts;
    const std::vector<MetricFamilySnapshot> snapshot = metrics.Snapshot();
    const auto now = std::chrono::system_clock::now();
    for (AlertStatus& alert : alerts) {
      const AlertState before = alert.state;
      if (!internal::AdvanceAlert(alert, internal::AlertValue(alert.rule, snapshot), now)) continue;
      if (alert.state == AlertState::kFiring) {
        Log(LogLevel::kWarn, "monitor",
            "alert " + alert.rule.name + " firing: " + alert.rule.text + " (value " +
                std::to_string(alert.value.value_or(0)) + ")");
      } else if (alert.state == AlertState::kResolved) {
        Log(LogLevel::kInfo, "monitor", "alert " + alert.rule.name + " resolved");
      } else if (before == AlertState::kPending && alert.state == AlertState::kInactive) {
        Log(LogLevel::kDebug, "monitor", "alert " + alert.rule.name + " no longer pending");
      }
    }
    UpdateStateGauges();
    return alerts;
  }

  // Caller holds mu.
  void UpdateStateGauges() {
    double counts[4] = {};
    for (const AlertStatus& alert : alerts) ++counts[static_cast<int>(alert.state)];
    for (int i = 0; i < 4; ++i) {
      if (state_gauges[i] != nullptr) state_gauges[i]->Set(counts[i]);
    }
  }

  const MonitorOptions options;
  MetricsRegistry& metrics;
  std::vector<MonitoredService> services;
  std::shared_ptr<internal::LogRingSink> log_sink;

  mutable std::mutex mu;
  asio::steady_timer timer;         // guarded by mu
  bool running = false;             // guarded by mu
  std::vector<AlertStatus> alerts;  // guarded by mu
  Gauge* state_gauges[4] = {};      // streamgate_alerts{state}, indexed by AlertState
};

Result<std::unique_ptr<Monitor>> Monitor::Create(const MonitorOptions& options, Runtime& runtime,
                                                 MetricsRegistry& metrics) {
  if (options.alert_interval_ms <= 0) {
    return Status::InvalidArgument("monitor.alert_interval_ms must be positive");
  }
  if (options.health_timeout_ms <= 0) {
    return Status::InvalidArgument("monitor.health_timeout_ms must be positive");
  }
  if (options.log_buffer_lines < 0) {
    return Status::InvalidArgument("monitor.log_buffer_lines must not be negative");
  }
  STREAMGATE_ASSIGN_OR_RETURN(std::vector<MonitoredService> services,
                              ParseMonitoredServices(options.services));
  STREAMGATE_ASSIGN_OR_RETURN(std::vector<AlertRule> rules, ParseAlertRules(options.alert_rules));
  auto impl = std::make_shared<Impl>(options, runtime, metrics);
  impl->services = std::move(services);
  for (AlertRule& rule : rules) {
    AlertStatus status;
    status.rule = std::move(rule);
    impl->alerts.push_back(std::move(status));
  }
  STREAMGATE_ASSIGN_OR_RETURN(
      GaugeFamily * gauges,
      metrics.AddGauge("streamgate_alerts",
                       "Alert rules by state (inactive, pending, firing, resolved).", {"state"}));
  for (const AlertState state :
       {AlertState::kInactive, AlertState::kPending, AlertState::kFiring, AlertState::kResolved}) {
    impl->state_gauges[static_cast<int>(state)] = &gauges->WithLabels({AlertStateName(state)});
  }
  impl->UpdateStateGauges();
  if (options.log_buffer_lines > 0) internal::AddLogSink(impl->log_sink);
  return std::unique_ptr<Monitor>(new Monitor(std::move(impl)));
}

Monitor::Monitor(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Monitor::~Monitor() {
  Stop();
  internal::RemoveLogSink(impl_->log_sink);
}

Status Monitor::Start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->running || impl_->alerts.empty()) return Status::Ok();
  impl_->running = true;
  impl_->Schedule(impl_);
  return Status::Ok();
}

void Monitor::Stop() {
  std::lock_guard lock(impl_->mu);
  impl_->running = false;
  impl_->timer.cancel();
}

AggregatedHealth Monitor::CheckHealth(const KernelHealth& local) const {
  AggregatedHealth out;
  out.services = internal::FetchServiceHealth(
      impl_->services, std::chrono::milliseconds(impl_->options.health_timeout_ms));
  int worst = static_cast<int>(local.state);  // kHealthy 0, kDegraded 1, kUnhealthy 2
  for (const ServiceHealthStatus& service : out.services) {
    worst = std::max(worst, Severity(service.status));
  }
  out.status = std::string(HealthStateName(static_cast<HealthState>(worst)));
  return out;
}

std::vector<AlertStatus> Monitor::EvaluateAlerts() {
  std::lock_guard lock(impl_->mu);
  return impl_->EvaluateLocked();
}

std::vector<AlertStatus> Monitor::Alerts() const {
  std::lock_guard lock(impl_->mu);
  return impl_->alerts;
}

std::vector<LogRecord> Monitor::RecentLogs(const LogQuery& query) const {
  return impl_->log_sink->Query(query);
}

std::size_t Monitor::log_capacity() const { return impl_->log_sink->capacity(); }

}  // namespace streamgate
