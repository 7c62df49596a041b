// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The value of the x-amz-content-sha256 header: the lower-case hex SHA-256 of an in-memory body
// (OpenSSL EVP), or UNSIGNED-PAYLOAD for bodies streamed from files.
#pragma once

#include <string>
#include <string_view>

namespace streamgate::internal {

inline constexpr std::string_view kS3UnsignedPayload = "UNSIGNED-PAYLOAD";

std::string S3PayloadSha256Hex(std::string_view body);

}  // namespace streamgate::internal
