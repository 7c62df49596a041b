// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Ethereum signature recovery over libsecp256k1 (recovery module). A signature is 65 bytes
// r || s || v. Rules (EIP-2, and what wallets emit):
//  - v is 27/28 (legacy) or 0/1 (raw recovery id); any other v (EIP-155 values included) is
//    refused;
//  - s must be in the lower half of the curve order (s <= n/2): the other half is the same
//    signature made malleable;
//  - r and s must be in [1, n-1].
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "auth/crypto/bytes.h"
#include "auth/crypto/eth_address.h"
#include "streamgate/result.h"

namespace streamgate::internal::crypto {

inline constexpr std::size_t kEthSignatureBytes = 65;
using EthSignature = std::array<uint8_t, kEthSignatureBytes>;

// The signer's address, or InvalidArgument / Unauthenticated (signature not recoverable).
Result<EthAddress> RecoverAddress(const Hash32& digest, const uint8_t* signature, std::size_t size);

// Signs `digest` (RFC 6979 nonce) with a 32-byte private key; v is 27 or 28. For tests,
// benchmarks and tools: the server never holds wallet keys.
Result<EthSignature> SignDigest(const Hash32& digest, const Hash32& private_key);
Result<EthAddress> AddressFromPrivateKey(const Hash32& private_key);

}  // namespace streamgate::internal::crypto
