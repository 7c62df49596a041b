// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "gateway/route_table.h"

#include <algorithm>
#include <charconv>

namespace streamgate {

std::vector<GatewayRoute> DefaultGatewayRoutes(const GatewayOptions& options) {
  std::vector<GatewayRoute> routes = {
      {"/api/v1/upload", "upload", GatewayAuth::kOptional},
      {"/api/v1/tus", "upload", GatewayAuth::kOptional},
      {"/api/v1/transcode", "transcoder", GatewayAuth::kOptional},
      {"/api/v1/auth", "auth", GatewayAuth::kOptional},
      {"/api/v1/metadata", "metadata", GatewayAuth::kOptional},
      {"/api/v1/content", "metadata", GatewayAuth::kOptional},
      {"/api/v1/search", "metadata", GatewayAuth::kOptional},
      {"/api/v1/stream", "streaming", GatewayAuth::kOptional},
      {"/stream", "streaming", GatewayAuth::kOptional},
      // The cache's Bearer is its admin token, not a session: the cache service checks it.
      {"/api/v1/cache", "cache", GatewayAuth::kPassThrough},
      {"/api/v1/jobs", "worker", GatewayAuth::kOptional},
      {"/api/v1/monitor", "monitor", GatewayAuth::kOptional},
  };
  for (const std::string& prefix : internal::SplitList(options.session_required_prefixes)) {
    internal::RouteTable table(routes);
    const GatewayRoute* owner = table.Match(prefix);
    if (owner == nullptr) continue;  // not a proxied path: nothing to protect
    if (owner->prefix == prefix) {
      for (GatewayRoute& route : routes) {
        if (route.prefix == prefix) route.auth = GatewayAuth::kRequired;
      }
    } else {
      routes.push_back({prefix, owner->service, GatewayAuth::kRequired});
    }
  }
  return routes;
}

namespace internal {

RouteTable::RouteTable(std::vector<GatewayRoute> routes) : routes_(std::move(routes)) {
  for (GatewayRoute& route : routes_) {
    while (route.prefix.size() > 1 && route.prefix.back() == '/') route.prefix.pop_back();
  }
  std::stable_sort(routes_.begin(), routes_.end(),
                   [](const auto& a, const auto& b) { return a.prefix.size() > b.prefix.size(); });
}

const GatewayRoute* RouteTable::Match(std::string_view path) const {
  for (const GatewayRoute& route : routes_) {
    const std::string& prefix = route.prefix;
    if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0) continue;
    if (path.size() == prefix.size() || path[prefix.size()] == '/' || prefix == "/") {
      return &route;
    }
  }
  return nullptr;
}

Result<ServiceUrl> ParseServiceUrl(std::string_view url) {
  const auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("service URL \"" + std::string(url.substr(0, 200)) +
                                   "\": " + std::string(why));
  };
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return bad("only http:// is supported");
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) return bad("no host");
  if (rest.find_first_of("/?#@ \t") != rest.npos) return bad("only scheme, host and port");
  ServiceUrl out;
  std::string_view host = rest;
  std::string_view port;
  if (rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == rest.npos) return bad("unterminated IPv6 address");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("garbage after the IPv6 address");
      port = after.substr(1);
    }
  } else if (const size_t colon = rest.rfind(':'); colon != rest.npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  if (!port.empty()) {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("bad port");
    }
    out.port = static_cast<uint16_t>(value);
  }
  out.host = std::string(host);
  const bool v6 = out.host.find(':') != std::string::npos;
  out.host_header = (v6 ? "[" + out.host + "]" : out.host) + ":" + std::to_string(out.port);
  return out;
}

std::vector<std::string> SplitList(std::string_view list) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == list.npos) comma = list.size();
    std::string_view item = list.substr(pos, comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    pos = comma + 1;
  }
  return out;
}

}  // namespace internal
}  // namespace streamgate
