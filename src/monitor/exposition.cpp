// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Renders registry snapshots: the Prometheus text exposition (format 0.0.4) and JSON.
#include "monitor/exposition.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "streamgate/monitor.h"

namespace streamgate {
namespace internal {

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void AppendNumber(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    // Shortest form that reads back exactly.
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out.append(buffer, result.ptr);
  }
}

namespace {

// name{a="x",b="y"[,le="0.5"]} — `extra` adds the histogram's le label.
void AppendSeries(std::string& out, std::string_view name, const MetricFamilySnapshot& family,
                  const MetricSeriesSnapshot& series, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  out.append(name);
  const bool any = !family.label_names.empty() || !extra_name.empty();
  if (any) {
    out += '{';
    bool first = true;
    for (std::size_t i = 0; i < family.label_names.size(); ++i) {
      if (!first) out += ',';
      first = false;
      out.append(family.label_names[i]).append("=\"");
      out.append(EscapeLabelValue(series.label_values[i])).append("\"");
    }
    if (!extra_name.empty()) {
      if (!first) out += ',';
      out.append(extra_name).append("=\"").append(extra_value).append("\"");
    }
    out += '}';
  }
  out += ' ';
}

std::string BoundText(double bound) {
  std::string text;
  AppendNumber(text, bound);
  return text;
}

}  // namespace
}  // namespace internal

std::string_view PrometheusContentType() { return internal::kPrometheusContentType; }

std::string RenderPrometheusText(const std::vector<MetricFamilySnapshot>& families) {
  using internal::AppendNumber;
  using internal::AppendSeries;
  std::string out;
  for (const MetricFamilySnapshot& family : families) {
    // A family without series is left out: HELP/TYPE alone carry nothing to scrape.
    if (family.series.empty()) continue;
    out.append("# HELP ").append(family.name).append(" ");
    out.append(internal::EscapeHelp(family.help)).append("\n");
    out.append("# TYPE ").append(family.name).append(" ");
    out.append(MetricTypeName(family.type)).append("\n");
    if (family.type != MetricType::kHistogram) {
      for (const MetricSeriesSnapshot& series : family.series) {
        AppendSeries(out, family.name, family, series);
        AppendNumber(out, series.value);
        out += '\n';
      }
      continue;
    }
    std::vector<std::string> bounds;
    bounds.reserve(family.bounds.size() + 1);
    for (const double bound : family.bounds) bounds.push_back(internal::BoundText(bound));
    bounds.emplace_back("+Inf");
    const std::string bucket = family.name + "_bucket";
    const std::string sum = family.name + "_sum";
    const std::string count = family.name + "_count";
    for (const MetricSeriesSnapshot& series : family.series) {
      for (std::size_t i = 0; i < bounds.size() && i < series.cumulative_counts.size(); ++i) {
        AppendSeries(out, bucket, family, series, "le", bounds[i]);
        out.append(std::to_string(series.cumulative_counts[i])).append("\n");
      }
      AppendSeries(out, sum, family, series);
      AppendNumber(out, series.sum);
      out += '\n';
      AppendSeries(out, count, family, series);
      out.append(std::to_string(series.count)).append("\n");
    }
  }
  return out;
}

namespace {

// JSON has no NaN or infinity: those become strings, as in the text format.
nlohmann::ordered_json JsonNumber(double value) {
  if (std::isfinite(value)) return value;
  std::string text;
  internal::AppendNumber(text, value);
  return text;
}

}  // namespace

std::string MetricsRegistry::RenderJson(std::string_view name_prefix) const {
  nlohmann::ordered_json metrics = nlohmann::ordered_json::array();
  for (const MetricFamilySnapshot& family : Snapshot()) {
    if (family.name.compare(0, name_prefix.size(), name_prefix) != 0) continue;
    nlohmann::ordered_json entry;
    entry["name"] = family.name;
    entry["type"] = std::string(MetricTypeName(family.type));
    entry["help"] = family.help;
    entry["labels"] = family.label_names;
    nlohmann::ordered_json series_list = nlohmann::ordered_json::array();
    for (const MetricSeriesSnapshot& series : family.series) {
      nlohmann::ordered_json item;
      nlohmann::ordered_json labels = nlohmann::ordered_json::object();
      for (std::size_t i = 0; i < family.label_names.size(); ++i) {
        labels[family.label_names[i]] = series.label_values[i];
      }
      item["labels"] = std::move(labels);
      if (family.type == MetricType::kHistogram) {
        nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
        for (std::size_t i = 0; i < series.cumulative_counts.size(); ++i) {
          nlohmann::ordered_json bucket;
          bucket["le"] = i < family.bounds.size() ? JsonNumber(family.bounds[i])
                                                  : nlohmann::ordered_json("+Inf");
          bucket["count"] = series.cumulative_counts[i];
          buckets.push_back(std::move(bucket));
        }
        item["buckets"] = std::move(buckets);
        item["sum"] = JsonNumber(series.sum);
        item["count"] = series.count;
      } else {
        item["value"] = JsonNumber(series.value);
      }
      series_list.push_back(std::move(item));
    }
    entry["series"] = std::move(series_list);
    metrics.push_back(std::move(entry));
  }
  nlohmann::ordered_json body;
  body["metrics"] = std::move(metrics);
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace streamgate
