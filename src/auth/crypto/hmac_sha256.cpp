// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/crypto/hmac_sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

namespace streamgate::internal::crypto {
namespace {

constexpr std::size_t kBlock = 64;

struct ContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Context = std::unique_ptr<EVP_MD_CTX, ContextDeleter>;

// One scratch context per thread, so Compute never allocates.
EVP_MD_CTX* Scratch() {
  thread_local Context scratch(EVP_MD_CTX_new());
  return scratch.get();
}

}  // namespace

struct HmacSha256Key::States {
  Context inner;
  Context outer;
};

HmacSha256Key::HmacSha256Key(std::unique_ptr<States> states) : states_(std::move(states)) {}
HmacSha256Key::HmacSha256Key(HmacSha256Key&&) noexcept = default;
HmacSha256Key& HmacSha256Key::operator=(HmacSha256Key&&) noexcept = default;
HmacSha256Key::~HmacSha256Key() = default;

Result<HmacSha256Key> HmacSha256Key::Create(std::string_view key) {
  const EVP_MD* sha256 = EVP_sha256();
  uint8_t block[kBlock] = {};
  if (key.size() > kBlock) {
    unsigned int length = 0;
    if (EVP_Digest(key.data(), key.size(), block, &length, sha256, nullptr) != 1) {
      return Status::Internal("SHA-256 unavailable");
    }
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  auto states = std::make_unique<States>();
  states->inner.reset(EVP_MD_CTX_new());
  states->outer.reset(EVP_MD_CTX_new());
  uint8_t pad[kBlock];
  bool ok = states->inner && states->outer;
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  ok = ok && EVP_DigestInit_ex(states->inner.get(), sha256, nullptr) == 1 &&
       EVP_DigestUpdate(states->inner.get(), pad, kBlock) == 1;
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  ok = ok && EVP_DigestInit_ex(states->outer.get(), sha256, nullptr) == 1 &&
       EVP_DigestUpdate(states->outer.get(), pad, kBlock) == 1;
  OPENSSL_cleanse(block, sizeof(block));
  OPENSSL_cleanse(pad, sizeof(pad));
  if (!ok) return Status::Internal("SHA-256 unavailable");
  return HmacSha256Key(std::move(states));
}

Hash32 HmacSha256Key::Compute(std::string_view data) const {
  EVP_MD_CTX* context = Scratch();
  Hash32 inner_hash;
  Hash32 mac;
  unsigned int length = 0;
  // The states were built successfully in Create; these calls only copy and hash memory.
  EVP_MD_CTX_copy_ex(context, states_->inner.get());
  EVP_DigestUpdate(context, data.data(), data.size());
  EVP_DigestFinal_ex(context, inner_hash.data(), &length);
  EVP_MD_CTX_copy_ex(context, states_->outer.get());
  EVP_DigestUpdate(context, inner_hash.data(), inner_hash.size());
  EVP_DigestFinal_ex(context, mac.data(), &length);
  return mac;
}

}  // namespace streamgate::internal::crypto
