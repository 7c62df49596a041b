// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Pieces of the Prometheus text format (0.0.4) shared by the renderer and its tests.
#pragma once

#include <string>
#include <string_view>

namespace streamgate::internal {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Escapes `\`, `"` and newline, as the format requires for label values.
std::string EscapeLabelValue(std::string_view value);
// Escapes `\` and newline, as the format requires for HELP text.
std::string EscapeHelp(std::string_view help);
// The shortest text that reads back as `value`; NaN, +Inf, -Inf spelled as Prometheus does.
void AppendNumber(std::string& out, double value);

}  // namespace streamgate::internal
