// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// MetricsRegistry: counters, gauges and histograms with labels, rendered as Prometheus text or
// JSON. Families and children are references into their registry (kept alive by it).
#include "bind_runtime.h"
#include "common.h"
#include "streamgate/monitor.h"

namespace streamgate::python {
namespace {

// Borrows the registry (kept alive by py::keep_alive) and shares the Runtime.
struct PyMonitor {
  std::shared_ptr<Runtime> runtime;
  std::shared_ptr<Monitor> monitor;  // destroyed without the GIL: it stops a Runtime timer
};

py::dict AlertToDict(const AlertStatus& alert) {
  py::dict out;
  out["name"] = alert.rule.name;
  out["rule"] = alert.rule.text;
  out["state"] = std::string(AlertStateName(alert.state));
  out["value"] = alert.value ? py::cast(*alert.value) : py::none();
  return out;
}

template <class Child>
void BindFamily(py::module_& m, const char* name) {
  using Family = MetricFamily<Child>;
  py::class_<Family>(m, name)
      .def_property_readonly("name", &Family::name)
      .def_property_readonly("label_names", &Family::label_names)
      .def(
          "labels",
          [](Family& f, const py::args& values) -> Child& {
            std::vector<std::string> strings;
            for (const py::handle v : values) strings.push_back(py::str(v));
            return f.WithLabels(strings);
          },
          py::return_value_policy::reference_internal,
          "The child for these label values, in label-name order.")
      .def(
          "get", [](Family& f) -> Child& { return f.Get(); },
          py::return_value_policy::reference_internal, "The child of a family without labels.");
}

}  // namespace

void BindMonitor(py::module_& m) {
  py::class_<Counter>(m, "Counter")
      .def(
          "inc", [](Counter& c, double amount) { c.Add(amount); }, py::arg("amount") = 1.0)
      .def_property_readonly("value", &Counter::value);
  py::class_<Gauge>(m, "Gauge")
      .def("set", &Gauge::Set, py::arg("value"))
      .def(
          "inc", [](Gauge& g, double amount) { g.Add(amount); }, py::arg("amount") = 1.0)
      .def(
          "dec", [](Gauge& g, double amount) { g.Add(-amount); }, py::arg("amount") = 1.0)
      .def_property_readonly("value", &Gauge::value);
  py::class_<Histogram>(m, "Histogram")
      .def("observe", &Histogram::Observe, py::arg("value"))
      .def_property_readonly("bounds", &Histogram::bounds)
      .def_property_readonly("cumulative_counts", &Histogram::CumulativeCounts)
      .def_property_readonly("sum", &Histogram::sum)
      .def_property_readonly("count", &Histogram::count);
  BindFamily<Counter>(m, "CounterFamily");
  BindFamily<Gauge>(m, "GaugeFamily");
  BindFamily<Histogram>(m, "HistogramFamily");

  m.def("default_latency_buckets", &DefaultLatencyBuckets);
  m.def("prometheus_content_type", [] { return std::string(PrometheusContentType()); });

  py::class_<MetricsRegistry>(m, "MetricsRegistry", "Metric families; thread-safe.")
      .def(
          py::init([](std::size_t max_series_per_family) {
            return std::make_unique<MetricsRegistry>(MetricsRegistryOptions{max_series_per_family});
          }),
          py::kw_only(),
          py::arg("max_series_per_family") = MetricsRegistryOptions{}.max_series_per_family)
      .def(
          "counter",
          [](MetricsRegistry& r, const std::string& name, const std::string& help,
             std::vector<std::string> labels) {
            return Unwrap(r.AddCounter(name, help, std::move(labels)));
          },
          py::arg("name"), py::arg("help"), py::arg("labels") = std::vector<std::string>{},
          py::return_value_policy::reference_internal,
          "Registers (idempotently) a counter family; names end in _total.")
      .def(
          "gauge",
          [](MetricsRegistry& r, const std::string& name, const std::string& help,
             std::vector<std::string> labels) {
            return Unwrap(r.AddGauge(name, help, std::move(labels)));
          },
          py::arg("name"), py::arg("help"), py::arg("labels") = std::vector<std::string>{},
          py::return_value_policy::reference_internal)
      .def(
          "histogram",
          [](MetricsRegistry& r, const std::string& name, const std::string& help,
             std::vector<std::string> labels, std::vector<double> buckets) {
            return Unwrap(r.AddHistogram(name, help, std::move(labels), std::move(buckets)));
          },
          py::arg("name"), py::arg("help"), py::arg("labels") = std::vector<std::string>{},
          py::arg("buckets") = std::vector<double>{}, py::return_value_policy::reference_internal,
          "buckets empty: default_latency_buckets().")
      .def("render_prometheus", &MetricsRegistry::RenderPrometheusText,
           py::call_guard<py::gil_scoped_release>(), "Prometheus text format 0.0.4.")
      .def("render_json", &MetricsRegistry::RenderJson, py::arg("name_prefix") = "",
           py::call_guard<py::gil_scoped_release>());

  const MonitorOptions monitor_defaults;
  py::class_<PyMonitor>(m, "Monitor", "Threshold alerts and recent log lines over a registry.")
      .def(py::init([](MetricsRegistry& registry, std::string alert_rules, int alert_interval_ms,
                       int log_buffer_lines, std::string services, int health_timeout_ms,
                       std::shared_ptr<Runtime> runtime) {
             MonitorOptions options;
             options.alert_rules = std::move(alert_rules);
             options.alert_interval_ms = alert_interval_ms;
             options.log_buffer_lines = log_buffer_lines;
             options.services = std::move(services);
             options.health_timeout_ms = health_timeout_ms;
             auto holder = std::make_unique<PyMonitor>();
             holder->runtime = RuntimeOrDefault(runtime);
             holder->monitor =
                 ShareWithoutGil(Unwrap(Monitor::Create(options, *holder->runtime, registry)));
             return holder;
           }),
           py::arg("registry"), py::kw_only(), py::arg("alert_rules") = "",
           py::arg("alert_interval_ms") = monitor_defaults.alert_interval_ms,
           py::arg("log_buffer_lines") = monitor_defaults.log_buffer_lines,
           py::arg("services") = "",
           py::arg("health_timeout_ms") = monitor_defaults.health_timeout_ms,
           py::arg("runtime") = nullptr, py::keep_alive<1, 2>())
      .def("start", [](PyMonitor& p) { Check(p.monitor->Start()); })
      .def("stop",
           [](PyMonitor& p) {
             py::gil_scoped_release release;
             p.monitor->Stop();
           })
      .def(
          "evaluate_alerts",
          [](PyMonitor& p) {
            std::vector<AlertStatus> alerts;
            {
              py::gil_scoped_release release;
              alerts = p.monitor->EvaluateAlerts();
            }
            py::list out;
            for (const AlertStatus& alert : alerts) out.append(AlertToDict(alert));
            return out;
          },
          "Evaluates every rule now: [{name, rule, state, value}].")
      .def(
          "recent_logs",
          [](const PyMonitor& p, const std::string& min_level, std::size_t limit) {
            LogQuery query;
            query.min_level = Unwrap(ParseLogLevel(min_level));
            query.limit = limit;
            py::list out;
            for (const LogRecord& record : p.monitor->RecentLogs(query)) {
              py::dict line;
              line["sequence"] = record.sequence;
              line["level"] = std::string(LogLevelName(record.level));
              line["logger"] = record.logger;
              line["message"] = record.message;
              out.append(line);
            }
            return out;
          },
          py::kw_only(), py::arg("min_level") = "trace", py::arg("limit") = 100,
          "The newest matching log lines, oldest first: [{sequence, level, logger, message}].");

  m.def(
      "validate_metric_name", [](const std::string& name) { Check(ValidateMetricName(name)); },
      py::arg("name"));
}

}  // namespace streamgate::python
