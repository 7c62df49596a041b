// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Base58 with the Bitcoin alphabet (Solana addresses and signatures). Decoding is strict: any
// character outside the alphabet (0, O, I, l, spaces, …) is refused, and leading '1's map to
// leading zero bytes exactly as the encoder writes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/crypto/bytes.h"
#include "streamgate/result.h"

namespace streamgate::internal::crypto {

std::string EncodeBase58(const uint8_t* data, std::size_t size);
template <class Container>
std::string EncodeBase58(const Container& bytes) {
  return EncodeBase58(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}
// `max_text` bounds the work (base58 decoding is quadratic): longer input is refused.
Result<Bytes> DecodeBase58(std::string_view text, std::size_t max_text = 128);

}  // namespace streamgate::internal::crypto
