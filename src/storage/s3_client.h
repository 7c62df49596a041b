// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The S3 REST operations the object store is built from, one method per call, over CurlHttpClient
// with SigV4 signing done by curl (CURLOPT_AWS_SIGV4 "aws:amz:<region>:s3"). Every request
// carries x-amz-content-sha256: the SHA-256 of an in-memory body, UNSIGNED-PAYLOAD for a body
// streamed from a file. Keys given here are full S3 keys (the store's prefix already applied).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/curl_http.h"
#include "storage/s3_xml.h"
#include "streamgate/object_store.h"

namespace streamgate::internal {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Thread-safe: the options are immutable and CurlHttpClient is thread-safe.
class S3Client {
 public:
  // InvalidArgument when the endpoint is not "http(s)://host[:port][/]" or the bucket name is not
  // one S3 accepts. Other options are checked by ValidateS3ObjectStoreOptions.
  static Result<std::unique_ptr<S3Client>> Create(const S3ObjectStoreOptions& options);

  // The request URL for `key` (empty: the bucket itself), query canonically ordered and encoded
  // so that curl's SigV4 canonical request and the URL sent are the same bytes.
  std::string Url(std::string_view key, const QueryParams& query = {}) const;

  // A presigned GET URL for `key`, valid `expires_s` seconds from `now_unix` (pure computation, no
  // request). Without credentials (an anonymous store): the plain URL.
  std::string PresignGet(std::string_view key, int64_t expires_s, int64_t now_unix) const;

  Status PutObject(std::string_view key, const CurlBody& body);
  Result<std::string> GetObject(std::string_view key);
  // Streams a GET (with "Range: bytes=…" when `range` is set) into `sink`; `check` sees the
  // status and headers before the first byte reaches the sink.
  Status GetObjectStream(std::string_view key, const std::string& range,
                         const std::function<Status(const CurlResponse&)>& check,
                         const std::function<Status(std::string_view)>& sink);
  Result<ObjectInfo> HeadObject(std::string_view key);
  Status DeleteObject(std::string_view key);
  Result<S3ListPage> ListObjectsV2(std::string_view prefix, std::string_view continuation_token);

  Result<std::string> CreateMultipartUpload(std::string_view key);
  // The part's ETag, as CompleteMultipartUpload wants it back.
  Result<std::string> UploadPart(std::string_view key, std::string_view upload_id, int part_number,
                                 const CurlBody& body);
  Status CompleteMultipartUpload(std::string_view key, std::string_view upload_id,
                                 const std::vector<std::string>& etags);
  Status AbortMultipartUpload(std::string_view key, std::string_view upload_id);

 private:
  S3Client(const S3ObjectStoreOptions& options, std::string scheme, std::string authority);
  CurlRequest NewRequest(std::string method, std::string_view key, const QueryParams& query,
                         std::string_view payload_sha256) const;
  // Performs `request`; a non-2xx answer becomes the Status S3ErrorToStatus gives.
  Result<CurlResponse> Send(const CurlRequest& request, std::string_view what);

  S3ObjectStoreOptions options_;
  std::string scheme_;     // "http" or "https"
  std::string authority_;  // "127.0.0.1:4568"
  CurlHttpClient http_;
};

}  // namespace streamgate::internal
