// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Session enforcement and per-wallet rate limits in the gateway, over loopback. A unit test
// (not an integration test) only because it mints session tokens with the internal codec, with
// the same keys as the Authenticator the gateway verifies them with.
#include <catch2/catch.hpp>
#include <ctime>
#include <nlohmann/json.hpp>

#include "auth/session_keys.h"
#include "auth/session_token.h"
#include "streamgate/authenticator.h"
#include "streamgate/cache.h"
#include "streamgate/gateway.h"
#include "streamgate/http.h"
#include "streamgate/runtime.h"
#include "test_http_client.h"

using nlohmann::json;
using namespace streamgate;
using streamgate::testing::TestHttpClient;
using streamgate::testing::TestHttpResponse;

namespace {

struct SessionFixture {
  SessionFixture(int wallet_per_s, int wallet_burst) {
    RuntimeOptions runtime_options;
    runtime_options.io_threads = 1;
    runtime_options.worker_threads = 1;
    runtime = std::move(*Runtime::Create(runtime_options));

    // The service: echoes what reached it.
    auto upstream_router = std::make_shared<Router>();
    auto echo = [](HttpRequest& request) {
      return HttpResponse::Json(
          200,
          json{{"path", request.path}, {"authorization", request.Header("Authorization")}}.dump());
    };
    for (const char* pattern :
         {"/api/v1/metadata/{rest...}", "/api/v1/auth/{rest...}", "/api/v1/cache/{rest...}"}) {
      REQUIRE(upstream_router->Add(HttpMethod::kGet, pattern, echo).ok());
      REQUIRE(upstream_router->Add(HttpMethod::kPost, pattern, echo).ok());
    }
    HttpServerOptions server_options;
    server_options.host = "127.0.0.1";
    server_options.port = 0;
    upstream = std::move(*HttpServer::Create(server_options, upstream_router, *runtime));
    REQUIRE(upstream->Start().ok());

    // The gateway, verifying with the same keys the token codec signs with.
    keys = internal::GenerateSessionKeyEntry();
    AuthenticatorOptions auth;
    auth.jwt_keys = keys;
    auto authenticator =
        Authenticator::Create(auth, std::shared_ptr<Cache>(NewLruCache(LruCacheOptions{})));
    REQUIRE(authenticator.ok());
    GatewayOptions options;
    const std::string url = "http://127.0.0.1:" + std::to_string(upstream->port());
    options.metadata_url = options.auth_url = options.cache_url = url;
    options.rate_limit_ip_per_s = 0;
    options.rate_limit_wallet_per_s = wallet_per_s;
    options.rate_limit_wallet_burst = wallet_burst;
    auto made = Gateway::Create(options, *runtime,
                                std::shared_ptr<const Authenticator>(std::move(*authenticator)));
    REQUIRE(made.ok());
    gateway = std::move(*made);
    auto router = std::make_shared<Router>();
    REQUIRE(gateway->RegisterRoutes(*router).ok());
    front = std::move(*HttpServer::Create(server_options, router, *runtime));
    REQUIRE(front->Start().ok());
  }
  ~SessionFixture() {
    front->Shutdown();
    upstream->Shutdown();
  }

  std::string Token(const std::string& wallet, const std::string& signing_keys) const {
    auto parsed = internal::ParseSessionKeys(signing_keys, SessionTokenAlgorithm::kHs256);
    REQUIRE(parsed.ok());
    internal::SessionTokenCodec::Settings settings;
    settings.issuer = "streamgate";
    settings.audience = "streamgate";
    auto codec = internal::SessionTokenCodec::Create(*parsed, settings);
    REQUIRE(codec.ok());
    SessionClaims claims;
    claims.sub = wallet;
    claims.chain = "1";
    claims.scheme = "siwe";
    claims.jti = "0123456789abcdef0123456789abcdef";
    claims.iat = static_cast<int64_t>(std::time(nullptr));
    claims.exp = claims.iat + 3600;
    return codec->Sign(claims);
  }

  TestHttpResponse Send(const std::string& method, const std::string& path,
                        const std::string& authorization = "") {
    std::string request = method + " " + path + " HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n";
    if (!authorization.empty()) request += "Authorization: " + authorization + "\r\n";
    if (method == "POST")
      request += "Content-Length: 2\r\n\r\n{}";
    else
      request += "\r\n";
    return TestHttpClient(front->port()).Exchange(request);
  }

  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<HttpServer> upstream;
  std::unique_ptr<Gateway> gateway;
  std::unique_ptr<HttpServer> front;
  std::string keys;
};

constexpr const char* kWallet = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";

}  // namespace

TEST_CASE("gateway enforces sessions before proxying", "[gateway]") {
  SessionFixture fixture(0, 0);
  const std::string token = fixture.Token(kWallet, fixture.keys);

  // Required: none, forged or other-key tokens are 401 at the gateway.
  TestHttpResponse response = fixture.Send("POST", "/api/v1/auth/verify-nft");
  CHECK(response.status == 401);
  CHECK(response.Header("WWW-Authenticate") == "Bearer");
  CHECK(json::parse(response.body)["error"]["code"] == "UNAUTHENTICATED");
  response = fixture.Send("POST", "/api/v1/metadata/create", "Bearer not-a-jwt");
  CHECK(response.status == 401);
  const std::string foreign = fixture.Token(kWallet, internal::GenerateSessionKeyEntry());
  CHECK(fixture.Send("POST", "/api/v1/metadata/create", "Bearer " + foreign).status == 401);

  // A valid session passes, and the service still sees it (to verify it again).
  response = fixture.Send("POST", "/api/v1/auth/verify-nft", "Bearer " + token);
  REQUIRE(response.status == 200);
  CHECK(json::parse(response.body)["authorization"] == "Bearer " + token);

  // Optional: anonymous is fine, a bad token is not.
  CHECK(fixture.Send("GET", "/api/v1/metadata/list").status == 200);
  CHECK(fixture.Send("GET", "/api/v1/metadata/list", "Bearer " + foreign).status == 401);
  CHECK(fixture.Send("GET", "/api/v1/metadata/list", "Bearer " + token).status == 200);

  // The cache's Bearer is its admin token: passed through untouched.
  response = fixture.Send("GET", "/api/v1/cache/stats", "Bearer admin-secret");
  REQUIRE(response.status == 200);
  CHECK(json::parse(response.body)["authorization"] == "Bearer admin-secret");
}

TEST_CASE("gateway rate-limits per wallet", "[gateway]") {
  SessionFixture fixture(1, 2);
  const std::string alice = "Bearer " + fixture.Token(kWallet, fixture.keys);
  const std::string bob =
      "Bearer " + fixture.Token("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF", fixture.keys);
  CHECK(fixture.Send("GET", "/api/v1/metadata/a", alice).status == 200);
  CHECK(fixture.Send("GET", "/api/v1/metadata/a", alice).status == 200);
  TestHttpResponse response;
  for (int i = 0; i < 50 && response.status != 429; ++i) {
    response = fixture.Send("GET", "/api/v1/metadata/a", alice);
  }
  REQUIRE(response.status == 429);
  CHECK(std::stoi(response.Header("Retry-After")) >= 1);
  // Another wallet from the same address has its own bucket.
  CHECK(fixture.Send("GET", "/api/v1/metadata/a", bob).status == 200);
}
