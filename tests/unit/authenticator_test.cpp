// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The Authenticator through its public API, with real wallets: ethers v6 and the siwe package
// sign Ethereum messages, tweetnacl signs Solana ones (tests/support/auth/wallet_signer.js).
// Time is a fixed test clock so that expiry is exact and no test waits.
#include "streamgate/authenticator.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "auth/crypto/base64.h"
#include "auth/crypto/ecrecover.h"
#include "auth/crypto/hex.h"
#include "auth/node_wallet.h"
#include "auth/rfc3339.h"
#include "streamgate/cache.h"

namespace streamgate {
namespace {

using Json = nlohmann::json;

constexpr const char* kKey1 = "0x0000000000000000000000000000000000000000000000000000000000000001";
constexpr const char* kAddress1 = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
constexpr const char* kKey2 = "0x0000000000000000000000000000000000000000000000000000000000000002";
constexpr const char* kSolanaSeed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr const char* kSolanaAddress = "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z";
constexpr const char* kSolanaSeed2 =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
constexpr int64_t kStart = 1795000000;  // 2026-11-18

std::string Secret(char fill) {
  const std::string raw(32, fill);
  return internal::crypto::EncodeBase64(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
}

struct Harness {
  std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(kStart);
  std::shared_ptr<Cache> cache = NewLruCache();
  std::unique_ptr<Authenticator> auth;

  explicit Harness(AuthenticatorOptions options = Options()) {
    auto clock = now;
    options.clock = [clock] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(clock->load()));
    };
    Result<std::unique_ptr<Authenticator>> created = Authenticator::Create(options, cache);
    REQUIRE(created.ok());
    auth = std::move(*created);
  }

  static AuthenticatorOptions Options() {
    AuthenticatorOptions options;
    options.domain = "app.example:8443";
    options.uri = "https://app.example:8443/login";
    options.allowed_chain_ids = {1, 1337};
    options.jwt_keys = "main:" + Secret('a') + ",old:" + Secret('b');
    return options;
  }

  Challenge Issue(std::string address = kAddress1, std::string chain = "") {
    Result<Challenge> challenge = auth->IssueChallenge({std::move(address), std::move(chain)});
    REQUIRE(challenge.ok());
    return *challenge;
  }

  std::string Rfc(int64_t offset) const { return internal::FormatRfc3339(now->load() + offset); }

  // siwe-package fields matching `challenge` (the correct sign-in), for a test to alter.
  Json SiweFields(const Challenge& challenge) const {
    return {{"domain", "app.example:8443"},
            {"uri", "https://app.example:8443/login"},
            {"chainId", std::stoll(challenge.chain)},
            {"nonce", challenge.nonce},
            {"issuedAt", challenge.issued_at},
            {"address", challenge.address},
            {"statement", "Sign in"}};
  }
};

Json SiweRequest(const Json& fields, const char* key = kKey1) {
  return {{"op", "siwe"}, {"key", key}, {"fields", fields}};
}

VerifySignatureRequest FromWallet(const Json& signed_message, std::string scheme = "siwe") {
  return {std::move(scheme), signed_message["address"].get<std::string>(),
          signed_message["message"].get<std::string>(),
          signed_message["signature"].get<std::string>()};
}

TEST_CASE("Authenticator: SIWE sign-in with the siwe package and ethers", "[auth]") {
  Harness h;
  const Challenge challenge = h.Issue();
  CHECK(challenge.nonce.size() >= 16);
  CHECK(challenge.address == kAddress1);
  CHECK(challenge.chain == "1");
  CHECK(challenge.expires_at == kStart + 300);
  CHECK_THAT(challenge.message,
             Catch::StartsWith("app.example:8443 wants you to sign in with your Ethereum account:\n"
                               "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf\n\n"));
  CHECK_THAT(challenge.message, Catch::Contains("\nNonce: " + challenge.nonce + "\n"));

  // A SIWE message built by the siwe package with our nonce (its own statement, a resource).
  Json fields = h.SiweFields(challenge);
  fields["resources"] = {"https://app.example:8443/videos/1"};
  fields["expirationTime"] = h.Rfc(120);
  const Json wallet = testing::RunNodeWallet(SiweRequest(fields));
  Result<Session> session = h.auth->VerifySignature(FromWallet(wallet));
  REQUIRE(session.ok());
  CHECK(session->claims.sub == kAddress1);
  CHECK(session->claims.chain == "1");
  CHECK(session->claims.scheme == "siwe");
  CHECK(session->claims.iss == "streamgate");
  CHECK(session->claims.aud == "streamgate");
  CHECK(session->claims.iat == kStart);
  CHECK(session->claims.exp == kStart + 3600);
  CHECK(session->claims.jti.size() == 32);

  Result<SessionClaims> claims = h.auth->VerifySessionToken(session->token);
  REQUIRE(claims.ok());
  CHECK(claims->sub == kAddress1);
  CHECK(claims->jti == session->claims.jti);
  CHECK(h.auth->VerifyBearer("Bearer " + session->token).ok());
  CHECK_FALSE(h.auth->VerifyBearer("Basic " + session->token).ok());

  // The nonce is single use.
  Result<Session> again = h.auth->VerifySignature(FromWallet(wallet));
  CHECK(again.status().code() == StatusCode::kUnauthenticated);
  CHECK_THAT(again.status().message(), Catch::Contains("nonce"));
}

TEST_CASE("Authenticator: eip191 signs exactly the challenge text", "[auth]") {
  Harness h;
  const Challenge first = h.Issue(kAddress1, "1337");
  const Challenge second = h.Issue("0x7e5f4552091a69125d5dfcb7b8c2659029395bdf", "1337");
  CHECK(second.address == kAddress1);  // normalised to EIP-55
  const Json signed_messages = testing::RunNodeWallet(
      Json::array({{{"op", "personal"}, {"key", kKey1}, {"message", first.message}},
                   {{"op", "personal"},
                    {"key", kKey1},
                    {"message", second.message + "\nResources:\n- https://x.example"}}}));
  Result<Session> session = h.auth->VerifySignature(FromWallet(signed_messages[0], "eip191"));
  REQUIRE(session.ok());
  CHECK(session->claims.chain == "1337");
  CHECK(session->claims.scheme == "eip191");
  Result<Session> altered = h.auth->VerifySignature(FromWallet(signed_messages[1], "eip191"));
  CHECK(altered.status().code() == StatusCode::kUnauthenticated);
  CHECK_THAT(altered.status().message(), Catch::Contains("differs from the issued challenge"));
}

TEST_CASE("Authenticator: eip712 typed data signed by ethers", "[auth][eip712]") {
  Harness h;
  const Challenge good = h.Issue();
  const Challenge tampered = h.Issue();
  const Challenge other_signer = h.Issue();
  const Json typed = Json::parse(good.typed_data);
  CHECK(typed["primaryType"] == "SignIn");
  CHECK(typed["domain"] == Json({{"name", "StreamGate"}, {"version", "1"}, {"chainId", 1}}));
  CHECK(typed["message"]["nonce"] == good.nonce);
  CHECK(typed["message"]["wallet"] == kAddress1);

  Json tampered_typed = Json::parse(tampered.typed_data);
  tampered_typed["message"]["uri"] = "https://evil.example/login";
  const Json signed_data = testing::RunNodeWallet(Json::array(
      {{{"op", "typed"}, {"key", kKey1}, {"typed_data", typed}},
       {{"op", "typed"}, {"key", kKey1}, {"typed_data", tampered_typed}},
       {{"op", "typed"}, {"key", kKey2}, {"typed_data", Json::parse(other_signer.typed_data)}}}));

  // ethers computes the same digest as our encoder over the document we issued.
  VerifySignatureRequest request{"eip712", kAddress1, typed.dump(),
                                 signed_data[0]["signature"].get<std::string>()};
  Result<Session> session = h.auth->VerifySignature(request);
  REQUIRE(session.ok());
  CHECK(session->claims.scheme == "eip712");

  // A field changed after issue (and signed as changed) is refused.
  Result<Session> changed = h.auth->VerifySignature(
      {"eip712", kAddress1, tampered_typed.dump(), signed_data[1]["signature"].get<std::string>()});
  CHECK(changed.status().code() == StatusCode::kUnauthenticated);
  CHECK_THAT(changed.status().message(), Catch::Contains("typed data differs"));
  // Our document, but signed by another key while claiming address 1.
  Result<Session> wrong_signer =
      h.auth->VerifySignature({"eip712", kAddress1, other_signer.typed_data,
                               signed_data[2]["signature"].get<std::string>()});
  CHECK(wrong_signer.status().code() == StatusCode::kUnauthenticated);
  CHECK_THAT(wrong_signer.status().message(), Catch::Contains("not made by the claimed address"));
}

TEST_CASE("Authenticator: Solana sign-in signed by tweetnacl", "[auth][solana]") {
  Harness h;
  const Challenge good = h.Issue(kSolanaAddress);
  CHECK(good.chain == "solana");
  CHECK(good.typed_data.empty());
  CHECK_THAT(good.message, Catch::StartsWith("app.example:8443 wants you to sign in with your "
                                             "Solana account:\n" +
                                             std::string(kSolanaAddress) + "\n"));
  const Challenge altered = h.Issue(kSolanaAddress);
  const Challenge impostor = h.Issue(kSolanaAddress);
  std::string altered_text = altered.message;
  altered_text.replace(altered_text.find("Sign in"), 7, "Sign up");
  const Json signed_messages = testing::RunNodeWallet(
      Json::array({{{"op", "solana"}, {"seed", kSolanaSeed}, {"message", good.message}},
                   {{"op", "solana"}, {"seed", kSolanaSeed}, {"message", altered_text}},
                   {{"op", "solana"}, {"seed", kSolanaSeed2}, {"message", impostor.message}}}));
  CHECK(signed_messages[0]["address"] == kSolanaAddress);
  Result<Session> session = h.auth->VerifySignature(FromWallet(signed_messages[0], "solana"));
  REQUIRE(session.ok());
  CHECK(session->claims.sub == kSolanaAddress);
  CHECK(session->claims.chain == "solana");
  CHECK(h.auth->VerifySignature(FromWallet(signed_messages[1], "solana")).status().code() ==
        StatusCode::kUnauthenticated);
  VerifySignatureRequest forged = FromWallet(signed_messages[2], "solana");
  forged.address = kSolanaAddress;  // claims the challenge's key, signed by another
  Result<Session> refused = h.auth->VerifySignature(forged);
  CHECK(refused.status().code() == StatusCode::kUnauthenticated);
  CHECK_THAT(refused.status().message(), Catch::Contains("not made by the claimed address"));
}

TEST_CASE("Authenticator: hostile SIWE sign-ins are refused (table)", "[auth][negative]") {
  Harness h;
  struct Case {
    const char* name;
    std::function<void(Json& fields)> alter;  // siwe-package fields
    const char* key;
    StatusCode code;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"wrong domain", [](Json& f) { f["domain"] = "evil.example"; }, kKey1,
       StatusCode::kUnauthenticated, "domain"},
      {"wrong URI", [](Json& f) { f["uri"] = "https://evil.example/login"; }, kKey1,
       StatusCode::kUnauthenticated, "URI"},
      {"chain id not allowed", [](Json& f) { f["chainId"] = 5; }, kKey1,
       StatusCode::kUnauthenticated, "chain id not allowed"},
      {"allowed chain id, not the challenge's", [](Json& f) { f["chainId"] = 1337; }, kKey1,
       StatusCode::kUnauthenticated, "chain id differs"},
      {"unknown nonce", [](Json& f) { f["nonce"] = "neverIssued12345"; }, kKey1,
       StatusCode::kUnauthenticated, "nonce unknown"},
      {"expired message", [&h](Json& f) { f["expirationTime"] = h.Rfc(-3600); }, kKey1,
       StatusCode::kUnauthenticated, "expired"},
      {"not yet valid", [&h](Json& f) { f["notBefore"] = h.Rfc(3600); }, kKey1,
       StatusCode::kUnauthenticated, "not yet valid"},
      {"issued in the future", [&h](Json& f) { f["issuedAt"] = h.Rfc(3600); }, kKey1,
       StatusCode::kUnauthenticated, "future"},
      {"issued before the challenge", [&h](Json& f) { f["issuedAt"] = h.Rfc(-3600); }, kKey1,
       StatusCode::kUnauthenticated, "before its challenge"},
      {"signature for another address", [](Json&) {}, kKey2, StatusCode::kUnauthenticated,
       "not made by the claimed address"},
      {"message for another address",
       [](Json& f) { f["address"] = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"; }, kKey2,
       StatusCode::kUnauthenticated, "address differs"},
  };
  Json requests = Json::array();
  std::vector<Challenge> challenges;
  for (const Case& c : cases) {
    challenges.push_back(h.Issue());
    Json fields = h.SiweFields(challenges.back());
    c.alter(fields);
    requests.push_back(SiweRequest(fields, c.key));
  }
  const Json signed_messages = testing::RunNodeWallet(requests);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO(cases[i].name);
    VerifySignatureRequest request = FromWallet(signed_messages[i]);
    request.address = kAddress1;  // always claim the challenge's address
    Result<Session> session = h.auth->VerifySignature(request);
    CHECK(session.status().code() == cases[i].code);
    CHECK_THAT(session.status().message(), Catch::Contains(cases[i].message));
    // Whatever failed, the nonce the message named is burnt (the "unknown nonce" case named
    // none of ours, so its challenge stays usable).
    const Challenge& challenge = challenges[i];
    const bool burnt =
        h.cache->Get("auth:nonce:" + challenge.nonce).status().code() == StatusCode::kNotFound;
    CHECK(burnt == (std::string(cases[i].name) != "unknown nonce"));
  }
}

TEST_CASE("Authenticator: hostile signatures and messages are refused (table)",
          "[auth][negative]") {
  Harness h;
  const int kCases = 12;
  std::vector<Challenge> challenges;
  Json requests = Json::array();
  for (int i = 0; i < kCases; ++i) {
    challenges.push_back(h.Issue());
    requests.push_back(SiweRequest(h.SiweFields(challenges.back())));
  }
  const Json signed_messages = testing::RunNodeWallet(requests);
  auto request_for = [&](int i) { return FromWallet(signed_messages[i]); };
  auto flip_s = [](std::string signature) {
    // s' = n - s and v flipped: the high-s twin, which recovers the same key.
    Result<internal::crypto::Bytes> raw = internal::crypto::DecodeHex(signature);
    static constexpr uint8_t kOrder[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                           0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
                                           0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b,
                                           0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
    internal::crypto::Bytes high = *raw;
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
      const int value = kOrder[i] - (*raw)[32 + i] - borrow;
      borrow = value < 0 ? 1 : 0;
      high[32 + i] = static_cast<uint8_t>(value + (borrow ? 256 : 0));
    }
    high[64] = static_cast<uint8_t>(high[64] == 27 ? 28 : 27);
    return internal::crypto::EncodeHex(high);
  };
  struct Case {
    const char* name;
    std::function<void(VerifySignatureRequest&)> alter;
    StatusCode code;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"high s", [&](auto& r) { r.signature = flip_s(r.signature); }, StatusCode::kUnauthenticated,
       "upper half"},
      {"v = 29", [](auto& r) { r.signature.replace(r.signature.size() - 2, 2, "1d"); },
       StatusCode::kUnauthenticated, "v must be"},
      {"v = 37 (EIP-155 style)",
       [](auto& r) { r.signature.replace(r.signature.size() - 2, 2, "25"); },
       StatusCode::kUnauthenticated, "v must be"},
      {"malformed hex", [](auto& r) { r.signature[10] = 'z'; }, StatusCode::kInvalidArgument,
       "non-hex"},
      {"no 0x", [](auto& r) { r.signature = r.signature.substr(2); }, StatusCode::kInvalidArgument,
       "0x"},
      {"truncated signature", [](auto& r) { r.signature.resize(r.signature.size() - 2); },
       StatusCode::kUnauthenticated, "65 bytes"},
      {"odd-length signature", [](auto& r) { r.signature.pop_back(); },
       StatusCode::kInvalidArgument, "odd"},
      {"overlong signature", [](auto& r) { r.signature += std::string(300, '0'); },
       StatusCode::kInvalidArgument, "too long"},
      {"claimed address malformed", [](auto& r) { r.address = "0x1234"; },
       StatusCode::kInvalidArgument, "address"},
      {"claimed address with a bad checksum",
       [](auto& r) { r.address = "0x7E5F4552091A69125d5DfCb7b8C2659029395BDF"; },
       StatusCode::kInvalidArgument, "checksum"},
      {"unknown scheme", [](auto& r) { r.scheme = "eip1271"; }, StatusCode::kInvalidArgument,
       "scheme"},
      {"message line replaced",
       [](auto& r) { r.message.replace(r.message.find("Version: 1"), 10, "Version: 9"); },
       StatusCode::kInvalidArgument, "version"},
  };
  REQUIRE(cases.size() == kCases);
  for (int i = 0; i < kCases; ++i) {
    INFO(cases[i].name);
    VerifySignatureRequest request = request_for(i);
    cases[i].alter(request);
    Result<Session> session = h.auth->VerifySignature(request);
    CHECK(session.status().code() == cases[i].code);
    CHECK_THAT(session.status().message(), Catch::Contains(cases[i].message));
    if (std::string(cases[i].name) != "unknown scheme") {
      CHECK(h.cache->Get("auth:nonce:" + challenges[i].nonce).status().code() ==
            StatusCode::kNotFound);
    }
  }

  // Oversized messages are refused before anything is parsed.
  VerifySignatureRequest huge = request_for(0);
  huge.message += "\nResources:\n- https://x.example/" + std::string(5000, 'a');
  CHECK(h.auth->VerifySignature(huge).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Authenticator: concurrent replays of one signature yield one session", "[auth]") {
  Harness h;
  const Challenge challenge = h.Issue();
  const Json wallet =
      testing::RunNodeWallet({{"op", "personal"}, {"key", kKey1}, {"message", challenge.message}});
  const VerifySignatureRequest request = FromWallet(wallet, "eip191");
  std::atomic<int> sessions{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Result<Session> session = h.auth->VerifySignature(request);
      if (session.ok()) {
        ++sessions;
      } else if (session.status().code() == StatusCode::kUnauthenticated) {
        ++refused;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(sessions == 1);
  CHECK(refused == 7);
}

TEST_CASE("Authenticator: a challenge expires with its TTL", "[auth][negative]") {
  Harness h;
  const Challenge challenge = h.Issue();
  const Json wallet =
      testing::RunNodeWallet({{"op", "personal"}, {"key", kKey1}, {"message", challenge.message}});
  h.now->fetch_add(301);
  Result<Session> late = h.auth->VerifySignature(FromWallet(wallet, "eip191"));
  CHECK(late.status().code() == StatusCode::kUnauthenticated);
  CHECK_THAT(late.status().message(), Catch::Contains("expired"));
}

TEST_CASE("Authenticator: challenge requests are validated", "[auth]") {
  Harness h;
  auto code = [&](std::string address, std::string chain) {
    return h.auth->IssueChallenge({std::move(address), std::move(chain)}).status().code();
  };
  CHECK(code(kAddress1, "5") == StatusCode::kInvalidArgument);  // chain not allowed
  CHECK(code(kAddress1, "01") == StatusCode::kInvalidArgument);
  CHECK(code(kAddress1, "eth") == StatusCode::kInvalidArgument);
  CHECK(code("", "") == StatusCode::kInvalidArgument);
  CHECK(code("0x7E5F4552091A69125d5DfCb7b8C2659029395BDF", "1") == StatusCode::kInvalidArgument);
  CHECK(code("0x1234", "1") == StatusCode::kInvalidArgument);
  CHECK(code(kSolanaAddress, "1") == StatusCode::kInvalidArgument);
  CHECK(code(kAddress1, "solana") == StatusCode::kInvalidArgument);
  CHECK(code("0OIl", "solana") == StatusCode::kInvalidArgument);
  CHECK(code(std::string(1000, '1'), "solana") == StatusCode::kInvalidArgument);
  AuthenticatorOptions no_solana = Harness::Options();
  no_solana.allow_solana = false;
  Harness without(no_solana);
  CHECK(without.auth->IssueChallenge({kSolanaAddress, ""}).status().code() ==
        StatusCode::kInvalidArgument);
}

// A nonce store that is down: every call fails.
class DownCache final : public Cache {
 public:
  Result<std::string> Get(std::string_view) override { return Down(); }
  Status Set(std::string_view, std::string_view, std::chrono::milliseconds) override {
    return Down();
  }
  Result<bool> SetIfAbsent(std::string_view, std::string_view, std::chrono::milliseconds) override {
    return Down();
  }
  Result<std::string> Take(std::string_view) override { return Down(); }
  Result<bool> Delete(std::string_view) override { return Down(); }
  Result<uint64_t> DeleteByPrefix(std::string_view) override { return Down(); }
  Status Clear() override { return Down(); }
  CacheStats Stats() const override { return {}; }
  std::string_view backend() const override { return "down"; }

 private:
  static Status Down() { return Status::Unavailable("connection refused"); }
};

TEST_CASE("Authenticator: a failing nonce store denies (fail closed)", "[auth][negative]") {
  Harness h;
  const Challenge challenge = h.Issue();
  const Json wallet =
      testing::RunNodeWallet({{"op", "personal"}, {"key", kKey1}, {"message", challenge.message}});
  AuthenticatorOptions options = Harness::Options();
  options.clock = [now = h.now] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(now->load()));
  };
  std::unique_ptr<Authenticator> down =
      std::move(*Authenticator::Create(options, std::make_shared<DownCache>()));
  CHECK(down->IssueChallenge({kAddress1, ""}).status().code() == StatusCode::kUnavailable);
  // A correctly signed challenge is still refused when its nonce cannot be checked and burnt.
  CHECK(down->VerifySignature(FromWallet(wallet, "eip191")).status().code() ==
        StatusCode::kUnavailable);
  // Token checks never touch the store.
  Result<Session> session = h.auth->VerifySignature(FromWallet(wallet, "eip191"));
  REQUIRE(session.ok());
  CHECK(down->VerifySessionToken(session->token).ok());
}

TEST_CASE("Authenticator: bad options are refused", "[auth]") {
  auto create = [](auto&& alter) {
    AuthenticatorOptions options = Harness::Options();
    alter(options);
    return Authenticator::Create(options, NewLruCache()).status().code();
  };
  CHECK(create([](auto&) {}) == StatusCode::kOk);
  CHECK(create([](auto& o) { o.domain = ""; }) == StatusCode::kInvalidArgument);
  CHECK(create([](auto& o) { o.domain = "a b"; }) == StatusCode::kInvalidArgument);
  CHECK(create([](auto& o) { o.uri = "not a uri"; }) == StatusCode::kInvalidArgument);
  CHECK(create([](auto& o) { o.statement = "line\nbreak"; }) == StatusCode::kInvalidArgument);
  CHECK(create([](auto& o) { o.jwt_keys = "k:" + Secret('a').substr(0, 20); }) ==
        StatusCode::kInvalidArgument);
  CHECK(create([](auto& o) { o.jwt_keys = "k:c2hvcnQ="; }) == StatusCode::kInvalidArgument);
  CHECK(create([](auto& o) { o.jwt_keys = "k:" + Secret('a') + ",k:" + Secret('b'); }) ==
        StatusCode::kInvalidArgument);
  CHECK(create([](auto& o) { o.jwt_keys = "bad kid:" + Secret('a'); }) ==
        StatusCode::kInvalidArgument);
  CHECK(create([](auto& o) { o.nonce_ttl_s = 0; }) == StatusCode::kInvalidArgument);
  CHECK(Authenticator::Create(Harness::Options(), nullptr).status().code() ==
        StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace streamgate
