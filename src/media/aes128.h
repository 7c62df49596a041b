// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// HLS AES-128 (RFC 8216 §4.3.2.4): a whole segment file encrypted with AES-128-CBC and PKCS#7
// padding, CBC restarting at each segment. OpenSSL's EVP stays behind this file.
// Thread-safe (pure functions).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "streamgate/result.h"

namespace streamgate::internal {

using AesBlock = std::array<uint8_t, 16>;

// Cryptographically random bytes (keys, IVs).
Result<AesBlock> RandomAesBlock();
Result<std::string> Aes128CbcEncrypt(std::string_view plain, const AesBlock& key,
                                     const AesBlock& iv);
Result<std::string> Aes128CbcDecrypt(std::string_view cipher, const AesBlock& key,
                                     const AesBlock& iv);
// "0x" + 32 lower-case hex digits, the form EXT-X-KEY's IV attribute takes.
std::string IvToHex(const AesBlock& iv);

}  // namespace streamgate::internal
