// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "storage/s3_status.h"

#include <string>

#include "storage/s3_xml.h"

namespace streamgate::internal {

Status S3ErrorToStatus(long http_status, std::string_view body, std::string_view what) {
  const S3Error error = ParseS3Error(body).value_or(S3Error{});
  std::string message = std::string(what) + ": HTTP " + std::to_string(http_status);
  if (!error.code.empty()) message += " " + error.code;
  if (!error.message.empty()) message += ": " + error.message;
  const std::string& code = error.code;

  if (code == "NoSuchBucket") return Status::FailedPrecondition(message);
  if (code == "NoSuchKey" || code == "NoSuchUpload") return Status::NotFound(message);
  if (code == "SlowDown" || code == "ServiceUnavailable" || code == "InternalError" ||
      code == "RequestTimeout") {
    return Status::Unavailable(message);
  }
  if (code == "EntityTooLarge") return Status::ResourceExhausted(message);
  if (code == "InvalidRange") return Status::OutOfRange(message);
  if (code == "AccessDenied" || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" ||
      code == "RequestTimeTooSkewed") {
    return Status::PermissionDenied(message);
  }
  switch (http_status) {
    case 301:
    case 307:
      // PermanentRedirect / TemporaryRedirect: the bucket lives in another region or endpoint.
      return Status::FailedPrecondition(message);
    case 401:
    case 403:
      return Status::PermissionDenied(message);
    case 404:
      return Status::NotFound(message);
    case 413:
      return Status::ResourceExhausted(message);
    case 416:
      return Status::OutOfRange(message);
    case 429:
      return Status::Unavailable(message);
    case 501:
      return Status::Unimplemented(message);
    default:
      break;
  }
  if (http_status >= 500) return Status::Unavailable(message);
  if (http_status >= 400) return Status::InvalidArgument(message);
  return Status::Unknown(message);
}

}  // namespace streamgate::internal
