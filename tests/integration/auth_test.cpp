// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The auth plugin end to end over loopback HTTP, public API only: challenge -> a real wallet
// (ethers, siwe, tweetnacl via node) signs -> verify-signature -> session JWT -> verify-token,
// for every scheme, plus the refusals a client sees (status codes and error bodies).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "auth/node_wallet.h"
#include "streamgate/authenticator.h"
#include "streamgate/cache.h"
#include "streamgate/kernel.h"
#include "streamgate/plugins.h"
#include "streamgate/runtime.h"
#include "test_http_client.h"

namespace streamgate {
namespace {

using Json = nlohmann::json;
using testing::TestHttpClient;
using testing::TestHttpResponse;

constexpr const char* kKey1 = "0x0000000000000000000000000000000000000000000000000000000000000001";
constexpr const char* kAddress1 = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
constexpr const char* kKey2 = "0x0000000000000000000000000000000000000000000000000000000000000002";
constexpr const char* kSolanaSeed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr const char* kSolanaAddress = "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z";

// Provides a Cache the way the cache plugin does, so the test can see the nonces in it.
class SharedCachePlugin final : public Plugin {
 public:
  explicit SharedCachePlugin(std::shared_ptr<Cache> cache) : cache_(std::move(cache)) {}
  std::string Name() const override { return "test-cache"; }
  Status Init(PluginContext& context) override { return context.services.Provide<Cache>(cache_); }

 private:
  std::shared_ptr<Cache> cache_;
};

struct Server {
  std::filesystem::path data_dir;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Kernel> kernel;
  std::shared_ptr<Cache> shared_cache;

  bool owns_data_dir = true;

  static std::filesystem::path UniqueDir() {
    static int counter = 0;
    return std::filesystem::temp_directory_path() /
           ("sg-auth-it-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  }

  // `shared_dir`: a data directory the caller owns and keeps between servers.
  explicit Server(bool with_shared_cache, std::filesystem::path shared_dir = {}) {
    owns_data_dir = shared_dir.empty();
    data_dir = owns_data_dir ? UniqueDir() : shared_dir;
    if (owns_data_dir) std::filesystem::remove_all(data_dir);
    Config config;
    config.service = "auth-test";
    config.data_dir = data_dir.string();
    config.server.host = "127.0.0.1";
    config.server.port = 0;
    config.server.shutdown_timeout_ms = 2000;
    config.log.access_log = false;
    config.auth.domain = "localhost:8080";
    config.auth.uri = "http://localhost:8080";
    Result<std::unique_ptr<Runtime>> created_runtime = Runtime::Create({1, 2});
    REQUIRE(created_runtime.ok());
    runtime = std::move(*created_runtime);
    Result<std::unique_ptr<Kernel>> created_kernel = Kernel::Create(config, *runtime);
    REQUIRE(created_kernel.ok());
    kernel = std::move(*created_kernel);
    if (with_shared_cache) {
      shared_cache = NewLruCache();
      REQUIRE(kernel->Register(std::make_unique<SharedCachePlugin>(shared_cache)).ok());
    }
    REQUIRE(kernel->Register(NewAuthPlugin()).ok());
    const Status started = kernel->Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
  }
  ~Server() {
    (void)kernel->Stop();
    kernel.reset();
    runtime->Stop();
    if (owns_data_dir) std::filesystem::remove_all(data_dir);
  }

  TestHttpResponse Post(std::string_view path, const std::string& body,
                        const std::string& extra_headers = "") {
    TestHttpClient client(kernel->port());
    return client.Exchange("POST " + std::string(path) +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                           "Content-Type: application/json\r\n" +
                           extra_headers + "Content-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n" + body);
  }
  TestHttpResponse PostJson(std::string_view path, const Json& body) {
    return Post(path, body.dump());
  }
  Json ChallengeFor(const std::string& address, const Json& chain = nullptr) {
    Json body = {{"address", address}};
    if (!chain.is_null()) body["chain"] = chain;
    const TestHttpResponse response = PostJson("/api/v1/auth/challenge", body);
    INFO(response.body);
    REQUIRE(response.status == 200);
    CHECK(response.Header("Cache-Control") == "no-store");
    return Json::parse(response.body);
  }
};

std::string ErrorCode(const TestHttpResponse& response) {
  const Json body = Json::parse(response.body, nullptr, false);
  return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
}

TEST_CASE("auth over HTTP: every scheme from challenge to verified session", "[auth][e2e]") {
  Server server(/*with_shared_cache=*/true);
  const Json siwe_challenge = server.ChallengeFor(kAddress1, 1);
  const Json eip191_challenge = server.ChallengeFor("0x7e5f4552091a69125d5dfcb7b8c2659029395bdf");
  const Json eip712_challenge = server.ChallengeFor(kAddress1, "1337");
  const Json solana_challenge = server.ChallengeFor(kSolanaAddress, "solana");
  CHECK(siwe_challenge["address"] == kAddress1);
  CHECK(eip191_challenge["chain"] == "1");  // the first allowed chain by default
  CHECK(siwe_challenge["scheme"] == "siwe");
  CHECK(solana_challenge["scheme"] == "solana");
  CHECK(siwe_challenge["domain"] == "localhost:8080");
  // The nonce lives in the Cache another plugin provided.
  CHECK(server.shared_cache->Get("auth:nonce:" + siwe_challenge["nonce"].get<std::string>()).ok());

  const Json signed_by_wallets = testing::RunNodeWallet(Json::array(
      {{{"op", "siwe"},
        {"key", kKey1},
        {"fields",
         {{"domain", "localhost:8080"},
          {"uri", "http://localhost:8080"},
          {"chainId", 1},
          {"nonce", siwe_challenge["nonce"]},
          {"issuedAt", siwe_challenge["issued_at"]},
          {"statement", "Watch videos"}}}},
       {{"op", "personal"}, {"key", kKey1}, {"message", eip191_challenge["message"]}},
       {{"op", "typed"}, {"key", kKey1}, {"typed_data", eip712_challenge["typed_data"]}},
       {{"op", "solana"}, {"seed", kSolanaSeed}, {"message", solana_challenge["message"]}}}));

  const std::vector<std::pair<std::string, Json>> verifications = {
      {"siwe",
       {{"scheme", "siwe"},
        {"address", kAddress1},
        {"message", signed_by_wallets[0]["message"]},
        {"signature", signed_by_wallets[0]["signature"]}}},
      {"eip191",
       {{"scheme", "eip191"},
        {"address", kAddress1},
        {"message", eip191_challenge["message"]},
        {"signature", signed_by_wallets[1]["signature"]}}},
      {"eip712",
       {{"scheme", "eip712"},
        {"address", kAddress1},
        {"typed_data", eip712_challenge["typed_data"]},
        {"signature", signed_by_wallets[2]["signature"]}}},
      {"solana",
       {{"scheme", "solana"},
        {"address", kSolanaAddress},
        {"message", solana_challenge["message"]},
        {"signature", signed_by_wallets[3]["signature"]}}},
  };
  std::shared_ptr<Authenticator> shared = server.kernel->services().Find<Authenticator>();
  REQUIRE(shared != nullptr);
  for (const auto& [scheme, body] : verifications) {
    INFO(scheme);
    const TestHttpResponse verified = server.PostJson("/api/v1/auth/verify-signature", body);
    INFO(verified.body);
    REQUIRE(verified.status == 200);
    const Json session = Json::parse(verified.body);
    CHECK(session["token_type"] == "Bearer");
    CHECK(session["claims"]["scheme"] == scheme);
    CHECK(session["claims"]["sub"] == body["address"]);
    const std::string token = session["token"].get<std::string>();

    const TestHttpResponse by_body =
        server.PostJson("/api/v1/auth/verify-token", {{"token", token}});
    REQUIRE(by_body.status == 200);
    const Json claims = Json::parse(by_body.body);
    CHECK(claims["valid"] == true);
    CHECK(claims["claims"]["sub"] == body["address"]);
    CHECK(claims["claims"]["jti"] == session["claims"]["jti"]);
    const TestHttpResponse by_header =
        server.Post("/api/v1/auth/verify-token", "", "Authorization: Bearer " + token + "\r\n");
    CHECK(by_header.status == 200);
    // Other plugins check Bearer tokens through the shared Authenticator.
    Result<SessionClaims> from_registry = shared->VerifyBearer("Bearer " + token);
    REQUIRE(from_registry.ok());
    CHECK(from_registry->scheme == scheme);

    // Replaying the same signed request fails: the nonce is gone.
    const TestHttpResponse replay = server.PostJson("/api/v1/auth/verify-signature", body);
    CHECK(replay.status == 401);
    CHECK(ErrorCode(replay) == "UNAUTHENTICATED");
  }
}

TEST_CASE("auth over HTTP: refusals", "[auth][e2e][negative]") {
  Server server(/*with_shared_cache=*/false);  // the plugin's own LRU holds the nonces
  const Json challenge = server.ChallengeFor(kAddress1);
  const Json wrong_domain_challenge = server.ChallengeFor(kAddress1);
  const Json signed_by_wallets = testing::RunNodeWallet(
      Json::array({{{"op", "personal"}, {"key", kKey2}, {"message", challenge["message"]}},
                   {{"op", "siwe"},
                    {"key", kKey1},
                    {"fields",
                     {{"domain", "evil.example"},
                      {"uri", "http://localhost:8080"},
                      {"chainId", 1},
                      {"nonce", wrong_domain_challenge["nonce"]},
                      {"issuedAt", wrong_domain_challenge["issued_at"]}}}}}));

  // Signed by another key than the claimed address.
  TestHttpResponse response = server.PostJson("/api/v1/auth/verify-signature",
                                              {{"scheme", "eip191"},
                                               {"address", kAddress1},
                                               {"message", challenge["message"]},
                                               {"signature", signed_by_wallets[0]["signature"]}});
  CHECK(response.status == 401);
  CHECK(ErrorCode(response) == "UNAUTHENTICATED");
  // A signature made for evil.com does not log into this site.
  response = server.PostJson("/api/v1/auth/verify-signature",
                             {{"scheme", "siwe"},
                              {"address", kAddress1},
                              {"message", signed_by_wallets[1]["message"]},
                              {"signature", signed_by_wallets[1]["signature"]}});
  CHECK(response.status == 401);
  CHECK_THAT(response.body, Catch::Contains("domain"));

  // Malformed requests.
  CHECK(server.Post("/api/v1/auth/verify-signature", "{not json").status == 400);
  CHECK(server.Post("/api/v1/auth/verify-signature", "[]").status == 400);
  CHECK(server.PostJson("/api/v1/auth/verify-signature", {{"scheme", "siwe"}}).status == 400);
  CHECK(server
            .PostJson("/api/v1/auth/verify-signature",
                      {{"scheme", "siwe"}, {"address", 5}, {"message", "x"}, {"signature", "0x"}})
            .status == 400);
  CHECK(server.Post("/api/v1/auth/verify-signature", std::string(20000, ' ')).status == 413);
  CHECK(server.PostJson("/api/v1/auth/challenge", {{"address", kAddress1}, {"chain", 5}}).status ==
        400);
  CHECK(server.PostJson("/api/v1/auth/challenge", {{"address", "0x12"}}).status == 400);
  CHECK(server.PostJson("/api/v1/auth/challenge", Json::object()).status == 400);

  // GET works with query parameters.
  TestHttpClient client(server.kernel->port());
  const TestHttpResponse by_get =
      client.Get(std::string("/api/v1/auth/challenge?address=") + kSolanaAddress + "&chain=solana");
  REQUIRE(by_get.status == 200);
  CHECK(Json::parse(by_get.body)["chain"] == "solana");

  // Tokens: none, junk, alg none, tampered.
  CHECK(server.Post("/api/v1/auth/verify-token", "").status == 401);
  const TestHttpResponse junk = server.PostJson("/api/v1/auth/verify-token", {{"token", "junk"}});
  CHECK(junk.status == 401);
  CHECK(junk.Header("WWW-Authenticate") == "Bearer error=\"invalid_token\"");
  CHECK(server
            .PostJson("/api/v1/auth/verify-token",
                      {{"token", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIweDAwIn0."}})
            .status == 401);
  CHECK(server.Post("/api/v1/auth/verify-token", "", "Authorization: Basic dXNlcjpwdw==\r\n")
            .status == 401);
}

TEST_CASE("auth over HTTP: the generated session key survives a restart", "[auth][e2e]") {
  const std::filesystem::path data_dir = Server::UniqueDir();
  std::string token;
  {
    Server first(false, data_dir);
    const Json challenge = first.ChallengeFor(kAddress1);
    const Json signed_message = testing::RunNodeWallet(
        {{"op", "personal"}, {"key", kKey1}, {"message", challenge["message"]}});
    const TestHttpResponse verified = first.PostJson("/api/v1/auth/verify-signature",
                                                     {{"scheme", "eip191"},
                                                      {"address", kAddress1},
                                                      {"message", challenge["message"]},
                                                      {"signature", signed_message["signature"]}});
    REQUIRE(verified.status == 200);
    token = Json::parse(verified.body)["token"].get<std::string>();
    CHECK(std::filesystem::exists(data_dir / "auth" / "session_keys"));
  }
  {
    Server restarted(false, data_dir);
    CHECK(restarted.PostJson("/api/v1/auth/verify-token", {{"token", token}}).status == 200);
  }
  {
    Server elsewhere(false);  // another data dir generates another key
    CHECK(elsewhere.PostJson("/api/v1/auth/verify-token", {{"token", token}}).status == 401);
  }
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace streamgate
