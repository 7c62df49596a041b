// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Strict hexadecimal codec: even length, [0-9a-fA-F] only, the 0x prefix required, optional or
// forbidden as the caller says. Used for signatures, addresses and hashes on the wire.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/crypto/bytes.h"
#include "streamgate/result.h"

namespace streamgate::internal::crypto {

enum class HexPrefix { kRequired, kOptional, kForbidden };

// Lower-case hex with "0x" in front when `prefix` is true.
std::string EncodeHex(const uint8_t* data, std::size_t size, bool prefix = true);
template <class Container>
std::string EncodeHex(const Container& bytes, bool prefix = true) {
  return EncodeHex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), prefix);
}

// InvalidArgument for a missing/forbidden prefix, odd length or a non-hex character.
Result<Bytes> DecodeHex(std::string_view text, HexPrefix prefix = HexPrefix::kRequired);

}  // namespace streamgate::internal::crypto
