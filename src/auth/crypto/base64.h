// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Base64 (RFC 4648) via libsodium, strict: no whitespace, canonical trailing bits. base64url
// without padding is the JWT form; standard base64 (padding required) is the config-key form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/crypto/bytes.h"
#include "streamgate/result.h"

namespace streamgate::internal::crypto {

std::string EncodeBase64Url(const uint8_t* data, std::size_t size);
inline std::string EncodeBase64Url(std::string_view text) {
  return EncodeBase64Url(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}
Result<std::string> DecodeBase64Url(std::string_view text);

std::string EncodeBase64(const uint8_t* data, std::size_t size);
Result<std::string> DecodeBase64(std::string_view text);

}  // namespace streamgate::internal::crypto
