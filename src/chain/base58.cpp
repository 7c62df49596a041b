// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/base58.h"

#include "auth/crypto/base58.h"

namespace streamgate::internal {

// One base58 codec in the library (src/auth/crypto): Solana addresses here, wallets there.
std::string Base58Encode(const uint8_t* bytes, std::size_t size) {
  return crypto::EncodeBase58(bytes, size);
}

Result<std::vector<uint8_t>> Base58Decode(std::string_view text, std::size_t max_chars) {
  return crypto::DecodeBase58(text, max_chars);
}

Result<std::vector<uint8_t>> DecodeSolanaAddress(std::string_view text) {
  if (text.size() < 32 || text.size() > 44) {
    return Status::InvalidArgument("a Solana address has 32 to 44 base58 characters");
  }
  STREAMGATE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, Base58Decode(text, 44));
  if (bytes.size() != 32) return Status::InvalidArgument("a Solana address decodes to 32 bytes");
  if (Base58Encode(bytes) != text) return Status::InvalidArgument("non-canonical base58");
  return bytes;
}

bool IsSolanaAddress(std::string_view text) { return DecodeSolanaAddress(text).ok(); }

}  // namespace streamgate::internal
