// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// MetricsRegistry: counters, gauges and histograms with labels, rendered as Prometheus text or
// JSON. Families and children are references into their registry (kept alive by it).
#include "common.h"
#include "streamgate/monitor.h"

namespace streamgate::python {
namespace {

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

  m.def(
      "validate_metric_name", [](const std::string& name) { Check(ValidateMetricName(name)); },
      py::arg("name"));
}

}  // namespace streamgate::python
