// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// HMAC-SHA256 (RFC 2104) with the key absorbed once: the inner and outer SHA-256 states after
// the padded key blocks are kept, and each MAC starts from copies of them. OpenSSL's SHA-256
// uses the CPU's SHA extensions where present, which makes session-token checks a few hundred
// nanoseconds instead of microseconds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "auth/crypto/bytes.h"
#include "streamgate/result.h"

namespace streamgate::internal::crypto {

// Thread-safe after Create (Compute only reads the kept states). Wipes the key material on
// destruction. Move-only.
class HmacSha256Key {
 public:
  static Result<HmacSha256Key> Create(std::string_view key);
  HmacSha256Key(HmacSha256Key&&) noexcept;
  HmacSha256Key& operator=(HmacSha256Key&&) noexcept;
  ~HmacSha256Key();

  Hash32 Compute(std::string_view data) const;

 private:
  struct States;
  explicit HmacSha256Key(std::unique_ptr<States> states);
  std::unique_ptr<States> states_;
};

}  // namespace streamgate::internal::crypto
