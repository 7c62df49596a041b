// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/crypto/base58.h"

#include <array>

namespace streamgate::internal::crypto {
namespace {

constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

constexpr std::array<int8_t, 128> BuildIndex() {
  std::array<int8_t, 128> index{};
  for (auto& entry : index) entry = -1;
  for (int i = 0; i < 58; ++i)
    index[static_cast<std::size_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return index;
}
constexpr std::array<int8_t, 128> kIndex = BuildIndex();

}  // namespace

std::string EncodeBase58(const uint8_t* data, std::size_t size) {
  std::size_t zeros = 0;
  while (zeros < size && data[zeros] == 0) ++zeros;
  // Base-256 to base-58 by repeated multiply-add; digits little-endian in `digits`.
  std::string digits;
  digits.reserve(size * 138 / 100 + 1);
  for (std::size_t i = zeros; i < size; ++i) {
    int carry = data[i];
    for (char& digit : digits) {
      carry += static_cast<unsigned char>(digit) * 256;
      digit = static_cast<char>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits += static_cast<char>(carry % 58);
      carry /= 58;
    }
  }
  std::string out(zeros, '1');
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    out += kAlphabet[static_cast<unsigned char>(*it)];
  }
  return out;
}

Result<Bytes> DecodeBase58(std::string_view text, std::size_t max_text) {
  if (text.empty()) return Status::InvalidArgument("base58 value is empty");
  if (text.size() > max_text) return Status::InvalidArgument("base58 value is too long");
  std::size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  Bytes little_endian;  // base-256 digits, least significant first
  for (std::size_t i = ones; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int value = c < 128 ? kIndex[c] : -1;
    if (value < 0)
      return Status::InvalidArgument("base58 value has a character outside the alphabet");
    int carry = value;
    for (uint8_t& byte : little_endian) {
      carry += byte * 58;
      byte = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry > 0) {
      little_endian.push_back(static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  Bytes out(ones, 0);
  out.insert(out.end(), little_endian.rbegin(), little_endian.rend());
  return out;
}

}  // namespace streamgate::internal::crypto
