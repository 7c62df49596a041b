// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "storage/s3_options.h"

#include "storage/s3_key.h"

namespace streamgate::internal {

Result<S3Endpoint> ParseS3Endpoint(std::string_view endpoint) {
  S3Endpoint out;
  if (endpoint.substr(0, 7) == "http://") {
    out.scheme = "http";
  } else if (endpoint.substr(0, 8) == "https://") {
    out.scheme = "https";
  } else {
    return Status::InvalidArgument("must start with http:// or https://");
  }
  endpoint.remove_prefix(out.scheme.size() + 3);
  if (!endpoint.empty() && endpoint.back() == '/') endpoint.remove_suffix(1);
  if (endpoint.empty() || endpoint.find_first_of("/?#@ \\") != std::string_view::npos) {
    return Status::InvalidArgument("must be scheme://host[:port] without path or credentials");
  }
  for (const char c : endpoint) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Status::InvalidArgument("contains a control character");
    }
  }
  out.authority = std::string(endpoint);
  return out;
}

bool IsValidS3BucketName(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (const char c : bucket) {
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return alnum(bucket.front()) && alnum(bucket.back()) &&
         bucket.find("..") == std::string_view::npos;
}

std::optional<OptionProblem> CheckS3ObjectStoreOptions(const S3ObjectStoreOptions& options) {
  if (options.endpoint.empty()) return OptionProblem{"endpoint", "required"};
  if (Result<S3Endpoint> endpoint = ParseS3Endpoint(options.endpoint); !endpoint.ok()) {
    return OptionProblem{"endpoint", endpoint.status().message()};
  }
  if (options.bucket.empty()) return OptionProblem{"bucket", "required"};
  if (!IsValidS3BucketName(options.bucket)) {
    return OptionProblem{"bucket", "must be 3-63 characters of a-z, 0-9, '.' and '-'"};
  }
  if (options.region.empty()) return OptionProblem{"region", "required"};
  for (const char c : options.region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return OptionProblem{"region", "must be lower-case letters, digits and '-'"};
    }
  }
  if (options.access_key.empty() != options.secret_key.empty()) {
    return OptionProblem{options.access_key.empty() ? "access_key" : "secret_key",
                         "access_key and secret_key must be set together"};
  }
  if (options.access_key.find_first_of(":\r\n") != std::string::npos) {
    return OptionProblem{"access_key", "must not contain ':' or line breaks"};
  }
  if (const Status prefix = ValidateKeyPrefix(options.key_prefix); !prefix.ok()) {
    return OptionProblem{"key_prefix", prefix.message()};
  }
  if (options.part_size < kS3MinPartSize || options.part_size > kS3MaxPartSize) {
    return OptionProblem{"part_size", "must be between 5 MiB and 5 GiB (S3 limits)"};
  }
  if (options.multipart_threshold > kS3MaxPartSize) {
    return OptionProblem{"multipart_threshold", "must be at most 5 GiB (S3's single PUT limit)"};
  }
  if (options.connect_timeout_ms <= 0) return OptionProblem{"connect_timeout_ms", "must be > 0"};
  if (options.request_timeout_ms <= 0) return OptionProblem{"request_timeout_ms", "must be > 0"};
  if (options.max_retries < 0 || options.max_retries > 10) {
    return OptionProblem{"max_retries", "must be between 0 and 10"};
  }
  return std::nullopt;
}

Status ValidateStorageOptions(const StorageOptions& options) {
  if (options.backend == "local") return Status::Ok();
  if (options.backend != "s3") {
    return Status::InvalidArgument("storage.backend: must be local or s3");
  }
  if (const auto problem = CheckS3ObjectStoreOptions(options.s3)) {
    std::string reason = problem->reason;
    if (reason == "required") reason += " when storage.backend is s3";
    return Status::InvalidArgument("storage.s3_" + problem->field + ": " + reason);
  }
  return Status::Ok();
}

}  // namespace streamgate::internal
