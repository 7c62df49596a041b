// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/crypto/base64.h"

#include <sodium.h>

#include "auth/crypto/ed25519.h"

namespace streamgate::internal::crypto {
namespace {

std::string Encode(const uint8_t* data, std::size_t size, int variant) {
  EnsureSodium();
  std::string out(sodium_base64_encoded_len(size, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, variant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Result<std::string> Decode(std::string_view text, int variant) {
  EnsureSodium();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  // No `ignore` characters and a full-consumption check: anything but the alphabet fails;
  // libsodium also refuses non-zero padding bits, so each value has exactly one encoding.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    return Status::InvalidArgument("malformed base64");
  }
  out.resize(length);
  return out;
}

}  // namespace

std::string EncodeBase64Url(const uint8_t* data, std::size_t size) {
  return Encode(data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
Result<std::string> DecodeBase64Url(std::string_view text) {
  return Decode(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
std::string EncodeBase64(const uint8_t* data, std::size_t size) {
  return Encode(data, size, sodium_base64_VARIANT_ORIGINAL);
}
Result<std::string> DecodeBase64(std::string_view text) {
  return Decode(text, sodium_base64_VARIANT_ORIGINAL);
}

}  // namespace streamgate::internal::crypto
