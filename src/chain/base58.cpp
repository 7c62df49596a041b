// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/base58.h"

#include <algorithm>
#include <array>

namespace streamgate::internal {
namespace {

constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

constexpr std::array<int8_t, 128> BuildReverse() {
  std::array<int8_t, 128> table{};
  for (auto& entry : table) entry = -1;
  for (int i = 0; i < 58; ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 128> kReverse = BuildReverse();

}  // namespace

std::string Base58Encode(const uint8_t* bytes, std::size_t size) {
  std::size_t zeros = 0;
  while (zeros < size && bytes[zeros] == 0) ++zeros;
  // Base-58 digits, least significant first.
  std::vector<uint8_t> digits;
  digits.reserve(size * 138 / 100 + 1);
  for (std::size_t i = zeros; i < size; ++i) {
    unsigned carry = bytes[i];
    for (uint8_t& digit : digits) {
      carry += static_cast<unsigned>(digit) << 8;
      digit = static_cast<uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits.push_back(static_cast<uint8_t>(carry % 58));
      carry /= 58;
    }
  }
  std::string out(zeros, '1');
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(kAlphabet[*it]);
  return out;
}

Result<std::vector<uint8_t>> Base58Decode(std::string_view text, std::size_t max_chars) {
  if (text.size() > max_chars) return Status::InvalidArgument("base58 text too long");
  std::size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  // Bytes, least significant first.
  std::vector<uint8_t> bytes;
  bytes.reserve(text.size());
  for (std::size_t i = ones; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int value = c < 128 ? kReverse[c] : -1;
    if (value < 0) return Status::InvalidArgument("invalid base58 character");
    unsigned carry = static_cast<unsigned>(value);
    for (uint8_t& byte : bytes) {
      carry += static_cast<unsigned>(byte) * 58;
      byte = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push_back(static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  std::vector<uint8_t> out(ones, 0);
  out.insert(out.end(), bytes.rbegin(), bytes.rend());
  return out;
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
