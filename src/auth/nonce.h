// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Sign-in nonces: alphanumeric (as EIP-4361 requires), from libsodium's CSPRNG.
#pragma once

#include <string>

namespace streamgate::internal {

// 22 characters drawn uniformly from [0-9A-Za-z]: 22 * log2(62) ≈ 131 bits (≥ 96 required).
inline constexpr std::size_t kNonceLength = 22;
std::string GenerateNonce();

}  // namespace streamgate::internal
