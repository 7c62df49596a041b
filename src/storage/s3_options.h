// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The rules S3ObjectStoreOptions and the storage config section must satisfy, checked in one
// place for NewS3ObjectStore and for ValidateConfig.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "streamgate/object_store.h"
#include "streamgate/result.h"

namespace streamgate::internal {

inline constexpr uint64_t kS3MinPartSize = uint64_t{5} << 20;
inline constexpr uint64_t kS3MaxPartSize = uint64_t{5} << 30;  // also the single-PUT limit
inline constexpr int kS3MaxParts = 10000;

struct S3Endpoint {
  std::string scheme;     // "http" or "https"
  std::string authority;  // "host[:port]"
};
// "http(s)://host[:port][/]"; InvalidArgument for anything else (a path, credentials, …).
Result<S3Endpoint> ParseS3Endpoint(std::string_view endpoint);

// 3-63 characters of a-z, 0-9, '.', '-', starting and ending alphanumeric: what S3 accepts and
// what works as a DNS label for virtual-host style.
bool IsValidS3BucketName(std::string_view bucket);

// The first problem with `options`: the field it concerns ("part_size") and why.
struct OptionProblem {
  std::string field;
  std::string reason;
};
std::optional<OptionProblem> CheckS3ObjectStoreOptions(const S3ObjectStoreOptions& options);

// For Config: OK for the local backend; for "s3", every rule above with messages naming the
// config key ("storage.s3_endpoint: required when storage.backend is s3").
Status ValidateStorageOptions(const StorageOptions& options);

}  // namespace streamgate::internal
