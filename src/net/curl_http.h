// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A blocking HTTP client over libcurl easy handles: one request in, one response out, with the
// request body streamed from memory or from a file range, the response body streamed to a sink or
// collected (bounded), connect and stall timeouts, and retries with exponential backoff for
// idempotent requests on connection errors and 5xx answers. Optional AWS SigV4 signing is
// delegated to curl (CURLOPT_AWS_SIGV4); callers add any x-amz-* header they need signed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "streamgate/result.h"
#include "streamgate/status.h"

namespace streamgate::internal {

struct CurlClientOptions {
  long connect_timeout_ms = 2000;
  // Longest stretch without a single byte moving in either direction (a stall), not a cap on the
  // whole transfer, so that large objects are never cut off while they progress.
  long stall_timeout_ms = 60000;
  int max_retries = 3;            // extra attempts for idempotent requests
  long initial_backoff_ms = 100;  // doubled after every attempt, with jitter
  long max_backoff_ms = 2000;
};

// Where a request body comes from. `file_path` empty: `data` (must outlive the call).
struct CurlBody {
  std::string_view data;
  std::string file_path;
  uint64_t file_offset = 0;
  uint64_t file_length = 0;

  uint64_t size() const { return file_path.empty() ? data.size() : file_length; }
};

struct CurlResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;  // the collected body (error bodies, or 2xx bodies without a sink)
  // The first header of that (lower-case) name, or "" when absent.
  std::string_view Header(std::string_view lower_name) const;
};

struct CurlRequest {
  std::string method = "GET";        // GET, HEAD, PUT, POST, DELETE
  std::string url;                   // already percent-encoded
  std::vector<std::string> headers;  // "Name: value"
  // A body is sent for PUT and POST (empty when `body` is default).
  CurlBody body;
  // SigV4 signing by curl when `aws_sigv4` ("aws:amz:<region>:<service>") is not empty; the
  // credentials are the access key and the secret key.
  std::string aws_sigv4;
  std::string username;
  std::string password;
  // Retried on connection errors and 5xx when true (never once a sink has taken bytes).
  bool idempotent = true;
  // Receives 2xx response bodies chunk by chunk; an error stops the transfer and is returned.
  // `first_chunk_check`, when set, runs once before the first chunk of a 2xx body reaches the
  // sink and may refuse the response from its status and headers.
  std::function<Status(std::string_view)> sink;
  std::function<Status(const CurlResponse&)> first_chunk_check;
  // Bodies collected into CurlResponse::body beyond this are an error (ResourceExhausted).
  uint64_t max_collect_bytes = uint64_t{1} << 20;
};

// Owns a small pool of idle easy handles so that connections are reused across requests.
// Thread-safe: Perform may run on many threads at once (one handle each).
class CurlHttpClient {
 public:
  explicit CurlHttpClient(CurlClientOptions options);
  ~CurlHttpClient();
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  // Any HTTP status is a successful result; transport failures (refused, reset, DNS, timeout)
  // are Unavailable after the retries; a failing sink returns the sink's status.
  Result<CurlResponse> Perform(const CurlRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamgate::internal
