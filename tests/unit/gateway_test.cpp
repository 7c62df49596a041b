// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The gateway's pieces on their own: token buckets, route matching, service URLs, header
// rewriting and request ids.
#include "streamgate/gateway.h"

#include <catch2/catch.hpp>
#include <set>

#include "gateway/proxy_headers.h"
#include "gateway/rate_limiter.h"
#include "gateway/route_table.h"
#include "kernel/access_log.h"

using streamgate::GatewayAuth;
using streamgate::GatewayOptions;
using streamgate::GatewayRoute;
using streamgate::HttpHeaders;
using streamgate::HttpRequest;
using namespace streamgate::internal;

namespace {
constexpr int64_t kSecond = 1'000'000'000;
}

TEST_CASE("token bucket allows the burst, then refills at the rate", "[gateway]") {
  RateLimiter limiter(/*rate_per_s=*/2, /*burst=*/3, /*max_buckets=*/100);
  const int64_t t0 = 100 * kSecond;
  for (int i = 0; i < 3; ++i) CHECK(limiter.Take("a", t0).allowed);
  RateDecision refused = limiter.Take("a", t0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_s == 1);  // half a second to the next token: rounded up
  // Other keys have their own bucket.
  CHECK(limiter.Take("b", t0).allowed);
  // Half a second later one token is back, and only one.
  CHECK(limiter.Take("a", t0 + kSecond / 2).allowed);
  CHECK_FALSE(limiter.Take("a", t0 + kSecond / 2).allowed);
  // Long idle: the bucket is full again but never above the burst.
  const int64_t later = t0 + 3600 * kSecond;
  for (int i = 0; i < 3; ++i) CHECK(limiter.Take("a", later).allowed);
  CHECK_FALSE(limiter.Take("a", later).allowed);
}

TEST_CASE("token bucket: Retry-After covers a slow rate", "[gateway]") {
  RateLimiter limiter(/*rate_per_s=*/0.1, /*burst=*/1, 10);
  CHECK(limiter.Take("k", 0).allowed);
  RateDecision refused = limiter.Take("k", 0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_s == 10);
}

TEST_CASE("token bucket: a zero rate disables limiting", "[gateway]") {
  RateLimiter limiter(0, 0, 10);
  for (int i = 0; i < 1000; ++i) REQUIRE(limiter.Take("k", 0).allowed);
  CHECK(limiter.size() == 0);
}

TEST_CASE("token bucket memory stays bounded under many keys", "[gateway]") {
  RateLimiter limiter(1, 5, 64);
  // Busy keys (each just used): eviction must still keep the map bounded.
  for (int i = 0; i < 10000; ++i) {
    REQUIRE(limiter.Take("ip-" + std::to_string(i), 0).allowed);
    REQUIRE(limiter.size() <= 64);
  }
  // Idle keys (refilled by now) are evicted first, and a new key always gets a full bucket.
  for (int i = 0; i < 5; ++i) CHECK(limiter.Take("fresh", 3600 * kSecond).allowed);
  CHECK(limiter.size() <= 64);
}

TEST_CASE("route table: longest prefix on segment boundaries", "[gateway]") {
  RouteTable table(DefaultGatewayRoutes(GatewayOptions{}));
  const auto service = [&](std::string_view path) -> std::string {
    const GatewayRoute* route = table.Match(path);
    return route ? route->service : "-";
  };
  CHECK(service("/api/v1/upload") == "upload");
  CHECK(service("/api/v1/upload/chunk") == "upload");
  CHECK(service("/api/v1/tus/") == "upload");
  CHECK(service("/api/v1/tus/abc") == "upload");
  CHECK(service("/api/v1/uploads") == "-");
  CHECK(service("/api/v1/transcode/submit") == "transcoder");
  CHECK(service("/api/v1/auth/challenge") == "auth");
  CHECK(service("/api/v1/metadata") == "metadata");
  CHECK(service("/api/v1/metadata/search") == "metadata");
  CHECK(service("/api/v1/search") == "metadata");
  CHECK(service("/api/v1/stream/info") == "streaming");
  CHECK(service("/stream/c1/720p/seg_1.m4s") == "streaming");
  CHECK(service("/streaming") == "-");
  CHECK(service("/api/v1/cache/get") == "cache");
  CHECK(service("/api/v1/jobs/list") == "worker");
  CHECK(service("/api/v1/monitor/alerts") == "monitor");
  CHECK(service("/api/v1/other") == "-");
  CHECK(service("/") == "-");

  // Sessions: required where configured, pass-through for the cache's admin token.
  CHECK(table.Match("/api/v1/auth/verify-nft")->auth == GatewayAuth::kRequired);
  CHECK(table.Match("/api/v1/auth/challenge")->auth == GatewayAuth::kOptional);
  CHECK(table.Match("/api/v1/metadata/create")->auth == GatewayAuth::kRequired);
  CHECK(table.Match("/api/v1/metadata/create")->service == "metadata");
  CHECK(table.Match("/api/v1/metadata")->auth == GatewayAuth::kOptional);
  CHECK(table.Match("/api/v1/cache/set")->auth == GatewayAuth::kPassThrough);
}

TEST_CASE("route table: session_required_prefixes is configurable", "[gateway]") {
  GatewayOptions options;
  options.session_required_prefixes = " /api/v1/tus , /api/v1/nowhere,,";
  RouteTable table(DefaultGatewayRoutes(options));
  CHECK(table.Match("/api/v1/tus/x")->auth == GatewayAuth::kRequired);
  CHECK(table.Match("/api/v1/upload")->auth == GatewayAuth::kOptional);
  CHECK(table.Match("/api/v1/auth/verify-nft")->auth == GatewayAuth::kOptional);
  CHECK(table.Match("/api/v1/nowhere") == nullptr);
}

TEST_CASE("service URLs", "[gateway]") {
  auto url = ParseServiceUrl("http://127.0.0.1:9091");
  REQUIRE(url.ok());
  CHECK(url->host == "127.0.0.1");
  CHECK(url->port == 9091);
  CHECK(url->host_header == "127.0.0.1:9091");
  url = ParseServiceUrl("http://upload/");
  REQUIRE(url.ok());
  CHECK(url->host == "upload");
  CHECK(url->port == 80);
  url = ParseServiceUrl("http://[::1]:8080");
  REQUIRE(url.ok());
  CHECK(url->host == "::1");
  CHECK(url->host_header == "[::1]:8080");
  for (const char* bad : {"https://x:1", "ftp://x", "http://", "http://x:0", "http://x:99999",
                          "http://x:1/path", "http://u@x:1", "http://x:1a", "x:1", "http://[::1"}) {
    INFO(bad);
    CHECK_FALSE(ParseServiceUrl(bad).ok());
  }
}

TEST_CASE("request head for the service: hop-by-hop out, forwarding fields in", "[gateway]") {
  HttpRequest request;
  request.method_name = "PATCH";
  request.target = "http://client.example/api/v1/tus/abc?x=1";
  request.remote_address = "10.0.0.7";
  request.headers.Add("Host", "gateway.example:9090");
  request.headers.Add("Connection", "keep-alive, X-Secret-Hop");
  request.headers.Add("X-Secret-Hop", "drop me");
  request.headers.Add("Keep-Alive", "timeout=5");
  request.headers.Add("Upgrade", "websocket");
  request.headers.Add("TE", "trailers");
  request.headers.Add("Proxy-Authorization", "Basic x");
  request.headers.Add("Expect", "100-continue");
  request.headers.Add("Content-Length", "999");
  request.headers.Add("X-Forwarded-For", "1.2.3.4");
  request.headers.Add("X-Forwarded-Proto", "https");
  request.headers.Add("Upload-Offset", "0");
  request.headers.Add("Authorization", "Bearer t");
  request.headers.Add("X-Request-Id", "rid-1");
  ServiceUrl service{"127.0.0.1", 9091, "127.0.0.1:9091"};
  const std::string head = BuildUpstreamRequestHead(request, service, BodyFraming::kLength, 5);
  CHECK(head.rfind("PATCH /api/v1/tus/abc?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9091\r\n", 0) == 0);
  CHECK(head.size() >= 4);
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
  for (const char* gone :
       {"Connection:", "X-Secret-Hop", "Keep-Alive", "Upgrade", "TE:", "Proxy-Authorization",
        "Expect", "999", "https", "gateway.example:9090\r\nConnection"}) {
    INFO(gone);
    CHECK(head.find(gone) == std::string::npos);
  }
  for (const char* kept :
       {"Upload-Offset: 0\r\n", "Authorization: Bearer t\r\n", "X-Request-Id: rid-1\r\n",
        "X-Forwarded-For: 1.2.3.4, 10.0.0.7\r\n", "X-Forwarded-Proto: http\r\n",
        "X-Forwarded-Host: gateway.example:9090\r\n", "Content-Length: 5\r\n"}) {
    INFO(kept);
    CHECK(head.find(kept) != std::string::npos);
  }
  CHECK(BuildUpstreamRequestHead(request, service, BodyFraming::kChunked, 0)
            .find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(BuildUpstreamRequestHead(request, service, BodyFraming::kNone, 0).find("Content-Length") ==
        std::string::npos);
}

TEST_CASE("response fields from the service", "[gateway]") {
  HttpHeaders upstream;
  upstream.Add("Content-Type", "application/json");
  upstream.Add("Connection", "close, X-Internal");
  upstream.Add("X-Internal", "x");
  upstream.Add("Transfer-Encoding", "chunked");
  upstream.Add("Content-Length", "12");
  upstream.Add("Access-Control-Allow-Origin", "*");
  upstream.Add("Upload-Offset", "42");
  upstream.Add("Set-Cookie", "a=1");
  upstream.Add("Set-Cookie", "b=2");
  HttpHeaders out;
  CopyResponseHeaders(upstream, out);
  std::multiset<std::string> names;
  for (const auto& [name, value] : out.entries()) names.insert(name + "=" + value);
  CHECK(names == std::multiset<std::string>{"Content-Type=application/json", "Upload-Offset=42",
                                            "Set-Cookie=a=1", "Set-Cookie=b=2"});
}

TEST_CASE("request ids", "[gateway]") {
  CHECK(IsValidRequestId("abc-123_x.y:z"));
  CHECK(IsValidRequestId(std::string(128, 'a')));
  CHECK_FALSE(IsValidRequestId(std::string(129, 'a')));
  CHECK_FALSE(IsValidRequestId(""));
  CHECK_FALSE(IsValidRequestId("a b"));
  CHECK_FALSE(IsValidRequestId("a\r\nX-Evil: 1"));
  CHECK_FALSE(IsValidRequestId("a\"b"));
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRequestId();
    REQUIRE(id.size() == 32);
    REQUIRE(IsValidRequestId(id));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("access log lines carry the request id", "[gateway]") {
  streamgate::HttpExchange exchange;
  exchange.method = "GET";
  exchange.path = "/api/v1/metadata";
  exchange.status = 200;
  exchange.remote_address = "127.0.0.1";
  CHECK(FormatAccessLogLine(exchange).find("rid=") == std::string::npos);
  exchange.request_id = "abc-123";
  const std::string line = FormatAccessLogLine(exchange);
  CHECK(line.substr(line.size() - 12) == " rid=abc-123");
  exchange.request_id = "evil\nline";
  CHECK(FormatAccessLogLine(exchange).find('\n') == std::string::npos);
}
