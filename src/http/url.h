// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// Request-target helpers shared by the server and the router.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamgate::internal {

// Decodes %XX escapes ('+' becomes ' ' only when `plus_is_space`). nullopt for a malformed
// escape or a decoded NUL byte, which no valid path or parameter contains.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space);

// "a=1&b=x%20y&flag" → {("a","1"), ("b","x y"), ("flag","")}.
// nullopt when any piece is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query);

// Percent-encodes everything but RFC 3986 unreserved characters (and '/' when `keep_slash`).
std::string PercentEncode(std::string_view in, bool keep_slash = false);

}  // namespace streamgate::internal
