// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Incremental SHA-1 / SHA-256 over OpenSSL's EVP interface, plus the hex and base64 codecs the
// upload protocols use for digests. OpenSSL stays inside src/.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "streamgate/uploader.h"

namespace streamgate::internal {

// Copyable (copies the running state), movable. Not thread-safe.
class Digest {
 public:
  explicit Digest(ChecksumAlgorithm algorithm);
  ~Digest();
  Digest(const Digest& other);
  Digest& operator=(const Digest& other);
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;

  void Update(std::string_view bytes);
  // The raw digest; the object cannot be updated afterwards.
  std::string Final();
  ChecksumAlgorithm algorithm() const { return algorithm_; }

 private:
  struct Ctx;
  ChecksumAlgorithm algorithm_;
  std::unique_ptr<Ctx> ctx_;
};

std::string HexEncode(std::string_view bytes);
// Lowercase or uppercase hex; nullopt when malformed.
std::optional<std::string> HexDecode(std::string_view hex);
std::string Base64Encode(std::string_view bytes);
// Standard alphabet with padding (RFC 4648 §4); nullopt when malformed.
std::optional<std::string> Base64Decode(std::string_view text);
// 32 random bytes from the OS CSPRNG, hex: upload secrets and ids.
std::string RandomHex(std::size_t bytes);

}  // namespace streamgate::internal
