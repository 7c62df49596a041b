// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The monitor over real loopback HTTP, through the public API only: a kernel with the monitor
// plugin, real traffic, /metrics checked by promtool, the /api/v1/monitor/* endpoints.
#include "streamgate/monitor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "promtool.h"
#include "streamgate/kernel.h"
#include "streamgate/plugins.h"
#include "streamgate/runtime.h"
#include "test_http_client.h"

namespace streamgate {
namespace {

using testing::TestHttpClient;
using testing::TestHttpResponse;
using Json = nlohmann::json;

Config LoopbackConfig(const std::string& service) {
  Config config;
  config.service = service;
  config.server.host = "127.0.0.1";
  config.server.port = 0;
  config.log.access_log = false;
  return config;
}

// A port nothing listens on: bound, then released.
uint16_t ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

// A plugin with a parameterised route, to show that metrics use the pattern, not the path.
class ItemsPlugin final : public Plugin {
 public:
  std::string Name() const override { return "items"; }
  Status Init(PluginContext& context) override {
    return context.router.Add(HttpMethod::kGet, "/api/v1/items/{id}", [](HttpRequest& request) {
      if (request.Param("id") == "missing") return HttpResponse::Error(404, "NOT_FOUND", "no");
      return HttpResponse::Json(200, R"({"ok":true})");
    });
  }
};

struct Process {
  explicit Process(Config config) {
    auto created_runtime = Runtime::Create({1, 2});
    REQUIRE(created_runtime.ok());
    runtime = std::move(created_runtime).value();
    auto created = Kernel::Create(config, *runtime);
    REQUIRE(created.ok());
    kernel = std::move(created).value();
  }
  ~Process() {
    if (kernel) static_cast<void>(kernel->Stop());
    kernel.reset();
    runtime.reset();
  }
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Kernel> kernel;
};

// Polls `path` until `done(body)` or a generous deadline; returns the last body.
Json PollJson(uint16_t port, const std::string& path,
              const std::function<bool(const Json&)>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  Json body;
  while (std::chrono::steady_clock::now() < deadline) {
    const TestHttpResponse response = testing::HttpGet(port, path);
    REQUIRE(response.status == 200);
    body = Json::parse(response.body);
    if (done(body)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return body;
}

}  // namespace

TEST_CASE("/metrics of a running kernel with real traffic passes promtool",
          "[monitor][integration][promtool]") {
  Process process(LoopbackConfig("monitor-it"));
  REQUIRE(process.kernel->Register(NewMonitorPlugin()).ok());
  REQUIRE(process.kernel->Register(std::make_unique<ItemsPlugin>()).ok());
  REQUIRE(process.kernel->Start().ok());
  const uint16_t port = process.kernel->port();
  {
    TestHttpClient client(port);
    for (const char* id : {"1", "2", "3"}) {
      REQUIRE(client.Get(std::string("/api/v1/items/") + id, true).status == 200);
    }
    REQUIRE(client.Get("/api/v1/items/missing", true).status == 404);
    REQUIRE(client.Get("/nowhere/at%22all", true).status == 404);
    REQUIRE(client.Get("/api/v1/monitor/logs?level=nonsense", true).status == 400);
    TestHttpClient odd(port);  // the server may close after an unknown method
    odd.Send("BREW /api/v1/items/9 HTTP/1.1\r\nHost: t\r\n\r\n");
    REQUIRE(odd.ReadResponse().status >= 400);
  }
  const TestHttpResponse response = testing::HttpGet(port, "/metrics");
  REQUIRE(response.status == 200);
  CHECK(response.Header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = response.body;
  // Route patterns, never raw paths.
  CHECK_THAT(text, Catch::Contains("streamgate_http_requests_total{method=\"GET\",route=\"/api/"
                                   "v1/items/{id}\",status=\"200\"} 3\n"));
  CHECK_THAT(text, Catch::Contains("streamgate_http_requests_total{method=\"GET\",route=\"/api/"
                                   "v1/items/{id}\",status=\"404\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("streamgate_http_requests_total{method=\"GET\",route=\"/api/"
                                   "v1/monitor/logs\",status=\"400\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("streamgate_http_request_duration_seconds_count{method=\"GET\","
                                   "route=\"/api/v1/items/{id}\"} 4\n"));
  CHECK_THAT(text, Catch::Contains("streamgate_http_request_duration_seconds_bucket{method=\"GET\","
                                   "route=\"/api/v1/items/{id}\",le=\"+Inf\"} 4\n"));
  CHECK_THAT(text, !Catch::Contains("items/1"));
  CHECK_THAT(text, !Catch::Contains("nowhere"));
  CHECK_THAT(text, Catch::Contains("streamgate_build_info{service=\"monitor-it\""));
  CHECK_THAT(text,
             Catch::Contains("streamgate_plugin_health{plugin=\"monitor\",state=\"healthy\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE process_resident_memory_bytes gauge\n"));

  const testing::PromtoolResult check = testing::PromtoolCheck(text);
  INFO(text);
  INFO(check.output);
  CHECK(check.exit_code == 0);
  CHECK(check.output.empty());

  // The JSON rendering of the same registry.
  const TestHttpResponse json =
      testing::HttpGet(port, "/api/v1/monitor/metrics?prefix=streamgate_http_requests");
  REQUIRE(json.status == 200);
  const Json body = Json::parse(json.body);
  REQUIRE(body["metrics"].size() == 1);
  CHECK(body["metrics"][0]["name"] == "streamgate_http_requests_total");
  CHECK(body["metrics"][0]["type"] == "counter");
  bool found = false;
  for (const Json& series : body["metrics"][0]["series"]) {
    if (series["labels"]["route"] == "/api/v1/items/{id}" && series["labels"]["status"] == "200") {
      found = series["value"] == 3;
    }
  }
  CHECK(found);
  CHECK(testing::HttpGet(port, "/api/v1/monitor/metrics?prefix=a-b").status == 400);
  CHECK(testing::HttpGet(port, "/api/v1/monitor/metrics?bogus=1").status == 400);
}

TEST_CASE("Plugins reach the registry without the monitor plugin", "[monitor][integration]") {
  Process process(LoopbackConfig("no-monitor"));
  auto family =
      process.kernel->metrics().AddCounter("streamgate_widgets_total", "Widgets.", {"color"});
  REQUIRE(family.ok());
  (*family)->WithLabels({"blue"}).Add(3);
  REQUIRE(process.kernel->Start().ok());
  const TestHttpResponse response = testing::HttpGet(process.kernel->port(), "/metrics");
  CHECK_THAT(response.body, Catch::Contains("streamgate_widgets_total{color=\"blue\"} 3\n"));
  CHECK(testing::HttpGet(process.kernel->port(), "/api/v1/monitor/logs").status == 404);
}

TEST_CASE("The monitor's logs endpoint filters by level and rejects bad input",
          "[monitor][integration][logs]") {
  Config config = LoopbackConfig("logs-it");
  config.monitor.log_buffer_lines = 50;
  Process process(config);
  REQUIRE(process.kernel->Register(NewMonitorPlugin()).ok());
  REQUIRE(process.kernel->Start().ok());
  const uint16_t port = process.kernel->port();
  const std::string tag = "logs-it-" + std::to_string(getpid());
  Log(LogLevel::kInfo, tag, "routine");
  Log(LogLevel::kWarn, tag, "careful \"quoted\"\nsecond line");
  Log(LogLevel::kError, tag, "broken");

  auto mine = [&](const std::string& query) {
    const TestHttpResponse response = testing::HttpGet(port, "/api/v1/monitor/logs" + query);
    REQUIRE(response.status == 200);
    const Json body = Json::parse(response.body);
    CHECK(body["capacity"] == 50);
    std::vector<std::string> out;
    for (const Json& line : body["lines"]) {
      if (line["logger"] == tag)
        out.push_back(line["level"].get<std::string>() + ":" + line["msg"].get<std::string>());
    }
    return out;
  };
  using Lines = std::vector<std::string>;
  CHECK(mine("") == Lines{"info:routine", "warn:careful \"quoted\"\nsecond line", "error:broken"});
  CHECK(mine("?level=warn") == Lines{"warn:careful \"quoted\"\nsecond line", "error:broken"});
  CHECK(mine("?level=ERROR&limit=100") == Lines{"error:broken"});
  CHECK(mine("?since=4000000000").empty());
  CHECK(mine("?since=0&level=info").size() == 3);

  for (const std::string bad :
       {"?level=verbose", "?level=off", "?level=", "?limit=0", "?limit=-1", "?limit=10001",
        "?limit=abc", "?limit=5x", "?limit=99999999999999999999999", "?since=yesterday",
        "?since=-5", "?since=1e400", "?lvl=warn", "?level=warn&level=error"}) {
    INFO(bad);
    const TestHttpResponse response = testing::HttpGet(port, "/api/v1/monitor/logs" + bad);
    CHECK(response.status == 400);
    const Json body = Json::parse(response.body);
    CHECK(body["error"]["code"] == "INVALID_ARGUMENT");
    CHECK_FALSE(body["error"]["message"].get<std::string>().empty());
  }
}

TEST_CASE("Aggregated health covers plugins and a live and a dead service",
          "[monitor][integration][health]") {
  // The "live" service: another kernel on its own port.
  Process live(LoopbackConfig("live-service"));
  REQUIRE(live.kernel->Start().ok());
  const uint16_t dead_port = ClosedPort();

  Config config = LoopbackConfig("monitor");
  config.monitor.services = "live=http://127.0.0.1:" + std::to_string(live.kernel->port()) +
                            ",dead=http://127.0.0.1:" + std::to_string(dead_port);
  config.monitor.health_timeout_ms = 3000;
  Process process(config);
  REQUIRE(process.kernel->Register(NewMonitorPlugin()).ok());
  REQUIRE(process.kernel->Start().ok());

  const TestHttpResponse response =
      testing::HttpGet(process.kernel->port(), "/api/v1/monitor/health");
  REQUIRE(response.status == 200);
  const Json body = Json::parse(response.body);
  CHECK(body["status"] == "unhealthy");  // the worst of all
  CHECK(body["service"] == "monitor");
  REQUIRE(body["plugins"].size() == 1);
  CHECK(body["plugins"][0]["name"] == "monitor");
  CHECK(body["plugins"][0]["status"] == "healthy");
  REQUIRE(body["services"].size() == 2);
  CHECK(body["services"][0]["name"] == "live");
  CHECK(body["services"][0]["status"] == "healthy");
  CHECK(body["services"][0]["http_status"] == 200);
  CHECK(body["services"][0]["error"] == "");
  CHECK(body["services"][1]["name"] == "dead");
  CHECK(body["services"][1]["status"] == "unhealthy");
  CHECK(body["services"][1]["http_status"] == 0);
  CHECK_FALSE(body["services"][1]["error"].get<std::string>().empty());

  // With the dead service gone from the list, the aggregate is healthy.
  Config healthy_config = LoopbackConfig("monitor2");
  healthy_config.monitor.services = "live=http://127.0.0.1:" + std::to_string(live.kernel->port());
  Process healthy(healthy_config);
  REQUIRE(healthy.kernel->Register(NewMonitorPlugin()).ok());
  REQUIRE(healthy.kernel->Start().ok());
  const Json healthy_body =
      Json::parse(testing::HttpGet(healthy.kernel->port(), "/api/v1/monitor/health").body);
  CHECK(healthy_body["status"] == "healthy");
  CHECK(testing::HttpGet(healthy.kernel->port(), "/api/v1/monitor/health?x=1").status == 400);
}

TEST_CASE("Alerts fire and resolve on the Runtime timer as a gauge moves",
          "[monitor][integration][alerts]") {
  Config config = LoopbackConfig("alerts-it");
  config.monitor.alert_rules =
      "backlog: streamgate_test_queue_depth{type=\"transcode\"} > 10; "
      "errors: streamgate_http_requests_total{status=\"500\"} > 0 for 1h";
  config.monitor.alert_interval_ms = 20;
  Process process(config);
  auto depth =
      process.kernel->metrics().AddGauge("streamgate_test_queue_depth", "Queue depth.", {"type"});
  REQUIRE(depth.ok());
  Gauge& transcode = (*depth)->WithLabels({"transcode"});
  REQUIRE(process.kernel->Register(NewMonitorPlugin()).ok());
  REQUIRE(process.kernel->Start().ok());
  const uint16_t port = process.kernel->port();
  auto state_of = [](const Json& body, const std::string& name) {
    for (const Json& alert : body["alerts"]) {
      if (alert["name"] == name) return alert["state"].get<std::string>();
    }
    return std::string("absent");
  };

  Json body = PollJson(port, "/api/v1/monitor/alerts",
                       [&](const Json& b) { return !b["alerts"][0]["evaluated_at"].is_null(); });
  CHECK(state_of(body, "backlog") == "inactive");
  CHECK(state_of(body, "errors") == "inactive");

  transcode.Set(11);
  body = PollJson(port, "/api/v1/monitor/alerts",
                  [&](const Json& b) { return state_of(b, "backlog") == "firing"; });
  REQUIRE(state_of(body, "backlog") == "firing");
  CHECK(body["alerts"][0]["value"] == 11);
  CHECK(body["alerts"][0]["rule"] ==
        "backlog: streamgate_test_queue_depth{type=\"transcode\"} > 10");
  CHECK(body["alerts"][0]["fired_at"].is_string());
  CHECK(body["alerts"][0]["resolved_at"].is_null());

  transcode.Set(2);
  body = PollJson(port, "/api/v1/monitor/alerts",
                  [&](const Json& b) { return state_of(b, "backlog") == "resolved"; });
  REQUIRE(state_of(body, "backlog") == "resolved");
  CHECK(body["alerts"][0]["resolved_at"].is_string());

  // Filtering, and the alert's transitions reached the log ring.
  const Json resolved =
      Json::parse(testing::HttpGet(port, "/api/v1/monitor/alerts?state=resolved").body);
  REQUIRE(resolved["alerts"].size() == 1);
  CHECK(resolved["alerts"][0]["name"] == "backlog");
  CHECK(testing::HttpGet(port, "/api/v1/monitor/alerts?state=burning").status == 400);
  const Json logs =
      Json::parse(testing::HttpGet(port, "/api/v1/monitor/logs?level=warn&limit=1000").body);
  bool fired_logged = false;
  for (const Json& line : logs["lines"]) {
    fired_logged =
        fired_logged || line["msg"].get<std::string>().rfind("alert backlog firing", 0) == 0;
  }
  CHECK(fired_logged);
  CHECK_THAT(testing::HttpGet(port, "/metrics").body,
             Catch::Contains("streamgate_alerts{state=\"resolved\"} 1\n"));
}

TEST_CASE("Monitor settings are checked when the config loads", "[monitor][config]") {
  ConfigSources sources;
  sources.environment =
      std::map<std::string, std::string>{{"STREAMGATE_MONITOR_ALERT_RULES", "high: q > "}};
  Result<Config> config = LoadConfig(sources);
  CHECK(config.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(config.status().message(), Catch::Contains("STREAMGATE_MONITOR_ALERT_RULES"));
  sources.environment =
      std::map<std::string, std::string>{{"STREAMGATE_MONITOR_SERVICES", "upload=ftp://x"}};
  CHECK(LoadConfig(sources).status().code() == StatusCode::kInvalidArgument);
  sources.environment = std::map<std::string, std::string>{
      {"STREAMGATE_MONITOR_SERVICES", "upload=http://127.0.0.1:9091"},
      {"STREAMGATE_MONITOR_ALERT_RULES", "a: streamgate_up < 1 for 10s"},
      {"STREAMGATE_MONITOR_LOG_BUFFER_LINES", "10"}};
  config = LoadConfig(sources);
  REQUIRE(config.ok());
  CHECK(config->monitor.log_buffer_lines == 10);
  CHECK(config->monitor.alert_rules == "a: streamgate_up < 1 for 10s");
}

}  // namespace streamgate
