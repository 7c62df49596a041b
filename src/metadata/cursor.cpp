// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "metadata/cursor.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <charconv>

namespace streamgate::internal {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kMacBytes = 16;
constexpr std::size_t kMaxCursorBytes = 512;

int Sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::string ScopeDigest(std::string_view scope) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(scope.data()), scope.size(), digest);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), 12));
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3F];
  return out;
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return Status::InvalidArgument("bad base64url length");
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = Sextet(c);
    if (v < 0) return Status::InvalidArgument("bad base64url character");
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  // Canonical encodings only: the unused low bits must be zero.
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) {
    return Status::InvalidArgument("non-canonical base64url");
  }
  return out;
}

std::string CursorCodec::Mac(std::string_view data) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), kMacBytes);
}

std::string CursorCodec::Encode(std::string_view scope, int64_t position) const {
  const std::string payload = "v1|" + ScopeDigest(scope) + "|" + std::to_string(position);
  return Base64UrlEncode(payload) + "." + Base64UrlEncode(Mac(payload));
}

Result<int64_t> CursorCodec::Decode(std::string_view cursor, std::string_view scope) const {
  const Status invalid = Status::InvalidArgument("invalid cursor");
  if (cursor.size() > kMaxCursorBytes) return invalid;
  const std::size_t dot = cursor.find('.');
  if (dot == std::string_view::npos) return invalid;
  Result<std::string> payload = Base64UrlDecode(cursor.substr(0, dot));
  Result<std::string> mac = Base64UrlDecode(cursor.substr(dot + 1));
  if (!payload.ok() || !mac.ok() || mac->size() != kMacBytes) return invalid;
  const std::string expected = Mac(*payload);
  if (CRYPTO_memcmp(expected.data(), mac->data(), kMacBytes) != 0) return invalid;
  const std::string prefix = "v1|" + ScopeDigest(scope) + "|";
  if (payload->compare(0, prefix.size(), prefix) != 0) {
    return Status::InvalidArgument("cursor belongs to another query");
  }
  const std::string_view number = std::string_view(*payload).substr(prefix.size());
  int64_t position = 0;
  const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), position);
  if (ec != std::errc() || ptr != number.data() + number.size() || position < 0) return invalid;
  return position;
}

}  // namespace streamgate::internal
