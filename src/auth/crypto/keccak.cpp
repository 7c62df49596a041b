// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/crypto/keccak.h"

#include <cryptopp/keccak.h>

namespace streamgate::internal::crypto {

Hash32 Keccak256(const uint8_t* data, std::size_t size) {
  CryptoPP::Keccak_256 hash;
  hash.Update(data, size);
  Hash32 digest;
  hash.Final(digest.data());
  return digest;
}

}  // namespace streamgate::internal::crypto
