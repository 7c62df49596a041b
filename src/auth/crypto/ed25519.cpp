// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/crypto/ed25519.h"

#include <sodium.h>

#include <cstdlib>

namespace streamgate::internal::crypto {

void EnsureSodium() {
  // sodium_init is thread-safe and idempotent; failure means no entropy source at all, where
  // nonces and keys cannot be made safely: stop rather than continue without randomness.
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();
}

bool VerifyEd25519(const Ed25519PublicKey& public_key, std::string_view message,
                   const uint8_t* signature, std::size_t signature_size) {
  if (signature_size != crypto_sign_BYTES) return false;
  EnsureSodium();
  return crypto_sign_verify_detached(signature,
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), public_key.data()) == 0;
}

Ed25519KeyPair Ed25519FromSeed(const Ed25519Seed& seed) {
  EnsureSodium();
  Ed25519KeyPair pair;
  crypto_sign_seed_keypair(pair.public_key.data(), pair.secret_key.data(), seed.data());
  return pair;
}

Ed25519Signature SignEd25519(const Ed25519SecretKey& secret_key, std::string_view message) {
  EnsureSodium();
  Ed25519Signature signature;
  crypto_sign_detached(signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key.data());
  return signature;
}

}  // namespace streamgate::internal::crypto
