// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/abi.h"

#include <algorithm>
#include <cstdio>

#include "chain/hex.h"

namespace streamgate::internal {
namespace {

std::string Selector(uint32_t selector) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08x", selector);
  return text;
}

// An address left-padded to a 32-byte word (24 zero digits + 40 address digits).
std::string AddressWord(std::string_view address) {
  return std::string(24, '0') + LowerAscii(address.substr(2));
}

std::string Word(const Uint256& value) { return HexEncode(value.be.data(), value.be.size()); }

Result<std::vector<uint8_t>> DecodeOneWord(std::string_view hex) {
  Result<std::vector<uint8_t>> bytes = HexDecode(hex, true);
  if (!bytes.ok()) return Status::InvalidArgument("eth_call returned malformed hex");
  if (bytes->empty()) {
    return Status::InvalidArgument("eth_call returned no data (no contract at that address?)");
  }
  if (bytes->size() != 32) {
    return Status::InvalidArgument("eth_call returned " + std::to_string(bytes->size()) +
                                   " bytes, expected one 32-byte word");
  }
  return bytes;
}

}  // namespace

std::string EncodeOwnerOf(const Uint256& token_id) {
  return Selector(kSelectorOwnerOf) + Word(token_id);
}

std::string EncodeBalanceOf721(std::string_view owner) {
  return Selector(kSelectorBalanceOf721) + AddressWord(owner);
}

std::string EncodeBalanceOf1155(std::string_view owner, const Uint256& token_id) {
  return Selector(kSelectorBalanceOf1155) + AddressWord(owner) + Word(token_id);
}

std::string EncodeSupportsInterface(uint32_t interface_id) {
  // bytes4 is left-aligned in its word.
  char word[9];
  std::snprintf(word, sizeof(word), "%08x", interface_id);
  return Selector(kSelectorSupportsInterface) + word + std::string(56, '0');
}

Result<Uint256> DecodeUint256Word(std::string_view hex) {
  STREAMGATE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, DecodeOneWord(hex));
  Uint256 out;
  std::copy(bytes.begin(), bytes.end(), out.be.begin());
  return out;
}

Result<std::string> DecodeAddressWord(std::string_view hex) {
  STREAMGATE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, DecodeOneWord(hex));
  if (!std::all_of(bytes.begin(), bytes.begin() + 12, [](uint8_t b) { return b == 0; })) {
    return Status::InvalidArgument("eth_call returned a word that is not an address");
  }
  return "0x" + HexEncode(bytes.data() + 12, 20);
}

Result<bool> DecodeBoolWord(std::string_view hex) {
  STREAMGATE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, DecodeOneWord(hex));
  if (!std::all_of(bytes.begin(), bytes.end() - 1, [](uint8_t b) { return b == 0; }) ||
      bytes.back() > 1) {
    return Status::InvalidArgument("eth_call returned a word that is not a bool");
  }
  return bytes.back() == 1;
}

}  // namespace streamgate::internal
