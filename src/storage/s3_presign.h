// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// AWS Signature Version 4 in the query string ("presigned URLs"): a GET URL that anyone holding
// it may use until it expires, with no credentials of their own. Curl signs the store's own
// requests (headers); presigned URLs are signed here because curl only signs requests it sends.
// Checked against botocore's S3SigV4QueryAuth in tests/unit/s3_presign_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace streamgate::internal {

struct S3PresignRequest {
  std::string scheme;          // "http" or "https"
  std::string authority;       // "host[:port]" the client will connect to (bucket included for
                               // virtual-host style)
  std::string canonical_path;  // the URL path as sent, already percent-encoded ("/bucket/a%20b")
  std::string region;
  std::string access_key;
  std::string secret_key;
  int64_t now_unix = 0;
  int64_t expires_s = 60;  // X-Amz-Expires: 1 to 604800 (7 days, S3's limit)
};

// The URL "scheme://authority/path?X-Amz-Algorithm=…&X-Amz-Signature=…". Only the host header
// is signed and the payload is UNSIGNED-PAYLOAD, as S3 requires of presigned GETs.
std::string PresignS3Get(const S3PresignRequest& request);

// "host[:port]" as SigV4 signs it: the host lower-cased, the port dropped when it is the
// scheme's default (80 for http, 443 for https), as HTTP clients send the Host header.
std::string S3CanonicalHost(std::string_view scheme, std::string_view authority);

}  // namespace streamgate::internal
