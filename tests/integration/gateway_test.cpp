// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The API gateway over real loopback sockets, through the public API only: a real HttpServer as
// the service behind it (echo, hashing upload sink, files with Range, a chunked generator, a
// slow route, a switchable /health), a raw TCP "service" that misbehaves, and the gateway's own
// HttpServer in front.
#include <netinet/in.h>
#include <poll.h>
#include <streamgate/gateway.h>
#include <streamgate/http.h>
#include <streamgate/runtime.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "test_http_client.h"

using namespace std::chrono_literals;
using nlohmann::json;
using streamgate::Gateway;
using streamgate::GatewayOptions;
using streamgate::HandlerMode;
using streamgate::HttpBodySink;
using streamgate::HttpBodySource;
using streamgate::HttpExchange;
using streamgate::HttpMethod;
using streamgate::HttpRequest;
using streamgate::HttpResponder;
using streamgate::HttpResponse;
using streamgate::HttpServer;
using streamgate::HttpServerOptions;
using streamgate::Result;
using streamgate::RouteOptions;
using streamgate::Router;
using streamgate::Runtime;
using streamgate::Status;
using streamgate::testing::TestHttpClient;
using streamgate::testing::TestHttpResponse;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// FNV-1a over a stream: enough to tell byte-identical from not.
struct Fnv {
  uint64_t hash = 1469598103934665603ull;
  uint64_t bytes = 0;
  void Add(std::string_view data) {
    for (const char c : data) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ull;
    }
    bytes += data.size();
  }
};

// Deterministic bytes at any offset, so that senders and checkers never hold a whole body.
char PatternByte(uint64_t offset) {
  uint64_t x = offset * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  return static_cast<char>(x & 0xff);
}

std::string Pattern(uint64_t offset, size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = PatternByte(offset + i);
  return out;
}

uint64_t RssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

uint16_t ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

class HashSink final : public HttpBodySink {
 public:
  explicit HashSink(std::shared_ptr<std::atomic<int>> aborted) : aborted_(std::move(aborted)) {}
  Status Write(std::string_view chunk) override {
    fnv.Add(chunk);
    return Status::Ok();
  }
  void Abort() override { aborted_->fetch_add(1); }
  Fnv fnv;

 private:
  std::shared_ptr<std::atomic<int>> aborted_;
};

// A chunked response produced piece by piece.
class PatternSource final : public HttpBodySource {
 public:
  PatternSource(size_t chunks, size_t chunk_size) : chunks_(chunks), chunk_size_(chunk_size) {}
  void Pull(PullCallback done) override {
    if (next_ == chunks_) return done(std::string());
    done(Pattern(next_++ * chunk_size_, chunk_size_));
  }

 private:
  const size_t chunks_;
  const size_t chunk_size_;
  size_t next_ = 0;
};

// The service behind the gateway.
struct Upstream {
  explicit Upstream(Runtime& runtime) {
    dir = std::filesystem::temp_directory_path() /
          ("sg-gw-" + std::to_string(::getpid()) + "-" +
           std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::create_directories(dir / "c1");
    {
      std::ofstream segment(dir / "c1" / "seg.m4s", std::ios::binary);
      segment << Pattern(0, kSegmentBytes);
    }
    auto router = std::make_shared<Router>();
    RouteOptions inline_route;
    inline_route.mode = HandlerMode::kInline;
    REQUIRE(
        router
            ->Add(
                HttpMethod::kGet, "/health",
                [this](HttpRequest&) { return HttpResponse::Text(health_status.load(), "health"); },
                inline_route)
            .ok());
    auto echo = [](HttpRequest& request) {
      json out = {{"method", request.method_name},
                  {"target", request.target},
                  {"host", request.Header("Host")},
                  {"xff", request.Header("X-Forwarded-For")},
                  {"xfp", request.Header("X-Forwarded-Proto")},
                  {"xfh", request.Header("X-Forwarded-Host")},
                  {"rid", request.Header("X-Request-Id")},
                  {"authorization", request.Header("Authorization")},
                  {"x_hop", request.Header("X-Hop")},
                  {"te", request.Header("TE")},
                  {"body", request.body}};
      HttpResponse response = HttpResponse::Json(200, out.dump());
      response.headers.Set("Access-Control-Allow-Origin", "https://upstream-says.example");
      response.headers.Set("X-Upstream", "yes");
      return response;
    };
    for (HttpMethod method :
         {HttpMethod::kGet, HttpMethod::kPost, HttpMethod::kPut, HttpMethod::kDelete}) {
      REQUIRE(router->Add(method, "/api/v1/metadata/{rest...}", echo, inline_route).ok());
    }
    RouteOptions upload;
    upload.max_body_bytes = uint64_t{1} << 32;
    upload.body_sink =
        [aborted = sink_aborts](const HttpRequest&) -> Result<std::unique_ptr<HttpBodySink>> {
      return std::unique_ptr<HttpBodySink>(std::make_unique<HashSink>(aborted));
    };
    auto hashed = [](HttpRequest& request) {
      auto* sink = static_cast<HashSink*>(request.body_sink.get());
      return HttpResponse::Json(
          200, json{{"bytes", sink->fnv.bytes}, {"hash", std::to_string(sink->fnv.hash)}}.dump());
    };
    REQUIRE(router->Add(HttpMethod::kPatch, "/api/v1/tus/{id}", hashed, upload).ok());
    REQUIRE(router->Add(HttpMethod::kPut, "/api/v1/upload/{rest...}", hashed, upload).ok());
    REQUIRE(router
                ->Add(HttpMethod::kGet, "/stream/{path...}",
                      streamgate::StaticFileHandler(dir.string(), "path"))
                .ok());
    RouteOptions async_inline;
    async_inline.mode = HandlerMode::kInline;
    REQUIRE(router
                ->AddAsync(
                    HttpMethod::kGet, "/api/v1/stream/chunked",
                    [](HttpRequest&, HttpResponder respond) {
                      HttpResponse response;
                      response.headers.Set("Content-Type", "application/octet-stream");
                      response.body_source = std::make_shared<PatternSource>(kChunks, kChunkSize);
                      respond(std::move(response));
                    },
                    async_inline)
                .ok());
    REQUIRE(router
                ->Add(HttpMethod::kGet, "/api/v1/jobs/slow",
                      [](HttpRequest&) {
                        std::this_thread::sleep_for(1500ms);
                        return HttpResponse::Text(200, "late");
                      })
                .ok());
    HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    auto created = HttpServer::Create(options, router, runtime);
    REQUIRE(created.ok());
    server = std::move(*created);
    server->SetObserver([this](const HttpExchange& exchange) {
      std::lock_guard<std::mutex> lock(mutex);
      request_ids.emplace_back(exchange.request_id);
    });
    REQUIRE(server->Start().ok());
  }
  ~Upstream() {
    server->Shutdown();
    std::filesystem::remove_all(dir);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
  std::vector<std::string> RequestIds() {
    std::lock_guard<std::mutex> lock(mutex);
    return request_ids;
  }

  static constexpr size_t kSegmentBytes = 2 * 1024 * 1024 + 123;
  static constexpr size_t kChunks = 200;
  static constexpr size_t kChunkSize = 10000;
  std::filesystem::path dir;
  std::atomic<int> health_status{200};
  std::shared_ptr<std::atomic<int>> sink_aborts = std::make_shared<std::atomic<int>>(0);
  std::unique_ptr<HttpServer> server;
  std::mutex mutex;
  std::vector<std::string> request_ids;
};

// A "service" that answers every request with fixed bytes (then closes), whatever they are.
class RawUpstream {
 public:
  RawUpstream() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RawUpstream() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) continue;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        pollfd c{client, POLLIN, 0};
        if (::poll(&c, 1, 2000) <= 0) break;
        const ssize_t n = ::recv(client, buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
      }
      std::string answer;
      if (request.find("/health") != std::string::npos) {
        answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
      } else if (request.find("/garbage") != std::string::npos) {
        answer = "THIS IS NOT HTTP\r\n\r\n";
      } else if (request.find("/huge-headers") != std::string::npos) {
        answer = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\n\r\n";
      } else if (request.find("/short") != std::string::npos) {
        answer = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + std::string(1000, 'x');
      }  // "/close": no answer at all
      size_t sent = 0;
      while (sent < answer.size()) {
        const ssize_t n = ::send(client, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      ::close(client);
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The gateway in front of `upstream` (and of `raw` for the cache routes).
struct Front {
  Front(Runtime& runtime, GatewayOptions options) {
    auto made = Gateway::Create(options, runtime, nullptr);
    REQUIRE(made.ok());
    gateway = std::move(*made);
    auto router = std::make_shared<Router>();
    REQUIRE(gateway->RegisterRoutes(*router).ok());
    HttpServerOptions server_options;
    server_options.host = "127.0.0.1";
    server_options.port = 0;
    auto created = HttpServer::Create(server_options, router, runtime);
    REQUIRE(created.ok());
    server = std::move(*created);
    server->SetObserver([this](const HttpExchange& exchange) {
      std::lock_guard<std::mutex> lock(mutex);
      request_ids.emplace_back(exchange.request_id);
    });
    REQUIRE(server->Start().ok());
  }
  ~Front() {
    gateway->Stop();
    server->Shutdown();
  }
  uint16_t port() const { return server->port(); }
  std::vector<std::string> RequestIds() {
    std::lock_guard<std::mutex> lock(mutex);
    return request_ids;
  }

  std::unique_ptr<Gateway> gateway;
  std::unique_ptr<HttpServer> server;
  std::mutex mutex;
  std::vector<std::string> request_ids;
};

GatewayOptions OptionsFor(const Upstream& upstream, const RawUpstream& raw) {
  GatewayOptions options;
  const std::string url = upstream.Url();
  options.upload_url = options.streaming_url = options.metadata_url = options.auth_url =
      options.worker_url = url;
  options.transcoder_url = "http://127.0.0.1:" + std::to_string(ClosedPort());
  options.cache_url = raw.Url();
  options.monitor_url = "";
  options.response_timeout_ms = 500;
  options.health_interval_ms = 100;
  options.health_timeout_ms = 500;
  options.rate_limit_ip_per_s = 0;  // the rate-limit test turns it on
  return options;
}

std::unique_ptr<Runtime> MakeRuntime() {
  streamgate::RuntimeOptions options;
  options.io_threads = 2;
  options.worker_threads = 2;
  auto runtime = Runtime::Create(options);
  REQUIRE(runtime.ok());
  return std::move(*runtime);
}

json ErrorOf(const TestHttpResponse& response) {
  return json::parse(response.body, nullptr, false)["error"];
}

// Waits (bounded) until the gateway's service list says `name` is in `state`.
bool WaitForState(uint16_t port, const std::string& name, const std::string& state) {
  std::string last;
  for (int i = 0; i < 200; ++i) {
    TestHttpResponse response = TestHttpClient(port).Get("/api/v1/gateway/services");
    last = response.body;
    const json list = json::parse(response.body);
    for (const json& service : list["services"]) {
      if (service["name"] == name && service["state"] == state) return true;
    }
    std::this_thread::sleep_for(25ms);
  }
  UNSCOPED_INFO("last service list: " << last);
  return false;
}

}  // namespace

TEST_CASE("gateway proxies GET/POST/PUT/DELETE/HEAD with rewritten headers and request ids",
          "[gateway]") {
  auto runtime = MakeRuntime();
  Upstream upstream(*runtime);
  RawUpstream raw;
  Front front(*runtime, OptionsFor(upstream, raw));
  TestHttpClient client(front.port());

  TestHttpResponse response = client.Exchange(
      "GET /api/v1/metadata/item?id=a%20b HTTP/1.1\r\nHost: gw.example\r\n"
      "X-Request-Id: client-id-1\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\n"
      "TE: trailers\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n");
  INFO(response.body);
  REQUIRE(response.status == 200);
  json echo = json::parse(response.body);
  CHECK(echo["method"] == "GET");
  CHECK(echo["target"] == "/api/v1/metadata/item?id=a%20b");
  CHECK(echo["host"] == upstream.Url().substr(7));
  CHECK(echo["xff"] == "203.0.113.9, 127.0.0.1");
  CHECK(echo["xfp"] == "http");
  CHECK(echo["xfh"] == "gw.example");
  CHECK(echo["rid"] == "client-id-1");
  CHECK(echo["x_hop"] == "");  // named in Connection: hop-by-hop
  CHECK(echo["te"] == "");
  CHECK(response.Header("X-Request-Id") == "client-id-1");
  CHECK(response.Header("X-Upstream") == "yes");

  // A malformed id is replaced; the service and the client see the same generated one.
  response = client.Exchange(
      "GET /api/v1/metadata/x HTTP/1.1\r\nHost: gw\r\nX-Request-Id: bad id\"\r\n\r\n");
  REQUIRE(response.status == 200);
  const std::string generated = response.Header("X-Request-Id");
  CHECK(generated.size() == 32);
  CHECK(json::parse(response.body)["rid"] == generated);

  // Bodies both ways, on the same keep-alive connection.
  response = client.Exchange(
      "POST /api/v1/metadata/add HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n\r\nhello");
  REQUIRE(response.status == 200);
  CHECK(json::parse(response.body)["body"] == "hello");
  response = client.Exchange(
      "PUT /api/v1/metadata/put HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
  REQUIRE(response.status == 200);
  CHECK(json::parse(response.body)["body"] == "abcdefg");
  response = client.Exchange("DELETE /api/v1/metadata/remove HTTP/1.1\r\nHost: gw\r\n\r\n");
  REQUIRE(response.status == 200);
  CHECK(json::parse(response.body)["method"] == "DELETE");

  // HEAD: the service's Content-Length, no body, and the connection stays usable.
  response = client.Exchange("HEAD /stream/c1/seg.m4s HTTP/1.1\r\nHost: gw\r\n\r\n");
  REQUIRE(response.status == 200);
  CHECK(response.Header("Content-Length") == std::to_string(Upstream::kSegmentBytes));
  CHECK(response.body.empty());
  response = client.Exchange("GET /api/v1/metadata/after-head HTTP/1.1\r\nHost: gw\r\n\r\n");
  CHECK(response.status == 200);

  // Paths no service owns.
  response = client.Exchange("GET /api/v1/nothing-here HTTP/1.1\r\nHost: gw\r\n\r\n");
  CHECK(response.status == 404);
  CHECK(ErrorOf(response)["code"] == "NOT_FOUND");

  // Request ids reach both servers' per-exchange reports (the access logs).
  const std::vector<std::string> upstream_ids = upstream.RequestIds();
  CHECK(std::count(upstream_ids.begin(), upstream_ids.end(), "client-id-1") == 1);
  CHECK(std::count(upstream_ids.begin(), upstream_ids.end(), generated) == 1);
  const std::vector<std::string> front_ids = front.RequestIds();
  CHECK(std::count(front_ids.begin(), front_ids.end(), "client-id-1") == 1);
  CHECK(std::count(front_ids.begin(), front_ids.end(), generated) == 1);
}

TEST_CASE("gateway streams segments, ranges and chunked responses", "[gateway]") {
  auto runtime = MakeRuntime();
  Upstream upstream(*runtime);
  RawUpstream raw;
  Front front(*runtime, OptionsFor(upstream, raw));
  TestHttpClient client(front.port());

  TestHttpResponse response =
      client.Exchange("GET /stream/c1/seg.m4s HTTP/1.1\r\nHost: gw\r\n\r\n");
  REQUIRE(response.status == 200);
  CHECK(response.Header("Content-Length") == std::to_string(Upstream::kSegmentBytes));
  CHECK(response.body == Pattern(0, Upstream::kSegmentBytes));
  CHECK(response.HasHeader("ETag"));

  response = client.Exchange(
      "GET /stream/c1/seg.m4s HTTP/1.1\r\nHost: gw\r\nRange: bytes=1000-1999\r\n\r\n");
  REQUIRE(response.status == 206);
  CHECK(response.Header("Content-Range") ==
        "bytes 1000-1999/" + std::to_string(Upstream::kSegmentBytes));
  CHECK(response.body == Pattern(1000, 1000));

  response = client.Exchange(
      "GET /stream/c1/seg.m4s HTTP/1.1\r\nHost: gw\r\nRange: bytes=99999999-\r\n\r\n");
  CHECK(response.status == 416);

  // A body of unknown length from the service goes out chunked, byte for byte.
  response = client.Exchange("GET /api/v1/stream/chunked HTTP/1.1\r\nHost: gw\r\n\r\n");
  REQUIRE(response.status == 200);
  CHECK(response.Header("Transfer-Encoding") == "chunked");
  CHECK(response.body == Pattern(0, Upstream::kChunks * Upstream::kChunkSize));

  // HTTP/1.0 client: the same body, delimited by closing the connection.
  TestHttpClient old_client(front.port());
  old_client.Send("GET /api/v1/stream/chunked HTTP/1.0\r\n\r\n");
  response = old_client.ReadResponse();
  REQUIRE(response.status == 200);
  CHECK_FALSE(response.HasHeader("Transfer-Encoding"));
  CHECK(response.body == Pattern(0, Upstream::kChunks * Upstream::kChunkSize));
}

TEST_CASE("gateway streams a large upload to the service with flat memory", "[gateway]") {
  auto runtime = MakeRuntime();
  Upstream upstream(*runtime);
  RawUpstream raw;
  Front front(*runtime, OptionsFor(upstream, raw));

  // Warm up so that allocator pools and thread stacks are counted before the baseline.
  {
    TestHttpClient client(front.port());
    const std::string small = Pattern(0, 1 << 20);
    TestHttpResponse response =
        client.Exchange("PATCH /api/v1/tus/warm HTTP/1.1\r\nHost: gw\r\nContent-Length: " +
                        std::to_string(small.size()) + "\r\n\r\n" + small);
    REQUIRE(response.status == 200);
  }
  const uint64_t rss_before = RssKiB();

  constexpr uint64_t kSize = uint64_t{256} << 20;
  TestHttpClient client(front.port(), "127.0.0.1", 60s);
  client.Send("PATCH /api/v1/tus/abc HTTP/1.1\r\nHost: gw\r\nContent-Length: " +
              std::to_string(kSize) + "\r\n\r\n");
  Fnv expected;
  constexpr size_t kPiece = 256 * 1024;
  for (uint64_t offset = 0; offset < kSize; offset += kPiece) {
    const std::string piece = Pattern(offset, kPiece);
    expected.Add(piece);
    client.Send(piece);
  }
  TestHttpResponse response = client.ReadResponse();
  REQUIRE(response.status == 200);
  const json result = json::parse(response.body);
  CHECK(result["bytes"] == kSize);
  CHECK(result["hash"] == std::to_string(expected.hash));
  const uint64_t rss_after = RssKiB();
  INFO("RSS before " << rss_before << " KiB, after " << rss_after << " KiB");
  // A quarter of the body would be 64 MiB: the gateway holds a few chunks at a time. (Not under
  // AddressSanitizer, whose quarantine keeps up to 256 MiB of freed chunks resident.)
  if (!kAddressSanitizer) CHECK(rss_after < rss_before + 48 * 1024);

  // Chunked request bodies are re-chunked to the service.
  std::string chunked =
      "PUT /api/v1/upload/file HTTP/1.1\r\nHost: gw\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  Fnv expected_chunked;
  for (int i = 0; i < 40; ++i) {
    const std::string piece = Pattern(static_cast<uint64_t>(i) * 100000, 100000);
    expected_chunked.Add(piece);
    char size_line[32];
    std::snprintf(size_line, sizeof(size_line), "%zx\r\n", piece.size());
    chunked += size_line + piece + "\r\n";
  }
  chunked += "0\r\n\r\n";
  response = client.Exchange(chunked);
  REQUIRE(response.status == 200);
  CHECK(json::parse(response.body)["bytes"] == 4000000);
  CHECK(json::parse(response.body)["hash"] == std::to_string(expected_chunked.hash));
}

TEST_CASE("gateway maps service failures to 502, 503 and 504", "[gateway]") {
  auto runtime = MakeRuntime();
  Upstream upstream(*runtime);
  RawUpstream raw;
  Front front(*runtime, OptionsFor(upstream, raw));
  const auto get = [&](const std::string& target) {
    return TestHttpClient(front.port()).Get(target);
  };

  // Before any health check: a refused connection is a bad gateway.
  TestHttpResponse response = get("/api/v1/transcode/list");
  CHECK(response.status == 502);
  CHECK(ErrorOf(response)["code"] == "BAD_GATEWAY");
  CHECK(ErrorOf(response)["message"].get<std::string>().find("transcoder") != std::string::npos);
  // With a body too (it was being streamed when the connection failed).
  response = TestHttpClient(front.port())
                 .Exchange(
                     "POST /api/v1/transcode/submit HTTP/1.1\r\nHost: gw\r\n"
                     "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
  CHECK(response.status == 502);

  response = get("/api/v1/monitor/alerts");
  CHECK(response.status == 503);
  CHECK(ErrorOf(response)["code"] == "SERVICE_UNAVAILABLE");
  CHECK(ErrorOf(response)["message"].get<std::string>().find("monitor") != std::string::npos);

  response = get("/api/v1/jobs/slow");
  CHECK(response.status == 504);
  CHECK(ErrorOf(response)["code"] == "GATEWAY_TIMEOUT");
  CHECK(ErrorOf(response)["message"].get<std::string>().find("worker") != std::string::npos);

  // A service that does not speak HTTP, closes without answering, or floods headers.
  for (const char* path :
       {"/api/v1/cache/garbage", "/api/v1/cache/close", "/api/v1/cache/huge-headers"}) {
    INFO(path);
    response = get(path);
    CHECK(response.status == 502);
    CHECK(ErrorOf(response)["message"].get<std::string>().find("cache") != std::string::npos);
  }
  // A body cut short after the head went out: the client sees the connection end early.
  {
    TestHttpClient client(front.port());
    client.Send("GET /api/v1/cache/short HTTP/1.1\r\nHost: gw\r\n\r\n");
    CHECK_THROWS(client.ReadResponse());
  }
  CHECK(get("/api/v1/metadata/still-fine").status == 200);

  // The active health check marks the refused service down: 503 from then on, health degraded.
  REQUIRE(front.gateway->Start().ok());
  REQUIRE(WaitForState(front.port(), "transcoder", "down"));
  CHECK(front.gateway->DownServices() == "transcoder");
  response = get("/api/v1/transcode/list");
  CHECK(response.status == 503);
  CHECK(ErrorOf(response)["message"].get<std::string>().find("transcoder service is down") !=
        std::string::npos);
  const json services = json::parse(get("/api/v1/gateway/services").body)["services"];
  REQUIRE(services.size() == 8);
  for (const json& service : services) {
    INFO(service.dump());
    if (service["name"] == "transcoder") {
      CHECK(service["state"] == "down");
      CHECK_FALSE(service["last_error"].get<std::string>().empty());
    } else if (service["name"] == "monitor") {
      CHECK(service["state"] == "unconfigured");
      CHECK(service["url"] == "");
    }
  }

  // A service whose /health fails goes down, and recovers on its own when it passes again.
  REQUIRE(WaitForState(front.port(), "metadata", "up"));
  upstream.health_status = 503;
  REQUIRE(WaitForState(front.port(), "metadata", "down"));
  CHECK(get("/api/v1/metadata/x").status == 503);
  CHECK(front.gateway->DownServices().find("metadata") != std::string::npos);
  upstream.health_status = 200;
  REQUIRE(WaitForState(front.port(), "metadata", "up"));
  CHECK(get("/api/v1/metadata/x").status == 200);
  // The other services at that address recover on their own probes.
  for (int i = 0; i < 200 && front.gateway->DownServices() != "transcoder"; ++i) {
    std::this_thread::sleep_for(25ms);
  }
  CHECK(front.gateway->DownServices() == "transcoder");
}

TEST_CASE("gateway answers CORS and exposes the tus headers", "[gateway]") {
  auto runtime = MakeRuntime();
  Upstream upstream(*runtime);
  RawUpstream raw;
  GatewayOptions options = OptionsFor(upstream, raw);
  options.cors_allowed_origins = "https://app.example, https://other.example";
  Front front(*runtime, options);
  TestHttpClient client(front.port());

  TestHttpResponse response = client.Exchange(
      "OPTIONS /api/v1/tus/ HTTP/1.1\r\nHost: gw\r\nOrigin: https://app.example\r\n"
      "Access-Control-Request-Method: PATCH\r\n"
      "Access-Control-Request-Headers: upload-offset, tus-resumable\r\n\r\n");
  REQUIRE(response.status == 204);
  CHECK(response.Header("Access-Control-Allow-Origin") == "https://app.example");
  CHECK(response.Header("Access-Control-Allow-Methods").find("PATCH") != std::string::npos);
  CHECK(response.Header("Access-Control-Allow-Headers").find("Upload-Offset") != std::string::npos);
  CHECK_FALSE(response.Header("Access-Control-Max-Age").empty());
  CHECK(upstream.RequestIds().empty());  // answered by the gateway alone

  response = client.Exchange(
      "OPTIONS /api/v1/tus/ HTTP/1.1\r\nHost: gw\r\nOrigin: https://evil.example\r\n"
      "Access-Control-Request-Method: PATCH\r\n\r\n");
  CHECK(response.status == 403);
  CHECK_FALSE(response.HasHeader("Access-Control-Allow-Origin"));

  response = client.Exchange(
      "GET /api/v1/metadata/x HTTP/1.1\r\nHost: gw\r\nOrigin: https://other.example\r\n\r\n");
  REQUIRE(response.status == 200);
  // The gateway's CORS answer replaces the service's own.
  CHECK(response.Header("Access-Control-Allow-Origin") == "https://other.example");
  const std::string exposed = response.Header("Access-Control-Expose-Headers");
  for (const char* name :
       {"Upload-Offset", "Upload-Length", "Location", "Tus-Resumable", "Tus-Version",
        "Tus-Max-Size", "Tus-Extension", "Upload-Expires", "Upload-Metadata", "X-Request-Id"}) {
    INFO(name);
    CHECK(exposed.find(name) != std::string::npos);
  }
  response = client.Exchange(
      "GET /api/v1/metadata/x HTTP/1.1\r\nHost: gw\r\nOrigin: https://evil.example\r\n\r\n");
  CHECK(response.status == 200);
  CHECK_FALSE(response.HasHeader("Access-Control-Allow-Origin"));
}

TEST_CASE("gateway rate-limits per client IP with Retry-After", "[gateway]") {
  auto runtime = MakeRuntime();
  Upstream upstream(*runtime);
  RawUpstream raw;
  GatewayOptions options = OptionsFor(upstream, raw);
  options.rate_limit_ip_per_s = 1;
  options.rate_limit_ip_burst = 3;
  Front front(*runtime, options);
  TestHttpClient client(front.port());
  const std::string request = "GET /api/v1/metadata/x HTTP/1.1\r\nHost: gw\r\n\r\n";
  for (int i = 0; i < 3; ++i) REQUIRE(client.Exchange(request).status == 200);
  // The burst is spent; a token comes back every second, so a quick loop soon meets a refusal.
  TestHttpResponse response;
  for (int i = 0; i < 50 && response.status != 429; ++i) response = client.Exchange(request);
  REQUIRE(response.status == 429);
  CHECK(ErrorOf(response)["code"] == "RATE_LIMITED");
  const int retry_after = std::stoi(response.Header("Retry-After"));
  CHECK(retry_after >= 1);
  CHECK(retry_after <= 2);
  CHECK_FALSE(response.Header("X-Request-Id").empty());
  // An upload refused by the limit is refused before its body is read, closing the connection.
  bool refused = false;
  for (int i = 0; i < 50 && !refused; ++i) {
    TestHttpClient uploader(front.port());
    response = uploader.Exchange(
        "PATCH /api/v1/tus/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\n\r\nabcd");
    refused = response.status == 429;
  }
  REQUIRE(refused);
  CHECK(response.Header("Connection") == "close");
}

TEST_CASE("gateway survives hostile clients and disconnects mid-stream", "[gateway]") {
  auto runtime = MakeRuntime();
  Upstream upstream(*runtime);
  RawUpstream raw;
  Front front(*runtime, OptionsFor(upstream, raw));

  // Oversized header section.
  {
    TestHttpClient client(front.port());
    TestHttpResponse response = client.Exchange(
        "GET /api/v1/metadata/x HTTP/1.1\r\nHost: gw\r\n"
        "X-Big: " +
        std::string(64 * 1024, 'b') + "\r\n\r\n");
    CHECK(response.status == 431);
  }
  // Client gone in the middle of an upload: the service's sink learns it was aborted.
  {
    TestHttpClient client(front.port());
    client.Send("PATCH /api/v1/tus/gone HTTP/1.1\r\nHost: gw\r\nContent-Length: 10000000\r\n\r\n");
    client.Send(Pattern(0, 1 << 20));
    client.Close();
  }
  bool aborted = false;
  for (int i = 0; i < 400 && !aborted; ++i) {
    aborted = upstream.sink_aborts->load() >= 1;
    if (!aborted) std::this_thread::sleep_for(10ms);
  }
  CHECK(aborted);
  // Client gone in the middle of a download.
  for (int i = 0; i < 5; ++i) {
    TestHttpClient client(front.port());
    client.Send("GET /stream/c1/seg.m4s HTTP/1.1\r\nHost: gw\r\n\r\n");
    client.Send("GET /api/v1/stream/chunked HTTP/1.1\r\nHost: gw\r\n\r\n");
    char byte;
    CHECK(::recv(client.fd(), &byte, 1, 0) == 1);
    client.Close();
  }
  // Malformed requests.
  {
    TestHttpClient client(front.port());
    TestHttpResponse response = client.Exchange(
        "PATCH /api/v1/tus/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    CHECK(response.status == 400);
  }
  // Still serving, segment bytes intact.
  TestHttpResponse response = TestHttpClient(front.port()).Get("/stream/c1/seg.m4s");
  REQUIRE(response.status == 200);
  CHECK(response.body == Pattern(0, Upstream::kSegmentBytes));
}
