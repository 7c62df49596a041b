// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/nonce.h"

#include <sodium.h>

#include "auth/crypto/ed25519.h"

namespace streamgate::internal {

std::string GenerateNonce() {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  crypto::EnsureSodium();
  std::string nonce(kNonceLength, '0');
  // randombytes_uniform avoids modulo bias, so every character carries log2(62) bits.
  for (char& c : nonce) c = kAlphabet[randombytes_uniform(62)];
  return nonce;
}

}  // namespace streamgate::internal
