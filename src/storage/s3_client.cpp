// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "storage/s3_client.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "http/http_date.h"
#include "http/url.h"
#include "storage/s3_key.h"
#include "storage/s3_options.h"
#include "storage/s3_payload_hash.h"
#include "storage/s3_presign.h"
#include "storage/s3_status.h"

namespace streamgate::internal {
namespace {

std::string Unquote(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  return std::string(text);
}

constexpr uint64_t kListCollectBytes = uint64_t{16} << 20;

}  // namespace

Result<std::unique_ptr<S3Client>> S3Client::Create(const S3ObjectStoreOptions& options) {
  Result<S3Endpoint> endpoint = ParseS3Endpoint(options.endpoint);
  if (!endpoint.ok()) return endpoint.status().WithContext("S3 endpoint");
  if (!IsValidS3BucketName(options.bucket)) {
    return Status::InvalidArgument("S3 bucket: not a valid bucket name");
  }
  return std::unique_ptr<S3Client>(
      new S3Client(options, std::move(endpoint->scheme), std::move(endpoint->authority)));
}

S3Client::S3Client(const S3ObjectStoreOptions& options, std::string scheme, std::string authority)
    : options_(options),
      scheme_(std::move(scheme)),
      authority_(std::move(authority)),
      http_(CurlClientOptions{options.connect_timeout_ms, options.request_timeout_ms,
                              options.max_retries, 100, 2000}) {}

std::string S3Client::Url(std::string_view key, const QueryParams& query) const {
  std::string url = scheme_ + "://";
  if (options_.path_style) {
    url += authority_ + "/" + options_.bucket;
    if (!key.empty()) url += "/" + EncodeKeyForPath(key);
  } else {
    url += options_.bucket + "." + authority_ + "/" + EncodeKeyForPath(key);
  }
  // SigV4's canonical query string: names and values encoded, sorted by encoded name, "name="
  // even for an empty value. The URL carries exactly that string, so the signer (whichever way
  // it canonicalises) and S3 see the same thing.
  std::vector<std::string> pairs;
  pairs.reserve(query.size());
  for (const auto& [name, value] : query) {
    pairs.push_back(PercentEncode(name) + "=" + PercentEncode(value));
  }
  std::sort(pairs.begin(), pairs.end());
  for (std::size_t i = 0; i < pairs.size(); ++i) url += (i == 0 ? "?" : "&") + pairs[i];
  return url;
}

std::string S3Client::PresignGet(std::string_view key, int64_t expires_s, int64_t now_unix) const {
  if (options_.access_key.empty()) return Url(key);
  S3PresignRequest request;
  request.scheme = scheme_;
  if (options_.path_style) {
    request.authority = authority_;
    request.canonical_path = "/" + options_.bucket + "/" + EncodeKeyForPath(key);
  } else {
    request.authority = options_.bucket + "." + authority_;
    request.canonical_path = "/" + EncodeKeyForPath(key);
  }
  request.region = options_.region;
  request.access_key = options_.access_key;
  request.secret_key = options_.secret_key;
  request.now_unix = now_unix;
  request.expires_s = expires_s;
  return PresignS3Get(request);
}

CurlRequest S3Client::NewRequest(std::string method, std::string_view key, const QueryParams& query,
                                 std::string_view payload_sha256) const {
  CurlRequest request;
  request.method = std::move(method);
  request.url = Url(key, query);
  request.headers.push_back("x-amz-content-sha256: " + std::string(payload_sha256));
  if (!options_.access_key.empty()) {
    request.aws_sigv4 = "aws:amz:" + options_.region + ":s3";
    request.username = options_.access_key;
    request.password = options_.secret_key;
  }
  return request;
}

Result<CurlResponse> S3Client::Send(const CurlRequest& request, std::string_view what) {
  STREAMGATE_ASSIGN_OR_RETURN(CurlResponse response, http_.Perform(request));
  if (response.status < 200 || response.status >= 300) {
    return S3ErrorToStatus(response.status, response.body, what);
  }
  return response;
}

Status S3Client::PutObject(std::string_view key, const CurlBody& body) {
  const std::string hash =
      body.file_path.empty() ? S3PayloadSha256Hex(body.data) : std::string(kS3UnsignedPayload);
  CurlRequest request = NewRequest("PUT", key, {}, hash);
  request.headers.emplace_back("Content-Type: application/octet-stream");
  request.body = body;
  return Send(request, "PUT " + std::string(key)).status();
}

Result<std::string> S3Client::GetObject(std::string_view key) {
  CurlRequest request = NewRequest("GET", key, {}, S3PayloadSha256Hex({}));
  request.max_collect_bytes = std::numeric_limits<uint64_t>::max();
  STREAMGATE_ASSIGN_OR_RETURN(CurlResponse response, Send(request, "GET " + std::string(key)));
  return std::move(response.body);
}

Status S3Client::GetObjectStream(std::string_view key, const std::string& range,
                                 const std::function<Status(const CurlResponse&)>& check,
                                 const std::function<Status(std::string_view)>& sink) {
  CurlRequest request = NewRequest("GET", key, {}, S3PayloadSha256Hex({}));
  if (!range.empty()) request.headers.push_back("Range: " + range);
  request.sink = sink;
  request.first_chunk_check = check;
  STREAMGATE_ASSIGN_OR_RETURN(CurlResponse response, Send(request, "GET " + std::string(key)));
  // An empty 2xx body never reaches the sink, so the check has not run yet.
  if (check && response.Header("content-length") == "0") return check(response);
  return Status::Ok();
}

Result<ObjectInfo> S3Client::HeadObject(std::string_view key) {
  const CurlRequest request = NewRequest("HEAD", key, {}, S3PayloadSha256Hex({}));
  STREAMGATE_ASSIGN_OR_RETURN(CurlResponse response, Send(request, "HEAD " + std::string(key)));
  ObjectInfo info;
  info.key = std::string(key);
  const std::string_view length = response.Header("content-length");
  const auto [ptr, ec] = std::from_chars(length.data(), length.data() + length.size(), info.size);
  if (length.empty() || ec != std::errc() || ptr != length.data() + length.size()) {
    return Status::Internal("HEAD " + std::string(key) + ": no valid Content-Length");
  }
  if (const auto modified = ParseHttpDate(response.Header("last-modified"))) {
    info.modified_unix_ms = static_cast<int64_t>(*modified) * 1000;
  }
  info.etag = Unquote(response.Header("etag"));
  return info;
}

Status S3Client::DeleteObject(std::string_view key) {
  const CurlRequest request = NewRequest("DELETE", key, {}, S3PayloadSha256Hex({}));
  return Send(request, "DELETE " + std::string(key)).status();
}

Result<S3ListPage> S3Client::ListObjectsV2(std::string_view prefix,
                                           std::string_view continuation_token) {
  QueryParams query = {{"list-type", "2"}, {"encoding-type", "url"}};
  if (!prefix.empty()) query.emplace_back("prefix", std::string(prefix));
  if (!continuation_token.empty()) {
    query.emplace_back("continuation-token", std::string(continuation_token));
  }
  CurlRequest request = NewRequest("GET", "", query, S3PayloadSha256Hex({}));
  request.max_collect_bytes = kListCollectBytes;
  STREAMGATE_ASSIGN_OR_RETURN(CurlResponse response, Send(request, "LIST " + std::string(prefix)));
  return ParseListObjectsV2(response.body);
}

Result<std::string> S3Client::CreateMultipartUpload(std::string_view key) {
  CurlRequest request = NewRequest("POST", key, {{"uploads", ""}}, S3PayloadSha256Hex({}));
  request.headers.emplace_back("Content-Type: application/octet-stream");
  // Retrying after a lost answer would leave an orphaned upload behind: not idempotent.
  request.idempotent = false;
  STREAMGATE_ASSIGN_OR_RETURN(CurlResponse response,
                              Send(request, "CreateMultipartUpload " + std::string(key)));
  return ParseInitiateMultipartUpload(response.body);
}

Result<std::string> S3Client::UploadPart(std::string_view key, std::string_view upload_id,
                                         int part_number, const CurlBody& body) {
  const std::string hash =
      body.file_path.empty() ? S3PayloadSha256Hex(body.data) : std::string(kS3UnsignedPayload);
  CurlRequest request = NewRequest(
      "PUT", key,
      {{"partNumber", std::to_string(part_number)}, {"uploadId", std::string(upload_id)}}, hash);
  request.body = body;
  const std::string what = "UploadPart " + std::to_string(part_number) + " " + std::string(key);
  STREAMGATE_ASSIGN_OR_RETURN(CurlResponse response, Send(request, what));
  const std::string_view etag = response.Header("etag");
  if (etag.empty()) return Status::Internal(what + ": response has no ETag");
  return std::string(etag);
}

Status S3Client::CompleteMultipartUpload(std::string_view key, std::string_view upload_id,
                                         const std::vector<std::string>& etags) {
  const std::string xml = BuildCompleteMultipartUpload(etags);
  CurlRequest request =
      NewRequest("POST", key, {{"uploadId", std::string(upload_id)}}, S3PayloadSha256Hex(xml));
  request.headers.emplace_back("Content-Type: application/xml");
  request.body.data = xml;
  const std::string what = "CompleteMultipartUpload " + std::string(key);
  STREAMGATE_ASSIGN_OR_RETURN(CurlResponse response, Send(request, what));
  // S3 may answer 200 and still fail: the error then arrives in the body, after whitespace it
  // sent to keep the connection alive while it assembled the parts.
  if (ParseS3Error(response.body).has_value()) {
    return S3ErrorToStatus(500, response.body, what);
  }
  return Status::Ok();
}

Status S3Client::AbortMultipartUpload(std::string_view key, std::string_view upload_id) {
  const CurlRequest request =
      NewRequest("DELETE", key, {{"uploadId", std::string(upload_id)}}, S3PayloadSha256Hex({}));
  const Status status = Send(request, "AbortMultipartUpload " + std::string(key)).status();
  return status.code() == StatusCode::kNotFound ? Status::Ok() : status;
}

}  // namespace streamgate::internal
