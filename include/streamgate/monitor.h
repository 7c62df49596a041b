// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Monitor: the metrics registry every plugin records into (counters, gauges, histograms with
// labels), its Prometheus text exposition (format 0.0.4) and JSON rendering, and the Monitor
// service built on it: health aggregated across plugins and services, threshold alerts
// evaluated on a Runtime timer, and a ring buffer of recent log lines.
//
// The Kernel owns one MetricsRegistry and hands it to every plugin (PluginContext::metrics), so
// plugins record metrics whether or not the monitor plugin is loaded.
//
// This header must not include kernel.h or config.h (config.h includes it).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/logging.h"
#include "streamgate/result.h"
#include "streamgate/runtime.h"

namespace streamgate {

struct KernelHealth;  // kernel.h

// ---------------------------------------------------------------------------------------------
// Metric children: one time series each. Handles stay valid as long as their registry; keep the
// handle when you record often, so that the hot path is one atomic operation and no look-up.
// Thread-safe: every method may be called from any thread.

// A monotonically increasing value.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Adds 1: one relaxed atomic add.
  void Inc() { whole_.fetch_add(1, std::memory_order_relaxed); }
  // Adds `amount`; negative, NaN and infinite amounts are ignored (a counter never decreases).
  void Add(double amount);
  // Raises the value to `value` when it is larger: for counters mirroring another monotonic
  // source (e.g. the HTTP server's accepted-connection count). Whole numbers only.
  void IncreaseTo(uint64_t value);
  double value() const;

 private:
  std::atomic<uint64_t> whole_{0};     // integral increments (the common case)
  std::atomic<uint64_t> fraction_{0};  // bit pattern of a double: the non-integral rest
};

// A value that goes up and down.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value);
  void Add(double amount);
  void Inc() { Add(1); }
  void Dec() { Add(-1); }
  double value() const;

 private:
  std::atomic<uint64_t> bits_{0};  // bit pattern of a double (0.0 is all zero bits)
};

// Observations counted into cumulative buckets, with their sum and count.
class Histogram {
 public:
  // `bounds`: ascending finite upper bounds (validated by the registry); +Inf is implicit.
  explicit Histogram(const std::vector<double>& bounds);
  ~Histogram();
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // NaN is ignored. Lock-free: a binary search, two atomic adds and a CAS for the sum.
  void Observe(double value);
  // Cumulative counts per bound, the +Inf bucket last (so its count equals count()).
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const;
  uint64_t count() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; +Inf last
  std::atomic<uint64_t> sum_bits_{0};
};

enum class MetricType { kCounter, kGauge, kHistogram };
std::string_view MetricTypeName(MetricType type);  // "counter", "gauge", "histogram"

// A family: one metric name with fixed label names; one child per distinct label-value tuple.
// Children are created on first use and never removed. The number of children is bounded
// (MetricsRegistryOptions::max_series_per_family): beyond it, new label tuples record into a
// detached child that is not exported, and one warning is logged. Passing the wrong number of
// label values does the same. Thread-safe.
template <class Child>
class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  // The child for these label values, in label-name order. Keep it: the look-up takes a lock.
  virtual Child& WithLabels(const std::vector<std::string>& values) = 0;
  Child& WithLabels(std::initializer_list<std::string_view> values) {
    return WithLabels(std::vector<std::string>(values.begin(), values.end()));
  }
  // The child without labels (families declared with no label names).
  Child& Get() { return WithLabels(std::vector<std::string>{}); }
  virtual const std::string& name() const = 0;
  virtual const std::vector<std::string>& label_names() const = 0;
};
using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

// Upper bounds, in seconds, for request and job latencies: 0.5 ms … 10 s.
std::vector<double> DefaultLatencyBuckets();

// Validators, per the Prometheus data model: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]* not starting with "__". InvalidArgument naming the fault otherwise.
Status ValidateMetricName(std::string_view name);
Status ValidateLabelName(std::string_view name);

// A point-in-time copy of one family, for rendering and alert evaluation.
struct MetricSeriesSnapshot {
  std::vector<std::string> label_values;    // in the family's label-name order
  double value = 0;                         // counters and gauges
  std::vector<uint64_t> cumulative_counts;  // histograms: per bound, then +Inf
  double sum = 0;                           // histograms
  uint64_t count = 0;                       // histograms
};
struct MetricFamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<std::string> label_names;
  std::vector<double> bounds;                // histograms
  std::vector<MetricSeriesSnapshot> series;  // sorted by label values
};

struct MetricsRegistryOptions {
  // New label tuples beyond this many per family go to an unexported child (cardinality guard).
  std::size_t max_series_per_family = 10000;
};

// The registry. Registration is idempotent: asking again for a family with the same name, type,
// label names (and buckets) returns the same family, so a plugin may register in Init() every
// time it is created; a conflicting definition is AlreadyExists. Names are checked against the
// Prometheus rules and promtool's lint: counters end in "_total", other types must not, help
// text is required, histograms may not use the label "le", and a histogram's derived series
// (_bucket, _sum, _count) may not collide with another family.
// Thread-safe. Ownership: owns its families and children; the references it returns stay valid
// until it is destroyed.
class MetricsRegistry {
 public:
  explicit MetricsRegistry(MetricsRegistryOptions options = {});
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Result<CounterFamily*> AddCounter(std::string_view name, std::string_view help,
                                    std::vector<std::string> label_names = {});
  Result<GaugeFamily*> AddGauge(std::string_view name, std::string_view help,
                                std::vector<std::string> label_names = {});
  // `bounds` empty means DefaultLatencyBuckets(); otherwise ascending, finite and distinct.
  Result<HistogramFamily*> AddHistogram(std::string_view name, std::string_view help,
                                        std::vector<std::string> label_names = {},
                                        std::vector<double> bounds = {});

  // Collectors run at the start of every Snapshot/render, to refresh values computed on demand
  // (uptime, open connections, plugin health). They must be cheap and non-blocking; they run
  // on whatever thread renders. Returns an id for RemoveCollector.
  int AddCollector(std::function<void()> collect);
  void RemoveCollector(int id);

  // Every family, sorted by name. Runs the collectors first.
  std::vector<MetricFamilySnapshot> Snapshot() const;
  // Prometheus text format 0.0.4 (serve it with PrometheusContentType()).
  std::string RenderPrometheusText() const;
  // {"metrics":[{"name","type","help","labels":[…],"series":[{"labels":{…},"value"}|
  //   {"labels","buckets":[{"le","count"}],"sum","count"}]}]}; `name_prefix` filters families.
  std::string RenderJson(std::string_view name_prefix = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "text/plain; version=0.0.4; charset=utf-8"
std::string_view PrometheusContentType();
// Renders snapshots as the text exposition (the registry's RenderPrometheusText uses it).
std::string RenderPrometheusText(const std::vector<MetricFamilySnapshot>& families);

// ---------------------------------------------------------------------------------------------
// Monitor

struct MonitorOptions {
  // Other services whose /api/v1/health the aggregated health includes:
  // "name=http://host:port,name2=http://host2:port2" (empty: this process only).
  std::string services;
  // Per-service timeout of the health fetch, connection included.
  int health_timeout_ms = 2000;
  // Threshold alert rules, ';'-separated: `name: metric{label="v",…} > 5 for 30s`.
  // Operators > >= < <= == !=; durations in ms, s, m or h; "for" optional (fires at once).
  // The value compared is the sum over the series whose labels match.
  std::string alert_rules;
  // How often the rules are evaluated.
  int alert_interval_ms = 5000;
  // Recent log lines kept in memory for /api/v1/monitor/logs.
  int log_buffer_lines = 1000;
};

// One configured service, parsed from MonitorOptions::services.
struct MonitoredService {
  std::string name;
  std::string url;  // base URL, "http://host:port"
};
// Strict: names [A-Za-z0-9_.-]+, unique; URLs http:// or https:// with a host. Empty → {}.
Result<std::vector<MonitoredService>> ParseMonitoredServices(std::string_view text);

enum class AlertComparison { kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual };
struct AlertRule {
  std::string name;  // [A-Za-z_][A-Za-z0-9_-]*, unique
  std::string metric;
  std::vector<std::pair<std::string, std::string>> matchers;  // label = value
  AlertComparison comparison = AlertComparison::kGreater;
  double threshold = 0;
  std::chrono::milliseconds for_duration{0};
  std::string text;  // the rule as written, trimmed
};
// Strict: every fault is InvalidArgument naming the rule and what was expected. Empty → {}.
Result<std::vector<AlertRule>> ParseAlertRules(std::string_view text);

// inactive → pending (condition true, waiting out "for") → firing → resolved (condition false
// again after firing) → pending/firing when it holds again.
enum class AlertState { kInactive, kPending, kFiring, kResolved };
std::string_view AlertStateName(AlertState state);  // "inactive", "pending", "firing", "resolved"

struct AlertStatus {
  AlertRule rule;
  AlertState state = AlertState::kInactive;
  std::optional<double> value;  // the last evaluated value; nullopt when no series matched
  std::chrono::system_clock::time_point active_since{};  // pending or firing since
  std::chrono::system_clock::time_point fired_at{};      // last transition to firing
  std::chrono::system_clock::time_point resolved_at{};   // last transition to resolved
  std::chrono::system_clock::time_point evaluated_at{};  // last evaluation
};

struct ServiceHealthStatus {
  std::string name;
  std::string url;
  std::string status;   // "healthy", "degraded", "unhealthy"
  int http_status = 0;  // 0 when no response came
  double latency_ms = 0;
  std::string error;  // why unhealthy, when it is
};

struct AggregatedHealth {
  std::string status;  // the worst of the local plugins and every service
  std::vector<ServiceHealthStatus> services;
};

struct LogRecord {
  uint64_t sequence = 0;  // increasing; a cursor for polling
  std::chrono::system_clock::time_point time{};
  LogLevel level = LogLevel::kInfo;
  std::string logger;
  std::string message;
};

struct LogQuery {
  LogLevel min_level = LogLevel::kTrace;
  std::size_t limit = 100;                                     // the newest `limit` matching lines
  std::optional<std::chrono::system_clock::time_point> since;  // only lines at or after
};

// Health, alerts and recent logs over a MetricsRegistry. Create installs the log ring-buffer
// sink on the process-wide logger (removed again by the destructor); Start begins evaluating
// alert rules every alert_interval_ms on a Runtime timer (no thread of its own).
// Thread-safe. Ownership: borrows the Runtime and the registry, which must outlive it.
class Monitor {
 public:
  static Result<std::unique_ptr<Monitor>> Create(const MonitorOptions& options, Runtime& runtime,
                                                 MetricsRegistry& metrics);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Starts the alert timer (a no-op without rules). Idempotent.
  Status Start();
  // Stops the alert timer. Idempotent; the destructor calls it.
  void Stop();

  // Fetches every configured service's /api/v1/health in parallel (libcurl), bounded by
  // health_timeout_ms. Blocking: call from a worker thread, never an I/O thread.
  AggregatedHealth CheckHealth(const KernelHealth& local) const;

  // Evaluates every rule now (the timer calls this) and returns the states.
  std::vector<AlertStatus> EvaluateAlerts();
  std::vector<AlertStatus> Alerts() const;

  // The newest lines matching `query`, oldest first.
  std::vector<LogRecord> RecentLogs(const LogQuery& query) const;
  std::size_t log_capacity() const;

 private:
  struct Impl;
  explicit Monitor(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace streamgate
