// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Keccak-256 as Ethereum uses it (the original Keccak padding, not FIPS 202 SHA3-256), from
// Crypto++ because OpenSSL 3.0 has no Keccak.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/crypto/bytes.h"

namespace streamgate::internal::crypto {

Hash32 Keccak256(const uint8_t* data, std::size_t size);
inline Hash32 Keccak256(std::string_view text) {
  return Keccak256(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}
template <class Container>
Hash32 Keccak256Of(const Container& bytes) {
  return Keccak256(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace streamgate::internal::crypto
