// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The bounds every Cache backend enforces the same way (the contract in cache.h): one place, so
// that the LRU and Redis backends answer the same input with the same error.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "streamgate/status.h"

namespace streamgate::internal {

// InvalidArgument for an empty key or one longer than `max_key_bytes`.
Status CheckCacheKey(std::string_view key, std::size_t max_key_bytes);
// CheckCacheKey, then InvalidArgument for a negative TTL and ResourceExhausted for a value
// longer than `max_value_bytes`.
Status CheckCacheEntry(std::string_view key, std::string_view value, std::chrono::milliseconds ttl,
                       std::size_t max_key_bytes, std::size_t max_value_bytes);

}  // namespace streamgate::internal
