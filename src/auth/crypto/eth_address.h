// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Ethereum addresses: 20 bytes, written as 0x + 40 hex digits with the EIP-55 mixed-case
// checksum. Parsing policy (documented in docs/auth.md):
//  - kChecksummed: the text must carry a correct EIP-55 checksum (SIWE messages, EIP-4361).
//  - kLenient: a correct mixed-case checksum, or all-lower / all-upper digits (no checksum to
//    check: many wallets and JSON APIs emit lower case). Mixed case with a wrong checksum is
//    always refused: it is a typo or a tampered address.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "streamgate/result.h"

namespace streamgate::internal::crypto {

using EthAddress = std::array<uint8_t, 20>;

enum class AddressCase { kChecksummed, kLenient };

Result<EthAddress> ParseEthAddress(std::string_view text, AddressCase policy);
// "0x" + EIP-55 checksummed hex.
std::string ToChecksumAddress(const EthAddress& address);
// Address of an uncompressed public key given as its 64 bytes X || Y: keccak256(X||Y)[12:].
EthAddress AddressFromPublicKey(const uint8_t (&xy)[64]);

}  // namespace streamgate::internal::crypto
