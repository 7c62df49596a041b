// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streamgate/kernel.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "captured_stderr.h"
#include "kernel/access_log.h"
#include "streamgate/logging.h"
#include "streamgate/runtime.h"
#include "streamgate/version.h"
#include "test_http_client.h"

namespace streamgate {
namespace {

using testing::TestHttpClient;
using testing::TestHttpResponse;

// The life-cycle calls of every test plugin, in the order they happened.
struct Journal {
  std::mutex mu;
  std::vector<std::string> entries;
  void Add(std::string entry) {
    std::lock_guard lock(mu);
    entries.push_back(std::move(entry));
  }
  std::vector<std::string> Get() {
    std::lock_guard lock(mu);
    return entries;
  }
};

// What a test controls of a plugin after handing it to the kernel.
struct PluginControl {
  Status init_result;
  Status start_result;
  Status stop_result;
  std::string route;  // added in Init when set
  std::mutex mu;
  HealthReport health;  // guarded by mu
  void SetHealth(HealthState state, std::string message) {
    std::lock_guard lock(mu);
    health = {state, std::move(message)};
  }
};

class TestPlugin final : public Plugin {
 public:
  TestPlugin(std::string name, std::shared_ptr<Journal> journal,
             std::shared_ptr<PluginControl> control = std::make_shared<PluginControl>())
      : name_(std::move(name)), journal_(std::move(journal)), control_(std::move(control)) {}

  std::string Name() const override { return name_; }
  Status Init(PluginContext& context) override {
    journal_->Add("init:" + name_);
    if (!control_->route.empty()) {
      const std::string body = "hello from " + name_;
      STREAMGATE_RETURN_IF_ERROR(
          context.router.Add(HttpMethod::kGet, control_->route,
                             [body](HttpRequest&) { return HttpResponse::Text(200, body); }));
    }
    return control_->init_result;
  }
  Status Start() override {
    journal_->Add("start:" + name_);
    return control_->start_result;
  }
  Status Stop() override {
    journal_->Add("stop:" + name_);
    return control_->stop_result;
  }
  HealthReport Health() const override {
    std::lock_guard lock(control_->mu);
    return control_->health;
  }

 private:
  std::string name_;
  std::shared_ptr<Journal> journal_;
  std::shared_ptr<PluginControl> control_;
};

Config LoopbackConfig() {
  Config config;
  config.service = "kernel-test";
  config.server.host = "127.0.0.1";
  config.server.port = 0;
  config.server.shutdown_timeout_ms = 2000;
  config.log.access_log = false;
  return config;
}

struct Fixture {
  explicit Fixture(Config config = LoopbackConfig()) {
    Result<std::unique_ptr<Runtime>> created_runtime = Runtime::Create({1, 2});
    REQUIRE(created_runtime.ok());
    runtime = std::move(created_runtime).value();
    Result<std::unique_ptr<Kernel>> created_kernel = Kernel::Create(config, *runtime);
    REQUIRE(created_kernel.ok());
    kernel = std::move(created_kernel).value();
  }
  ~Fixture() {
    kernel.reset();
    runtime->Stop();
  }

  std::shared_ptr<PluginControl> Add(const std::string& name) {
    auto control = std::make_shared<PluginControl>();
    REQUIRE(kernel->Register(std::make_unique<TestPlugin>(name, journal, control)).ok());
    return control;
  }

  std::shared_ptr<Journal> journal = std::make_shared<Journal>();
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Kernel> kernel;
};

using Entries = std::vector<std::string>;

// The value of the sample `series` (the full name with labels) in a Prometheus exposition.
double SampleValue(const std::string& exposition, const std::string& series) {
  const std::string prefix = "\n" + series + " ";
  const std::size_t at = exposition.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(exposition.substr(at + prefix.size()));
}

}  // namespace

TEST_CASE("Plugins Init and Start in order and Stop in reverse", "[kernel]") {
  Fixture f;
  f.Add("a");
  f.Add("b");
  f.Add("c");
  CHECK_FALSE(f.kernel->ready());
  REQUIRE(f.kernel->Start().ok());
  CHECK(f.kernel->ready());
  CHECK(f.kernel->port() != 0);
  CHECK(f.kernel->server() != nullptr);
  CHECK(f.journal->Get() == Entries{"init:a", "init:b", "init:c", "start:a", "start:b", "start:c"});
  REQUIRE(f.kernel->Stop().ok());
  CHECK_FALSE(f.kernel->ready());
  CHECK(f.journal->Get() == Entries{"init:a", "init:b", "init:c", "start:a", "start:b", "start:c",
                                    "stop:c", "stop:b", "stop:a"});
  // Stop is idempotent, and a kernel does not start twice.
  CHECK(f.kernel->Stop().ok());
  CHECK(f.journal->Get().size() == 9);
  CHECK(f.kernel->Start().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("An Init failure names the plugin and starts nothing", "[kernel]") {
  Fixture f;
  f.Add("a");
  f.Add("b")->init_result = Status::NotFound("no database at /x");
  f.Add("c");
  const Status status = f.kernel->Start();
  CHECK(status.code() == StatusCode::kNotFound);
  CHECK(status.message() == "plugin \"b\": Init: no database at /x");
  CHECK(f.journal->Get() == Entries{"init:a", "init:b"});
  CHECK(f.kernel->server() == nullptr);
  CHECK_FALSE(f.kernel->ready());
  // The plugin that never returned from Init is reported, not asked.
  const KernelHealth health = f.kernel->Health();
  CHECK(health.state == HealthState::kUnhealthy);
  REQUIRE(health.plugins.size() == 3);
  CHECK(health.plugins[2].report.message == "not initialised");
}

TEST_CASE("A Start failure stops what was started, in reverse", "[kernel]") {
  Fixture f;
  f.Add("a");
  f.Add("b");
  f.Add("c")->start_result = Status::Unavailable("redis down");
  f.Add("d");
  const Status status = f.kernel->Start();
  CHECK(status.code() == StatusCode::kUnavailable);
  CHECK(status.message() == "plugin \"c\": Start: redis down");
  CHECK(f.journal->Get() == Entries{"init:a", "init:b", "init:c", "init:d", "start:a", "start:b",
                                    "start:c", "stop:b", "stop:a"});
  // Nothing is running, so Stop and the destructor do nothing more.
  CHECK(f.kernel->Stop().ok());
  CHECK(f.journal->Get().size() == 9);
}

TEST_CASE("A port already taken stops every plugin again", "[kernel]") {
  // Hold a listening socket on a loopback port.
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(holder >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::listen(holder, 1) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length) == 0);

  Config config = LoopbackConfig();
  config.server.port = ntohs(address.sin_port);
  {
    Fixture f(config);
    f.Add("a");
    f.Add("b");
    const Status status = f.kernel->Start();
    CHECK_FALSE(status.ok());
    CHECK_THAT(status.message(), Catch::StartsWith("http server"));
    CHECK(f.journal->Get() ==
          Entries{"init:a", "init:b", "start:a", "start:b", "stop:b", "stop:a"});
    CHECK_FALSE(f.kernel->ready());
  }
  ::close(holder);
}

TEST_CASE("Stop reports the first plugin error but stops every plugin", "[kernel]") {
  Fixture f;
  f.Add("a")->stop_result = Status::Internal("a failed to flush");
  f.Add("b")->stop_result = Status::Internal("b failed to flush");
  f.Add("c");
  REQUIRE(f.kernel->Start().ok());
  const Status status = f.kernel->Stop();
  CHECK(status.message() == "plugin \"b\": Stop: b failed to flush");
  CHECK(f.journal->Get() == Entries{"init:a", "init:b", "init:c", "start:a", "start:b", "start:c",
                                    "stop:c", "stop:b", "stop:a"});
}

TEST_CASE("Register rejects duplicates, null plugins and late plugins", "[kernel]") {
  Fixture f;
  f.Add("a");
  const Status duplicate = f.kernel->Register(std::make_unique<TestPlugin>("a", f.journal));
  CHECK(duplicate.code() == StatusCode::kAlreadyExists);
  CHECK_THAT(duplicate.message(), Catch::Contains("\"a\""));
  CHECK(f.kernel->Register(nullptr).code() == StatusCode::kInvalidArgument);
  CHECK(f.kernel->Register(std::make_unique<TestPlugin>("", f.journal)).code() ==
        StatusCode::kInvalidArgument);
  REQUIRE(f.kernel->Start().ok());
  CHECK(f.kernel->Register(std::make_unique<TestPlugin>("late", f.journal)).code() ==
        StatusCode::kFailedPrecondition);
}

TEST_CASE("Kernel::Create validates the config", "[kernel]") {
  auto runtime = Runtime::Create({1, 1});
  REQUIRE(runtime.ok());
  Config config;
  config.server.host.clear();
  const Result<std::unique_ptr<Kernel>> kernel = Kernel::Create(config, **runtime);
  CHECK(kernel.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("A plugin cannot take over the kernel's routes", "[kernel]") {
  Fixture f;
  f.Add("thief")->route = "/health";
  const Status status = f.kernel->Start();
  CHECK(status.code() == StatusCode::kAlreadyExists);
  CHECK_THAT(status.message(), Catch::StartsWith("plugin \"thief\": Init: "));
}

TEST_CASE("Health is the worst of the plugins'", "[kernel]") {
  Fixture f;
  auto a = f.Add("a");
  auto b = f.Add("b");
  REQUIRE(f.kernel->Start().ok());
  KernelHealth health = f.kernel->Health();
  CHECK(health.state == HealthState::kHealthy);
  REQUIRE(health.plugins.size() == 2);
  CHECK(health.plugins[0].name == "a");
  CHECK(health.plugins[0].version == kVersion);

  b->SetHealth(HealthState::kDegraded, "cache cold");
  health = f.kernel->Health();
  CHECK(health.state == HealthState::kDegraded);
  CHECK(health.plugins[1].report.message == "cache cold");
  CHECK(f.kernel->ready());

  a->SetHealth(HealthState::kUnhealthy, "disk full");
  CHECK(f.kernel->Health().state == HealthState::kUnhealthy);
  CHECK_FALSE(f.kernel->ready());

  a->SetHealth(HealthState::kHealthy, "");
  b->SetHealth(HealthState::kHealthy, "");
  CHECK(f.kernel->Health().state == HealthState::kHealthy);
  CHECK(f.kernel->ready());
  CHECK(HealthStateName(HealthState::kDegraded) == "degraded");
}

TEST_CASE("The kernel serves /health, /ready, /api/v1/health and /metrics", "[kernel][http]") {
  Fixture f;
  auto upload = f.Add("upload");
  auto cache = f.Add("cache");
  upload->route = "/api/v1/upload/status";
  REQUIRE(f.kernel->Start().ok());
  const uint16_t port = f.kernel->port();

  SECTION("/health and /ready follow plugin health") {
    TestHttpResponse health = testing::HttpGet(port, "/health");
    CHECK(health.status == 200);
    CHECK(health.body == R"({"status":"healthy"})");
    CHECK_THAT(health.Header("Content-Type"), Catch::StartsWith("application/json"));
    TestHttpResponse ready = testing::HttpGet(port, "/ready");
    CHECK(ready.status == 200);
    CHECK(ready.body == R"({"status":"ready"})");

    cache->SetHealth(HealthState::kDegraded, "evicting");
    health = testing::HttpGet(port, "/health");
    CHECK(health.status == 200);
    CHECK(health.body == R"({"status":"degraded"})");
    CHECK(testing::HttpGet(port, "/ready").status == 200);

    upload->SetHealth(HealthState::kUnhealthy, "disk full");
    health = testing::HttpGet(port, "/health");
    CHECK(health.status == 503);
    CHECK(health.body == R"({"status":"unhealthy"})");
    ready = testing::HttpGet(port, "/ready");
    CHECK(ready.status == 503);
    CHECK(ready.body == R"({"status":"not_ready"})");
  }

  SECTION("/api/v1/health details every plugin") {
    cache->SetHealth(HealthState::kDegraded, "evicting \"hot\" keys");
    const TestHttpResponse response = testing::HttpGet(port, "/api/v1/health");
    CHECK(response.status == 200);
    const auto body = nlohmann::json::parse(response.body);
    CHECK(body["status"] == "degraded");
    CHECK(body["service"] == "kernel-test");
    CHECK(body["version"] == kVersion);
    CHECK(body["uptime_seconds"].is_number());
    CHECK(body["uptime_seconds"].get<double>() >= 0);
    REQUIRE(body["plugins"].size() == 2);
    CHECK(body["plugins"][0]["name"] == "upload");
    CHECK(body["plugins"][0]["status"] == "healthy");
    CHECK(body["plugins"][0]["version"] == kVersion);
    CHECK(body["plugins"][1]["name"] == "cache");
    CHECK(body["plugins"][1]["status"] == "degraded");
    CHECK(body["plugins"][1]["message"] == "evicting \"hot\" keys");
  }

  SECTION("/metrics is Prometheus text with HTTP and plugin series") {
    TestHttpClient client(port);
    REQUIRE(client.Get("/health", true).status == 200);
    REQUIRE(client.Get("/api/v1/upload/status", true).body == "hello from upload");
    REQUIRE(client.Get("/no/such/route", true).status == 404);
    cache->SetHealth(HealthState::kUnhealthy, "down");
    const TestHttpResponse response = client.Get("/metrics", true);
    CHECK(response.status == 200);
    CHECK(response.Header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    const std::string text = "\n" + response.body;
    CHECK_THAT(text, Catch::Contains("# TYPE streamgate_build_info gauge\n"));
    CHECK(SampleValue(text, "streamgate_build_info{service=\"kernel-test\",version=\"" +
                                std::string(kVersion) + "\"}") == 1);
    CHECK(SampleValue(text, "streamgate_up") == 1);
    CHECK(SampleValue(text, "streamgate_uptime_seconds") >= 0);
    CHECK_THAT(text, Catch::Contains("# TYPE streamgate_http_requests_total counter\n"));
    // By route pattern, never by raw path; an unmatched path counts under "unmatched".
    CHECK(SampleValue(text,
                      "streamgate_http_requests_total{method=\"GET\",route=\"/health\","
                      "status=\"200\"}") == 1);
    CHECK(SampleValue(text,
                      "streamgate_http_requests_total{method=\"GET\",route=\"/api/v1/"
                      "upload/status\",status=\"200\"}") == 1);
    CHECK(SampleValue(text,
                      "streamgate_http_requests_total{method=\"GET\",route=\"unmatched\","
                      "status=\"404\"}") == 1);
    CHECK_THAT(text, !Catch::Contains("/no/such/route"));
    CHECK_THAT(text,
               Catch::Contains("# TYPE streamgate_http_request_duration_seconds histogram\n"));
    CHECK(SampleValue(text,
                      "streamgate_http_request_duration_seconds_count{method=\"GET\","
                      "route=\"/health\"}") == 1);
    CHECK(SampleValue(text,
                      "streamgate_http_request_duration_seconds_bucket{method=\"GET\","
                      "route=\"/health\",le=\"+Inf\"}") == 1);
    CHECK(SampleValue(text, "streamgate_http_response_bytes_total") > 0);
    CHECK(SampleValue(text, "streamgate_http_connections_accepted_total") >= 1);
    CHECK(SampleValue(text, "streamgate_http_connections_active") >= 1);
    CHECK(SampleValue(text, "streamgate_plugin_health{plugin=\"upload\",state=\"healthy\"}") == 1);
    CHECK(SampleValue(text, "streamgate_plugin_health{plugin=\"cache\",state=\"healthy\"}") == 0);
    CHECK(SampleValue(text, "streamgate_plugin_health{plugin=\"cache\",state=\"unhealthy\"}") == 1);
    // Every non-comment line is "name{labels} value".
    std::size_t start = 1;
    while (start < text.size()) {
      const std::size_t end = text.find('\n', start);
      const std::string line = text.substr(start, end - start);
      start = end == std::string::npos ? text.size() : end + 1;
      if (line.empty() || line[0] == '#') continue;
      INFO(line);
      CHECK(line.rfind(' ') != std::string::npos);
      CHECK_NOTHROW(std::stod(line.substr(line.rfind(' ') + 1)));
    }
  }

  SECTION("/ready turns 503 and the port closes after Stop") {
    REQUIRE(f.kernel->Stop().ok());
    CHECK_FALSE(f.kernel->ready());
    CHECK_THROWS(testing::HttpGet(port, "/health"));
  }
}

TEST_CASE("Plugins reach the event bus through their context", "[kernel][events]") {
  Fixture f;
  std::atomic<int> received{0};
  f.kernel->events().Subscribe("test.ping", [&](const Event&) { ++received; });
  f.Add("a");
  REQUIRE(f.kernel->Start().ok());
  REQUIRE(f.kernel->events().Publish({"test.ping", "{}", "", 0}).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (received == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(received == 1);
}

TEST_CASE("The access log writes one line per exchange", "[kernel][logging]") {
  Config config = LoopbackConfig();
  config.log.access_log = true;
  Fixture f(config);
  REQUIRE(f.kernel->Start().ok());
  std::vector<std::string> lines;
  {
    testing::CapturedStderr captured;
    TestHttpClient client(f.kernel->port());
    REQUIRE(client.Get("/health", true).status == 200);
    REQUIRE(client.Get("/a%22b%0Ac", true).status >= 400);
    client.Close();
    REQUIRE(f.kernel->Stop().ok());  // drains, so both lines are written
    lines = captured.Lines();
  }
  std::vector<std::string> access;
  for (const std::string& line : lines) {
    if (line.find("[access]") != std::string::npos) access.push_back(line);
  }
  REQUIRE(access.size() == 2);
  CHECK_THAT(access[0], Catch::Contains(" info [access] 127.0.0.1 \"GET /health\" 200 "));
  CHECK_THAT(access[0], Catch::EndsWith("us"));
  // Whether the server logs the raw or the decoded path, it cannot forge a line or break the
  // quoting: the whole exchange stays on one line.
  CHECK_THAT(access[1], Catch::Contains("\"GET /a\\x22b\\x0ac\" 4") ||
                            Catch::Contains("\"GET /a%22b%0Ac\" 4"));
}

TEST_CASE("Access log lines escape what could forge a line", "[kernel][logging]") {
  HttpExchange exchange;
  exchange.method = "GET";
  exchange.path = "/a\"b\nc\\d";
  exchange.status = 404;
  exchange.bytes_sent = 123;
  exchange.duration = std::chrono::microseconds(456);
  exchange.remote_address = "10.1.2.3";
  CHECK(internal::FormatAccessLogLine(exchange) ==
        "10.1.2.3 \"GET /a\\x22b\\x0ac\\x5cd\" 404 123 456us");
  exchange.remote_address = "";
  CHECK_THAT(internal::FormatAccessLogLine(exchange), Catch::StartsWith("- \"GET "));
}

}  // namespace streamgate

namespace streamgate {
namespace {

struct Greeter {
  std::string greeting;
};

// Provides a Greeter in Init; the consumer is registered first and still finds it in Start.
class ProviderPlugin final : public Plugin {
 public:
  std::string Name() const override { return "provider"; }
  Status Init(PluginContext& context) override {
    return context.services.Provide(std::make_shared<Greeter>(Greeter{"hi"}));
  }
};

class ConsumerPlugin final : public Plugin {
 public:
  explicit ConsumerPlugin(std::shared_ptr<std::string> seen) : seen_(std::move(seen)) {}
  std::string Name() const override { return "consumer"; }
  Status Init(PluginContext& context) override {
    services_ = &context.services;
    return Status::Ok();
  }
  Status Start() override {
    const std::shared_ptr<Greeter> greeter = services_->Find<Greeter>();
    *seen_ = greeter ? greeter->greeting : "nothing";
    return Status::Ok();
  }

 private:
  ServiceRegistry* services_ = nullptr;
  std::shared_ptr<std::string> seen_;
};

}  // namespace

TEST_CASE("Plugins share services through the registry, whatever their order", "[kernel]") {
  Fixture f;
  auto seen = std::make_shared<std::string>();
  REQUIRE(f.kernel->Register(std::make_unique<ConsumerPlugin>(seen)).ok());
  REQUIRE(f.kernel->Register(std::make_unique<ProviderPlugin>()).ok());
  REQUIRE(f.kernel->Start().ok());
  CHECK(*seen == "hi");
  CHECK(f.kernel->services().Find<Greeter>()->greeting == "hi");
  CHECK(f.kernel->services().Find<int>() == nullptr);
  // One provider per type; null is refused.
  CHECK(f.kernel->services().Provide(std::make_shared<Greeter>()).code() ==
        StatusCode::kAlreadyExists);
  CHECK(f.kernel->services().Provide(std::shared_ptr<int>()).code() ==
        StatusCode::kInvalidArgument);
  REQUIRE(f.kernel->Stop().ok());
}

}  // namespace streamgate
