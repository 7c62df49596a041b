// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The storage section of Config: parsing, cross-field validation and secret masking.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "streamgate/config.h"

namespace streamgate {
namespace {

using Env = std::map<std::string, std::string>;

Result<Config> LoadEnv(Env env) { return LoadConfig(ConfigSources{{}, std::move(env)}); }

Env S3Env() {
  return {{"STREAMGATE_STORAGE_BACKEND", "S3"},
          {"STREAMGATE_STORAGE_S3_ENDPOINT", "http://127.0.0.1:4568"},
          {"STREAMGATE_STORAGE_S3_BUCKET", "media-bucket"},
          {"STREAMGATE_STORAGE_S3_REGION", "eu-west-3"},
          {"STREAMGATE_STORAGE_S3_ACCESS_KEY", "AKIDTEST"},
          {"STREAMGATE_STORAGE_S3_SECRET_KEY", "very-secret-value"},
          {"STREAMGATE_STORAGE_S3_PATH_STYLE", "false"},
          {"STREAMGATE_STORAGE_S3_KEY_PREFIX", "sg/"},
          {"STREAMGATE_STORAGE_S3_MULTIPART_THRESHOLD", "10485760"},
          {"STREAMGATE_STORAGE_S3_PART_SIZE", "6291456"}};
}

}  // namespace

TEST_CASE("storage defaults to the local backend", "[config][storage]") {
  const Result<Config> config = LoadEnv({});
  REQUIRE(config.ok());
  CHECK(config->storage.backend == "local");
  CHECK(config->storage.s3.region == "us-east-1");
  CHECK(config->storage.s3.part_size == 8 * 1024 * 1024);
  CHECK(ValidateConfig(*config).ok());
}

TEST_CASE("storage.s3_* settings are parsed from the environment", "[config][storage]") {
  const Result<Config> config = LoadEnv(S3Env());
  REQUIRE(config.ok());
  const S3ObjectStoreOptions& s3 = config->storage.s3;
  CHECK(config->storage.backend == "s3");
  CHECK(s3.endpoint == "http://127.0.0.1:4568");
  CHECK(s3.bucket == "media-bucket");
  CHECK(s3.region == "eu-west-3");
  CHECK(s3.access_key == "AKIDTEST");
  CHECK(s3.secret_key == "very-secret-value");
  CHECK_FALSE(s3.path_style);
  CHECK(s3.key_prefix == "sg/");
  CHECK(s3.multipart_threshold == 10485760);
  CHECK(s3.part_size == 6291456);
}

TEST_CASE("the s3 backend needs an endpoint, a bucket and S3-sized parts", "[config][storage]") {
  Env env = S3Env();
  env.erase("STREAMGATE_STORAGE_S3_ENDPOINT");
  Result<Config> config = LoadEnv(env);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(config.status().message(), Catch::Contains("storage.s3_endpoint: required"));

  env = S3Env();
  env.erase("STREAMGATE_STORAGE_S3_BUCKET");
  config = LoadEnv(env);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("storage.s3_bucket: required"));

  env = S3Env();
  env["STREAMGATE_STORAGE_S3_PART_SIZE"] = "4194304";
  config = LoadEnv(env);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("STREAMGATE_STORAGE_S3_PART_SIZE"));

  env = S3Env();
  env["STREAMGATE_STORAGE_BACKEND"] = "gcs";
  config = LoadEnv(env);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("not one of local|s3"));

  env = S3Env();
  env["STREAMGATE_STORAGE_S3_ENDPOINT"] = "s3.example.com";
  config = LoadEnv(env);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("storage.s3_endpoint"));

  // The local backend ignores incomplete S3 settings.
  config = LoadEnv({{"STREAMGATE_STORAGE_S3_BUCKET", "x"}});
  CHECK(config.ok());
}

TEST_CASE("the S3 secret key is never shown by ConfigToJson or --help", "[config][storage]") {
  const Result<Config> config = LoadEnv(S3Env());
  REQUIRE(config.ok());
  const std::string json = ConfigToJson(*config);
  CHECK(json.find("very-secret-value") == std::string::npos);
  const auto document = nlohmann::json::parse(json);
  CHECK(document["storage"]["s3_secret_key"] == "<redacted>");
  CHECK(document["storage"]["s3_access_key"] == "AKIDTEST");
  CHECK(document["storage"]["backend"] == "s3");
  // An unset secret shows as empty, so that the defaults still round-trip.
  CHECK(nlohmann::json::parse(ConfigToJson(Config{}))["storage"]["s3_secret_key"] == "");
  for (const ConfigKeyInfo& key : DescribeConfigKeys()) {
    CHECK(key.default_value.find("very-secret-value") == std::string::npos);
  }
}

}  // namespace streamgate
