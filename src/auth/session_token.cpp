// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/session_token.h"

#include <nlohmann/json.hpp>

#include "auth/crypto/base64.h"
#include "auth/crypto/ed25519.h"

namespace streamgate::internal {
namespace {

std::string_view AlgorithmName(SessionTokenAlgorithm algorithm) {
  return algorithm == SessionTokenAlgorithm::kEdDsa ? "EdDSA" : "HS256";
}

const std::string* StringClaim(const nlohmann::json& payload, const char* name) {
  const auto it = payload.find(name);
  return it != payload.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

bool IntegerClaim(const nlohmann::json& payload, const char* name, int64_t& out) {
  const auto it = payload.find(name);
  if (it == payload.end() || !it->is_number_integer()) return false;
  out = it->get<int64_t>();
  return true;
}

}  // namespace

SessionTokenCodec::~SessionTokenCodec() {
  for (Key& key : keys_) {
    sodium_memzero(&key.hmac, sizeof(key.hmac));
    sodium_memzero(key.ed_secret, sizeof(key.ed_secret));
  }
}
SessionTokenCodec::SessionTokenCodec(SessionTokenCodec&&) noexcept = default;
SessionTokenCodec& SessionTokenCodec::operator=(SessionTokenCodec&&) noexcept = default;

Result<SessionTokenCodec> SessionTokenCodec::Create(const std::vector<SessionKey>& keys,
                                                    Settings settings) {
  if (keys.empty()) return Status::InvalidArgument("no session key configured");
  crypto::EnsureSodium();
  SessionTokenCodec codec;
  codec.settings_ = std::move(settings);
  for (const SessionKey& source : keys) {
    Key key{};
    key.kid = source.kid;
    nlohmann::json header = {{"alg", std::string(AlgorithmName(codec.settings_.algorithm))},
                             {"kid", source.kid},
                             {"typ", "JWT"}};
    key.header = crypto::EncodeBase64Url(header.dump());
    const auto* secret = reinterpret_cast<const unsigned char*>(source.secret.data());
    if (codec.settings_.algorithm == SessionTokenAlgorithm::kHs256) {
      if (source.secret.size() < 32)
        return Status::InvalidArgument("HS256 secrets must be >= 32 bytes");
      crypto_auth_hmacsha256_init(&key.hmac, secret, source.secret.size());
    } else {
      if (source.secret.size() != crypto_sign_SEEDBYTES) {
        return Status::InvalidArgument("EdDSA secrets must be 32-byte seeds");
      }
      crypto_sign_seed_keypair(key.ed_public, key.ed_secret, secret);
    }
    codec.keys_.push_back(key);
  }
  return codec;
}

std::string SessionTokenCodec::SignatureOf(const Key& key, std::string_view signing_input) const {
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (settings_.algorithm == SessionTokenAlgorithm::kHs256) {
    crypto_auth_hmacsha256_state state = key.hmac;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_update(&state, data, signing_input.size());
    crypto_auth_hmacsha256_final(&state, mac);
    return crypto::EncodeBase64Url(mac, sizeof(mac));
  }
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, nullptr, data, signing_input.size(), key.ed_secret);
  return crypto::EncodeBase64Url(signature, sizeof(signature));
}

bool SessionTokenCodec::Check(const Key& key, std::string_view signing_input,
                              std::string_view signature) const {
  Result<std::string> raw = crypto::DecodeBase64Url(signature);
  if (!raw.ok()) return false;
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (settings_.algorithm == SessionTokenAlgorithm::kHs256) {
    if (raw->size() != crypto_auth_hmacsha256_BYTES) return false;
    crypto_auth_hmacsha256_state state = key.hmac;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_update(&state, data, signing_input.size());
    crypto_auth_hmacsha256_final(&state, mac);
    // Constant time: the comparison must not reveal how many leading bytes were right.
    return crypto_verify_32(mac, reinterpret_cast<const unsigned char*>(raw->data())) == 0;
  }
  if (raw->size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(raw->data()), data,
                                     signing_input.size(), key.ed_public) == 0;
}

std::string SessionTokenCodec::Sign(SessionClaims claims) const {
  claims.iss = settings_.issuer;
  claims.aud = settings_.audience;
  const Key& key = keys_.front();
  const nlohmann::json payload = {
      {"iss", claims.iss},       {"aud", claims.aud}, {"sub", claims.sub}, {"chain", claims.chain},
      {"scheme", claims.scheme}, {"jti", claims.jti}, {"iat", claims.iat}, {"exp", claims.exp}};
  std::string token = key.header + "." + crypto::EncodeBase64Url(payload.dump());
  token += "." + SignatureOf(key, token);
  return token;
}

Result<SessionClaims> SessionTokenCodec::Verify(std::string_view token, int64_t now) const {
  const Status refused = Status::Unauthenticated("invalid session token");
  if (token.empty() || token.size() > settings_.max_token_bytes) return refused;
  const std::size_t first = token.find('.');
  if (first == std::string_view::npos) return refused;
  const std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return refused;
  }
  const std::string_view header = token.substr(0, first);
  const Key* key = nullptr;
  for (const Key& candidate : keys_) {
    if (candidate.header == header) key = &candidate;
  }
  if (key == nullptr) return refused;  // unknown kid, other alg, "none", re-encoded header
  if (!Check(*key, token.substr(0, second), token.substr(second + 1))) return refused;

  Result<std::string> payload_text =
      crypto::DecodeBase64Url(token.substr(first + 1, second - first - 1));
  if (!payload_text.ok()) return refused;
  const nlohmann::json payload = nlohmann::json::parse(*payload_text, nullptr, false);
  if (!payload.is_object()) return refused;
  SessionClaims claims;
  const std::string* iss = StringClaim(payload, "iss");
  const std::string* aud = StringClaim(payload, "aud");
  const std::string* sub = StringClaim(payload, "sub");
  const std::string* chain = StringClaim(payload, "chain");
  const std::string* scheme = StringClaim(payload, "scheme");
  const std::string* jti = StringClaim(payload, "jti");
  if (iss == nullptr || aud == nullptr || sub == nullptr || chain == nullptr || scheme == nullptr ||
      jti == nullptr || !IntegerClaim(payload, "iat", claims.iat) ||
      !IntegerClaim(payload, "exp", claims.exp)) {
    return refused;
  }
  if (*iss != settings_.issuer || *aud != settings_.audience) return refused;
  if (now >= claims.exp) return Status::Unauthenticated("session token expired");
  if (claims.iat > now + settings_.clock_skew_s) return refused;
  claims.iss = *iss;
  claims.aud = *aud;
  claims.sub = *sub;
  claims.chain = *chain;
  claims.scheme = *scheme;
  claims.jti = *jti;
  return claims;
}

}  // namespace streamgate::internal
