// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/uint256.h"

#include <algorithm>

#include "chain/hex.h"

namespace streamgate::internal {
namespace {

constexpr std::size_t kMaxDecimalDigits = 78;  // 2^256-1 has 78 decimal digits

}  // namespace

Uint256 Uint256::FromUint64(uint64_t value) {
  Uint256 out;
  for (int i = 31; i >= 24; --i) {
    out.be[static_cast<std::size_t>(i)] = static_cast<uint8_t>(value & 0xff);
    value >>= 8;
  }
  return out;
}

std::string Uint256::ToDecimal() const {
  // Long division by 10 on a copy; 78 rounds at most.
  std::array<uint8_t, 32> work = be;
  std::string digits;
  const auto is_zero = [&work] {
    return std::all_of(work.begin(), work.end(), [](uint8_t b) { return b == 0; });
  };
  while (!is_zero()) {
    unsigned remainder = 0;
    for (uint8_t& byte : work) {
      const unsigned value = (remainder << 8) | byte;
      byte = static_cast<uint8_t>(value / 10);
      remainder = value % 10;
    }
    digits.push_back(static_cast<char>('0' + remainder));
  }
  if (digits.empty()) return "0";
  std::reverse(digits.begin(), digits.end());
  return digits;
}

Result<Uint256> ParseUint256(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("empty number");
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    const std::string_view digits = text.substr(2);
    if (digits.size() > 64) return Status::InvalidArgument("number above 2^256-1");
    // Left-pad to an even count so the strict byte decoder accepts it.
    std::string padded(64 - digits.size(), '0');
    padded.append(digits);
    STREAMGATE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, HexDecode(padded, false));
    Uint256 out;
    std::copy(bytes.begin(), bytes.end(), out.be.begin());
    return out;
  }
  if (text.size() > kMaxDecimalDigits) return Status::InvalidArgument("number above 2^256-1");
  if (text.size() > 1 && text[0] == '0') {
    return Status::InvalidArgument("decimal number with leading zeros");
  }
  Uint256 out;
  for (const char c : text) {
    if (c < '0' || c > '9') return Status::InvalidArgument("not a decimal or 0x hex number");
    // out = out * 10 + digit, from the least significant byte up; a carry out of the top byte
    // means the value passed 2^256-1.
    unsigned carry = static_cast<unsigned>(c - '0');
    for (int i = 31; i >= 0; --i) {
      const unsigned value = out.be[static_cast<std::size_t>(i)] * 10u + carry;
      out.be[static_cast<std::size_t>(i)] = static_cast<uint8_t>(value & 0xff);
      carry = value >> 8;
    }
    if (carry != 0) return Status::InvalidArgument("number above 2^256-1");
  }
  return out;
}

}  // namespace streamgate::internal
