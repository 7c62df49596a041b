// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Ed25519 (RFC 8032) over libsodium: Solana wallets sign the raw message bytes, and EdDSA
// session tokens use the same primitive.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "streamgate/result.h"

namespace streamgate::internal::crypto {

using Ed25519PublicKey = std::array<uint8_t, 32>;
using Ed25519Signature = std::array<uint8_t, 64>;
using Ed25519Seed = std::array<uint8_t, 32>;
using Ed25519SecretKey = std::array<uint8_t, 64>;  // libsodium's seed || public key

// True only for a valid signature by `public_key` over exactly `message`. libsodium refuses
// non-canonical encodings and small-order public keys.
bool VerifyEd25519(const Ed25519PublicKey& public_key, std::string_view message,
                   const uint8_t* signature, std::size_t signature_size);

struct Ed25519KeyPair {
  Ed25519PublicKey public_key;
  Ed25519SecretKey secret_key;
};
Ed25519KeyPair Ed25519FromSeed(const Ed25519Seed& seed);
Ed25519Signature SignEd25519(const Ed25519SecretKey& secret_key, std::string_view message);

// libsodium's own initialisation (idempotent, thread-safe); every sodium user calls it first.
void EnsureSodium();

}  // namespace streamgate::internal::crypto
