// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Object keys as the ObjectStore contract defines them, and their spelling in S3 request paths.
#pragma once

#include <string>
#include <string_view>

#include "streamgate/status.h"

namespace streamgate::internal {

// S3 refuses keys longer than 1024 bytes (UTF-8); the key prefix counts too.
inline constexpr std::size_t kMaxS3KeyBytes = 1024;

// OK for "uploads/abc/source.mp4"; InvalidArgument for an empty key, an empty, "." or ".."
// segment (leading, trailing or doubled '/'), a backslash, a NUL or a control character.
Status ValidateObjectKey(std::string_view key);

// The store-wide key prefix: empty, or a valid key followed by an optional '/'.
Status ValidateKeyPrefix(std::string_view prefix);

// A key as it appears in the request path and in the SigV4 canonical URI (S3 encodes once):
// every byte except A-Z a-z 0-9 - _ . ~ and '/' as %XX with upper-case hex.
std::string EncodeKeyForPath(std::string_view key);

}  // namespace streamgate::internal
