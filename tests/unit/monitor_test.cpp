// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streamgate/monitor.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "monitor/alert_rules.h"
#include "promtool.h"
#include "streamgate/kernel.h"
#include "streamgate/logging.h"

namespace streamgate {

namespace {

// The value of the sample `series` (the full name with labels) in a Prometheus exposition.
double SampleValue(const std::string& exposition, const std::string& series) {
  const std::string text = "\n" + exposition;
  const std::string prefix = "\n" + series + " ";
  const std::size_t at = text.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + prefix.size()));
}

}  // namespace

TEST_CASE("Counters, gauges and histograms render as Prometheus text", "[monitor][metrics]") {
  MetricsRegistry registry;
  auto requests = registry.AddCounter("app_requests_total", "Requests.", {"route", "code"});
  REQUIRE(requests.ok());
  (*requests)->WithLabels({"/a", "200"}).Inc();
  (*requests)->WithLabels({"/a", "200"}).Add(2);
  (*requests)->WithLabels({"/b", "500"}).Add(0.5);
  (*requests)->WithLabels({"/a", "200"}).Add(-4);  // ignored: counters never decrease
  auto depth = registry.AddGauge("app_queue_depth", "Jobs waiting.");
  REQUIRE(depth.ok());
  (*depth)->Get().Set(7);
  (*depth)->Get().Dec();
  auto latency = registry.AddHistogram("app_latency_seconds", "Latency.", {}, {0.1, 1});
  REQUIRE(latency.ok());
  Histogram& h = (*latency)->Get();
  h.Observe(0.05);
  h.Observe(0.1);  // on the bound: counted in le="0.1" (inclusive)
  h.Observe(0.5);
  h.Observe(20);
  h.Observe(std::numeric_limits<double>::quiet_NaN());  // ignored

  CHECK(registry.RenderPrometheusText() ==
        "# HELP app_latency_seconds Latency.\n"
        "# TYPE app_latency_seconds histogram\n"
        "app_latency_seconds_bucket{le=\"0.1\"} 2\n"
        "app_latency_seconds_bucket{le=\"1\"} 3\n"
        "app_latency_seconds_bucket{le=\"+Inf\"} 4\n"
        "app_latency_seconds_sum 20.65\n"
        "app_latency_seconds_count 4\n"
        "# HELP app_queue_depth Jobs waiting.\n"
        "# TYPE app_queue_depth gauge\n"
        "app_queue_depth 6\n"
        "# HELP app_requests_total Requests.\n"
        "# TYPE app_requests_total counter\n"
        "app_requests_total{route=\"/a\",code=\"200\"} 3\n"
        "app_requests_total{route=\"/b\",code=\"500\"} 0.5\n");
  CHECK(h.CumulativeCounts() == std::vector<uint64_t>{2, 3, 4});
  CHECK(h.count() == 4);

  const auto json = nlohmann::json::parse(registry.RenderJson());
  REQUIRE(json["metrics"].size() == 3);
  CHECK(json["metrics"][0]["name"] == "app_latency_seconds");
  CHECK(json["metrics"][0]["series"][0]["buckets"][2]["le"] == "+Inf");
  CHECK(json["metrics"][0]["series"][0]["buckets"][2]["count"] == 4);
  CHECK(json["metrics"][2]["series"][0]["labels"]["route"] == "/a");
  CHECK(json["metrics"][2]["series"][0]["value"] == 3);
  CHECK(nlohmann::json::parse(registry.RenderJson("app_queue"))["metrics"].size() == 1);
}

TEST_CASE("Label values and help text are escaped", "[monitor][metrics]") {
  MetricsRegistry registry;
  auto family = registry.AddCounter("x_total", "Help with a \\ backslash\nand a newline.", {"v"});
  REQUIRE(family.ok());
  (*family)->WithLabels({"a\"b\\c\nd"}).Inc();
  (*family)->WithLabels({"caf\xc3\xa9 {x=\"1\"}"}).Inc();
  const std::string text = registry.RenderPrometheusText();
  CHECK_THAT(text, Catch::Contains("# HELP x_total Help with a \\\\ backslash\\nand a newline.\n"));
  CHECK_THAT(text, Catch::Contains("x_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("x_total{v=\"caf\xc3\xa9 {x=\\\"1\\\"}\"} 1\n"));
  const testing::PromtoolResult check = testing::PromtoolCheck(text);
  INFO(check.output);
  CHECK(check.exit_code == 0);
  CHECK(check.output.empty());
}

TEST_CASE("The registry enforces Prometheus names and consistent definitions",
          "[monitor][metrics]") {
  MetricsRegistry registry;
  // Names.
  CHECK(registry.AddCounter("", "h").status().code() == StatusCode::kInvalidArgument);
  CHECK(registry.AddCounter("9lives_total", "h").status().code() == StatusCode::kInvalidArgument);
  CHECK(registry.AddCounter("a-b_total", "h").status().code() == StatusCode::kInvalidArgument);
  CHECK(registry.AddCounter("ns:ok_total", "h").ok());
  CHECK(registry.AddCounter("c_total", "h", {"__reserved"}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(registry.AddCounter("c_total", "h", {"a:b"}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(registry.AddCounter("c_total", "h", {"x", "x"}).status().code() ==
        StatusCode::kInvalidArgument);
  // promtool's lint: _total for counters only, help text required.
  CHECK(registry.AddCounter("requests", "h").status().code() == StatusCode::kInvalidArgument);
  CHECK(registry.AddGauge("depth_total", "h").status().code() == StatusCode::kInvalidArgument);
  CHECK(registry.AddGauge("depth", "").status().code() == StatusCode::kInvalidArgument);
  // Histograms: no "le" label, ascending finite bounds.
  CHECK(registry.AddHistogram("h_seconds", "h", {"le"}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(registry.AddHistogram("h_seconds", "h", {}, {1, 1}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(registry.AddHistogram("h_seconds", "h", {}, {2, 1}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(registry.AddHistogram("h_seconds", "h", {}, {1, std::numeric_limits<double>::infinity()})
            .status()
            .code() == StatusCode::kInvalidArgument);
  auto defaults = registry.AddHistogram("d_seconds", "h");
  REQUIRE(defaults.ok());
  CHECK((*defaults)->Get().bounds() == DefaultLatencyBuckets());

  // Idempotent registration returns the same family; a conflicting one fails.
  auto first = registry.AddCounter("jobs_total", "Jobs.", {"state"});
  auto again = registry.AddCounter("jobs_total", "Jobs.", {"state"});
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(*first == *again);
  CHECK(&(*first)->WithLabels({"done"}) == &(*again)->WithLabels({"done"}));
  CHECK(registry.AddCounter("jobs_total", "Jobs.", {"kind"}).status().code() ==
        StatusCode::kAlreadyExists);
  CHECK(registry.AddGauge("d_seconds", "h").status().code() == StatusCode::kAlreadyExists);
  // A histogram's derived series may not collide with another family, either way round.
  CHECK(registry.AddGauge("d_seconds_count", "h").status().code() == StatusCode::kAlreadyExists);
  REQUIRE(registry.AddGauge("e_seconds_sum", "h").ok());
  CHECK(registry.AddHistogram("e_seconds", "h").status().code() == StatusCode::kAlreadyExists);
}

TEST_CASE("Wrong label arity and the cardinality limit never export", "[monitor][metrics]") {
  MetricsRegistryOptions options;
  options.max_series_per_family = 2;
  MetricsRegistry registry(options);
  auto family = registry.AddCounter("r_total", "h", {"k"});
  REQUIRE(family.ok());
  (*family)->WithLabels({"a"}).Inc();
  (*family)->WithLabels({"b"}).Inc();
  (*family)->WithLabels({"c"}).Inc();       // over the limit
  (*family)->WithLabels({"a", "x"}).Inc();  // wrong arity
  (*family)->Get().Inc();                   // wrong arity
  const std::string text = registry.RenderPrometheusText();
  CHECK(SampleValue(text, "r_total{k=\"a\"}") == 1);
  CHECK(SampleValue(text, "r_total{k=\"b\"}") == 1);
  CHECK_THAT(text, !Catch::Contains("\"c\""));
  CHECK(registry.Snapshot()[0].series.size() == 2);
}

TEST_CASE("Concurrent increments and observations add up exactly", "[monitor][metrics]") {
  MetricsRegistry registry;
  auto counter = registry.AddCounter("hits_total", "h", {"worker"});
  auto shared = registry.AddCounter("shared_total", "h");
  auto histogram = registry.AddHistogram("obs_seconds", "h", {}, {0.5});
  auto gauge = registry.AddGauge("level", "h");
  REQUIRE((counter.ok() && shared.ok() && histogram.ok() && gauge.ok()));
  constexpr int kThreads = 4;
  constexpr int kIterations = 50000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Counter& mine = (*counter)->WithLabels({std::to_string(t % 2)});  // two threads per child
      Counter& all = (*shared)->Get();
      Histogram& h = (*histogram)->Get();
      for (int i = 0; i < kIterations; ++i) {
        mine.Inc();
        all.Add(0.25);  // the non-integral path
        h.Observe(i % 2 == 0 ? 0.25 : 1.0);
        (*gauge)->Get().Add(1);
        // Children created concurrently with the increments above.
        if (i % 10000 == 0) (*counter)->WithLabels({"new" + std::to_string(t)}).Inc();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK((*counter)->WithLabels({"0"}).value() == 2.0 * kIterations);
  CHECK((*counter)->WithLabels({"1"}).value() == 2.0 * kIterations);
  CHECK((*counter)->WithLabels({"new3"}).value() == 5);
  CHECK((*shared)->Get().value() == 0.25 * kThreads * kIterations);
  Histogram& h = (*histogram)->Get();
  CHECK(h.count() == static_cast<uint64_t>(kThreads) * kIterations);
  CHECK(h.CumulativeCounts()[0] == static_cast<uint64_t>(kThreads) * kIterations / 2);
  CHECK(h.sum() == (0.25 + 1.0) * kThreads * kIterations / 2);
  CHECK((*gauge)->Get().value() == static_cast<double>(kThreads) * kIterations);
}

TEST_CASE("Collectors refresh values at render time", "[monitor][metrics]") {
  MetricsRegistry registry;
  auto gauge = registry.AddGauge("temperature", "h");
  REQUIRE(gauge.ok());
  int calls = 0;
  const int id = registry.AddCollector([&] { (*gauge)->Get().Set(++calls); });
  CHECK(SampleValue(registry.RenderPrometheusText(), "temperature") == 1);
  CHECK(SampleValue(registry.RenderPrometheusText(), "temperature") == 2);
  registry.RemoveCollector(id);
  CHECK(SampleValue(registry.RenderPrometheusText(), "temperature") == 2);
  Counter counter;
  counter.IncreaseTo(10);
  counter.IncreaseTo(4);  // never backwards
  CHECK(counter.value() == 10);
}

TEST_CASE("A full exposition passes promtool check metrics", "[monitor][metrics][promtool]") {
  MetricsRegistry registry;
  auto counter = registry.AddCounter("streamgate_test_events_total", "Events.", {"kind", "why"});
  auto gauge = registry.AddGauge("streamgate_test_depth", "Depth.", {"queue"});
  auto histogram =
      registry.AddHistogram("streamgate_test_duration_seconds", "Durations.", {"stage"});
  REQUIRE((counter.ok() && gauge.ok() && histogram.ok()));
  (*counter)->WithLabels({"a", "quote \" backslash \\ newline \n end"}).Inc();
  (*counter)->WithLabels({"b", ""}).Add(1e20);
  (*gauge)->WithLabels({"q"}).Set(-3.5);
  (*gauge)->WithLabels({"nan"}).Set(std::numeric_limits<double>::quiet_NaN());
  (*gauge)->WithLabels({"inf"}).Set(std::numeric_limits<double>::infinity());
  for (double v : {0.0001, 0.003, 0.2, 3.0, 99.0}) (*histogram)->WithLabels({"x"}).Observe(v);
  const std::string text = registry.RenderPrometheusText();
  const testing::PromtoolResult check = testing::PromtoolCheck(text);
  INFO(text);
  INFO(check.output);
  CHECK(check.exit_code == 0);
  CHECK(check.output.empty());
  // A broken exposition fails the same check, so the check can fail.
  CHECK(testing::PromtoolCheck("# TYPE broken counter\nbroken{ 1\n").exit_code != 0);
}

TEST_CASE("Alert rules parse strictly", "[monitor][alerts]") {
  struct Valid {
    std::string text;
    std::size_t count;
  };
  for (const Valid& c : std::vector<Valid>{
           {"", 0},
           {"  ", 0},
           {"high: q_depth > 5", 1},
           {"high: q_depth > 5;", 1},
           {"a: x_total{route=\"/a;b\",code=\"5\\\"00\"} >= 1e3 for 30s; b: y <= -2.5 for 100ms",
            2},
           {"c-1: m != 0 for 2m;d: m == 1 for 1h", 2},
           {"e:m<1", 1},
           {"f: h_seconds_count{} > 0", 1},
       }) {
    INFO(c.text);
    const Result<std::vector<AlertRule>> rules = ParseAlertRules(c.text);
    REQUIRE(rules.ok());
    CHECK(rules->size() == c.count);
  }
  const auto parsed = ParseAlertRules(
      "a: x_total{route=\"/a;b\",code=\"5\\\"00\"} >= 1e3 for 30s; b: y <= -2.5 for 100ms");
  REQUIRE(parsed.ok());
  const AlertRule& a = (*parsed)[0];
  CHECK(a.name == "a");
  CHECK(a.metric == "x_total");
  CHECK(a.matchers ==
        std::vector<std::pair<std::string, std::string>>{{"route", "/a;b"}, {"code", "5\"00"}});
  CHECK(a.comparison == AlertComparison::kGreaterEqual);
  CHECK(a.threshold == 1000);
  CHECK(a.for_duration == std::chrono::seconds(30));
  CHECK((*parsed)[1].comparison == AlertComparison::kLessEqual);
  CHECK((*parsed)[1].threshold == -2.5);
  CHECK((*parsed)[1].for_duration == std::chrono::milliseconds(100));

  for (const std::string bad : {
           "q_depth > 5",                   // no name
           "high q_depth > 5",              // no ':'
           "high: > 5",                     // no metric
           "high: 9x > 5",                  // bad metric
           "high: q > ",                    // no threshold
           "high: q > five",                // not a number
           "high: q > 5 5",                 // trailing garbage
           "high: q >> 5",                  // bad operator
           "high: q = 5",                   // '=' is not an operator
           "high: q > inf",                 // not finite
           "high: q > 5 for",               // no duration
           "high: q > 5 for 10",            // no unit
           "high: q > 5 for 10d",           // unknown unit
           "high: q > 5 for -1s",           // negative
           "high: q > 5 for 9999999999h",   // absurd
           "high: q{a=1} > 5",              // unquoted value
           "high: q{a=\"1\"",               // unclosed matchers
           "high: q{a=\"1} > 5",            // unterminated value
           "high: q{a=\"1\",a=\"2\"} > 5",  // duplicate label
           "high: q{__a=\"1\"} > 5",        // reserved label
           "high: q{a=\"\\t\"} > 5",        // unknown escape
           "high: q > 1; high: r > 2",      // duplicate name
           "a: q > 1;; b: r > 2",           // empty rule
       }) {
    INFO(bad);
    const Result<std::vector<AlertRule>> rules = ParseAlertRules(bad);
    CHECK(rules.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(rules.status().message(),
               Catch::StartsWith("alert rule ") || Catch::Contains("more than"));
  }
  CHECK_FALSE(ParseAlertRules(std::string(70000, ' ')).ok());
}

TEST_CASE("Alerts go pending, firing and resolved as a gauge moves", "[monitor][alerts]") {
  auto runtime = Runtime::Create({1, 1});
  REQUIRE(runtime.ok());
  MetricsRegistry registry;
  auto depth = registry.AddGauge("queue_depth", "Depth.", {"queue"});
  REQUIRE(depth.ok());
  Gauge& transcode = (*depth)->WithLabels({"transcode"});
  (*depth)->WithLabels({"other"}).Set(100);  // not matched by the rule
  MonitorOptions options;
  options.alert_rules =
      "deep: queue_depth{queue=\"transcode\"} > 5; held: queue_depth > 5 for 1h; "
      "missing: no_such_metric > 0";
  options.log_buffer_lines = 0;
  auto monitor = Monitor::Create(options, **runtime, registry);
  REQUIRE(monitor.ok());

  auto states = [&] {
    std::vector<std::string> out;
    for (const AlertStatus& alert : (*monitor)->EvaluateAlerts()) {
      out.emplace_back(AlertStateName(alert.state));
    }
    return out;
  };
  using States = std::vector<std::string>;
  transcode.Set(1);
  CHECK(states() == States{"inactive", "pending", "inactive"});
  transcode.Set(6);
  CHECK(states() == States{"firing", "pending", "inactive"});
  const auto alerts = (*monitor)->Alerts();
  CHECK(alerts[0].value == 6);
  CHECK(alerts[0].fired_at != std::chrono::system_clock::time_point{});
  CHECK(alerts[1].value == 106);  // the sum over every matching series
  CHECK_FALSE(alerts[2].value.has_value());
  transcode.Set(5);
  CHECK(states() == States{"resolved", "pending", "inactive"});
  CHECK((*monitor)->Alerts()[0].resolved_at >= (*monitor)->Alerts()[0].fired_at);
  transcode.Set(9);
  CHECK(states() == States{"firing", "pending", "inactive"});
  const std::string text = registry.RenderPrometheusText();
  CHECK(SampleValue(text, "streamgate_alerts{state=\"firing\"}") == 1);
  CHECK(SampleValue(text, "streamgate_alerts{state=\"pending\"}") == 1);

  // The pending → firing step waits out "for".
  AlertStatus status;
  status.rule = (*ParseAlertRules("r: m > 0 for 30s"))[0];
  const auto t0 = std::chrono::system_clock::now();
  CHECK(internal::AdvanceAlert(status, 1.0, t0));
  CHECK(status.state == AlertState::kPending);
  CHECK_FALSE(internal::AdvanceAlert(status, 1.0, t0 + std::chrono::seconds(29)));
  CHECK(internal::AdvanceAlert(status, 1.0, t0 + std::chrono::seconds(30)));
  CHECK(status.state == AlertState::kFiring);
  CHECK(internal::AdvanceAlert(status, std::nullopt, t0 + std::chrono::seconds(31)));
  CHECK(status.state == AlertState::kResolved);
}

TEST_CASE("The log ring keeps the newest lines and filters them", "[monitor][logs]") {
  auto runtime = Runtime::Create({1, 1});
  REQUIRE(runtime.ok());
  MetricsRegistry registry;
  MonitorOptions options;
  options.log_buffer_lines = 4;
  auto monitor = Monitor::Create(options, **runtime, registry);
  REQUIRE(monitor.ok());
  const std::string tag = "ring-" + std::to_string(getpid());
  const auto before = std::chrono::system_clock::now();
  Log(LogLevel::kInfo, tag, "one");
  Log(LogLevel::kWarn, tag, "two");
  Log(LogLevel::kError, tag, "three");
  Log(LogLevel::kInfo, tag, "four");
  Log(LogLevel::kWarn, tag, "five");
  Log(LogLevel::kDebug, tag, "below the configured level");  // info by default

  auto messages = [&](const LogQuery& query) {
    std::vector<std::string> out;
    for (const LogRecord& record : (*monitor)->RecentLogs(query)) {
      if (record.logger == tag) out.push_back(record.message);
    }
    return out;
  };
  using Lines = std::vector<std::string>;
  CHECK(messages({}) == Lines{"two", "three", "four", "five"});  // "one" fell out
  LogQuery warn;
  warn.min_level = LogLevel::kWarn;
  CHECK(messages(warn) == Lines{"two", "three", "five"});
  warn.limit = 2;
  CHECK(messages(warn) == Lines{"three", "five"});
  LogQuery future;
  future.since = before + std::chrono::hours(1);
  CHECK(messages(future).empty());
  future.since = before - std::chrono::seconds(1);
  CHECK(messages(future).size() == 4);
  const auto records = (*monitor)->RecentLogs({});
  REQUIRE(records.size() >= 2);
  CHECK(records.back().sequence > records.front().sequence);
  CHECK((*monitor)->log_capacity() == 4);
}

TEST_CASE("Monitored services parse strictly", "[monitor][health]") {
  auto parsed = ParseMonitoredServices(" upload=http://127.0.0.1:9091/ , auth=https://auth.local");
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[0].name == "upload");
  CHECK((*parsed)[0].url == "http://127.0.0.1:9091");
  CHECK((*parsed)[1].url == "https://auth.local");
  CHECK(ParseMonitoredServices("")->empty());
  for (const std::string bad :
       {"upload", "=http://a", "up load=http://a", "a=ftp://x", "a=http://", "a=http://x?y",
        "a=http://x,a=http://y", "a=http://x,", "a=127.0.0.1:80", "a=http://u@x"}) {
    INFO(bad);
    CHECK(ParseMonitoredServices(bad).status().code() == StatusCode::kInvalidArgument);
  }
}

}  // namespace streamgate
