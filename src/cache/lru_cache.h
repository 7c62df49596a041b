// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Internal seam of the in-process LRU cache: tests inject a clock to exercise TTLs without
// sleeping. Production code calls NewLruCache (cache.h), which uses the steady clock.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "streamgate/cache.h"

namespace streamgate::internal {

using CacheClock = std::function<std::chrono::steady_clock::time_point()>;

// Bytes an entry is charged besides its key and value: list node, hash node, expiry, sizes.
inline constexpr std::size_t kLruEntryOverheadBytes = 96;

std::unique_ptr<Cache> NewLruCacheWithClock(const LruCacheOptions& options, CacheClock clock);

}  // namespace streamgate::internal
