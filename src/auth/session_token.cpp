// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/session_token.h"

#include <nlohmann/json.hpp>

#include "auth/crypto/base64.h"
#include "auth/crypto/ed25519.h"
#include "auth/session_claims_json.h"

namespace streamgate::internal {
namespace {

std::string_view AlgorithmName(SessionTokenAlgorithm algorithm) {
  return algorithm == SessionTokenAlgorithm::kEdDsa ? "EdDSA" : "HS256";
}

}  // namespace

SessionTokenCodec::~SessionTokenCodec() {
  for (Key& key : keys_) sodium_memzero(key.ed_secret, sizeof(key.ed_secret));
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
    Key key;
    key.kid = source.kid;
    nlohmann::json header = {{"alg", std::string(AlgorithmName(codec.settings_.algorithm))},
                             {"kid", source.kid},
                             {"typ", "JWT"}};
    key.header = crypto::EncodeBase64Url(header.dump());
    const auto* secret = reinterpret_cast<const unsigned char*>(source.secret.data());
    if (codec.settings_.algorithm == SessionTokenAlgorithm::kHs256) {
      if (source.secret.size() < 32)
        return Status::InvalidArgument("HS256 secrets must be >= 32 bytes");
      STREAMGATE_ASSIGN_OR_RETURN(crypto::HmacSha256Key hmac,
                                  crypto::HmacSha256Key::Create(source.secret));
      key.hmac.emplace(std::move(hmac));
    } else {
      if (source.secret.size() != crypto_sign_SEEDBYTES) {
        return Status::InvalidArgument("EdDSA secrets must be 32-byte seeds");
      }
      crypto_sign_seed_keypair(key.ed_public, key.ed_secret, secret);
    }
    codec.keys_.push_back(std::move(key));
  }
  return codec;
}

std::string SessionTokenCodec::SignatureOf(const Key& key, std::string_view signing_input) const {
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (settings_.algorithm == SessionTokenAlgorithm::kHs256) {
    const crypto::Hash32 mac = key.hmac->Compute(signing_input);
    return crypto::EncodeBase64Url(mac.data(), mac.size());
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
    if (raw->size() != crypto::Hash32().size()) return false;
    const crypto::Hash32 mac = key.hmac->Compute(signing_input);
    // Constant time: the comparison must not reveal how many leading bytes were right.
    return crypto_verify_32(mac.data(), reinterpret_cast<const unsigned char*>(raw->data())) == 0;
  }
  if (raw->size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(raw->data()), data,
                                     signing_input.size(), key.ed_public) == 0;
}

std::string SessionTokenCodec::Sign(SessionClaims claims) const {
  claims.iss = settings_.issuer;
  claims.aud = settings_.audience;
  const Key& key = keys_.front();
  std::string token = key.header + "." + crypto::EncodeBase64Url(EncodeSessionClaims(claims));
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
  Result<SessionClaims> decoded = DecodeSessionClaims(*payload_text);
  if (!decoded.ok()) return refused;
  SessionClaims& claims = *decoded;
  if (claims.iss != settings_.issuer || claims.aud != settings_.audience) return refused;
  if (now >= claims.exp) return Status::Unauthenticated("session token expired");
  if (claims.iat > now + settings_.clock_skew_s) return refused;
  return std::move(claims);
}

}  // namespace streamgate::internal
