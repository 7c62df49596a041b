// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/hex.h"

#include "auth/crypto/hex.h"

namespace streamgate::internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HasPrefix(std::string_view text) {
  return text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
}

}  // namespace

// Byte strings use the library's one hex codec (src/auth/crypto); quantities and addresses
// follow the JSON-RPC rules below.
std::string HexEncode(const uint8_t* bytes, std::size_t size) {
  return crypto::EncodeHex(bytes, size, false);
}

Result<std::vector<uint8_t>> HexDecode(std::string_view text, bool require_prefix) {
  return crypto::DecodeHex(
      text, require_prefix ? crypto::HexPrefix::kRequired : crypto::HexPrefix::kOptional);
}

Result<uint64_t> ParseHexQuantity(std::string_view text) {
  if (!HasPrefix(text) || text.size() == 2) {
    return Status::InvalidArgument("quantity must be 0x followed by hex digits");
  }
  text.remove_prefix(2);
  if (text.size() > 1 && text[0] == '0') {
    return Status::InvalidArgument("quantity has leading zeros");
  }
  if (text.size() > 16) return Status::InvalidArgument("quantity does not fit in 64 bits");
  uint64_t value = 0;
  for (const char c : text) {
    const int digit = HexValue(c);
    if (digit < 0) return Status::InvalidArgument("quantity has a non-hex character");
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  return value;
}

bool IsEvmAddress(std::string_view text) {
  if (text.size() != 42 || text[0] != '0' || text[1] != 'x') return false;
  for (std::size_t i = 2; i < text.size(); ++i) {
    if (HexValue(text[i]) < 0) return false;
  }
  return true;
}

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace streamgate::internal
