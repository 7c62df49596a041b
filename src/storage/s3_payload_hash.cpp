// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "storage/s3_payload_hash.h"

#include <openssl/evp.h>

namespace streamgate::internal {

std::string S3PayloadSha256Hex(std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // EVP_Digest cannot fail for SHA-256 with valid pointers short of memory exhaustion, in which
  // case the empty digest yields a signature mismatch rather than a silently wrong upload.
  if (EVP_Digest(body.data(), body.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0F]);
  }
  return hex;
}

}  // namespace streamgate::internal
