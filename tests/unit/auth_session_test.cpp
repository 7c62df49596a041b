// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Session tokens (JWT): round trips, rotation, EdDSA, and every forgery we know of refused.
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "auth/crypto/base64.h"
#include "auth/session_claims_json.h"
#include "auth/session_keys.h"
#include "auth/session_token.h"

namespace streamgate::internal {
namespace {

using Json = nlohmann::json;
constexpr int64_t kNow = 1795000000;

std::string Secret(char fill, std::size_t size = 32) {
  const std::string raw(size, fill);
  return crypto::EncodeBase64(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
}

SessionTokenCodec Codec(const std::string& keys,
                        SessionTokenAlgorithm algorithm = SessionTokenAlgorithm::kHs256) {
  Result<std::vector<SessionKey>> parsed = ParseSessionKeys(keys, algorithm);
  REQUIRE(parsed.ok());
  SessionTokenCodec::Settings settings;
  settings.algorithm = algorithm;
  settings.issuer = "streamgate";
  settings.audience = "streamgate";
  Result<SessionTokenCodec> codec = SessionTokenCodec::Create(*parsed, settings);
  REQUIRE(codec.ok());
  return std::move(*codec);
}

SessionClaims Claims() {
  SessionClaims claims;
  claims.sub = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
  claims.chain = "1";
  claims.scheme = "siwe";
  claims.jti = "00112233445566778899aabbccddeeff";
  claims.iat = kNow;
  claims.exp = kNow + 3600;
  return claims;
}

std::vector<std::string> Split(const std::string& token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::string B64(const std::string& text) { return crypto::EncodeBase64Url(text); }

// An HS256 token over arbitrary header and payload JSON, signed with `secret`.
std::string Forge(const Json& header, const Json& payload, const std::string& secret) {
  const std::string input = B64(header.dump()) + "." + B64(payload.dump());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(input.data()),
                                input.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return input + "." + crypto::EncodeBase64Url(mac, sizeof(mac));
}

TEST_CASE("session tokens: HS256 round trip with a kid", "[auth][jwt]") {
  const SessionTokenCodec codec = Codec("main:" + Secret('a') + ",old:" + Secret('b'));
  const std::string token = codec.Sign(Claims());
  const std::vector<std::string> parts = Split(token);
  REQUIRE(parts.size() == 3);
  const Json header = Json::parse(*crypto::DecodeBase64Url(parts[0]));
  CHECK(header == Json({{"alg", "HS256"}, {"kid", "main"}, {"typ", "JWT"}}));
  const Json payload = Json::parse(*crypto::DecodeBase64Url(parts[1]));
  CHECK(payload["sub"] == Claims().sub);
  CHECK(payload["iss"] == "streamgate");
  CHECK(payload["aud"] == "streamgate");
  CHECK(payload["exp"] == kNow + 3600);
  Result<SessionClaims> claims = codec.Verify(token, kNow + 10);
  REQUIRE(claims.ok());
  CHECK(claims->sub == Claims().sub);
  CHECK(claims->scheme == "siwe");
  CHECK(claims->jti == Claims().jti);
  CHECK(claims->exp == kNow + 3600);
  // Independent check of the MAC: our forger (plain libsodium HMAC) makes the same token.
  CHECK(Forge(header, payload, std::string(32, 'a')) == token);
}

TEST_CASE("session tokens: rotation, the first key signs and all verify", "[auth][jwt]") {
  const SessionTokenCodec old_only = Codec("old:" + Secret('b'));
  const SessionTokenCodec rotated = Codec("new:" + Secret('c') + ",old:" + Secret('b'));
  const std::string old_token = old_only.Sign(Claims());
  CHECK(rotated.Verify(old_token, kNow).ok());
  const std::string new_token = rotated.Sign(Claims());
  CHECK(Json::parse(*crypto::DecodeBase64Url(Split(new_token)[0]))["kid"] == "new");
  CHECK(old_only.Verify(new_token, kNow).status().code() == StatusCode::kUnauthenticated);
  // Same kid, different secret: refused.
  CHECK_FALSE(Codec("old:" + Secret('z')).Verify(old_token, kNow).ok());
}

TEST_CASE("session tokens: EdDSA round trip and no algorithm switching", "[auth][jwt]") {
  const SessionTokenCodec ed = Codec("ed1:" + Secret('e'), SessionTokenAlgorithm::kEdDsa);
  const std::string token = ed.Sign(Claims());
  CHECK(Json::parse(*crypto::DecodeBase64Url(Split(token)[0]))["alg"] == "EdDSA");
  CHECK(ed.Verify(token, kNow).ok());
  // The same secret configured as HS256 must not accept the EdDSA token, nor the reverse.
  const SessionTokenCodec hs = Codec("ed1:" + Secret('e'));
  CHECK_FALSE(hs.Verify(token, kNow).ok());
  CHECK_FALSE(ed.Verify(hs.Sign(Claims()), kNow).ok());
  CHECK_FALSE(ParseSessionKeys("ed1:" + Secret('e', 40), SessionTokenAlgorithm::kEdDsa).ok());
}

TEST_CASE("session tokens: forgeries and damage are refused", "[auth][jwt][negative]") {
  const std::string secret(32, 'a');
  const SessionTokenCodec codec = Codec("main:" + Secret('a'));
  const std::string token = codec.Sign(Claims());
  const std::vector<std::string> parts = Split(token);
  const Json header = {{"alg", "HS256"}, {"kid", "main"}, {"typ", "JWT"}};
  Json payload = Json::parse(*crypto::DecodeBase64Url(parts[1]));

  Json other_sub = payload;
  other_sub["sub"] = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF";
  Json other_aud = payload;
  other_aud["aud"] = "someone-else";
  Json other_iss = payload;
  other_iss["iss"] = "evil";
  Json no_exp = payload;
  no_exp.erase("exp");
  Json string_exp = payload;
  string_exp["exp"] = std::to_string(kNow + 3600);
  Json future_iat = payload;
  future_iat["iat"] = kNow + 3600;

  std::string flipped_mac = token;
  flipped_mac[flipped_mac.size() - 5] = flipped_mac[flipped_mac.size() - 5] == 'A' ? 'B' : 'A';

  const std::vector<std::pair<const char*, std::string>> cases = {
      {"payload changed, old MAC", parts[0] + "." + B64(other_sub.dump()) + "." + parts[2]},
      {"MAC flipped", flipped_mac},
      {"MAC removed", parts[0] + "." + parts[1] + "."},
      {"alg none", B64(R"({"alg":"none","kid":"main","typ":"JWT"})") + "." + parts[1] + "."},
      {"alg none, MAC kept",
       B64(R"({"alg":"none","kid":"main","typ":"JWT"})") + "." + parts[1] + "." + parts[2]},
      {"alg HS512", Forge({{"alg", "HS512"}, {"kid", "main"}, {"typ", "JWT"}}, payload, secret)},
      {"alg RS256", Forge({{"alg", "RS256"}, {"kid", "main"}, {"typ", "JWT"}}, payload, secret)},
      {"unknown kid", Forge({{"alg", "HS256"}, {"kid", "other"}, {"typ", "JWT"}}, payload, secret)},
      {"no kid", Forge({{"alg", "HS256"}, {"typ", "JWT"}}, payload, secret)},
      {"header re-ordered", Forge({{"kid", "main"}, {"alg", "HS256"}}, payload, secret)},
      {"wrong audience", Forge(header, other_aud, secret)},
      {"wrong issuer", Forge(header, other_iss, secret)},
      {"no exp", Forge(header, no_exp, secret)},
      {"exp as a string", Forge(header, string_exp, secret)},
      {"issued in the future", Forge(header, future_iat, secret)},
      {"signed with another secret", Forge(header, payload, std::string(32, 'x'))},
      {"padding added", token + "="},
      {"standard base64 characters", parts[0] + "." + parts[1] + "+/" + "." + parts[2]},
      {"whitespace", token.substr(0, 10) + " " + token.substr(10)},
      {"four parts", token + ".e30"},
      {"two parts", parts[0] + "." + parts[1]},
      {"empty", ""},
      {"dots only", ".."},
      {"oversized", parts[0] + "." + std::string(5000, 'A') + "." + parts[2]},
      {"payload not JSON",
       Forge(header, Json(), secret)
           .replace(Split(Forge(header, Json(), secret))[0].size() + 1, 4, "bnVs")},
  };
  for (const auto& [name, forged] : cases) {
    INFO(name);
    Result<SessionClaims> claims = codec.Verify(forged, kNow);
    CHECK(claims.status().code() == StatusCode::kUnauthenticated);
  }
  // The genuine token is fine until it expires, and refused from exp on.
  CHECK(codec.Verify(token, kNow + 3599).ok());
  Result<SessionClaims> expired = codec.Verify(token, kNow + 3600);
  CHECK(expired.status().code() == StatusCode::kUnauthenticated);
  CHECK_THAT(expired.status().message(), Catch::Contains("expired"));
}

TEST_CASE("session claims JSON: strict decoding", "[auth][jwt]") {
  SessionClaims claims = Claims();
  claims.iss = "streamgate";
  claims.aud = "aud \"quoted\" \\ \u00e9\n";
  const std::string encoded = EncodeSessionClaims(claims);
  Result<SessionClaims> decoded = DecodeSessionClaims(encoded);
  REQUIRE(decoded.ok());
  CHECK(decoded->aud == claims.aud);
  CHECK(decoded->sub == claims.sub);
  CHECK(decoded->exp == claims.exp);
  CHECK(DecodeSessionClaims(" { \"iss\":\"a\" , \"aud\":\"\\u0041\",\"sub\":\"s\",\"chain\":\"1\","
                            "\"scheme\":\"siwe\",\"jti\":\"j\",\"iat\":-5,\"exp\":0}")
            ->aud == "A");
  Json base = Json::parse(encoded);
  auto with = [&](auto&& alter) {
    Json copy = base;
    alter(copy);
    return copy.dump();
  };
  const std::vector<std::pair<const char*, std::string>> bad = {
      {"missing sub", with([](Json& j) { j.erase("sub"); })},
      {"extra member", with([](Json& j) { j["admin"] = true; })},
      {"sub as number", with([](Json& j) { j["sub"] = 5; })},
      {"exp as float", with([](Json& j) { j["exp"] = 1.5; })},
      {"exp as string", with([](Json& j) { j["exp"] = "1"; })},
      {"nested", with([](Json& j) { j["sub"] = Json::object(); })},
      {"duplicate", encoded.substr(0, encoded.size() - 1) + ",\"sub\":\"x\"}"},
      {"trailing garbage", encoded + "x"},
      {"leading zero", with([](Json& j) {
                         j["exp"] = 7;
                       }).replace(with([](Json& j) { j["exp"] = 7; }).find(":7"), 2, ":07")},
      {"unterminated", encoded.substr(0, encoded.size() - 2)},
      {"array", "[]"},
      {"empty", ""},
      {"bad escape", with([](Json& j) {
                       j["sub"] = "x";
                     }).replace(with([](Json& j) { j["sub"] = "x"; }).find("\"x\""), 3, "\"\\q\"")},
  };
  for (const auto& [name, text] : bad) {
    INFO(name << ": " << text);
    CHECK_FALSE(DecodeSessionClaims(text).ok());
  }
}

TEST_CASE("session keys: parsing and the generated key file", "[auth][jwt]") {
  Result<std::vector<SessionKey>> keys = ParseSessionKeys(
      " a:" + Secret('a') + " ,\nb.2_-x:" + Secret('b', 48) + ",", SessionTokenAlgorithm::kHs256);
  REQUIRE(keys.ok());
  REQUIRE(keys->size() == 2);
  CHECK(keys->at(1).kid == "b.2_-x");
  CHECK(keys->at(1).secret == std::string(48, 'b'));
  for (const std::string& bad :
       {std::string(""), std::string(","), "a" + Secret('a'), ":" + Secret('a'),
        "a:" + Secret('a', 31), std::string("a:not base64!"), "a b:" + Secret('a')}) {
    INFO(bad);
    CHECK(ParseSessionKeys(bad, SessionTokenAlgorithm::kHs256).status().code() ==
          StatusCode::kInvalidArgument);
  }
  // Error messages never carry the secret.
  Result<std::vector<SessionKey>> short_key =
      ParseSessionKeys("k1:" + Secret('q', 16), SessionTokenAlgorithm::kHs256);
  CHECK_THAT(short_key.status().message(), !Catch::Contains(Secret('q', 16)));

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sg-auth-keys-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const std::string path = (dir / "auth" / "session_keys").string();
  Result<std::vector<SessionKey>> created =
      LoadOrCreateSessionKeyFile(path, SessionTokenAlgorithm::kHs256);
  REQUIRE(created.ok());
  REQUIRE(created->size() == 1);
  CHECK(created->at(0).secret.size() == 32);
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  // A second start reads the same key instead of making a new one.
  Result<std::vector<SessionKey>> reread =
      LoadOrCreateSessionKeyFile(path, SessionTokenAlgorithm::kHs256);
  REQUIRE(reread.ok());
  CHECK(reread->at(0).kid == created->at(0).kid);
  CHECK(reread->at(0).secret == created->at(0).secret);
  std::ofstream(path) << "garbage";
  CHECK(LoadOrCreateSessionKeyFile(path, SessionTokenAlgorithm::kHs256).status().code() ==
        StatusCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace streamgate::internal
