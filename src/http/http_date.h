// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace streamgate::internal {

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string FormatHttpDate(std::time_t t);
// The current time as an IMF-fixdate, formatted at most once per second per thread.
std::string_view CachedHttpDateNow();
// Parses IMF-fixdate only (the form every modern client sends); nullopt otherwise.
std::optional<std::time_t> ParseHttpDate(std::string_view text);

}  // namespace streamgate::internal
