// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// EIP-191 version 0x45 ("personal_sign"): the digest a wallet signs for a text message,
// keccak256("\x19Ethereum Signed Message:\n" + decimal(len(message)) + message).
#pragma once

#include <string_view>

#include "auth/crypto/bytes.h"

namespace streamgate::internal::crypto {

Hash32 PersonalMessageHash(std::string_view message);

}  // namespace streamgate::internal::crypto
