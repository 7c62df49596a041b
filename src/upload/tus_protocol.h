// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// tus 1.0.0 header syntax (https://tus.io/protocols/resumable-upload): lengths and offsets,
// Upload-Metadata, Upload-Checksum. Parsing only; the HTTP mapping is the upload plugin's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "streamgate/http.h"
#include "streamgate/result.h"
#include "streamgate/uploader.h"

namespace streamgate::internal {

inline constexpr std::string_view kTusVersion = "1.0.0";
inline constexpr std::string_view kTusExtensions =
    "creation,creation-with-upload,creation-defer-length,termination,checksum,expiration";
inline constexpr std::string_view kTusChecksumAlgorithms = "sha1,sha256";
inline constexpr std::size_t kMaxUploadMetadataBytes = 4096;

// Upload-Length / Upload-Offset: 1 to 19 ASCII digits, nothing else (no sign, no spaces).
Result<uint64_t> ParseTusNumber(std::string_view name, std::string_view text);

// "key base64,key2 base64,key3": keys are non-empty ASCII without spaces or commas, unique;
// values standard base64 (may be absent or empty). InvalidArgument names the problem.
Result<std::vector<std::pair<std::string, std::string>>> ParseUploadMetadata(
    std::string_view header);
std::string FormatUploadMetadata(const std::vector<std::pair<std::string, std::string>>& pairs);

struct TusChecksum {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kNone;
  std::string digest;  // raw bytes, of the algorithm's size
};
// "sha1 <base64>" / "sha256 <base64>". Unsupported algorithm or malformed: InvalidArgument.
Result<TusChecksum> ParseUploadChecksum(std::string_view header);

// Tus-Resumable names the version we speak.
bool TusVersionSupported(std::string_view tus_resumable);
// Content-Type is application/offset+octet-stream (parameters ignored, case-insensitive).
bool IsOffsetOctetStream(std::string_view content_type);

// Creation (POST): Upload-Length or Upload-Defer-Length: 1 (exactly one), Upload-Metadata; the
// file name and type come from the metadata keys filename/name and filetype/type.
Result<CreateUploadRequest> ParseTusCreation(const HttpHeaders& headers);
// The body part of a creation-with-upload or a PATCH: Content-Length, Upload-Checksum, and for
// PATCH Upload-Offset (required) and Upload-Length (a deferred length).
Result<AppendRequest> ParseTusAppend(const HttpHeaders& headers, bool patch);

}  // namespace streamgate::internal
