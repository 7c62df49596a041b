// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Base58 (Bitcoin alphabet), the text form of Solana addresses. Strict: characters outside the
// alphabet, whitespace and over-long input are errors. Quadratic in the length, so inputs are
// bounded (addresses are 32 bytes, 32 to 44 characters).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/result.h"

namespace streamgate::internal {

std::string Base58Encode(const uint8_t* bytes, std::size_t size);
inline std::string Base58Encode(const std::vector<uint8_t>& bytes) {
  return Base58Encode(bytes.data(), bytes.size());
}
// InvalidArgument for a bad character or text longer than `max_chars`.
Result<std::vector<uint8_t>> Base58Decode(std::string_view text, std::size_t max_chars = 128);

// A Solana public key: base58 decoding to exactly 32 bytes, written canonically (re-encoding
// gives the same text, so one key has one spelling in cache keys and comparisons).
Result<std::vector<uint8_t>> DecodeSolanaAddress(std::string_view text);
bool IsSolanaAddress(std::string_view text);

}  // namespace streamgate::internal
