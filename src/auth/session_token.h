// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Session tokens: compact JWS (JWT) signed with HS256 (libsodium HMAC-SHA256) or EdDSA
// (Ed25519), with a `kid` naming the key. The first key signs; every key verifies (rotation).
//
// HS256 uses OpenSSL's SHA-256 (CPU SHA extensions) through HmacSha256Key; EdDSA uses libsodium.
// Verification is strict and cheap, in this order: size bound; exactly three base64url parts;
// the header must be byte-for-byte one of the headers we write ({"alg":…,"kid":…,"typ":"JWT"}),
// which refuses alg "none", algorithm switching and unknown kids without parsing attacker JSON;
// constant-time MAC comparison (or Ed25519 verification); then the claims: iss, aud, exp, iat.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/crypto/hmac_sha256.h"
#include "auth/session_keys.h"
#include "streamgate/authenticator.h"
#include "streamgate/result.h"

namespace streamgate::internal {

// Thread-safe after construction (all methods const). Owns copies of the keys and wipes them.
class SessionTokenCodec {
 public:
  struct Settings {
    SessionTokenAlgorithm algorithm = SessionTokenAlgorithm::kHs256;
    std::string issuer;
    std::string audience;
    std::size_t max_token_bytes = 4096;
    int64_t clock_skew_s = 60;  // tolerated for iat in the future
  };
  static Result<SessionTokenCodec> Create(const std::vector<SessionKey>& keys, Settings settings);
  ~SessionTokenCodec();
  SessionTokenCodec(SessionTokenCodec&&) noexcept;
  SessionTokenCodec& operator=(SessionTokenCodec&&) noexcept;
  SessionTokenCodec(const SessionTokenCodec&) = delete;
  SessionTokenCodec& operator=(const SessionTokenCodec&) = delete;

  // `claims.iss` and `claims.aud` are overwritten with the configured values.
  std::string Sign(SessionClaims claims) const;
  Result<SessionClaims> Verify(std::string_view token, int64_t now) const;

 private:
  struct Key {
    std::string kid;
    std::string header;  // base64url of the exact JSON header we write for this key
    std::optional<crypto::HmacSha256Key> hmac;  // HS256
    unsigned char ed_public[crypto_sign_PUBLICKEYBYTES];
    unsigned char ed_secret[crypto_sign_SECRETKEYBYTES];
  };
  SessionTokenCodec() = default;
  std::string SignatureOf(const Key& key, std::string_view signing_input) const;
  bool Check(const Key& key, std::string_view signing_input, std::string_view signature) const;

  Settings settings_;
  std::vector<Key> keys_;
};

}  // namespace streamgate::internal
