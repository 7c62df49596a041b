// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// One JSON POST over libcurl with a hard timeout and a bounded response size. Blocking; each
// call uses its own easy handle, so concurrent calls from many worker threads need no locking.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "streamgate/result.h"

namespace streamgate::internal {

struct HttpPostReply {
  long status = 0;
  std::string body;
};

// Unavailable for connection and protocol failures, DeadlineExceeded for a timeout,
// ResourceExhausted when the body passes `max_response_bytes`. Redirects are not followed
// (an RPC endpoint that redirects is misconfigured). Only http and https are allowed.
Result<HttpPostReply> HttpPostJson(const std::string& url, std::string_view body,
                                   std::chrono::milliseconds timeout,
                                   std::size_t max_response_bytes);

// "https://host:port" of `url`: safe for logs and error messages (RPC URLs often carry an API
// key in their path or query).
std::string RedactUrl(std::string_view url);

}  // namespace streamgate::internal
