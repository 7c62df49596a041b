// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "cache/entry_limits.h"

#include <string>

namespace streamgate::internal {

Status CheckCacheKey(std::string_view key, std::size_t max_key_bytes) {
  if (key.empty()) return Status::InvalidArgument("cache: empty key");
  if (key.size() > max_key_bytes) {
    return Status::InvalidArgument("cache: key longer than " + std::to_string(max_key_bytes) +
                                   " bytes");
  }
  return Status::Ok();
}

Status CheckCacheEntry(std::string_view key, std::string_view value, std::chrono::milliseconds ttl,
                       std::size_t max_key_bytes, std::size_t max_value_bytes) {
  STREAMGATE_RETURN_IF_ERROR(CheckCacheKey(key, max_key_bytes));
  if (ttl.count() < 0) return Status::InvalidArgument("cache: negative TTL");
  if (value.size() > max_value_bytes) {
    return Status::ResourceExhausted("cache: value larger than " + std::to_string(max_value_bytes) +
                                     " bytes");
  }
  return Status::Ok();
}

}  // namespace streamgate::internal
