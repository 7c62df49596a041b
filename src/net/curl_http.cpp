// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "net/curl_http.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

namespace streamgate::internal {
namespace {

// curl_global_init is not thread-safe on every build; do it once, before the first handle.
void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// The state of one attempt, reached from curl's C callbacks through their user pointer.
struct Transfer {
  const CurlRequest* request = nullptr;
  CURL* handle = nullptr;
  CurlResponse response;
  int fd = -1;            // the body file, when the body comes from one
  uint64_t body_pos = 0;  // bytes of the body handed to curl so far
  Status body_status;     // why reading the body failed
  Status sink_status;     // why the sink or the first-chunk check refused
  bool sink_started = false;
  bool collect_overflow = false;

  ~Transfer() {
    if (fd >= 0) ::close(fd);
  }
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const CurlBody& body = t->request->body;
  const uint64_t remaining = body.size() - t->body_pos;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, size * count));
  if (want == 0) return 0;
  if (body.file_path.empty()) {
    std::memcpy(buffer, body.data.data() + t->body_pos, want);
    t->body_pos += want;
    return want;
  }
  ssize_t got = 0;
  do {
    got = ::pread(t->fd, buffer, want, static_cast<off_t>(body.file_offset + t->body_pos));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    // A file that shrank under us must not be sent short: that would store a truncated object.
    t->body_status = Status::DataLoss("reading " + body.file_path + ": " +
                                      (got == 0 ? "file shrank" : std::strerror(errno)));
    return CURL_READFUNC_ABORT;
  }
  t->body_pos += static_cast<uint64_t>(got);
  return static_cast<size_t>(got);
}

// curl rewinds the body when it must send it again (a redirect, a 100-continue refusal, a
// connection that died before the request went out on a reused connection).
int SeekBody(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > t->request->body.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  t->body_pos = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {
    t->response.headers.clear();  // a new response head (after 100 Continue, for instance)
    return line.size();
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name = Trim(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  t->response.headers.emplace_back(std::move(name), Trim(line.substr(colon + 1)));
  return line.size();
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view chunk(data, size * count);
  long status = 0;
  curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
  const CurlRequest& request = *t->request;
  if (request.sink && status >= 200 && status < 300) {
    if (!t->sink_started) {
      t->sink_started = true;
      t->response.status = status;
      if (request.first_chunk_check) {
        t->sink_status = request.first_chunk_check(t->response);
        if (!t->sink_status.ok()) return 0;
      }
    }
    t->sink_status = request.sink(chunk);
    return t->sink_status.ok() ? chunk.size() : 0;
  }
  if (t->response.body.size() + chunk.size() > request.max_collect_bytes) {
    t->collect_overflow = true;
    return 0;
  }
  t->response.body.append(chunk);
  return chunk.size();
}

bool IsConnectFailure(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
         code == CURLE_COULDNT_RESOLVE_PROXY;
}

}  // namespace

std::string_view CurlResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

struct CurlHttpClient::Impl {
  CurlClientOptions options;
  std::mutex idle_mutex;
  std::vector<CURL*> idle;  // guarded by idle_mutex; reset handles keep their connections

  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(idle_mutex);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* handle) {
    curl_easy_reset(handle);
    std::lock_guard<std::mutex> lock(idle_mutex);
    if (idle.size() < 16) {
      idle.push_back(handle);
      return;
    }
    curl_easy_cleanup(handle);
  }

  void Backoff(int attempt) const {
    thread_local std::minstd_rand random(std::random_device{}());
    const long base = std::min(options.max_backoff_ms, options.initial_backoff_ms << attempt);
    // Full jitter in [base/2, base]: many clients failing together do not retry in lockstep.
    std::uniform_int_distribution<long> pick(base / 2, std::max(base / 2, base));
    std::this_thread::sleep_for(std::chrono::milliseconds(pick(random)));
  }
};

CurlHttpClient::CurlHttpClient(CurlClientOptions options) : impl_(std::make_unique<Impl>()) {
  GlobalInit();
  impl_->options = options;
}

CurlHttpClient::~CurlHttpClient() {
  for (CURL* handle : impl_->idle) curl_easy_cleanup(handle);
}

Result<CurlResponse> CurlHttpClient::Perform(const CurlRequest& request) {
  const CurlClientOptions& options = impl_->options;
  const bool has_body = request.method == "PUT" || request.method == "POST";
  Status last_error = Status::Unavailable("no attempt made");
  for (int attempt = 0;; ++attempt) {
    Transfer t;
    t.request = &request;
    if (has_body && !request.body.file_path.empty()) {
      t.fd = ::open(request.body.file_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (t.fd < 0) {
        return Status::NotFound("cannot open " + request.body.file_path + ": " +
                                std::strerror(errno));
      }
    }
    CURL* handle = impl_->Acquire();
    if (handle == nullptr) return Status::Internal("curl_easy_init failed");
    t.handle = handle;
    curl_slist* headers = nullptr;
    for (const std::string& header : request.headers) {
      headers = curl_slist_append(headers, header.c_str());
    }
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for DNS
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, (options.stall_timeout_ms + 999) / 1000));
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &t);
    if (request.method == "HEAD") {
      curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
      // Every body goes through the read callback (PUT semantics with the method renamed), so
      // that curl adds no form Content-Type of its own to a POST.
      curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(handle, CURLOPT_READFUNCTION, ReadBody);
      curl_easy_setopt(handle, CURLOPT_READDATA, &t);
      curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, SeekBody);
      curl_easy_setopt(handle, CURLOPT_SEEKDATA, &t);
      if (request.method != "PUT") {
        curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
    } else if (request.method != "GET") {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (!request.aws_sigv4.empty()) {
      curl_easy_setopt(handle, CURLOPT_AWS_SIGV4, request.aws_sigv4.c_str());
      curl_easy_setopt(handle, CURLOPT_USERNAME, request.username.c_str());
      curl_easy_setopt(handle, CURLOPT_PASSWORD, request.password.c_str());
    }

    const CURLcode code = curl_easy_perform(handle);
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    impl_->Release(handle);

    if (!t.sink_status.ok()) return t.sink_status;
    if (!t.body_status.ok()) return t.body_status;
    if (t.collect_overflow) {
      return Status::ResourceExhausted("response body larger than " +
                                       std::to_string(request.max_collect_bytes) + " bytes");
    }
    // A request that never reached the server can be sent again whatever its method.
    const bool may_retry = attempt < options.max_retries && !t.sink_started &&
                           (request.idempotent || (code != CURLE_OK && IsConnectFailure(code)));
    if (code == CURLE_OK) {
      t.response.status = status;
      if (status >= 500 && may_retry) {
        impl_->Backoff(attempt);
        continue;
      }
      return std::move(t.response);
    }
    const std::string what = error[0] != '\0' ? std::string(error) : curl_easy_strerror(code);
    last_error = Status::Unavailable(request.method + " " + request.url + ": " + what);
    if (!may_retry) return last_error;
    impl_->Backoff(attempt);
  }
}

}  // namespace streamgate::internal
