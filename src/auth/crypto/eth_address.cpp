// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/crypto/eth_address.h"

#include <algorithm>
#include <cstring>

#include "auth/crypto/hex.h"
#include "auth/crypto/keccak.h"

namespace streamgate::internal::crypto {

std::string ToChecksumAddress(const EthAddress& address) {
  const std::string lower = EncodeHex(address, false);
  // EIP-55: upper-case the i-th letter when the i-th nibble of keccak256(lower hex) is >= 8.
  const Hash32 hash = Keccak256(lower);
  std::string out = "0x";
  for (std::size_t i = 0; i < lower.size(); ++i) {
    const uint8_t nibble = (i % 2 == 0) ? (hash[i / 2] >> 4) : (hash[i / 2] & 0x0f);
    const char c = lower[i];
    out += (c >= 'a' && c <= 'f' && nibble >= 8) ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

Result<EthAddress> ParseEthAddress(std::string_view text, AddressCase policy) {
  if (text.size() != 42 || text[0] != '0' || text[1] != 'x') {
    return Status::InvalidArgument("address must be 0x followed by 40 hex digits");
  }
  Result<Bytes> bytes = DecodeHex(text, HexPrefix::kRequired);
  if (!bytes.ok()) return Status::InvalidArgument("address must be 0x followed by 40 hex digits");
  EthAddress address;
  std::copy(bytes->begin(), bytes->end(), address.begin());
  const std::string_view digits = text.substr(2);
  const bool has_lower =
      std::any_of(digits.begin(), digits.end(), [](char c) { return c >= 'a' && c <= 'f'; });
  const bool has_upper =
      std::any_of(digits.begin(), digits.end(), [](char c) { return c >= 'A' && c <= 'F'; });
  const bool single_case = !(has_lower && has_upper);
  if (policy == AddressCase::kLenient && single_case) return address;
  if (ToChecksumAddress(address) != text) {
    return Status::InvalidArgument("address does not match its EIP-55 checksum");
  }
  return address;
}

EthAddress AddressFromPublicKey(const uint8_t (&xy)[64]) {
  const Hash32 hash = Keccak256(xy, sizeof(xy));
  EthAddress address;
  std::memcpy(address.data(), hash.data() + 12, address.size());
  return address;
}

}  // namespace streamgate::internal::crypto
