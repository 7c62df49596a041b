// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "http/connection.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <asio/post.hpp>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <optional>
#include <thread>

#include "http/http_date.h"
#include "http/range.h"
#include "http/url.h"
#include "streamgate/logging.h"
#include "streamgate/runtime.h"

namespace streamgate::internal {
namespace {

constexpr size_t kReadBufferSize = 64 * 1024;
constexpr uint32_t kMaxHeaderFields = 128;
// After a response that closes the connection, unread input is drained for this long so that
// the peer sees the response rather than a reset (nginx calls this lingering close).
constexpr int kLingerMs = 2000;
// Deeper than this, a continuation is posted instead of called, so that a client pipelining
// many requests cannot grow the stack.
constexpr int kMaxNesting = 8;
// One sendfile(2) call at most; the kernel stops at the socket buffer anyway.
constexpr uint64_t kMaxSendfileChunk = 16 * 1024 * 1024;

Connection* Self(llhttp_t* parser) { return static_cast<Connection*>(parser->data); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

// Fields the server writes itself; a handler's copy is dropped so that framing stays ours.
bool IsServerOwnedHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "connection") ||
         EqualsIgnoreCase(name, "transfer-encoding") || EqualsIgnoreCase(name, "date") ||
         EqualsIgnoreCase(name, "server");
}

bool HasLineBreak(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos || s.find('\0') != s.npos;
}

std::string StrongEtag(const struct stat& st) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_mtime),
                static_cast<unsigned long long>(st.st_size));
  return buf;
}

// RFC 9110 §13.1.2: If-None-Match is a list of entity tags (weak comparison) or "*".
bool IfNoneMatchMatches(std::string_view header, std::string_view etag) {
  if (header.find('*') != std::string_view::npos) return true;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t comma = header.find(',', pos);
    std::string_view item = header.substr(pos, comma == header.npos ? header.npos : comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == etag) return true;
    if (comma == header.npos) break;
    pos = comma + 1;
  }
  return false;
}

HttpResponse InvokeHandler(const Router::Route& route, HttpRequest& request) {
  try {
    return route.handler(request);
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "http",
        "handler for " + route.pattern + " threw: " + std::string(e.what()));
  } catch (...) {
    Log(LogLevel::kError, "http", "handler for " + route.pattern + " threw a non-exception");
  }
  return HttpResponse::Error(Status::Internal("handler failed"));
}

}  // namespace

llhttp_settings_t Connection::MakeSettings() {
  llhttp_settings_t s;
  llhttp_settings_init(&s);
  s.on_message_begin = [](llhttp_t* p) { return Self(p)->OnMessageBegin(); };
  s.on_url = [](llhttp_t* p, const char* at, size_t n) { return Self(p)->OnUrl(at, n); };
  s.on_header_field = [](llhttp_t* p, const char* at, size_t n) {
    return Self(p)->OnHeaderField(at, n);
  };
  s.on_header_value = [](llhttp_t* p, const char* at, size_t n) {
    return Self(p)->OnHeaderValue(at, n);
  };
  s.on_header_value_complete = [](llhttp_t* p) { return Self(p)->OnHeaderValueComplete(); };
  s.on_headers_complete = [](llhttp_t* p) { return Self(p)->OnHeadersComplete(); };
  s.on_body = [](llhttp_t* p, const char* at, size_t n) { return Self(p)->OnBody(at, n); };
  s.on_message_complete = [](llhttp_t* p) { return Self(p)->OnMessageComplete(); };
  return s;
}

Connection::Connection(std::shared_ptr<ServerCore> core, asio::ip::tcp::socket socket)
    : core_(std::move(core)), socket_(std::move(socket)) {
  static const llhttp_settings_t kSettings = MakeSettings();
  fd_ = socket_.native_handle();
  llhttp_init(&parser_, HTTP_REQUEST, &kSettings);
  parser_.data = this;
  core_->connections_active.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(core_->connections_mutex);
  core_->connections.insert(this);
}

Connection::~Connection() {
  if (file_fd_ >= 0) ::close(file_fd_);
  {
    std::lock_guard<std::mutex> lock(core_->connections_mutex);
    core_->connections.erase(this);
  }
  core_->connections_active.fetch_sub(1, std::memory_order_relaxed);
}

void Connection::Start() {
  asio::error_code ec;
  socket_.native_non_blocking(true, ec);
  if (!ec) socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (ec) return Close();
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_address_ = endpoint.address().to_string();
    remote_port_ = endpoint.port();
  }
  SetDeadlineAfter(core_->options.idle_timeout_ms);
  WaitReadable();
}

// ---------------------------------------------------------------------------------------------
// Reading

void Connection::WaitReadable() {
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const asio::error_code& ec) {
                       self->OnReadable(ec);
                     });
}

void Connection::OnReadable(const asio::error_code& ec) {
  if (ec || phase_ == Phase::kClosed) return;  // closed or cancelled
  if (phase_ == Phase::kHandling || phase_ == Phase::kWriting) return;
  ReadSome();
}

void Connection::ReadSome() {
  thread_local std::unique_ptr<char[]> buffer(new char[kReadBufferSize]);
  for (;;) {
    ssize_t n = ::recv(fd_, buffer.get(), kReadBufferSize, 0);
    if (n > 0) {
      if (phase_ == Phase::kLingering) continue;  // discard
      if (!Feed(buffer.get(), static_cast<size_t>(n))) return;
      continue;
    }
    if (n == 0) return OnPeerClosed();
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return WaitReadable();
    return Close();  // ECONNRESET and friends
  }
}

bool Connection::Feed(const char* data, size_t size) {
  llhttp_errno_t err = llhttp_execute(&parser_, data, size);
  while (err == HPE_PAUSED_UPGRADE) {
    // A request with "Upgrade:" (or CONNECT) was answered like any other. We never switch
    // protocols (no 101), so the client must go on speaking HTTP/1.1: keep parsing it as such.
    const char* stop = llhttp_get_error_pos(&parser_);
    llhttp_resume_after_upgrade(&parser_);
    const size_t consumed = static_cast<size_t>(stop - data);
    data = stop;
    size -= consumed;
    err = llhttp_execute(&parser_, data, size);
  }
  if (err == HPE_OK) return true;
  if (err == HPE_PAUSED) {
    const char* stop = llhttp_get_error_pos(&parser_);
    pending_.assign(stop, static_cast<size_t>(data + size - stop));
    llhttp_resume(&parser_);
    const PauseReason reason = pause_;
    pause_ = PauseReason::kNone;
    if (reason == PauseReason::kSendContinue) {
      SendContinue();
    } else if (reason == PauseReason::kSinkFull) {
      // Reading stays stopped until the sink calls back (OnSinkResume).
    } else {
      Dispatch();
    }
    return false;
  }
  // A protocol error, or a limit one of our callbacks enforced (early_response_ says which).
  if (!early_response_) {
    early_response_ = std::make_unique<HttpResponse>(HttpResponse::Error(
        400, "BAD_REQUEST", std::string("malformed request: ") + llhttp_errno_name(err)));
  }
  keep_alive_ = false;
  Dispatch();
  return false;
}

void Connection::Continue() {
  if (phase_ == Phase::kClosed) return;
  if (pending_.empty()) return ReadSome();
  std::string data;
  data.swap(pending_);
  if (Feed(data.data(), data.size())) ReadSome();
}

void Connection::OnPeerClosed() {
  // A half-received request is abandoned; any body sink learns of it through Abort().
  Close();
}

// ---------------------------------------------------------------------------------------------
// Parsing callbacks

int Connection::OnMessageBegin() {
  request_ = HttpRequest{};
  request_.remote_address = remote_address_;
  request_.remote_port = remote_port_;
  url_.clear();
  field_.clear();
  value_.clear();
  header_bytes_ = 0;
  header_count_ = 0;
  body_received_ = 0;
  route_ = nullptr;
  early_response_.reset();
  discard_body_ = false;
  keep_alive_ = true;
  request_start_ = std::chrono::steady_clock::now();
  phase_ = Phase::kHeaders;
  SetDeadlineAfter(core_->options.header_timeout_ms);
  return 0;
}

int Connection::Fail(int http_status, std::string_view code, std::string message) {
  early_response_ =
      std::make_unique<HttpResponse>(HttpResponse::Error(http_status, code, message));
  early_response_->close_connection = true;
  return HPE_USER;
}

int Connection::CountHeaderBytes(size_t length) {
  header_bytes_ += length;
  if (header_bytes_ <= core_->options.max_header_bytes) return 0;
  return Fail(431, "REQUEST_HEADER_FIELDS_TOO_LARGE",
              "request header section exceeds " +
                  std::to_string(core_->options.max_header_bytes) + " bytes");
}

int Connection::OnUrl(const char* at, size_t length) {
  url_.append(at, length);
  if (url_.size() > core_->options.max_uri_bytes) {
    return Fail(414, "URI_TOO_LONG",
                "request-target exceeds " + std::to_string(core_->options.max_uri_bytes) +
                    " bytes");
  }
  return CountHeaderBytes(length);
}

int Connection::OnHeaderField(const char* at, size_t length) {
  if (const int error = CountHeaderBytes(length)) return error;  // before buffering more
  field_.append(at, length);
  return 0;
}

int Connection::OnHeaderValue(const char* at, size_t length) {
  if (const int error = CountHeaderBytes(length)) return error;  // before buffering more
  value_.append(at, length);
  return 0;
}

int Connection::OnHeaderValueComplete() {
  if (++header_count_ > kMaxHeaderFields) {
    return Fail(431, "REQUEST_HEADER_FIELDS_TOO_LARGE",
                "more than " + std::to_string(kMaxHeaderFields) + " header fields");
  }
  request_.headers.Add(std::move(field_), std::move(value_));
  field_.clear();
  value_.clear();
  return 0;
}

int Connection::OnHeadersComplete() {
  request_.method_name = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
  request_.method = ParseHttpMethod(request_.method_name);
  request_.http_minor = parser_.http_minor;
  if (parser_.http_major != 1) {
    return Fail(505, "HTTP_VERSION_NOT_SUPPORTED", "only HTTP/1.0 and HTTP/1.1 are served");
  }
  if (request_.http_minor >= 1 && !request_.headers.Has("Host")) {
    // RFC 9112 §3.2.
    return Fail(400, "BAD_REQUEST", "HTTP/1.1 requests must carry a Host header");
  }
  request_.target = url_;

  // origin-form ("/p?q"), or absolute-form ("http://host/p?q") as proxies send it.
  std::string_view target = url_;
  if (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://") {
    size_t slash = target.find('/', target.find("://") + 3);
    target = slash == target.npos ? std::string_view("/") : target.substr(slash);
  }
  if (target.empty() || target.front() != '/') {
    return Fail(400, "BAD_REQUEST", "unsupported request-target");
  }
  const size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  if (question != target.npos) request_.query_string = std::string(target.substr(question + 1));
  std::optional<std::string> path = PercentDecode(raw_path, false);
  if (!path) return Fail(400, "BAD_REQUEST", "malformed percent-encoding in the path");
  request_.path = std::move(*path);
  auto query = ParseQuery(request_.query_string);
  if (!query) return Fail(400, "BAD_REQUEST", "malformed query string");
  request_.query = std::move(*query);

  body_limit_ = core_->options.max_body_bytes;
  Router::Match match = core_->router->Find(request_.method, request_.path);
  if (match.kind == Router::MatchKind::kFound) {
    route_ = match.route;
    request_.path_params = std::move(match.params);
    request_.route = route_->pattern;
    if (route_->options.max_body_bytes) body_limit_ = *route_->options.max_body_bytes;
  } else {
    // Answered once the (bounded) body has been read and discarded, so the connection stays
    // usable.
    discard_body_ = true;
    if (match.kind == Router::MatchKind::kMethodNotAllowed) {
      early_response_ = std::make_unique<HttpResponse>(HttpResponse::Error(
          405, "METHOD_NOT_ALLOWED", request_.method_name + " is not allowed on this resource"));
      std::string allow;
      for (HttpMethod m : match.allowed) {
        if (!allow.empty()) allow += ", ";
        allow += HttpMethodName(m);
      }
      early_response_->headers.Set("Allow", allow);
    } else {
      early_response_ = std::make_unique<HttpResponse>(
          HttpResponse::Error(404, "NOT_FOUND", "no resource at this path"));
    }
  }

  const bool has_length = (parser_.flags & F_CONTENT_LENGTH) != 0;
  const bool chunked = (parser_.flags & F_CHUNKED) != 0;
  const bool expects_body = chunked || (has_length && parser_.content_length > 0);
  if (has_length && parser_.content_length > body_limit_) {
    return Fail(413, "PAYLOAD_TOO_LARGE",
                "request body of " + std::to_string(parser_.content_length) +
                    " bytes exceeds the limit of " + std::to_string(body_limit_) + " bytes");
  }

  if (route_ && route_->options.admit) {
    std::optional<HttpResponse> answer;
    try {
      answer = route_->options.admit(request_);
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "http", "admission for " + route_->pattern + " threw: " + e.what());
      answer = HttpResponse::Error(Status::Internal("admission failed"));
    }
    if (answer) {
      early_response_ = std::make_unique<HttpResponse>(std::move(*answer));
      if (expects_body) {
        // The body is refused unread: the connection cannot be reused after it.
        early_response_->close_connection = true;
        return HPE_USER;
      }
      discard_body_ = true;
    }
  }

  if (route_ && route_->options.body_sink && !early_response_) {
    Result<std::unique_ptr<HttpBodySink>> sink = route_->options.body_sink(request_);
    if (!sink.ok()) {
      early_response_ = std::make_unique<HttpResponse>(HttpResponse::Error(sink.status()));
      early_response_->close_connection = true;
      return HPE_USER;
    }
    request_.body_sink = std::move(*sink);
  }

  if (const std::string* expect = request_.headers.Find("Expect")) {
    if (!EqualsIgnoreCase(*expect, "100-continue")) {
      return Fail(417, "EXPECTATION_FAILED", "only 100-continue is supported");
    }
    if (expects_body && request_.http_minor >= 1) {
      // A request we are going to refuse anyway is refused now: the client then skips the body.
      if (early_response_) {
        early_response_->close_connection = true;
        return HPE_USER;
      }
      phase_ = Phase::kBody;
      pause_ = PauseReason::kSendContinue;
      return HPE_PAUSED;
    }
  }
  if (expects_body) {
    phase_ = Phase::kBody;
    SetDeadlineAfter(core_->options.body_timeout_ms);
  }
  return 0;
}

int Connection::OnBody(const char* at, size_t length) {
  if (length == 0) return 0;  // llhttp's span at the end of an empty input
  body_received_ += length;
  if (body_received_ > body_limit_) {
    return Fail(413, "PAYLOAD_TOO_LARGE",
                "request body exceeds the limit of " + std::to_string(body_limit_) + " bytes");
  }
  SetDeadlineAfter(core_->options.body_timeout_ms);
  if (discard_body_) return 0;
  if (request_.body_sink) {
    Status status = request_.body_sink->Write(std::string_view(at, length));
    if (!status.ok()) {
      early_response_ = std::make_unique<HttpResponse>(HttpResponse::Error(status));
      early_response_->close_connection = true;
      return HPE_USER;
    }
    auto self = shared_from_this();
    const bool more = request_.body_sink->ReadyForMore([self] {
      asio::post(self->socket_.get_executor(), [self] { self->OnSinkResume(); });
    });
    if (!more) {
      sink_paused_ = true;
      pause_ = PauseReason::kSinkFull;
      return HPE_PAUSED;
    }
    return 0;
  }
  request_.body.append(at, length);
  return 0;
}

int Connection::OnMessageComplete() {
  keep_alive_ = llhttp_should_keep_alive(&parser_) != 0;
  ClearDeadline();
  phase_ = Phase::kHandling;
  pause_ = PauseReason::kMessageComplete;
  return HPE_PAUSED;
}

// ---------------------------------------------------------------------------------------------
// Handling

void Connection::AbortSink() {
  if (request_.body_sink) {
    request_.body_sink->Abort();
    request_.body_sink.reset();
  }
}

void Connection::Dispatch() {
  core_->requests.fetch_add(1, std::memory_order_relaxed);
  if (early_response_) {
    AbortSink();
    HttpResponse response = std::move(*early_response_);
    early_response_.reset();
    return StartResponse(std::move(response));
  }
  const Router::Route* route = route_;
  auto self = shared_from_this();
  if (route->handler) {
    if (route->options.mode == HandlerMode::kInline) {
      return StartResponse(InvokeHandler(*route, request_));
    }
    core_->runtime.Post(
        [self, route] { self->PostResponse(InvokeHandler(*route, self->request_)); });
    return;
  }

  // Asynchronous handler: the responder may be called from any thread, exactly once. If every
  // copy is dropped without a call, the client still gets an answer (500) instead of a hang.
  struct ResponderState {
    std::shared_ptr<Connection> connection;
    std::atomic<bool> done{false};
    // While an inline handler runs, the thread running it (the connection's strand). A response
    // given on that thread before the handler returns is kept here and written when it returns:
    // posting it would cost a trip through the io_context queue, often waking the other I/O
    // thread, on every request of the fastest routes (gated segment delivery).
    std::atomic<std::thread::id> inline_thread{};
    std::optional<HttpResponse> inline_response;
    void Respond(HttpResponse response) {
      if (done.exchange(true)) return;
      if (inline_thread.load(std::memory_order_relaxed) == std::this_thread::get_id()) {
        inline_response.emplace(std::move(response));
        return;
      }
      connection->PostResponse(std::move(response));
    }
    ~ResponderState() {
      if (!done.load()) {
        Respond(HttpResponse::Error(Status::Internal("handler dropped the request")));
      }
    }
  };
  auto state = std::make_shared<ResponderState>();
  state->connection = self;
  HttpResponder responder = [state](HttpResponse response) { state->Respond(std::move(response)); };
  auto invoke = [self, route, responder = std::move(responder)]() mutable {
    try {
      route->async_handler(self->request_, std::move(responder));
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "http", "handler for " + route->pattern + " threw: " + e.what());
    }
  };
  if (route->options.mode == HandlerMode::kInline) {
    state->inline_thread.store(std::this_thread::get_id(), std::memory_order_relaxed);
    invoke();
    state->inline_thread.store(std::thread::id(), std::memory_order_relaxed);
    if (state->inline_response) {
      HttpResponse response = std::move(*state->inline_response);
      state->inline_response.reset();
      return StartResponse(std::move(response));
    }
  } else {
    core_->runtime.Post(std::move(invoke));
  }
}

void Connection::PostResponse(HttpResponse response) {
  asio::post(socket_.get_executor(),
             [self = shared_from_this(), response = std::move(response)]() mutable {
               self->StartResponse(std::move(response));
             });
}

// ---------------------------------------------------------------------------------------------
// Writing

void Connection::PrepareFile(HttpResponse& response) {
  const std::string path = std::move(*response.file_path);
  response.file_path.reset();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) ::close(fd);
    response = HttpResponse::Error(404, "NOT_FOUND", "no such file");
    return;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const std::string etag = StrongEtag(st);
  const std::string last_modified = FormatHttpDate(st.st_mtime);
  response.headers.Set("ETag", etag);
  response.headers.Set("Last-Modified", last_modified);
  response.headers.Set("Accept-Ranges", "bytes");

  if (response.status == 200) {
    // Conditional GET (RFC 9110 §13.2.2: If-None-Match takes precedence over the date).
    bool not_modified = false;
    if (const std::string* inm = request_.headers.Find("If-None-Match")) {
      not_modified = IfNoneMatchMatches(*inm, etag);
    } else if (const std::string* ims = request_.headers.Find("If-Modified-Since")) {
      auto since = ParseHttpDate(*ims);
      not_modified = since && st.st_mtime <= *since;
    }
    if (not_modified) {
      ::close(fd);
      response.status = 304;
      response.body.clear();
      return;
    }
    uint64_t first = 0;
    uint64_t length = size;
    const std::string* range = request_.headers.Find("Range");
    if (range) {
      // If-Range: serve the range only if the representation is still the one the client has.
      bool still_valid = true;
      if (const std::string* if_range = request_.headers.Find("If-Range")) {
        still_valid = (!if_range->empty() && if_range->front() == '"') ? *if_range == etag
                                                                       : *if_range == last_modified;
      }
      if (still_valid) {
        ByteRange br = ParseRange(*range, size);
        if (br.kind == ByteRange::Kind::kUnsatisfiable) {
          ::close(fd);
          response.status = 416;
          response.body.clear();
          response.headers.Set("Content-Range", "bytes */" + std::to_string(size));
          return;
        }
        if (br.kind == ByteRange::Kind::kSatisfiable) {
          first = br.first;
          length = br.length();
          response.status = 206;
          response.headers.Set("Content-Range", "bytes " + std::to_string(br.first) + "-" +
                                                    std::to_string(br.last) + "/" +
                                                    std::to_string(size));
        }
      }
    }
    file_offset_ = first;
    file_remaining_ = length;
  } else {
    file_offset_ = 0;
    file_remaining_ = size;
  }
  file_fd_ = fd;
  response.body.clear();
}

void Connection::StartResponse(HttpResponse response) {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kWriting;
  head_only_ = request_.method == HttpMethod::kHead;
  if (response.file_path) PrepareFile(response);

  response_status_ = response.status;
  const bool bodyless_status =
      response.status < 200 || response.status == 204 || response.status == 304;
  close_after_write_ = response.close_connection || !keep_alive_ || draining_ ||
                       core_->draining.load(std::memory_order_relaxed);
  const bool streamed = response.body_source != nullptr;
  source_chunked_ = false;
  if (streamed && !bodyless_status && !head_only_ && !response.content_length) {
    // No length known: chunked for HTTP/1.1, the end of the connection for HTTP/1.0.
    if (request_.http_minor >= 1) {
      source_chunked_ = true;
    } else {
      close_after_write_ = true;
    }
  }
  if (const std::string* id = response.headers.Find("X-Request-Id")) {
    request_id_ = *id;
  } else if (const std::string* sent = request_.headers.Find("X-Request-Id");
             sent && sent->size() <= 128) {
    request_id_ = *sent;
  } else {
    request_id_.clear();
  }

  std::string& head = out_head_;
  head.clear();
  head.append("HTTP/1.1 ").append(std::to_string(response.status)).append(" ");
  head.append(HttpReasonPhrase(response.status)).append("\r\nServer: streamgate\r\nDate: ");
  head.append(CachedHttpDateNow()).append("\r\n");
  if (streamed) {
    if (!bodyless_status && response.content_length) {
      head.append("Content-Length: ")
          .append(std::to_string(*response.content_length))
          .append("\r\n");
    } else if (!bodyless_status && source_chunked_) {
      head.append("Transfer-Encoding: chunked\r\n");
    }
  } else if (!bodyless_status) {
    const uint64_t length = file_fd_ >= 0 ? file_remaining_ : response.body.size();
    head.append("Content-Length: ").append(std::to_string(length)).append("\r\n");
  }
  for (const auto& [name, value] : response.headers.entries()) {
    if (IsServerOwnedHeader(name)) continue;
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) {
      // Never let a handler (or data it echoes) split the response.
      Log(LogLevel::kWarn, "http", "dropped a response header containing a line break");
      continue;
    }
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (close_after_write_) {
    head.append("Connection: close\r\n");
  } else if (request_.http_minor == 0) {
    head.append("Connection: keep-alive\r\n");
  }
  head.append("\r\n");

  if (head_only_ || bodyless_status) {
    out_body_.clear();
    if (file_fd_ >= 0) ::close(file_fd_);
    file_fd_ = -1;
    file_remaining_ = 0;
    if (streamed) response.body_source->Cancel();
  } else {
    out_body_ = std::move(response.body);
    if (streamed) {
      source_ = std::move(response.body_source);
      source_remaining_ = response.content_length;
      source_pulling_ = false;
      source_ended_ = false;
      source_first_ = true;
    }
  }
  out_offset_ = 0;
  response_bytes_ = 0;
  if (file_fd_ >= 0 && file_remaining_ > 0) {
    // Head and file leave as full segments, pushed once the file is sent (nginx's tcp_nopush).
    // Without it each sendfile(2) chunk is pushed on its own under TCP_NODELAY, which on
    // loopback roughly doubles the kernel's work per large response.
    SetCork(true);
  }
  ContinueWrite();
}

void Connection::SetCork(bool on) {
  if (corked_ == on) return;
  const int value = on ? 1 : 0;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &value, sizeof value);
  corked_ = on;
}

void Connection::ContinueWrite() {
  SetDeadlineAfter(core_->options.write_timeout_ms);
  if (!WriteBuffers()) return;
  if (file_fd_ >= 0 && !SendFile()) return;
  if (source_) {
    if (!source_ended_) return PullChunk();
    source_.reset();
  }
  FinishExchange();
}

bool Connection::WriteBuffers() {
  const size_t head_size = out_head_.size();
  const size_t total = head_size + out_body_.size();
  while (out_offset_ < total) {
    iovec iov[2];
    int count = 0;
    if (out_offset_ < head_size) {
      iov[count++] = {out_head_.data() + out_offset_, head_size - out_offset_};
      if (!out_body_.empty()) iov[count++] = {out_body_.data(), out_body_.size()};
    } else {
      iov[count++] = {out_body_.data() + (out_offset_ - head_size), total - out_offset_};
    }
    msghdr message{};
    message.msg_iov = iov;
    message.msg_iovlen = static_cast<size_t>(count);
    // With a file to follow, tell the kernel more is coming so headers and data share packets.
    const int flags = MSG_NOSIGNAL | (file_remaining_ > 0 ? MSG_MORE : 0);
    const ssize_t n = ::sendmsg(fd_, &message, flags);
    if (n >= 0) {
      out_offset_ += static_cast<size_t>(n);
      response_bytes_ += static_cast<uint64_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      WaitWritable();
      return false;
    }
    Close();
    return false;
  }
  return true;
}

bool Connection::SendFile() {
  while (file_remaining_ > 0) {
    off_t offset = static_cast<off_t>(file_offset_);
    const ssize_t n =
        ::sendfile(fd_, file_fd_, &offset, std::min(file_remaining_, kMaxSendfileChunk));
    if (n > 0) {
      file_offset_ += static_cast<uint64_t>(n);
      file_remaining_ -= static_cast<uint64_t>(n);
      response_bytes_ += static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      WaitWritable();
      return false;
    }
    // n == 0: the file shrank under us; the promised Content-Length cannot be honoured.
    Close();
    return false;
  }
  ::close(file_fd_);
  file_fd_ = -1;
  SetCork(false);  // pushes what is left
  return true;
}

void Connection::WaitWritable() {
  socket_.async_wait(asio::ip::tcp::socket::wait_write,
                     [self = shared_from_this()](const asio::error_code& ec) {
                       if (ec || self->phase_ != Phase::kWriting) return;
                       self->ContinueWrite();
                     });
}

void Connection::SendContinue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  // The socket has nothing else queued at this point, so 25 bytes always fit.
  const ssize_t n = ::send(fd_, kContinue.data(), kContinue.size(), MSG_NOSIGNAL);
  if (n != static_cast<ssize_t>(kContinue.size())) return Close();
  SetDeadlineAfter(core_->options.body_timeout_ms);
  Continue();
}

void Connection::FinishExchange() {
  core_->bytes_sent.fetch_add(response_bytes_, std::memory_order_relaxed);
  const int status_class = std::clamp(response_status_ / 100, 0, 5);
  core_->responses_by_class[status_class].fetch_add(1, std::memory_order_relaxed);
  if (core_->observer) {
    HttpExchange exchange;
    exchange.method = request_.method_name;
    exchange.path = request_.path;
    exchange.route = request_.route;
    exchange.status = response_status_;
    exchange.bytes_sent = response_bytes_;
    exchange.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - request_start_);
    exchange.remote_address = remote_address_;
    exchange.request_id = request_id_;
    try {
      core_->observer(exchange);
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "http", std::string("HTTP observer threw: ") + e.what());
    }
  }
  // Large buffers are released rather than kept by an idle connection.
  if (out_body_.capacity() > 16 * 1024) std::string().swap(out_body_);
  request_ = HttpRequest{};
  if (close_after_write_) return BeginLingeringClose();
  phase_ = Phase::kIdle;
  if (draining_ || core_->draining.load(std::memory_order_relaxed)) return Close();
  SetDeadlineAfter(core_->options.idle_timeout_ms);
  if (nesting_ >= kMaxNesting) {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->Continue(); });
    return;
  }
  ++nesting_;
  Continue();
  --nesting_;
}

// ---------------------------------------------------------------------------------------------
// Deadlines, draining and closing

void Connection::SetDeadlineAfter(int milliseconds) {
  deadline_ms_.store(SteadyNowMs() + milliseconds, std::memory_order_relaxed);
}

void Connection::PostDeadlineCheck() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->OnDeadline(); });
}

void Connection::OnDeadline() {
  const int64_t deadline = deadline_ms_.load(std::memory_order_relaxed);
  if (deadline == 0 || deadline > SteadyNowMs()) return;  // moved on since the sweep
  switch (phase_) {
    case Phase::kHeaders:
    case Phase::kBody: {
      // Slow or stalled client (slowloris): answer 408 and close.
      asio::error_code ec;
      socket_.cancel(ec);  // the pending read wait
      keep_alive_ = false;
      static_cast<void>(Fail(408, "REQUEST_TIMEOUT",
                             phase_ == Phase::kHeaders ? "request headers not received in time"
                                                       : "request body not received in time"));
      Dispatch();  // answers early_response_
      return;
    }
    case Phase::kIdle:
    case Phase::kWriting:
    case Phase::kLingering:
      Close();
      return;
    case Phase::kHandling:
    case Phase::kClosed:
      return;
  }
}

void Connection::PostDrain() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->draining_ = true;
    if (self->phase_ == Phase::kIdle) self->Close();
  });
}

void Connection::PostClose() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
}

void Connection::BeginLingeringClose() {
  phase_ = Phase::kLingering;
  ::shutdown(fd_, SHUT_WR);
  SetDeadlineAfter(kLingerMs);
  ReadSome();
}

void Connection::Close() {
  if (phase_ == Phase::kClosed) return;
  if (phase_ == Phase::kHeaders || phase_ == Phase::kBody) AbortSink();
  phase_ = Phase::kClosed;
  ClearDeadline();
  if (source_) {
    source_->Cancel();
    source_.reset();
  }
  if (file_fd_ >= 0) {
    ::close(file_fd_);
    file_fd_ = -1;
  }
  asio::error_code ec;
  socket_.close(ec);
}

}  // namespace streamgate::internal
