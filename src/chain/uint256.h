// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Uint256: the unsigned 256-bit integers of the EVM (token ids, balances), just enough of them
// for ownership checks: parse, print, compare, and the 32-byte big-endian ABI word.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "streamgate/result.h"

namespace streamgate::internal {

struct Uint256 {
  std::array<uint8_t, 32> be{};  // big-endian, as in an ABI word

  static Uint256 FromUint64(uint64_t value);
  // Canonical decimal ("0", "42", …).
  std::string ToDecimal() const;
  friend bool operator==(const Uint256& a, const Uint256& b) { return a.be == b.be; }
  friend bool operator<(const Uint256& a, const Uint256& b) { return a.be < b.be; }
};

// Decimal digits ("42", no sign, no leading zeros unless "0") or 0x hex ("0x2a", any case,
// leading zeros allowed up to 64 digits). InvalidArgument otherwise or above 2^256-1.
Result<Uint256> ParseUint256(std::string_view text);

}  // namespace streamgate::internal
