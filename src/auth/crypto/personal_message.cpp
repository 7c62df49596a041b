// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/crypto/personal_message.h"

#include <cryptopp/keccak.h>

#include <string>

namespace streamgate::internal::crypto {

Hash32 PersonalMessageHash(std::string_view message) {
  static constexpr std::string_view kPrefix =
      "\x19"
      "Ethereum Signed Message:\n";
  const std::string length = std::to_string(message.size());
  // Streamed into one hash so the message is never copied.
  CryptoPP::Keccak_256 hash;
  hash.Update(reinterpret_cast<const uint8_t*>(kPrefix.data()), kPrefix.size());
  hash.Update(reinterpret_cast<const uint8_t*>(length.data()), length.size());
  hash.Update(reinterpret_cast<const uint8_t*>(message.data()), message.size());
  Hash32 digest;
  hash.Final(digest.data());
  return digest;
}

}  // namespace streamgate::internal::crypto
