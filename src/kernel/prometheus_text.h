// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Builds a Prometheus text exposition (format 0.0.4): HELP and TYPE lines per family, label
// values escaped, numbers in the shortest form that reads back exactly.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace streamgate::internal {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Thread-compatible; one writer per exposition.
class PrometheusWriter {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  // Starts a family; `type` is "counter", "gauge", "untyped", ….
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, Labels labels, double value);
  void Sample(std::string_view name, Labels labels, uint64_t value);

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void AppendSeries(std::string_view name, Labels labels);
  std::string out_;
};

// Escapes `\`, `"` and newline as the exposition format requires for label values.
std::string EscapeLabelValue(std::string_view value);

}  // namespace streamgate::internal
