// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Strict hexadecimal codec for ABI data and JSON-RPC quantities: no whitespace, no odd lengths,
// every digit checked, so a malformed node reply is an error rather than silently truncated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/result.h"

namespace streamgate::internal {

// Lower-case hex of `bytes`, without a prefix.
std::string HexEncode(const uint8_t* bytes, std::size_t size);
inline std::string HexEncode(const std::vector<uint8_t>& bytes) {
  return HexEncode(bytes.data(), bytes.size());
}

// Decodes "0x…" (prefix required when `require_prefix`, otherwise optional); an even number of
// digits, either case. InvalidArgument otherwise.
Result<std::vector<uint8_t>> HexDecode(std::string_view text, bool require_prefix);

// A JSON-RPC quantity ("0x539": 0x prefix, no leading zeros except "0x0") as uint64.
Result<uint64_t> ParseHexQuantity(std::string_view text);

// True for "0x" followed by exactly 40 hex digits (any case).
bool IsEvmAddress(std::string_view text);
// Lower-case copy of an address accepted by IsEvmAddress.
std::string LowerAscii(std::string_view text);

}  // namespace streamgate::internal
