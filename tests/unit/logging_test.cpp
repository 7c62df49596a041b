// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streamgate/logging.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "captured_stderr.h"
#include "common/log.h"

namespace streamgate {
namespace {

using testing::CapturedStderr;

// Restores the defaults so that other tests see the usual text logging.
struct LoggingDefaultsGuard {
  ~LoggingDefaultsGuard() { static_cast<void>(ConfigureLogging(LogOptions{})); }
};

}  // namespace

TEST_CASE("ParseLogLevel and LogLevelName agree", "[logging]") {
  for (const LogLevel level : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                               LogLevel::kError, LogLevel::kCritical, LogLevel::kOff}) {
    const Result<LogLevel> parsed = ParseLogLevel(LogLevelName(level));
    REQUIRE(parsed.ok());
    CHECK(*parsed == level);
  }
  CHECK(LogLevelName(LogLevel::kWarn) == "warn");
  CHECK(*ParseLogLevel("warning") == LogLevel::kWarn);
  CHECK(*ParseLogLevel("DEBUG") == LogLevel::kDebug);
  const Result<LogLevel> bad = ParseLogLevel("verbose");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(bad.status().message(), Catch::Contains("\"verbose\""));
  CHECK_FALSE(ParseLogLevel("").ok());
}

TEST_CASE("JSON log lines escape any message and parse back to it", "[logging]") {
  LoggingDefaultsGuard guard;
  REQUIRE(ConfigureLogging({LogLevel::kInfo, LogFormat::kJson, true}).ok());
  const std::string nasty =
      "say \"hi\" \\ back\\slash\nnew line\r\ttab \x01\x02\x1f del\x7f unicode \xc3\xa9 "
      "\xe2\x82\xac";
  std::vector<std::string> lines;
  {
    CapturedStderr captured;
    Log(LogLevel::kWarn, "comp\"onent", nasty);
    Log(LogLevel::kInfo, "plain", "second line");
    Log(LogLevel::kDebug, "plain", "below the level: not written");
    lines = captured.Lines();
  }
  REQUIRE(lines.size() == 2);
  const auto first = nlohmann::json::parse(lines[0]);
  CHECK(first.size() == 4);
  CHECK(first["msg"] == nasty);
  CHECK(first["logger"] == "comp\"onent");
  CHECK(first["level"] == "warn");
  // ISO-8601 UTC with milliseconds.
  CHECK(std::regex_match(first["ts"].get<std::string>(),
                         std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
  const auto second = nlohmann::json::parse(lines[1]);
  CHECK(second["msg"] == "second line");
  CHECK(second["level"] == "info");
  CHECK(second["logger"] == "plain");
}

TEST_CASE("JSON log lines stay valid for invalid UTF-8", "[logging]") {
  LoggingDefaultsGuard guard;
  REQUIRE(ConfigureLogging({LogLevel::kInfo, LogFormat::kJson, true}).ok());
  std::vector<std::string> lines;
  {
    CapturedStderr captured;
    Log(LogLevel::kError, "bytes", std::string("bad \xff\xfe end", 10));
    lines = captured.Lines();
  }
  REQUIRE(lines.size() == 1);
  const auto line = nlohmann::json::parse(lines[0]);
  CHECK(line["msg"] == "bad \xef\xbf\xbd\xef\xbf\xbd end");  // each bad byte is U+FFFD
  CHECK(line["level"] == "error");
}

TEST_CASE("Text log lines carry time, level, component and message", "[logging]") {
  LoggingDefaultsGuard guard;
  REQUIRE(ConfigureLogging({LogLevel::kDebug, LogFormat::kText, true}).ok());
  std::vector<std::string> lines;
  {
    CapturedStderr captured;
    Log(LogLevel::kDebug, "kernel", "plugin upload started");
    Log(LogLevel::kTrace, "kernel", "below the level");
    lines = captured.Lines();
  }
  REQUIRE(lines.size() == 1);
  CHECK(std::regex_match(
      lines[0], std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z debug \[kernel\] )"
                           R"(plugin upload started)")));
}

TEST_CASE("ConfigureLogging changes loggers already handed out", "[logging]") {
  LoggingDefaultsGuard guard;
  auto logger = internal::Logger("cached");
  REQUIRE(ConfigureLogging({LogLevel::kError, LogFormat::kJson, true}).ok());
  CHECK_FALSE(internal::LogEnabled(LogLevel::kWarn));
  CHECK(internal::LogEnabled(LogLevel::kError));
  std::vector<std::string> lines;
  {
    CapturedStderr captured;
    logger->warn("filtered");
    logger->error("kept");
    lines = captured.Lines();
  }
  REQUIRE(lines.size() == 1);
  CHECK(nlohmann::json::parse(lines[0])["msg"] == "kept");

  REQUIRE(ConfigureLogging({LogLevel::kOff, LogFormat::kText, true}).ok());
  CHECK_FALSE(internal::LogEnabled(LogLevel::kCritical));
  CHECK_FALSE(ConfigureLogging({static_cast<LogLevel>(42), LogFormat::kText, true}).ok());
}

TEST_CASE("Logging from many threads writes whole lines", "[logging]") {
  LoggingDefaultsGuard guard;
  REQUIRE(ConfigureLogging({LogLevel::kInfo, LogFormat::kJson, true}).ok());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::string> lines;
  {
    CapturedStderr captured;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < kPerThread; ++i) {
          Log(LogLevel::kInfo, "thread" + std::to_string(t), "message " + std::to_string(i));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    lines = captured.Lines();
  }
  REQUIRE(lines.size() == kThreads * kPerThread);
  for (const std::string& line : lines) {
    const auto parsed = nlohmann::json::parse(line, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
  }
}

}  // namespace streamgate
