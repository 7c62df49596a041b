// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "gateway/proxy_headers.h"

#include <algorithm>
#include <array>
#include <random>

namespace streamgate::internal {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

bool Dropped(const HttpHeaders& headers, std::string_view name) {
  return IsHopByHopHeader(name) || NamedInConnection(headers, name);
}

}  // namespace

bool IsHopByHopHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kHopByHop = {"connection",
                                                                "keep-alive",
                                                                "proxy-connection",
                                                                "te",
                                                                "trailer",
                                                                "transfer-encoding",
                                                                "upgrade",
                                                                "proxy-authenticate",
                                                                "proxy-authorization"};
  for (std::string_view h : kHopByHop) {
    if (EqualsIgnoreCase(name, h)) return true;
  }
  return false;
}

bool NamedInConnection(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [field, value] : headers.entries()) {
    if (!EqualsIgnoreCase(field, "connection")) continue;
    size_t pos = 0;
    while (pos <= value.size()) {
      size_t comma = value.find(',', pos);
      if (comma == value.npos) comma = value.size();
      std::string_view token = std::string_view(value).substr(pos, comma - pos);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
        token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
        token.remove_suffix(1);
      if (EqualsIgnoreCase(token, name)) return true;
      pos = comma + 1;
    }
  }
  return false;
}

std::string BuildUpstreamRequestHead(const HttpRequest& request, const ServiceUrl& service,
                                     BodyFraming framing, uint64_t length) {
  // Origin-form: an absolute-form target ("http://host/p") loses its scheme and authority.
  std::string_view target = request.target;
  if (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://") {
    const size_t slash = target.find('/', target.find("://") + 3);
    target = slash == target.npos ? std::string_view("/") : target.substr(slash);
  }
  std::string head;
  head.reserve(512);
  head.append(request.method_name).append(" ").append(target).append(" HTTP/1.1\r\n");
  head.append("Host: ").append(service.host_header).append("\r\n");
  std::string forwarded_for;
  for (const auto& [name, value] : request.headers.entries()) {
    if (Dropped(request.headers, name) || EqualsIgnoreCase(name, "host") ||
        EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "expect") ||
        EqualsIgnoreCase(name, "x-forwarded-proto") || EqualsIgnoreCase(name, "x-forwarded-host")) {
      continue;
    }
    if (EqualsIgnoreCase(name, "x-forwarded-for")) {
      if (!forwarded_for.empty()) forwarded_for += ", ";
      forwarded_for += value;
      continue;
    }
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (!forwarded_for.empty()) forwarded_for += ", ";
  forwarded_for += request.remote_address;
  head.append("X-Forwarded-For: ").append(forwarded_for).append("\r\n");
  head.append("X-Forwarded-Proto: http\r\n");
  const std::string_view host = request.Header("Host");
  if (!host.empty()) head.append("X-Forwarded-Host: ").append(host).append("\r\n");
  switch (framing) {
    case BodyFraming::kNone:
      break;
    case BodyFraming::kLength:
      head.append("Content-Length: ").append(std::to_string(length)).append("\r\n");
      break;
    case BodyFraming::kChunked:
      head.append("Transfer-Encoding: chunked\r\n");
      break;
  }
  head.append("\r\n");
  return head;
}

void CopyResponseHeaders(const HttpHeaders& upstream, HttpHeaders& out) {
  for (const auto& [name, value] : upstream.entries()) {
    if (Dropped(upstream, name) || EqualsIgnoreCase(name, "content-length") ||
        EqualsIgnoreCase(name, "date") || EqualsIgnoreCase(name, "server") ||
        StartsWithIgnoreCase(name, "access-control-")) {
      continue;
    }
    out.Add(name, value);
  }
}

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

std::string NewRequestId() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = generator();
    for (int i = 0; i < 16; ++i) {
      id[static_cast<size_t>(half * 16 + i)] = kHex[bits & 0xf];
      bits >>= 4;
    }
  }
  return id;
}

}  // namespace streamgate::internal
