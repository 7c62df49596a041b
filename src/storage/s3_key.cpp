// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "storage/s3_key.h"

#include "http/url.h"

namespace streamgate::internal {

Status ValidateObjectKey(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("object key is empty");
  if (key.size() > kMaxS3KeyBytes) {
    return Status::InvalidArgument("object key longer than " + std::to_string(kMaxS3KeyBytes) +
                                   " bytes");
  }
  for (const char c : key) {
    // Control characters cannot be carried by S3's XML listings (XML 1.0 forbids most of them)
    // and have no business in a path; refusing them keeps every backend's keys the same.
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("object key contains a backslash or a control character");
    }
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = key.find('/', start);
    const std::string_view segment =
        key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return Status::InvalidArgument("object key has an empty, \".\" or \"..\" segment");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

Status ValidateKeyPrefix(std::string_view prefix) {
  if (prefix.empty()) return Status::Ok();
  if (prefix.back() == '/') prefix.remove_suffix(1);
  const Status status = ValidateObjectKey(prefix);
  if (!status.ok()) return Status::InvalidArgument("key prefix: " + status.message());
  return Status::Ok();
}

std::string EncodeKeyForPath(std::string_view key) { return PercentEncode(key, true); }

}  // namespace streamgate::internal
