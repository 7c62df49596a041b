// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// EIP-4361 (Sign-In with Ethereum) messages: a strict parser against the EIP's ABNF with bounded
// term lengths, and the formatter that writes the challenges we issue. The Solana variant is the
// same grammar with "Solana account" in the header, a base58 address and a chain id such as
// "mainnet" (the SIWS convention).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/result.h"

namespace streamgate::internal {

enum class AccountKind { kEthereum, kSolana };

struct SiweMessage {
  std::string scheme;  // empty when the message has none
  std::string domain;
  std::string address;
  std::optional<std::string> statement;
  std::string uri;
  std::string version;
  std::string chain_id;
  std::string nonce;
  std::string issued_at;
  std::optional<std::string> expiration_time;
  std::optional<std::string> not_before;
  std::optional<std::string> request_id;
  std::optional<std::vector<std::string>> resources;
};

// Bounds on terms (the EIP asks relying parties to pick them).
inline constexpr std::size_t kMaxSiweMessageBytes = 4096;
inline constexpr std::size_t kMaxSiweDomainBytes = 255;
inline constexpr std::size_t kMaxSiweStatementBytes = 1024;
inline constexpr std::size_t kMaxSiweUriBytes = 1024;
inline constexpr std::size_t kMaxSiweNonceBytes = 64;
inline constexpr std::size_t kMinSiweNonceBytes = 8;
inline constexpr std::size_t kMaxSiweRequestIdBytes = 256;
inline constexpr std::size_t kMaxSiweResources = 32;

// InvalidArgument naming the first term that breaks the grammar or a bound. An Ethereum address
// must carry its EIP-55 checksum; times must be RFC 3339 (their values are checked by callers).
Result<SiweMessage> ParseSiweMessage(std::string_view text, AccountKind kind,
                                     std::size_t max_bytes = kMaxSiweMessageBytes);
std::string FormatSiweMessage(const SiweMessage& message, AccountKind kind);

}  // namespace streamgate::internal
