// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The public Authenticator: challenges kept in a Cache under "auth:nonce:<nonce>", signature
// verification per scheme, session tokens from SessionTokenCodec. Every verification takes
// (burns) its nonce before checking anything else about it, so a failed attempt cannot be
// retried with the same nonce.
#include "streamgate/authenticator.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "auth/crypto/base58.h"
#include "auth/crypto/ecrecover.h"
#include "auth/crypto/ed25519.h"
#include "auth/crypto/eip712.h"
#include "auth/crypto/eth_address.h"
#include "auth/crypto/hex.h"
#include "auth/crypto/personal_message.h"
#include "auth/nonce.h"
#include "auth/rfc3339.h"
#include "auth/session_keys.h"
#include "auth/session_token.h"
#include "auth/sign_in_typed_data.h"
#include "auth/siwe_message.h"

namespace streamgate {

using internal::AccountKind;
using internal::SiweMessage;
using Json = nlohmann::json;

namespace {

constexpr std::string_view kNonceKeyPrefix = "auth:nonce:";
constexpr std::string_view kSolanaChain = "solana";
constexpr std::string_view kSolanaChainId = "mainnet";  // the SIWS chain id in Solana messages
constexpr std::size_t kMaxSignatureText = 256;

// What we remember about an issued challenge, stored as JSON in the cache.
struct ChallengeRecord {
  std::string address;
  std::string chain;
  std::string message;
  std::string typed_data;  // Ethereum only
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

std::string EncodeRecord(const ChallengeRecord& record) {
  return Json{{"address", record.address},     {"chain", record.chain},
              {"message", record.message},     {"typed_data", record.typed_data},
              {"issued_at", record.issued_at}, {"expires_at", record.expires_at}}
      .dump();
}

Result<ChallengeRecord> DecodeRecord(std::string_view text) {
  const Json json = Json::parse(text, nullptr, false);
  // A record we cannot read was not written by us (or was corrupted): refuse, never trust it.
  const Status bad = Status::Unauthenticated("nonce record is unreadable");
  if (!json.is_object()) return bad;
  ChallengeRecord record;
  for (const char* name : {"address", "chain", "message", "typed_data"}) {
    if (!json.contains(name) || !json[name].is_string()) return bad;
  }
  for (const char* name : {"issued_at", "expires_at"}) {
    if (!json.contains(name) || !json[name].is_number_integer()) return bad;
  }
  record.address = json["address"].get<std::string>();
  record.chain = json["chain"].get<std::string>();
  record.message = json["message"].get<std::string>();
  record.typed_data = json["typed_data"].get<std::string>();
  record.issued_at = json["issued_at"].get<int64_t>();
  record.expires_at = json["expires_at"].get<int64_t>();
  return record;
}

Result<uint64_t> ParseChainId(std::string_view text) {
  if (text.empty() || text.size() > 19 || text[0] == '0') {
    return Status::InvalidArgument("chain must be a decimal EIP-155 chain id or \"solana\"");
  }
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return Status::InvalidArgument("chain must be a decimal EIP-155 chain id or \"solana\"");
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

struct Authenticator::Impl {
  AuthenticatorOptions options;
  std::shared_ptr<Cache> nonces;
  internal::SessionTokenCodec codec;

  int64_t Now() const {
    const auto now = options.clock ? options.clock() : std::chrono::system_clock::now();
    return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  }

  bool ChainAllowed(uint64_t chain_id) const {
    return std::find(options.allowed_chain_ids.begin(), options.allowed_chain_ids.end(),
                     chain_id) != options.allowed_chain_ids.end();
  }

  // Burns the nonce and returns what was issued with it.
  Result<ChallengeRecord> TakeNonce(std::string_view nonce, int64_t now) {
    Result<std::string> stored = nonces->Take(std::string(kNonceKeyPrefix) + std::string(nonce));
    if (!stored.ok()) {
      if (stored.status().code() == StatusCode::kNotFound) {
        return Status::Unauthenticated("nonce unknown, expired or already used");
      }
      // The store is down: deny (fail closed) and say so, rather than pretend the nonce is bad.
      return Status::Unavailable("nonce store unavailable");
    }
    STREAMGATE_ASSIGN_OR_RETURN(ChallengeRecord record, DecodeRecord(*stored));
    if (now >= record.expires_at) return Status::Unauthenticated("nonce expired");
    return record;
  }

  // The checks EIP-4361 asks of a relying party, against configuration and the challenge.
  Status CheckSiweFields(const SiweMessage& message, const ChallengeRecord& record,
                         int64_t now) const {
    if (message.domain != options.domain) {
      return Status::Unauthenticated("message domain does not match this server");
    }
    if (!message.scheme.empty() &&
        options.uri.compare(0, message.scheme.size() + 3, message.scheme + "://") != 0) {
      return Status::Unauthenticated("message scheme does not match this server");
    }
    if (message.uri != options.uri) {
      return Status::Unauthenticated("message URI does not match this server");
    }
    if (message.version != "1") return Status::Unauthenticated("message version must be 1");
    if (record.chain == kSolanaChain) {
      if (message.chain_id != kSolanaChainId) return Status::Unauthenticated("wrong chain id");
    } else {
      Result<uint64_t> chain_id = ParseChainId(message.chain_id);
      if (!chain_id.ok() || !ChainAllowed(*chain_id)) {
        return Status::Unauthenticated("chain id not allowed");
      }
      if (message.chain_id != record.chain) {
        return Status::Unauthenticated("chain id differs from the challenge's");
      }
    }
    if (message.address != record.address) {
      return Status::Unauthenticated("message address differs from the challenge's");
    }
    const int64_t skew = options.clock_skew_s;
    STREAMGATE_ASSIGN_OR_RETURN(const int64_t issued_at, internal::ParseRfc3339(message.issued_at));
    if (issued_at > now + skew) return Status::Unauthenticated("message issued in the future");
    if (issued_at < record.issued_at - skew) {
      return Status::Unauthenticated("message issued before its challenge");
    }
    if (message.expiration_time) {
      STREAMGATE_ASSIGN_OR_RETURN(const int64_t expires,
                                  internal::ParseRfc3339(*message.expiration_time));
      if (expires <= now - skew) return Status::Unauthenticated("message expired");
    }
    if (message.not_before) {
      STREAMGATE_ASSIGN_OR_RETURN(const int64_t not_before,
                                  internal::ParseRfc3339(*message.not_before));
      if (not_before > now + skew) return Status::Unauthenticated("message not yet valid");
    }
    return Status::Ok();
  }

  static Result<internal::crypto::EthAddress> RecoverPersonal(std::string_view message,
                                                              std::string_view signature_hex) {
    return Recover(internal::crypto::PersonalMessageHash(message), signature_hex);
  }

  static Result<internal::crypto::EthAddress> Recover(const internal::crypto::Hash32& digest,
                                                      std::string_view signature_hex) {
    if (signature_hex.size() > kMaxSignatureText) {
      return Status::InvalidArgument("signature is too long");
    }
    Result<internal::crypto::Bytes> signature =
        internal::crypto::DecodeHex(signature_hex, internal::crypto::HexPrefix::kRequired);
    if (!signature.ok()) {
      return Status::InvalidArgument("signature: " + signature.status().message());
    }
    Result<internal::crypto::EthAddress> signer =
        internal::crypto::RecoverAddress(digest, signature->data(), signature->size());
    if (!signer.ok()) return Status::Unauthenticated(signer.status().message());
    return signer;
  }

  Result<Session> MintSession(std::string address, std::string chain, std::string scheme,
                              int64_t now) const {
    SessionClaims claims;
    claims.sub = std::move(address);
    claims.chain = std::move(chain);
    claims.scheme = std::move(scheme);
    claims.iat = now;
    claims.exp = now + options.session_ttl_s;
    uint8_t jti[16];
    randombytes_buf(jti, sizeof(jti));
    claims.jti = internal::crypto::EncodeHex(jti, sizeof(jti), false);
    Session session;
    session.token = codec.Sign(claims);
    claims.iss = options.issuer;
    claims.aud = options.audience;
    session.claims = std::move(claims);
    return session;
  }

  // A message that does not parse still names a nonce on its "Nonce: " line: burn it too, so
  // that probing with malformed variants cannot keep a challenge alive.
  Result<SiweMessage> ParseBurningOnError(std::string_view text, AccountKind kind) {
    Result<SiweMessage> message = internal::ParseSiweMessage(text, kind, options.max_message_bytes);
    if (!message.ok() && text.size() <= options.max_message_bytes) {
      const std::size_t at = text.find("\nNonce: ");
      if (at != std::string_view::npos) {
        std::string_view nonce = text.substr(at + 8);
        nonce = nonce.substr(0, std::min(nonce.find('\n'), internal::kMaxSiweNonceBytes + 1));
        if (!nonce.empty() && nonce.size() <= internal::kMaxSiweNonceBytes &&
            std::all_of(nonce.begin(), nonce.end(),
                        [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
          (void)nonces->Delete(std::string(kNonceKeyPrefix) + std::string(nonce));
        }
      }
    }
    return message;
  }

  Result<Session> VerifyEthereumText(const VerifySignatureRequest& request, bool exact,
                                     int64_t now) {
    STREAMGATE_ASSIGN_OR_RETURN(const SiweMessage message,
                                ParseBurningOnError(request.message, AccountKind::kEthereum));
    // Burn first: whatever fails below, this nonce is spent.
    STREAMGATE_ASSIGN_OR_RETURN(const ChallengeRecord record, TakeNonce(message.nonce, now));
    if (record.chain == kSolanaChain) {
      return Status::Unauthenticated("nonce was issued for another chain");
    }
    if (exact && request.message != record.message) {
      return Status::Unauthenticated("message differs from the issued challenge");
    }
    STREAMGATE_RETURN_IF_ERROR(CheckSiweFields(message, record, now));
    STREAMGATE_ASSIGN_OR_RETURN(const internal::crypto::EthAddress claimed, ClaimedEth(request));
    if (internal::crypto::ToChecksumAddress(claimed) != record.address) {
      return Status::Unauthenticated("claimed address differs from the challenge's");
    }
    STREAMGATE_ASSIGN_OR_RETURN(const internal::crypto::EthAddress signer,
                                RecoverPersonal(request.message, request.signature));
    if (signer != claimed) {
      return Status::Unauthenticated("signature was not made by the claimed address");
    }
    return MintSession(record.address, record.chain, request.scheme, now);
  }

  static Result<internal::crypto::EthAddress> ClaimedEth(const VerifySignatureRequest& request) {
    Result<internal::crypto::EthAddress> claimed =
        internal::crypto::ParseEthAddress(request.address, internal::crypto::AddressCase::kLenient);
    if (!claimed.ok()) return Status::InvalidArgument("address: " + claimed.status().message());
    return claimed;
  }

  Result<Session> VerifyTypedData(const VerifySignatureRequest& request, int64_t now) {
    if (request.message.size() > options.max_message_bytes) {
      return Status::InvalidArgument("typed data is too large");
    }
    const Json client = Json::parse(request.message, nullptr, false);
    if (!client.is_object() || !client.contains("message") || !client["message"].is_object() ||
        !client["message"].contains("nonce") || !client["message"]["nonce"].is_string()) {
      return Status::InvalidArgument("typed data must be an object with message.nonce");
    }
    const std::string& nonce = client["message"]["nonce"].get_ref<const std::string&>();
    if (nonce.size() < internal::kMinSiweNonceBytes ||
        nonce.size() > internal::kMaxSiweNonceBytes ||
        !std::all_of(nonce.begin(), nonce.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
      return Status::InvalidArgument("typed data nonce is malformed");
    }
    STREAMGATE_ASSIGN_OR_RETURN(const ChallengeRecord record, TakeNonce(nonce, now));
    if (record.typed_data.empty()) {
      return Status::Unauthenticated("nonce was issued for another chain");
    }
    const Json issued = Json::parse(record.typed_data, nullptr, false);
    if (!issued.is_object()) return Status::Internal("stored typed data is unreadable");
    // The client's copy must say what we issued; we then hash our own copy with our own types.
    if (client.value("primaryType", Json()) != issued["primaryType"] ||
        client.value("domain", Json()) != issued["domain"] ||
        client["message"] != issued["message"]) {
      return Status::Unauthenticated("typed data differs from the issued challenge");
    }
    STREAMGATE_ASSIGN_OR_RETURN(const internal::crypto::Hash32 digest,
                                internal::crypto::Eip712Digest(issued));
    STREAMGATE_ASSIGN_OR_RETURN(const internal::crypto::EthAddress claimed, ClaimedEth(request));
    if (internal::crypto::ToChecksumAddress(claimed) != record.address) {
      return Status::Unauthenticated("claimed address differs from the challenge's");
    }
    STREAMGATE_ASSIGN_OR_RETURN(const internal::crypto::EthAddress signer,
                                Recover(digest, request.signature));
    if (signer != claimed) {
      return Status::Unauthenticated("signature was not made by the claimed address");
    }
    return MintSession(record.address, record.chain, request.scheme, now);
  }

  Result<Session> VerifySolana(const VerifySignatureRequest& request, int64_t now) {
    STREAMGATE_ASSIGN_OR_RETURN(const SiweMessage message,
                                ParseBurningOnError(request.message, AccountKind::kSolana));
    STREAMGATE_ASSIGN_OR_RETURN(const ChallengeRecord record, TakeNonce(message.nonce, now));
    if (record.chain != kSolanaChain) {
      return Status::Unauthenticated("nonce was issued for another chain");
    }
    if (request.message != record.message) {
      return Status::Unauthenticated("message differs from the issued challenge");
    }
    STREAMGATE_RETURN_IF_ERROR(CheckSiweFields(message, record, now));
    if (request.address != record.address) {
      return Status::Unauthenticated("claimed address differs from the challenge's");
    }
    Result<internal::crypto::Bytes> public_key =
        internal::crypto::DecodeBase58(request.address, 64);
    if (!public_key.ok() || public_key->size() != 32) {
      return Status::InvalidArgument("address is not a base58 Solana public key");
    }
    if (request.signature.size() > kMaxSignatureText) {
      return Status::InvalidArgument("signature is too long");
    }
    Result<internal::crypto::Bytes> signature =
        request.signature.rfind("0x", 0) == 0
            ? internal::crypto::DecodeHex(request.signature, internal::crypto::HexPrefix::kRequired)
            : internal::crypto::DecodeBase58(request.signature, 100);
    if (!signature.ok() || signature->size() != 64) {
      return Status::InvalidArgument("signature must be 64 bytes in base58 or 0x hex");
    }
    internal::crypto::Ed25519PublicKey key;
    std::copy(public_key->begin(), public_key->end(), key.begin());
    if (!internal::crypto::VerifyEd25519(key, request.message, signature->data(),
                                         signature->size())) {
      return Status::Unauthenticated("signature was not made by the claimed address");
    }
    return MintSession(record.address, record.chain, request.scheme, now);
  }
};

Authenticator::Authenticator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Authenticator::~Authenticator() = default;

const AuthenticatorOptions& Authenticator::options() const { return impl_->options; }

Result<std::unique_ptr<Authenticator>> Authenticator::Create(AuthenticatorOptions options,
                                                             std::shared_ptr<Cache> nonces) {
  if (nonces == nullptr) return Status::InvalidArgument("auth: a nonce store is required");
  SiweMessage probe;  // validates domain, URI and statement with the message grammar itself
  probe.domain = options.domain;
  probe.address = "0x0000000000000000000000000000000000000000";
  if (!options.statement.empty()) probe.statement = options.statement;
  probe.uri = options.uri;
  probe.version = "1";
  probe.chain_id = "1";
  probe.nonce = "probeprobe";
  probe.issued_at = "2026-01-01T00:00:00Z";
  if (!internal::ParseSiweMessage(internal::FormatSiweMessage(probe, AccountKind::kEthereum),
                                  AccountKind::kEthereum)
           .ok()) {
    return Status::InvalidArgument(
        "auth: domain must be an RFC 3986 authority, uri an absolute URI, and the statement "
        "printable ASCII without reserved characters");
  }
  if (options.allowed_chain_ids.empty() && !options.allow_solana) {
    return Status::InvalidArgument("auth: no chain allowed");
  }
  for (const uint64_t id : options.allowed_chain_ids) {
    if (id == 0) return Status::InvalidArgument("auth: chain id 0 is not an EIP-155 chain id");
  }
  if (options.nonce_ttl_s <= 0 || options.session_ttl_s <= 0 || options.clock_skew_s < 0) {
    return Status::InvalidArgument("auth: TTLs must be positive and the clock skew not negative");
  }
  internal::crypto::EnsureSodium();
  std::vector<internal::SessionKey> keys;
  if (!options.jwt_keys.empty()) {
    STREAMGATE_ASSIGN_OR_RETURN(
        keys, internal::ParseSessionKeys(options.jwt_keys, options.jwt_algorithm));
  } else if (!options.jwt_key_file.empty()) {
    STREAMGATE_ASSIGN_OR_RETURN(
        keys, internal::LoadOrCreateSessionKeyFile(options.jwt_key_file, options.jwt_algorithm));
  } else {
    STREAMGATE_ASSIGN_OR_RETURN(
        keys,
        internal::ParseSessionKeys(internal::GenerateSessionKeyEntry(), options.jwt_algorithm));
  }
  internal::SessionTokenCodec::Settings settings;
  settings.algorithm = options.jwt_algorithm;
  settings.issuer = options.issuer;
  settings.audience = options.audience;
  settings.max_token_bytes = options.max_token_bytes;
  settings.clock_skew_s = options.clock_skew_s;
  STREAMGATE_ASSIGN_OR_RETURN(internal::SessionTokenCodec codec,
                              internal::SessionTokenCodec::Create(keys, std::move(settings)));
  for (internal::SessionKey& key : keys) sodium_memzero(key.secret.data(), key.secret.size());
  auto impl = std::make_unique<Impl>(Impl{std::move(options), std::move(nonces), std::move(codec)});
  return std::unique_ptr<Authenticator>(new Authenticator(std::move(impl)));
}

Result<Challenge> Authenticator::IssueChallenge(const ChallengeRequest& request) {
  Impl& impl = *impl_;
  const AuthenticatorOptions& options = impl.options;
  std::string chain = request.chain;
  if (request.address.empty()) return Status::InvalidArgument("address is required");
  if (request.address.size() > 128) return Status::InvalidArgument("address is too long");
  if (chain.empty()) {
    if (request.address.rfind("0x", 0) == 0) {
      if (options.allowed_chain_ids.empty()) return Status::InvalidArgument("chain is required");
      chain = std::to_string(options.allowed_chain_ids.front());
    } else {
      chain = std::string(kSolanaChain);
    }
  }
  const int64_t now = impl.Now();
  SiweMessage message;
  message.domain = options.domain;
  if (!options.statement.empty()) message.statement = options.statement;
  message.uri = options.uri;
  message.version = "1";
  message.nonce = internal::GenerateNonce();
  message.issued_at = internal::FormatRfc3339(now);
  message.expiration_time = internal::FormatRfc3339(now + options.nonce_ttl_s);

  ChallengeRecord record;
  record.chain = chain;
  record.issued_at = now;
  record.expires_at = now + options.nonce_ttl_s;
  Challenge challenge;
  if (chain == kSolanaChain) {
    if (!options.allow_solana) return Status::InvalidArgument("solana sign-in is not enabled");
    Result<internal::crypto::Bytes> key = internal::crypto::DecodeBase58(request.address, 64);
    if (!key.ok() || key->size() != 32) {
      return Status::InvalidArgument("address is not a base58 Solana public key");
    }
    record.address = request.address;
    message.address = request.address;
    message.chain_id = std::string(kSolanaChainId);
    record.message = internal::FormatSiweMessage(message, AccountKind::kSolana);
    challenge.scheme_hint = "solana";
  } else {
    STREAMGATE_ASSIGN_OR_RETURN(const uint64_t chain_id, ParseChainId(chain));
    if (!impl.ChainAllowed(chain_id)) return Status::InvalidArgument("chain id not allowed");
    Result<internal::crypto::EthAddress> address =
        internal::crypto::ParseEthAddress(request.address, internal::crypto::AddressCase::kLenient);
    if (!address.ok()) return Status::InvalidArgument("address: " + address.status().message());
    record.address = internal::crypto::ToChecksumAddress(*address);
    message.address = record.address;
    message.chain_id = chain;
    record.message = internal::FormatSiweMessage(message, AccountKind::kEthereum);
    internal::SignInFields fields{record.address,          options.domain, options.uri,
                                  message.nonce,           chain_id,       message.issued_at,
                                  *message.expiration_time};
    record.typed_data = internal::BuildSignInTypedData(fields).dump();
    challenge.scheme_hint = "siwe";
  }
  Result<bool> stored =
      impl.nonces->SetIfAbsent(std::string(kNonceKeyPrefix) + message.nonce, EncodeRecord(record),
                               std::chrono::seconds(options.nonce_ttl_s));
  if (!stored.ok()) return Status::Unavailable("nonce store unavailable");
  // 131 random bits do not collide; if they ever did, refusing is safer than sharing a nonce.
  if (!*stored) return Status::Internal("nonce collision");
  challenge.nonce = message.nonce;
  challenge.address = record.address;
  challenge.chain = record.chain;
  challenge.message = record.message;
  challenge.typed_data = record.typed_data;
  challenge.issued_at = message.issued_at;
  challenge.expiration_time = *message.expiration_time;
  challenge.expires_at = record.expires_at;
  return challenge;
}

Result<Session> Authenticator::VerifySignature(const VerifySignatureRequest& request) {
  const int64_t now = impl_->Now();
  if (request.message.size() > impl_->options.max_message_bytes) {
    return Status::InvalidArgument("message is too large");
  }
  if (request.scheme == "siwe") return impl_->VerifyEthereumText(request, false, now);
  if (request.scheme == "eip191") return impl_->VerifyEthereumText(request, true, now);
  if (request.scheme == "eip712") return impl_->VerifyTypedData(request, now);
  if (request.scheme == "solana") return impl_->VerifySolana(request, now);
  return Status::InvalidArgument("scheme must be one of siwe, eip191, eip712, solana");
}

Result<SessionClaims> Authenticator::VerifySessionToken(std::string_view token) const {
  return impl_->codec.Verify(token, impl_->Now());
}

Result<SessionClaims> Authenticator::VerifyBearer(std::string_view authorization_header) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization_header.size() <= kBearer.size() ||
      authorization_header.substr(0, kBearer.size()) != kBearer) {
    return Status::Unauthenticated("expected Authorization: Bearer <session token>");
  }
  return VerifySessionToken(authorization_header.substr(kBearer.size()));
}

}  // namespace streamgate
