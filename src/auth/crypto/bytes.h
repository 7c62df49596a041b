// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Byte containers shared by the auth primitives: variable-length bytes and fixed 32-byte hashes.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace streamgate::internal::crypto {

using Bytes = std::vector<uint8_t>;
using Hash32 = std::array<uint8_t, 32>;

// A view of `text` as bytes (no copy).
inline std::basic_string_view<uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace streamgate::internal::crypto
