// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Solana program-derived addresses (PDAs): sha256(seeds ‖ program id ‖ "ProgramDerivedAddress"),
// accepted only when the hash is NOT a point on the ed25519 curve, searching the bump seed from
// 255 down. Used to find the Metaplex metadata account of a mint.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "streamgate/result.h"

namespace streamgate::internal {

using SolanaKey = std::array<uint8_t, 32>;

// True when the 32 bytes decompress to a point of the ed25519 curve, exactly as the Solana
// runtime decides it (curve25519-dalek `CompressedEdwardsY::decompress().is_some()`): the
// y-coordinate (sign bit cleared) must give a square x² = (y²-1)/(d·y²+1). Deliberately not
// libsodium's crypto_core_ed25519_is_valid_point, which also rejects points of small order and
// points outside the prime-order subgroup; using it would accept on-curve hashes as PDAs.
bool IsOnEd25519Curve(const SolanaKey& bytes);

// InvalidArgument for more than 16 seeds or a seed longer than 32 bytes; FailedPrecondition
// when the hash lies on the curve (that bump is unusable).
Result<SolanaKey> CreateProgramAddress(const std::vector<std::vector<uint8_t>>& seeds,
                                       const SolanaKey& program_id);

struct ProgramAddress {
  SolanaKey address;
  uint8_t bump;
};
Result<ProgramAddress> FindProgramAddress(const std::vector<std::vector<uint8_t>>& seeds,
                                          const SolanaKey& program_id);

// metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s
const SolanaKey& TokenMetadataProgramId();
// The metadata PDA ["metadata", program id, mint] of a mint.
Result<SolanaKey> MetadataAddressForMint(const SolanaKey& mint);

}  // namespace streamgate::internal
