// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The one table from S3 error answers (HTTP status + <Error><Code>) to Status codes.
#pragma once

#include <string_view>

#include "streamgate/status.h"

namespace streamgate::internal {

// `what` names the operation and key ("GET uploads/a.mp4"); `body` is the error document (may be
// empty, as for HEAD). NoSuchKey/NoSuchUpload/404 → NotFound; NoSuchBucket → FailedPrecondition
// (a configuration error, not a missing object), as are 301/307 (bucket in another region);
// 401/403 → PermissionDenied; 416 → OutOfRange;
// EntityTooLarge/413 → ResourceExhausted; 429, 5xx and SlowDown → Unavailable; 501 →
// Unimplemented; other 4xx → InvalidArgument; anything else → Unknown.
Status S3ErrorToStatus(long http_status, std::string_view body, std::string_view what);

}  // namespace streamgate::internal
