// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "kernel/prometheus_text.h"

#include <charconv>
#include <cmath>

namespace streamgate::internal {

void PrometheusWriter::Family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ");
  // HELP text escapes only backslash and newline.
  for (const char c : help) {
    if (c == '\\') {
      out_ += "\\\\";
    } else if (c == '\n') {
      out_ += "\\n";
    } else {
      out_ += c;
    }
  }
  out_.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PrometheusWriter::AppendSeries(std::string_view name, Labels labels) {
  out_.append(name);
  if (labels.size() != 0) {
    out_ += '{';
    bool first = true;
    for (const auto& [label, value] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_.append(label).append("=\"").append(EscapeLabelValue(value)).append("\"");
    }
    out_ += '}';
  }
  out_ += ' ';
}

void PrometheusWriter::Sample(std::string_view name, Labels labels, double value) {
  AppendSeries(name, labels);
  if (std::isnan(value)) {
    out_ += "NaN";
  } else if (std::isinf(value)) {
    out_ += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out_.append(buffer, result.ptr);
  }
  out_ += '\n';
}

void PrometheusWriter::Sample(std::string_view name, Labels labels, uint64_t value) {
  AppendSeries(name, labels);
  out_.append(std::to_string(value)).append("\n");
}

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

}  // namespace streamgate::internal
