// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The HTTP/1.1 server (Asio + llhttp underneath, neither exposed): keep-alive, pipelining, a
// router with path parameters, size limits, timeouts, Range requests, zero-copy file responses,
// request bodies streamed to a sink, graceful shutdown.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "streamgate/result.h"

namespace streamgate {

class Runtime;

enum class HttpMethod { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view HttpMethodName(HttpMethod method);
// kOther for anything not listed above.
HttpMethod ParseHttpMethod(std::string_view name);
// "Not Found" for 404; "Unknown" for codes without a standard phrase.
std::string_view HttpReasonPhrase(int status);

// An ordered list of header fields with case-insensitive lookup. Thread-compatible.
class HttpHeaders {
 public:
  using Entry = std::pair<std::string, std::string>;

  void Add(std::string name, std::string value);
  // Replaces every field called `name` by one.
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);
  // The first field called `name`, or nullptr.
  const std::string* Find(std::string_view name) const;
  std::string_view Get(std::string_view name, std::string_view fallback = {}) const;
  bool Has(std::string_view name) const { return Find(name) != nullptr; }

  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<Entry> entries_;
};

// Receives a request body chunk by chunk so that large uploads are never held in memory.
// Write() runs on an I/O thread, in order, never concurrently: keep it short (buffered file
// writes are fine, network round trips are not). Returning an error ends the exchange with
// that error and closes the connection (the rest of the body is not read).
class HttpBodySink {
 public:
  virtual ~HttpBodySink() = default;
  virtual Status Write(std::string_view chunk) = 0;
  // The client went away or timed out before the body was complete. The sink decides what the
  // partial data is worth (tus keeps it); the handler is not called.
  virtual void Abort() {}
  // Flow control, for sinks that pass the body on asynchronously (e.g. a reverse proxy). Asked
  // after every successful Write(): true lets the server go on reading the request; false pauses
  // reading (the client then feels TCP backpressure) until the sink calls `resume`, exactly once,
  // from any thread. The default never pauses.
  virtual bool ReadyForMore(std::function<void()> resume) {
    static_cast<void>(resume);
    return true;
  }
};

// A response body produced while it is sent (a proxied response, a generated stream): the server
// pulls one chunk at a time and asks for the next only once the previous one was written to the
// socket, so a slow client slows the producer instead of growing a buffer.
class HttpBodySource {
 public:
  using PullCallback = std::function<void(Result<std::string>)>;
  virtual ~HttpBodySource() = default;
  // Asks for the next chunk. `done` is called exactly once, from any thread (also from inside
  // Pull): with a non-empty chunk, with an empty string at the end of the body, or with an error
  // (the server then closes the connection: the response cannot be completed). At most one Pull
  // is outstanding at a time.
  virtual void Pull(PullCallback done) = 0;
  // The exchange ended before the body did (client gone, timeout, HEAD, bodiless status): no
  // further Pull follows; a pending `done` may still be called and is ignored. On an I/O thread.
  virtual void Cancel() {}
};

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string method_name;   // as received, e.g. "PATCH"
  std::string target;        // raw request-target: "/a%20b?x=1"
  std::string path;          // percent-decoded path: "/a b"
  std::string query_string;  // raw, without '?'
  std::vector<std::pair<std::string, std::string>> query;        // decoded, in order
  std::vector<std::pair<std::string, std::string>> path_params;  // from the route pattern
  HttpHeaders headers;
  // The whole body, unless the route streams it to `body_sink`.
  std::string body;
  // Set when the route has a body_sink factory; the handler owns it from then on.
  std::unique_ptr<HttpBodySink> body_sink;
  std::string remote_address;
  uint16_t remote_port = 0;
  int http_minor = 1;  // HTTP/1.<minor>
  // The route pattern that matched ("/stream/{id}/{path...}"): a low-cardinality metrics label.
  std::string route;

  // The first query parameter / path parameter / header of that name, or "" when absent.
  std::string_view Query(std::string_view name) const;
  std::string_view Param(std::string_view name) const;
  std::string_view Header(std::string_view name) const { return headers.Get(name); }
  bool HasQuery(std::string_view name) const;
};

// A response: either `body` in memory, or the file at `file_path` (sent with sendfile(2), with
// Range, HEAD, Last-Modified and ETag handled by the server).
struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
  std::optional<std::string> file_path;
  // A streamed body (see HttpBodySource); `body` and `file_path` must then be empty. Sent with
  // `content_length` as Content-Length when set (the source must produce exactly that many
  // bytes, else the connection is closed), otherwise chunked (HTTP/1.1) or delimited by closing
  // the connection (HTTP/1.0). For HEAD, Content-Length is still sent and the source cancelled.
  std::shared_ptr<HttpBodySource> body_source;
  std::optional<uint64_t> content_length;
  // Close the connection after this response (the server also closes on errors it detects).
  bool close_connection = false;

  static HttpResponse Json(int status, std::string json);
  static HttpResponse Text(int status, std::string text,
                           std::string_view content_type = "text/plain; charset=utf-8");
  // A file response; the Content-Type comes from the extension when `content_type` is empty.
  static HttpResponse File(std::string path, std::string_view content_type = {});
  // {"error":{"code":"NOT_FOUND","message":"…"}} with the status mapped from the code
  // (InvalidArgument 400, Unauthenticated 401, NotFound 404, …). Internal errors hide details.
  static HttpResponse Error(const Status& status);
  static HttpResponse Error(int http_status, std::string_view code, std::string_view message);
};

// The HTTP status the one Status→HTTP table gives for `code`.
int HttpStatusFor(StatusCode code);

// "video/mp4" for "x.mp4", "application/vnd.apple.mpegurl" for ".m3u8", … and
// "application/octet-stream" when unknown.
std::string_view MimeTypeForPath(std::string_view path);

// Completes an exchange started by an AsyncHttpHandler. Call exactly once, from any thread.
using HttpResponder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<HttpResponse(HttpRequest&)>;
using AsyncHttpHandler = std::function<void(HttpRequest&, HttpResponder)>;
// Returns the sink for this request (headers are final, body empty) or an error response cause.
using BodySinkFactory = std::function<Result<std::unique_ptr<HttpBodySink>>(const HttpRequest&)>;

enum class HandlerMode {
  // Runs on the I/O thread that read the request: only for handlers that never block.
  kInline,
  // Runs on the Runtime's worker pool; the response is written back by the I/O thread.
  kBlocking,
};

struct RouteOptions {
  HandlerMode mode = HandlerMode::kBlocking;
  // Overrides HttpServerOptions::max_body_bytes for this route (e.g. uploads).
  std::optional<uint64_t> max_body_bytes;
  // When set, the body is streamed to the sink instead of being collected in HttpRequest::body.
  BodySinkFactory body_sink;
  // When set, runs on the I/O thread as soon as the request headers are complete, before the
  // body sink is made and before any body byte is read. It may annotate the request (e.g. set a
  // request id header) and may answer at once by returning a response: a body not yet read is
  // then not read at all (the connection closes after the answer). Must not block.
  std::function<std::optional<HttpResponse>(HttpRequest&)> admit;
};

// Maps (method, path) to handlers. Patterns are literal segments, `{name}` for one segment and
// a final `{name...}` for the rest of the path: "/stream/{content_id}/{file...}". Literal
// segments win over `{name}`, which wins over `{name...}`. HEAD falls back to GET.
// Thread-safety: add every route before the server starts; matching is then lock-free.
class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // InvalidArgument for a malformed pattern; AlreadyExists for a duplicate (method, pattern).
  Status Add(HttpMethod method, std::string_view pattern, HttpHandler handler,
             RouteOptions options = {});
  Status AddAsync(HttpMethod method, std::string_view pattern, AsyncHttpHandler handler,
                  RouteOptions options = {});

  struct Route {
    std::string pattern;
    HttpMethod method;
    RouteOptions options;
    HttpHandler handler;             // exactly one of handler / async_handler is set
    AsyncHttpHandler async_handler;
  };
  enum class MatchKind { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    MatchKind kind = MatchKind::kNotFound;
    const Route* route = nullptr;                               // when kFound
    std::vector<std::pair<std::string, std::string>> params;   // when kFound
    std::vector<HttpMethod> allowed;                             // when kMethodNotAllowed
  };
  // `path` is the percent-decoded path.
  Match Find(HttpMethod method, std::string_view path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8080;  // 0 picks a free port (see HttpServer::port())
  int backlog = 1024;
  uint32_t max_connections = 20000;   // further connections are accepted and closed at once
  uint64_t max_uri_bytes = 8 * 1024;         // 414 beyond
  uint64_t max_header_bytes = 16 * 1024;     // request line + all fields; 431 beyond
  uint64_t max_body_bytes = 1024 * 1024;     // 413 beyond, unless the route says otherwise
  int header_timeout_ms = 10000;    // from the first byte of a request to its last header: 408
  int idle_timeout_ms = 60000;      // keep-alive connection with no request in progress
  int body_timeout_ms = 30000;      // longest wait for the next body bytes
  int write_timeout_ms = 30000;     // longest wait for the client to accept response bytes
  int shutdown_timeout_ms = 10000;  // graceful shutdown: in-flight requests get this long
};

// One finished exchange, reported to the observer (access log, metrics).
struct HttpExchange {
  std::string_view method;
  std::string_view path;
  std::string_view route;  // "" when no route matched
  int status = 0;
  uint64_t bytes_sent = 0;
  std::chrono::microseconds duration{0};
  std::string_view remote_address;
  // The exchange's X-Request-Id (the response's, else the request's when well-formed); "" when
  // none.
  std::string_view request_id;
};
using HttpObserver = std::function<void(const HttpExchange&)>;

struct HttpServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_active = 0;
  uint64_t requests = 0;
  uint64_t bytes_sent = 0;
  uint64_t responses_by_class[6] = {};  // index status/100: [1]=1xx … [5]=5xx
};

// Serves a Router on the Runtime's I/O threads. Thread-safe; the Router and Runtime must outlive
// the server. Destroying a running server shuts it down without a grace period.
class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> Create(const HttpServerOptions& options,
                                                    std::shared_ptr<const Router> router,
                                                    Runtime& runtime);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Unavailable when the address is taken.
  Status Start();
  // The bound port (useful with port 0); 0 before Start().
  uint16_t port() const;
  // Stops accepting, closes idle connections, lets in-flight exchanges finish (their responses
  // carry "Connection: close") for up to shutdown_timeout_ms, then closes the rest. Blocks until
  // done. Idempotent.
  void Shutdown();

  // Called after every exchange, on an I/O thread. Set before Start().
  void SetObserver(HttpObserver observer);
  HttpServerStats stats() const;

 private:
  struct Impl;
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// A GET handler serving files under `root` for the route's final `{name...}` parameter: rejects
// path traversal and symlinks out of the root, answers 404 for missing files and directories.
HttpHandler StaticFileHandler(std::string root, std::string param_name = "path");

}  // namespace streamgate
