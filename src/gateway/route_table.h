// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The gateway's route table (longest path prefix wins) and the parsing of service base URLs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/gateway.h"
#include "streamgate/result.h"

namespace streamgate::internal {

// Immutable after construction: thread-safe.
class RouteTable {
 public:
  explicit RouteTable(std::vector<GatewayRoute> routes);
  // The route whose prefix matches `path` on a segment boundary ("/api/v1/upload" matches
  // "/api/v1/upload" and "/api/v1/upload/x" but not "/api/v1/uploads"), longest first; nullptr
  // when none.
  const GatewayRoute* Match(std::string_view path) const;
  const std::vector<GatewayRoute>& routes() const { return routes_; }

 private:
  std::vector<GatewayRoute> routes_;  // sorted by prefix length, longest first
};

struct ServiceUrl {
  std::string host;  // without brackets for IPv6
  uint16_t port = 80;
  std::string host_header;  // "host:port" as sent upstream
};

// "http://host[:port][/]" only: InvalidArgument for anything else (https, paths, userinfo).
Result<ServiceUrl> ParseServiceUrl(std::string_view url);

// Splits "a, b,,c" into {"a","b","c"}.
std::vector<std::string> SplitList(std::string_view list);

}  // namespace streamgate::internal
