// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/crypto/ecrecover.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <cstring>

namespace streamgate::internal::crypto {
namespace {

// n/2 for secp256k1, big-endian: an s above it is the high-s twin of a valid signature.
constexpr uint8_t kHalfOrder[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

// One context for signing (tests, tools); recovery only needs the static context. Created once,
// read-only afterwards, so sharing it between threads is safe (libsecp256k1 documents this).
const secp256k1_context* SigningContext() {
  static const secp256k1_context* const context = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  return context;
}

}  // namespace

Result<EthAddress> RecoverAddress(const Hash32& digest, const uint8_t* signature,
                                  std::size_t size) {
  if (size != kEthSignatureBytes) {
    return Status::InvalidArgument("signature must be 65 bytes (r || s || v)");
  }
  int recovery_id = signature[64];
  if (recovery_id == 27 || recovery_id == 28) recovery_id -= 27;
  if (recovery_id != 0 && recovery_id != 1) {
    return Status::InvalidArgument("signature v must be 27, 28, 0 or 1");
  }
  if (std::memcmp(signature + 32, kHalfOrder, 32) > 0) {
    return Status::InvalidArgument("signature s is in the upper half of the curve order");
  }
  const secp256k1_context* context = secp256k1_context_static;
  secp256k1_ecdsa_recoverable_signature parsed;
  // parse_compact refuses r or s >= n; zero r or s makes recovery fail below.
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context, &parsed, signature,
                                                          recovery_id) != 1) {
    return Status::InvalidArgument("signature r or s is out of range");
  }
  secp256k1_pubkey public_key;
  if (secp256k1_ecdsa_recover(context, &public_key, &parsed, digest.data()) != 1) {
    return Status::Unauthenticated("signature does not recover to a public key");
  }
  uint8_t serialized[65];
  std::size_t length = sizeof(serialized);
  secp256k1_ec_pubkey_serialize(context, serialized, &length, &public_key,
                                SECP256K1_EC_UNCOMPRESSED);
  uint8_t xy[64];
  std::memcpy(xy, serialized + 1, sizeof(xy));  // drop the 0x04 tag
  return AddressFromPublicKey(xy);
}

Result<EthSignature> SignDigest(const Hash32& digest, const Hash32& private_key) {
  const secp256k1_context* context = SigningContext();
  secp256k1_ecdsa_recoverable_signature signature;
  if (secp256k1_ecdsa_sign_recoverable(context, &signature, digest.data(), private_key.data(),
                                       nullptr, nullptr) != 1) {
    return Status::InvalidArgument("invalid private key");
  }
  EthSignature out;
  int recovery_id = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context, out.data(), &recovery_id,
                                                          &signature);
  out[64] = static_cast<uint8_t>(27 + recovery_id);
  return out;
}

Result<EthAddress> AddressFromPrivateKey(const Hash32& private_key) {
  secp256k1_pubkey public_key;
  if (secp256k1_ec_pubkey_create(SigningContext(), &public_key, private_key.data()) != 1) {
    return Status::InvalidArgument("invalid private key");
  }
  uint8_t serialized[65];
  std::size_t length = sizeof(serialized);
  secp256k1_ec_pubkey_serialize(secp256k1_context_static, serialized, &length, &public_key,
                                SECP256K1_EC_UNCOMPRESSED);
  uint8_t xy[64];
  std::memcpy(xy, serialized + 1, sizeof(xy));
  return AddressFromPublicKey(xy);
}

}  // namespace streamgate::internal::crypto
