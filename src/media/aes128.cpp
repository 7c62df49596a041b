// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "media/aes128.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

namespace streamgate::internal {
namespace {

struct CipherFree {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};

Result<std::string> Run(std::string_view input, const AesBlock& key, const AesBlock& iv,
                        bool encrypt) {
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> context(EVP_CIPHER_CTX_new());
  if (!context) return Status::ResourceExhausted("out of memory");
  // EVP pads with PKCS#7 by default.
  if (EVP_CipherInit_ex(context.get(), EVP_aes_128_cbc(), nullptr, key.data(), iv.data(),
                        encrypt ? 1 : 0) != 1) {
    return Status::Internal("AES-128-CBC init failed");
  }
  std::string output(input.size() + 16, '\0');
  int written = 0;
  int final_bytes = 0;
  auto* out = reinterpret_cast<unsigned char*>(output.data());
  if (EVP_CipherUpdate(context.get(), out, &written,
                       reinterpret_cast<const unsigned char*>(input.data()),
                       static_cast<int>(input.size())) != 1 ||
      EVP_CipherFinal_ex(context.get(), out + written, &final_bytes) != 1) {
    return encrypt ? Status::Internal("AES-128-CBC encryption failed")
                   : Status::InvalidArgument("AES-128-CBC decryption failed (bad key or padding)");
  }
  output.resize(static_cast<std::size_t>(written + final_bytes));
  return output;
}

}  // namespace

Result<AesBlock> RandomAesBlock() {
  AesBlock block{};
  if (RAND_bytes(block.data(), static_cast<int>(block.size())) != 1) {
    return Status::Internal("no random bytes available");
  }
  return block;
}

Result<std::string> Aes128CbcEncrypt(std::string_view plain, const AesBlock& key,
                                     const AesBlock& iv) {
  return Run(plain, key, iv, true);
}

Result<std::string> Aes128CbcDecrypt(std::string_view cipher, const AesBlock& key,
                                     const AesBlock& iv) {
  return Run(cipher, key, iv, false);
}

std::string IvToHex(const AesBlock& iv) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "0x";
  for (const uint8_t byte : iv) {
    text += kHex[byte >> 4];
    text += kHex[byte & 15];
  }
  return text;
}

}  // namespace streamgate::internal
