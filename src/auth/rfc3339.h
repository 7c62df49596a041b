// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// RFC 3339 date-times as SIWE carries them ("2026-11-23T14:00:00Z", "…T14:00:00.123+02:00").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "streamgate/result.h"

namespace streamgate::internal {

// Unix seconds (fractions truncated toward the past). Strict: the full RFC 3339 date-time
// grammar, real calendar dates, offsets within ±23:59; InvalidArgument otherwise.
Result<int64_t> ParseRfc3339(std::string_view text);
// "2026-11-23T14:00:00Z".
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace streamgate::internal
