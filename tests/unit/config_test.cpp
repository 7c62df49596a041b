// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streamgate/config.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace streamgate {
namespace {

using Env = std::map<std::string, std::string>;

// A file under the temporary directory, removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("streamgate_config_test_" + std::to_string(::getpid()) + "_" +
              std::to_string(counter++) + ".json"))
                .string();
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Result<Config> Load(std::vector<std::string> args, Env env = {}, Config defaults = {}) {
  return LoadConfig(ConfigSources{std::move(args), std::move(env)}, std::move(defaults));
}

std::string ErrorOf(const Result<Config>& result) {
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalidArgument);
  return result.status().message();
}

}  // namespace

TEST_CASE("LoadConfig with no sources returns the defaults", "[config]") {
  const Result<Config> config = Load({});
  REQUIRE(config.ok());
  CHECK(config->service == "streamgate");
  CHECK(config->data_dir == "./data");
  CHECK(config->server.host == "0.0.0.0");
  CHECK(config->server.port == 8080);
  CHECK(config->server.max_body_bytes == 1024 * 1024);
  CHECK(config->runtime.io_threads == 0);
  CHECK(config->log.level == LogLevel::kInfo);
  CHECK(config->log.format == LogFormat::kText);
  CHECK(config->log.access_log);

  // The caller's defaults are the bottom layer (each service passes its own port and name).
  Config defaults;
  defaults.service = "upload";
  defaults.server.port = 9091;
  const Result<Config> service = Load({}, {}, defaults);
  REQUIRE(service.ok());
  CHECK(service->service == "upload");
  CHECK(service->server.port == 9091);
}

TEST_CASE("The JSON config file sets nested keys", "[config]") {
  const TempFile file(R"({
    "service": "cache",
    "data_dir": "/var/lib/sg",
    "server": {"host": "127.0.0.1", "port": 9006, "max_body_bytes": 5000000,
               "idle_timeout_ms": 1500},
    "runtime": {"io_threads": 3, "worker_threads": 5},
    "log": {"level": "debug", "format": "json", "access_log": false}
  })");
  const Result<Config> config = Load({"--config", file.path()});
  REQUIRE(config.ok());
  CHECK(config->service == "cache");
  CHECK(config->data_dir == "/var/lib/sg");
  CHECK(config->server.host == "127.0.0.1");
  CHECK(config->server.port == 9006);
  CHECK(config->server.max_body_bytes == 5000000);
  CHECK(config->server.idle_timeout_ms == 1500);
  CHECK(config->runtime.io_threads == 3);
  CHECK(config->runtime.worker_threads == 5);
  CHECK(config->log.level == LogLevel::kDebug);
  CHECK(config->log.format == LogFormat::kJson);
  CHECK_FALSE(config->log.access_log);
  // Keys the file does not mention keep their defaults.
  CHECK(config->server.backlog == 1024);

  // --config=PATH works as well, and STREAMGATE_CONFIG names the file when no flag does.
  CHECK(Load({"--config=" + file.path()})->server.port == 9006);
  CHECK(Load({}, {{"STREAMGATE_CONFIG", file.path()}})->server.port == 9006);
}

TEST_CASE("The --config flag wins over STREAMGATE_CONFIG", "[config]") {
  const TempFile from_flag(R"({"server": {"port": 1111}})");
  const TempFile from_env(R"({"server": {"port": 2222}})");
  const Result<Config> config =
      Load({"--config", from_flag.path()}, {{"STREAMGATE_CONFIG", from_env.path()}});
  REQUIRE(config.ok());
  CHECK(config->server.port == 1111);
}

TEST_CASE("Environment variables STREAMGATE_<SECTION>_<KEY> set keys", "[config]") {
  const Result<Config> config = Load({}, {{"STREAMGATE_SERVER_HOST", "127.0.0.1"},
                                          {"STREAMGATE_SERVER_PORT", "9093"},
                                          {"STREAMGATE_DATA_DIR", "/tmp/sg"},
                                          {"STREAMGATE_LOG_LEVEL", "WARNING"},
                                          {"STREAMGATE_LOG_FORMAT", "Json"},
                                          {"STREAMGATE_LOG_ACCESS_LOG", "off"},
                                          {"STREAMGATE_RUNTIME_WORKER_THREADS", "7"},
                                          {"STREAMGATE_SOMETHING_NEWER", "ignored"},
                                          {"PATH", "/usr/bin"}});
  REQUIRE(config.ok());
  CHECK(config->server.host == "127.0.0.1");
  CHECK(config->server.port == 9093);
  CHECK(config->data_dir == "/tmp/sg");
  CHECK(config->log.level == LogLevel::kWarn);
  CHECK(config->log.format == LogFormat::kJson);
  CHECK_FALSE(config->log.access_log);
  CHECK(config->runtime.worker_threads == 7);
}

TEST_CASE("Flags accept --key=value, --key value and bare booleans", "[config]") {
  const Result<Config> config = Load({"--server.port=9", "--server.host", "::1", "--log.level",
                                      "error", "--log.access_log", "--runtime.io_threads=2"},
                                     {{"STREAMGATE_LOG_ACCESS_LOG", "false"}});
  REQUIRE(config.ok());
  CHECK(config->server.port == 9);
  CHECK(config->server.host == "::1");
  CHECK(config->log.level == LogLevel::kError);
  CHECK(config->log.access_log);  // the bare flag means true and beats the environment
  CHECK(config->runtime.io_threads == 2);

  // A bare boolean followed by a value takes it.
  CHECK_FALSE(Load({"--log.access_log", "no"})->log.access_log);
  // --help and --version belong to RunService and do not disturb loading.
  CHECK(Load({"--help", "--version", "--server.port=5"})->server.port == 5);
}

TEST_CASE("Precedence is flags over environment over file over defaults", "[config]") {
  const TempFile file(R"({"server": {"port": 1000, "host": "10.0.0.1", "backlog": 7},
                          "data_dir": "/from/file"})");
  Config defaults;
  defaults.server.max_connections = 77;
  const Result<Config> config =
      Load({"--config", file.path(), "--server.port=3000"},
           {{"STREAMGATE_SERVER_PORT", "2000"}, {"STREAMGATE_SERVER_HOST", "10.0.0.2"}}, defaults);
  REQUIRE(config.ok());
  CHECK(config->server.port == 3000);              // flag
  CHECK(config->server.host == "10.0.0.2");        // environment
  CHECK(config->server.backlog == 7);              // file
  CHECK(config->data_dir == "/from/file");         // file
  CHECK(config->server.max_connections == 77);     // defaults argument
  CHECK(config->server.idle_timeout_ms == 60000);  // built-in default
}

TEST_CASE("Every error names the key and the source", "[config]") {
  SECTION("environment") {
    CHECK(ErrorOf(Load({}, {{"STREAMGATE_SERVER_PORT", "80x"}})) ==
          "STREAMGATE_SERVER_PORT: \"80x\" is not an integer in [0, 65535]");
    CHECK(ErrorOf(Load({}, {{"STREAMGATE_LOG_FORMAT", "xml"}})) ==
          "STREAMGATE_LOG_FORMAT: \"xml\" is not one of text|json");
    CHECK(ErrorOf(Load({}, {{"STREAMGATE_LOG_LEVEL", "loud"}})) ==
          "STREAMGATE_LOG_LEVEL: \"loud\" is not one of trace|debug|info|warn|error|critical|off");
    CHECK(ErrorOf(Load({}, {{"STREAMGATE_LOG_ACCESS_LOG", "maybe"}})) ==
          "STREAMGATE_LOG_ACCESS_LOG: \"maybe\" is not a boolean (true/false, 1/0, yes/no, "
          "on/off)");
    CHECK(ErrorOf(Load({}, {{"STREAMGATE_DATA_DIR", ""}})) ==
          "STREAMGATE_DATA_DIR: must not be empty");
  }
  SECTION("flags") {
    CHECK(ErrorOf(Load({"--server.port=70000"})) ==
          "flag --server.port: \"70000\" is not an integer in [0, 65535]");
    CHECK(ErrorOf(Load({"--server.port"})) == "flag --server.port: missing value");
    CHECK(ErrorOf(Load({"--server.idle_timeout_ms", "0"})) ==
          "flag --server.idle_timeout_ms: \"0\" is not an integer in [1, 86400000]");
    CHECK(ErrorOf(Load({"--server.prot=1"})) ==
          "flag --server.prot: unknown key (--help lists them)");
    CHECK_THAT(ErrorOf(Load({"stray"})), Catch::Contains("unexpected argument \"stray\""));
    CHECK(ErrorOf(Load({"--config"})) == "flag --config: missing value");
  }
  SECTION("config file") {
    const TempFile bad_port(R"({"server": {"port": "8080"}})");
    CHECK(ErrorOf(Load({"--config", bad_port.path()})) ==
          "config file " + bad_port.path() +
              ": server.port: expected an integer in [0, 65535], got string \"8080\"");
    const TempFile too_big(R"({"server": {"port": 65536}})");
    CHECK(ErrorOf(Load({"--config", too_big.path()})) ==
          "config file " + too_big.path() + ": server.port: 65536 is not an integer in [0, 65535]");
    const TempFile fraction(R"({"server": {"max_connections": 1.5}})");
    CHECK_THAT(ErrorOf(Load({"--config", fraction.path()})),
               Catch::Contains("server.max_connections: expected an integer") &&
                   Catch::Contains("got number 1.5"));
    const TempFile huge(R"({"server": {"max_body_bytes": 18446744073709551615}})");
    CHECK_THAT(ErrorOf(Load({"--config", huge.path()})),
               Catch::Contains("server.max_body_bytes: 18446744073709551615 is not an integer"));
    const TempFile bad_bool(R"({"log": {"access_log": "yes"}})");
    CHECK(ErrorOf(Load({"--config", bad_bool.path()})) ==
          "config file " + bad_bool.path() +
              ": log.access_log: expected a boolean, got string \"yes\"");
    const TempFile bad_level(R"({"log": {"level": 3}})");
    CHECK_THAT(ErrorOf(Load({"--config", bad_level.path()})),
               Catch::Contains("log.level: expected a string, got number 3"));
    const TempFile null_host(R"({"server": {"host": null}})");
    CHECK_THAT(ErrorOf(Load({"--config", null_host.path()})),
               Catch::Contains("server.host: expected a string, got null"));
  }
  SECTION("cross-field rules name where the value came from") {
    CHECK(ErrorOf(Load({"--server.max_uri_bytes=20000"})) ==
          "flag --server.max_uri_bytes: server.max_uri_bytes: 20000 exceeds "
          "server.max_header_bytes (16384), which includes the request line");
    Config defaults;
    defaults.server.max_uri_bytes = 1 << 20;
    CHECK_THAT(ErrorOf(Load({}, {}, defaults)),
               Catch::StartsWith("defaults: server.max_uri_bytes"));
  }
}

TEST_CASE("Unknown keys in the config file are rejected by name", "[config]") {
  const TempFile typo(R"({"server": {"prot": 8080}})");
  CHECK(ErrorOf(Load({"--config", typo.path()})) ==
        "config file " + typo.path() + ": \"server.prot\": unknown key");
  const TempFile section(R"({"sever": {"port": 8080}})");
  CHECK_THAT(ErrorOf(Load({"--config", section.path()})),
             Catch::Contains("\"sever\": unknown key"));
  const TempFile dotted(R"({"server.port": 8080})");
  CHECK_THAT(ErrorOf(Load({"--config", dotted.path()})),
             Catch::Contains("\"server.port\": unknown key"));
  const TempFile not_object(R"({"server": 8080})");
  CHECK_THAT(ErrorOf(Load({"--config", not_object.path()})),
             Catch::Contains("server: expected an object (a section), got number"));
  const TempFile too_deep(R"({"server": {"port": {"value": 1}}})");
  CHECK_THAT(ErrorOf(Load({"--config", too_deep.path()})),
             Catch::Contains("server.port: expected an integer in [0, 65535], got object"));
}

TEST_CASE("A missing or unparsable config file is an error naming the path", "[config]") {
  const std::string missing = "/nonexistent/streamgate.json";
  CHECK(ErrorOf(Load({"--config", missing})) ==
        "config file " + missing + ": cannot open: No such file or directory");
  const TempFile broken(R"({"server": {"port": 8080,}})");
  const std::string message = ErrorOf(Load({"--config", broken.path()}));
  CHECK_THAT(message, Catch::StartsWith("config file " + broken.path() + ": not valid JSON: "));
  CHECK_THAT(message, Catch::Contains("parse error"));
  const TempFile array("[1, 2]");
  CHECK_THAT(ErrorOf(Load({"--config", array.path()})),
             Catch::Contains("expected a JSON object at the top level, got array"));
}

TEST_CASE("Integers are parsed strictly", "[config]") {
  for (const char* text : {"", " 1", "1 ", "+1", "-1", "0x10", "1e3", "65536", "1.0", "٣"}) {
    INFO("text: \"" << text << "\"");
    CHECK_FALSE(Load({}, {{"STREAMGATE_SERVER_PORT", text}}).ok());
  }
  CHECK(Load({}, {{"STREAMGATE_SERVER_PORT", "0"}})->server.port == 0);
  CHECK(Load({}, {{"STREAMGATE_SERVER_PORT", "65535"}})->server.port == 65535);
  CHECK(Load({}, {{"STREAMGATE_SERVER_PORT", "00080"}})->server.port == 80);
  CHECK(Load({}, {{"STREAMGATE_SERVER_MAX_BODY_BYTES", "1099511627776"}})->server.max_body_bytes ==
        1099511627776ULL);
  CHECK_FALSE(Load({}, {{"STREAMGATE_SERVER_MAX_BODY_BYTES", "99999999999999999999999"}}).ok());
  CHECK_FALSE(Load({}, {{"STREAMGATE_SERVER_MAX_CONNECTIONS", "0"}}).ok());
  CHECK_FALSE(Load({}, {{"STREAMGATE_RUNTIME_IO_THREADS", "-1"}}).ok());
}

TEST_CASE("Booleans and enums accept the documented spellings", "[config]") {
  for (const char* text : {"true", "TRUE", "1", "yes", "On"}) {
    INFO(text);
    CHECK(Load({"--log.access_log=" + std::string(text)}, {},
               [] {
                 Config c;
                 c.log.access_log = false;
                 return c;
               }())
              ->log.access_log);
  }
  for (const char* text : {"false", "False", "0", "no", "OFF"}) {
    INFO(text);
    CHECK_FALSE(Load({"--log.access_log=" + std::string(text)})->log.access_log);
  }
  CHECK(Load({"--log.level=TRACE"})->log.level == LogLevel::kTrace);
  CHECK(Load({"--log.level=warn"})->log.level == LogLevel::kWarn);
  CHECK(Load({"--log.level=off"})->log.level == LogLevel::kOff);
  CHECK(Load({"--log.format=JSON"})->log.format == LogFormat::kJson);
}

TEST_CASE("ValidateConfig checks ranges and cross-field rules of a built Config", "[config]") {
  CHECK(ValidateConfig(Config{}).ok());
  Config zero_timeout;
  zero_timeout.server.write_timeout_ms = 0;
  CHECK(ValidateConfig(zero_timeout).message() ==
        "server.write_timeout_ms: 0 is not an integer in [1, 86400000]");
  Config empty_host;
  empty_host.server.host.clear();
  CHECK(ValidateConfig(empty_host).message() == "server.host: must not be empty");
  Config uri;
  uri.server.max_uri_bytes = 32 * 1024;
  CHECK(ValidateConfig(uri).code() == StatusCode::kInvalidArgument);
  Config threads;
  threads.runtime.worker_threads = 5000;
  CHECK_THAT(ValidateConfig(threads).message(), Catch::StartsWith("runtime.worker_threads: "));
}

TEST_CASE("ConfigToJson round-trips through LoadConfig", "[config]") {
  Config original;
  original.service = "metadata";
  original.data_dir = "/srv/streamgate \"quoted\"";
  original.server.host = "127.0.0.1";
  original.server.port = 9005;
  original.server.max_body_bytes = 123456789;
  original.server.shutdown_timeout_ms = 2500;
  original.runtime.io_threads = 3;
  original.log.level = LogLevel::kCritical;
  original.log.format = LogFormat::kJson;
  original.log.access_log = false;

  const std::string json = ConfigToJson(original);
  const auto document = nlohmann::json::parse(json);
  CHECK(document["server"]["port"] == 9005);
  CHECK(document["log"]["level"] == "critical");
  CHECK(document["log"]["format"] == "json");
  CHECK(document["data_dir"] == original.data_dir);

  const TempFile file(json);
  const Result<Config> loaded = Load({"--config", file.path()});
  REQUIRE(loaded.ok());
  CHECK(ConfigToJson(*loaded) == json);
  CHECK(loaded->data_dir == original.data_dir);
  CHECK(loaded->log.level == LogLevel::kCritical);

  // The defaults written out and read back are the defaults.
  const TempFile defaults(ConfigToJson(Config{}));
  CHECK(ConfigToJson(*Load({"--config", defaults.path()})) == ConfigToJson(Config{}));
}

TEST_CASE("DescribeConfigKeys lists every key with its environment variable", "[config]") {
  const std::vector<ConfigKeyInfo> keys = DescribeConfigKeys();
  std::map<std::string, ConfigKeyInfo> by_env;
  std::set<std::string> names;
  for (const ConfigKeyInfo& key : keys) {
    CHECK_FALSE(key.description.empty());
    CHECK_FALSE(key.type.empty());
    CHECK(names.insert(key.key).second);  // no key listed twice
    by_env[key.env] = key;
  }
  REQUIRE(by_env.count("STREAMGATE_SERVER_PORT") == 1);
  CHECK(by_env["STREAMGATE_SERVER_PORT"].key == "server.port");
  CHECK(by_env["STREAMGATE_SERVER_PORT"].type == "integer");
  CHECK(by_env["STREAMGATE_SERVER_PORT"].default_value == "8080");
  REQUIRE(by_env.count("STREAMGATE_SERVER_HOST") == 1);
  CHECK(by_env["STREAMGATE_SERVER_HOST"].default_value == "0.0.0.0");
  REQUIRE(by_env.count("STREAMGATE_DATA_DIR") == 1);
  CHECK(by_env["STREAMGATE_DATA_DIR"].key == "data_dir");
  CHECK(by_env["STREAMGATE_DATA_DIR"].default_value == "./data");
  REQUIRE(by_env.count("STREAMGATE_LOG_LEVEL") == 1);
  CHECK(by_env["STREAMGATE_LOG_LEVEL"].default_value == "info");
  REQUIRE(by_env.count("STREAMGATE_LOG_FORMAT") == 1);
  CHECK(by_env["STREAMGATE_LOG_FORMAT"].type == "enum(text|json)");
  CHECK(by_env["STREAMGATE_LOG_FORMAT"].default_value == "text");
  CHECK(by_env["STREAMGATE_LOG_ACCESS_LOG"].type == "boolean");

  // Every field of Config, HttpServerOptions, RuntimeOptions and LogOptions has a key: the
  // JSON document holds exactly the described keys.
  const auto document = nlohmann::json::parse(ConfigToJson(Config{}));
  std::set<std::string> from_json;
  for (const auto& [name, value] : document.items()) {
    if (value.is_object()) {
      for (const auto& [inner, unused] : value.items()) from_json.insert(name + "." + inner);
    } else {
      from_json.insert(name);
    }
  }
  CHECK(from_json == names);
}

TEST_CASE("docs/configuration.md documents every key", "[config][docs]") {
  const std::filesystem::path doc =
      std::filesystem::path(STREAMGATE_SOURCE_DIR) / "docs" / "configuration.md";
  std::ifstream file(doc);
  REQUIRE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  for (const ConfigKeyInfo& key : DescribeConfigKeys()) {
    INFO(key.key);
    // The row of the key table: Markdown escapes the '|' of enum types inside a table cell.
    std::string type;
    for (const char c : key.type) type += c == '|' ? std::string("\\|") : std::string(1, c);
    CHECK_THAT(text.str(), Catch::Contains("| `" + key.key + "` | `" + key.env + "` | " + type +
                                           " | `" + key.default_value + "` |"));
  }
}

}  // namespace streamgate
