// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/crypto/hex.h"

namespace streamgate::internal::crypto {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string EncodeHex(const uint8_t* data, std::size_t size, bool prefix) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2 + 2);
  if (prefix) out += "0x";
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0x0f];
  }
  return out;
}

Result<Bytes> DecodeHex(std::string_view text, HexPrefix prefix) {
  const bool has_prefix = text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  if (prefix == HexPrefix::kRequired && !has_prefix) {
    return Status::InvalidArgument("hex value must start with 0x");
  }
  if (has_prefix) {
    if (prefix == HexPrefix::kForbidden) {
      return Status::InvalidArgument("hex value must not start with 0x");
    }
    text.remove_prefix(2);
  }
  if (text.size() % 2 != 0) return Status::InvalidArgument("hex value has an odd length");
  Bytes out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = HexValue(text[2 * i]);
    const int low = HexValue(text[2 * i + 1]);
    if (high < 0 || low < 0) return Status::InvalidArgument("hex value has a non-hex character");
    out[i] = static_cast<uint8_t>((high << 4) | low);
  }
  return out;
}

}  // namespace streamgate::internal::crypto
