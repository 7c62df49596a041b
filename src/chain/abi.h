// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The few ABI calls an ownership check makes, encoded as eth_call data, and strict decoders for
// their single-word return values. A reply that is not exactly one well-formed word is an error
// (never read as zero, which would mean "not owned").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chain/uint256.h"
#include "streamgate/result.h"

namespace streamgate::internal {

inline constexpr uint32_t kSelectorOwnerOf = 0x6352211e;            // ownerOf(uint256)
inline constexpr uint32_t kSelectorBalanceOf721 = 0x70a08231;       // balanceOf(address)
inline constexpr uint32_t kSelectorBalanceOf1155 = 0x00fdd58e;      // balanceOf(address,uint256)
inline constexpr uint32_t kSelectorSupportsInterface = 0x01ffc9a7;  // supportsInterface(bytes4)
inline constexpr uint32_t kInterfaceErc165 = 0x01ffc9a7;
inline constexpr uint32_t kInterfaceErc721 = 0x80ac58cd;
inline constexpr uint32_t kInterfaceErc1155 = 0xd9b67a26;

// "0x"-prefixed call data. Addresses are "0x" + 40 hex digits (checked by the caller).
std::string EncodeOwnerOf(const Uint256& token_id);
std::string EncodeBalanceOf721(std::string_view owner);
std::string EncodeBalanceOf1155(std::string_view owner, const Uint256& token_id);
std::string EncodeSupportsInterface(uint32_t interface_id);

// Return-data decoders: `hex` is the eth_call result ("0x" + 64 hex digits).
Result<Uint256> DecodeUint256Word(std::string_view hex);
// "0x" + 40 lower-case hex digits; the 12 high bytes must be zero.
Result<std::string> DecodeAddressWord(std::string_view hex);
// Exactly 0 or 1.
Result<bool> DecodeBoolWord(std::string_view hex);

}  // namespace streamgate::internal
