// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/http_post.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace streamgate::internal {
namespace {

void GlobalInitOnce() {
  // curl_global_init is not thread-safe in every libcurl build; do it once, before any handle.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  std::string* body;
  std::size_t limit;
  bool overflow = false;
};

std::size_t WriteBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t bytes = size * count;
  if (sink->body->size() + bytes > sink->limit) {
    sink->overflow = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  sink->body->append(data, bytes);
  return bytes;
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

std::string RedactUrl(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "<url>";
  const std::size_t host_start = scheme + 3;
  std::size_t host_end = url.find_first_of("/?#", host_start);
  if (host_end == std::string_view::npos) host_end = url.size();
  std::string_view authority = url.substr(host_start, host_end - host_start);
  // Drop user:password@.
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  return std::string(url.substr(0, host_start)) + std::string(authority);
}

Result<HttpPostReply> HttpPostJson(const std::string& url, std::string_view body,
                                   std::chrono::milliseconds timeout,
                                   std::size_t max_response_bytes) {
  GlobalInitOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status::Internal("curl_easy_init failed");
  std::unique_ptr<curl_slist, SlistDeleter> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"));
  curl_slist_append(headers.get(), "Accept: application/json");
  curl_slist_append(headers.get(), "Expect:");  // no 100-continue round trip

  HttpPostReply reply;
  Sink sink{&reply.body, max_response_bytes};
  const long timeout_ms = std::max<long>(1, static_cast<long>(timeout.count()));
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_response_bytes));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip replies count decompressed

  const CURLcode code = curl_easy_perform(h);
  const std::string where = RedactUrl(url);
  if (sink.overflow || code == CURLE_FILESIZE_EXCEEDED) {
    return Status::ResourceExhausted(where + ": reply larger than " +
                                     std::to_string(max_response_bytes) + " bytes");
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Status::DeadlineExceeded(where + ": timed out after " + std::to_string(timeout_ms) +
                                    " ms");
  }
  if (code != CURLE_OK) {
    return Status::Unavailable(where + ": " + curl_easy_strerror(code));
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace streamgate::internal
