// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Authenticator: wallet sign-in. It issues single-use challenges (a server nonce and the exact
// text to sign), verifies the wallet's signature under one of four schemes, and mints session
// tokens (JWT) that any plugin can check for `Authorization: Bearer` without a database.
//
// Schemes (see docs/auth.md for the exact formats):
//  - "siwe":    an EIP-4361 message, parsed strictly; domain, URI, version, chain id, nonce and
//               times are checked against the server's configuration and the issued challenge.
//  - "eip191":  personal_sign over exactly the challenge's message text.
//  - "eip712":  eth_signTypedData_v4 over the challenge's typed data (primaryType "SignIn").
//  - "solana":  ed25519 over the challenge's Solana message text (raw bytes).
// Every verification burns the nonce it names, whether it succeeds or fails.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/cache.h"
#include "streamgate/result.h"

namespace streamgate {

enum class SessionTokenAlgorithm {
  kHs256,  // HMAC-SHA256 with the configured secrets (default)
  kEdDsa,  // Ed25519; each configured secret is the 32-byte seed of a key pair
};

struct AuthenticatorOptions {
  // The RFC 3986 authority a SIWE message must name, and the URI it must carry.
  std::string domain = "localhost:8080";
  std::string uri = "http://localhost:8080";
  // The statement line put in issued SIWE/Solana messages (printable ASCII, no LF).
  std::string statement = "Sign in to StreamGate to watch token-gated videos.";
  // EIP-155 chain ids a challenge may be issued for; the first is the default.
  std::vector<uint64_t> allowed_chain_ids = {1, 11155111, 1337};
  // Whether "solana" challenges are offered.
  bool allow_solana = true;
  // How long an issued challenge (its nonce) stays valid.
  int64_t nonce_ttl_s = 300;
  // Tolerated clock difference with the wallet for issued-at / not-before / expiration.
  int64_t clock_skew_s = 60;
  // Lifetime of a session token.
  int64_t session_ttl_s = 3600;
  // `iss` and `aud` of session tokens; a token with other values is refused.
  std::string issuer = "streamgate";
  std::string audience = "streamgate";
  // Signing keys as "kid:base64secret,kid2:base64secret": the first signs, all verify (key
  // rotation). Secrets are at least 32 bytes (HS256) or exactly 32 bytes (EdDSA seeds). Empty:
  // keys come from `jwt_key_file`.
  std::string jwt_keys;
  // A file holding keys in the same format, created with one random key when missing. Empty
  // with empty `jwt_keys`: one random key for the lifetime of this object (tokens do not
  // survive a restart).
  std::string jwt_key_file;
  SessionTokenAlgorithm jwt_algorithm = SessionTokenAlgorithm::kHs256;
  // Hostile-input bounds.
  std::size_t max_message_bytes = 4096;  // SIWE / Solana message text, typed data JSON
  std::size_t max_token_bytes = 4096;    // session token
  // Where time comes from; empty means the system clock. Tests inject a fixed clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

struct ChallengeRequest {
  // 0x-prefixed Ethereum address (EIP-55 or single-case), or a base58 Solana public key.
  std::string address;
  // An EIP-155 chain id in decimal ("1"), or "solana". Empty: "solana" for a base58 address,
  // else the first allowed chain id.
  std::string chain;
};

struct Challenge {
  std::string nonce;        // >= 96 bits from libsodium, alphanumeric; single use
  std::string address;      // normalised: EIP-55 checksummed, or base58 as given
  std::string chain;        // "1", "solana", …
  std::string scheme_hint;  // "siwe" for Ethereum, "solana" for Solana
  // The exact text to sign: an EIP-4361 message, or its Solana variant.
  std::string message;
  // Ethereum only: the EIP-712 typed data (JSON text) to sign for scheme "eip712".
  std::string typed_data;
  std::string issued_at;        // RFC 3339, as in the message
  std::string expiration_time;  // RFC 3339, as in the message
  int64_t expires_at = 0;       // unix seconds: the nonce is refused after this
};

struct VerifySignatureRequest {
  std::string scheme;   // "siwe", "eip191", "eip712", "solana"
  std::string address;  // the claimed signer
  // siwe / eip191 / solana: the signed text. eip712: the typed data JSON that was signed.
  std::string message;
  // Ethereum: 0x + 130 hex digits (r || s || v). Solana: base58 or 0x + 128 hex digits.
  std::string signature;
};

struct SessionClaims {
  std::string sub;    // the wallet address (EIP-55 checksummed, or base58)
  std::string chain;  // "1", "solana", …
  std::string iss;
  std::string aud;
  std::string jti;     // unique token id
  std::string scheme;  // how the wallet signed in
  int64_t iat = 0;     // unix seconds
  int64_t exp = 0;
};

struct Session {
  std::string token;  // compact JWT
  SessionClaims claims;
};

// Thread-safe: every method may be called from any thread concurrently. Nonces live in the
// Cache given to Create (shared ownership); methods that touch it block on it, so call them
// from worker threads when the cache is remote. Ownership: owns its keys; shares the cache.
class Authenticator {
 public:
  // InvalidArgument for bad options (malformed keys, empty domain, no chain allowed, …).
  // `nonces` holds issued challenges; it must support Take() atomically.
  static Result<std::unique_ptr<Authenticator>> Create(AuthenticatorOptions options,
                                                       std::shared_ptr<Cache> nonces);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // InvalidArgument for a malformed address or a chain that is not allowed; Unavailable when
  // the nonce store fails.
  Result<Challenge> IssueChallenge(const ChallengeRequest& request);
  // Unauthenticated for every verification failure (the message says which check failed),
  // InvalidArgument for malformed input, Unavailable when the nonce store fails (fail closed).
  Result<Session> VerifySignature(const VerifySignatureRequest& request);
  // The claims of a valid, unexpired token signed by one of our keys; Unauthenticated else.
  // Never touches the nonce store: microseconds, no I/O.
  Result<SessionClaims> VerifySessionToken(std::string_view token) const;
  // VerifySessionToken on the value of an Authorization header ("Bearer <token>").
  Result<SessionClaims> VerifyBearer(std::string_view authorization_header) const;

  const AuthenticatorOptions& options() const;

 private:
  struct Impl;
  explicit Authenticator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamgate
