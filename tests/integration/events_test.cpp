// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Services as separate "processes": one Kernel per service in this test process, each with its
// own Runtime, plugin and service name, sharing only what separate processes share: a real
// redis-server (the event bus and the job queue both on Redis) and the object-store directory.
// A generated video uploaded to the upload kernel is transcoded by the job the transcoder
// kernel runs, and the metadata kernel shows it ready with its renditions; a metadata kernel
// that was down while events were published catches up when it starts again; and an update in
// the metadata kernel invalidates entries of the cache kernel's in-process cache.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "media_test_util.h"
#include "streamgate/config.h"
#include "streamgate/kernel.h"
#include "streamgate/plugins.h"
#include "streamgate/runtime.h"
#include "test_http_client.h"
#include "test_redis_server.h"

namespace fs = std::filesystem;
using nlohmann::json;
using streamgate::testing::ClipSpec;
using streamgate::testing::MakeClip;
using streamgate::testing::MediaTempDir;
using streamgate::testing::ReadFileBytes;
using streamgate::testing::TestHttpClient;
using streamgate::testing::TestHttpResponse;
using streamgate::testing::TestRedisServer;

namespace {

constexpr const char* kAdminToken = "events-test-admin-token";

streamgate::Config ServiceConfig(const std::string& service, const std::string& data_dir,
                                 int redis_port) {
  streamgate::Config config;
  config.service = service;
  config.data_dir = data_dir;
  config.server.host = "127.0.0.1";
  config.server.port = 0;
  config.server.max_body_bytes = 64 << 20;
  config.log.level = streamgate::LogLevel::kWarn;
  config.log.access_log = false;
  config.events.backend = streamgate::EventBusBackend::kRedis;
  config.events.redis.redis_port = redis_port;
  config.events.redis.poll_interval_ms = 20;
  config.jobs.queue.backend = streamgate::JobBackend::kRedis;
  config.jobs.queue.redis_port = redis_port;
  config.jobs.worker.poll_interval_ms = 100;
  config.transcode.transcoder.preset = "ultrafast";
  config.transcode.transcoder.ladder = {{"240p", 240, 400}};
  config.transcode.transcoder.packager.segment_seconds = 1;
  config.transcode.transcoder.encoder_threads = 1;
  config.cache.admin_token = kAdminToken;
  return config;
}

// One service process: its Runtime, its Kernel with one plugin.
struct Service {
  Service(const streamgate::Config& config, std::unique_ptr<streamgate::Plugin> plugin) {
    auto created_runtime = streamgate::Runtime::Create({1, 3});
    REQUIRE(created_runtime.ok());
    runtime = std::move(created_runtime).value();
    auto created_kernel = streamgate::Kernel::Create(config, *runtime);
    INFO(created_kernel.status().ToString());
    REQUIRE(created_kernel.ok());
    kernel = std::move(created_kernel).value();
    REQUIRE(kernel->Register(std::move(plugin)).ok());
    const streamgate::Status started = kernel->Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
  }
  ~Service() {
    (void)kernel->Stop();
    kernel.reset();
    runtime->Stop();
  }

  TestHttpResponse Request(const std::string& method, const std::string& target,
                           const std::string& body = "", const std::string& headers = "") {
    TestHttpClient client(kernel->port());
    client.set_timeout(std::chrono::seconds(30));
    return client.Exchange(method + " " + target + " HTTP/1.1\r\nHost: t\r\n" + headers +
                           "Content-Length: " + std::to_string(body.size()) +
                           "\r\nConnection: close\r\n\r\n" + body);
  }

  std::unique_ptr<streamgate::Runtime> runtime;
  std::unique_ptr<streamgate::Kernel> kernel;
};

// Uploads the clip as a whole file; returns the upload's answer.
json Upload(Service& upload, const std::string& clip) {
  const TestHttpResponse response =
      upload.Request("POST", "/api/v1/upload?filename=clip.mp4", ReadFileBytes(clip),
                     "Content-Type: video/mp4\r\n");
  INFO(response.body);
  REQUIRE(response.status == 201);
  return json::parse(response.body);
}

// Polls the metadata item until it is ready (or failed, or two minutes passed).
json WaitReady(Service& metadata, const std::string& content_id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  json item;
  while (std::chrono::steady_clock::now() < deadline) {
    const TestHttpResponse response = metadata.Request("GET", "/api/v1/metadata?id=" + content_id);
    if (response.status == 200) {
      item = json::parse(response.body);
      const std::string state = item.at("state");
      if (state == "ready" || state == "failed") return item;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return item;
}

// The transcode job of `content_id` once it has ended, as the transcoder reports it.
json WaitJobEnded(Service& transcoder, const std::string& content_id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    const TestHttpResponse response = transcoder.Request("GET", "/api/v1/transcode/list");
    REQUIRE(response.status == 200);
    last = response.body;
    const json list = json::parse(response.body);
    for (const json& job : list.at("jobs")) {
      const std::string state = job.at("state");
      if (job.at("content_id") == content_id && state != "queued" && state != "running") {
        return job;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("the transcode job of " << content_id << " did not end: " << last);
  return {};
}

void CheckReadyItem(const json& item, const std::string& content_id, const std::string& objects) {
  INFO(item.dump());
  REQUIRE(item.at("state") == "ready");
  CHECK(item.at("hls") == "media/" + content_id + "/master.m3u8");
  CHECK(item.at("dash") == "media/" + content_id + "/manifest.mpd");
  CHECK(item.at("poster") == "media/" + content_id + "/poster.jpg");
  CHECK(item.at("duration_s").get<double>() > 1.5);
  REQUIRE(item.at("renditions").size() == 1);
  CHECK(item.at("renditions")[0].at("name") == "240p");
  CHECK(item.at("renditions")[0].at("width") == 320);
  CHECK(item.at("renditions")[0].at("height") == 240);
  // What the metadata names is really in the shared store, and plays.
  const std::string master = objects + "/media/" + content_id + "/master.m3u8";
  REQUIRE(fs::exists(master));
  CHECK(streamgate::testing::RunCommand("ffmpeg -nostdin -v error -i " +
                                        streamgate::testing::Quote(master) + " -f null - 2>&1")
            .exit_code == 0);
}

}  // namespace

TEST_CASE("Upload, transcode and metadata in separate kernels over Redis events and jobs",
          "[events][jobs][redis][e2e]") {
  TestRedisServer redis;
  MediaTempDir shared("sg-events-shared");  // the upload and transcoder services' data_dir
  MediaTempDir metadata_dir("sg-events-metadata");
  MediaTempDir cache_dir("sg-events-cache");
  MediaTempDir clips("sg-events-clip");
  const std::string clip = clips / "clip.mp4";
  MakeClip(clip, ClipSpec{320, 240, 15, 2, true});
  const std::string objects = shared / "objects";

  Service upload(ServiceConfig("upload", shared.path, redis.port()), streamgate::NewUploadPlugin());
  Service transcoder(ServiceConfig("transcoder", shared.path, redis.port()),
                     streamgate::NewTranscoderPlugin());
  Service cache(ServiceConfig("cache", cache_dir.path, redis.port()), streamgate::NewCachePlugin());
  std::string first_id;
  {
    Service metadata(ServiceConfig("metadata", metadata_dir.path, redis.port()),
                     streamgate::NewMetadataPlugin());

    // upload.completed (upload) -> transcode job on Redis (transcoder) -> transcode.completed
    // -> the item is ready (metadata).
    const json uploaded = Upload(upload, clip);
    first_id = uploaded.at("content_id").get<std::string>();
    CheckReadyItem(WaitReady(metadata, first_id), first_id, objects);
    const json job = WaitJobEnded(transcoder, first_id);
    CHECK(job.at("state") == "completed");
    CHECK(job.at("source") == uploaded.at("object_key"));
    const json figures = json::parse(transcoder.Request("GET", "/api/v1/transcode/metrics").body);
    CHECK(figures.at("queue") == "redis");
    CHECK(figures.at("jobs").at("completed") == 1);

    // content.updated (metadata) invalidates content:<id>... entries in the cache service's own
    // in-process cache.
    const std::string auth = std::string("Authorization: Bearer ") + kAdminToken + "\r\n";
    const std::string key = "content:" + first_id + ":info";
    REQUIRE(cache
                .Request("POST", "/api/v1/cache/set", json{{"key", key}, {"value", "stale"}}.dump(),
                         auth + "Content-Type: application/json\r\n")
                .status == 200);
    REQUIRE(cache
                .Request("POST", "/api/v1/cache/set",
                         json{{"key", "other:" + first_id}, {"value", "kept"}}.dump(),
                         auth + "Content-Type: application/json\r\n")
                .status == 200);
    REQUIRE(cache.Request("GET", "/api/v1/cache/get?key=" + key, "", auth).status == 200);
    const TestHttpResponse renamed = metadata.Request(
        "PUT", "/api/v1/metadata/update", json{{"id", first_id}, {"title", "renamed"}}.dump(),
        "Content-Type: application/json\r\n");
    INFO(renamed.body);
    REQUIRE(renamed.status == 200);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int status = 200;
    while (status == 200 && std::chrono::steady_clock::now() < deadline) {
      status = cache.Request("GET", "/api/v1/cache/get?key=" + key, "", auth).status;
      if (status == 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(status == 404);
    CHECK(cache.Request("GET", "/api/v1/cache/get?key=other:" + first_id, "", auth).status == 200);
  }  // the metadata service goes down

  // Uploaded and transcoded while metadata is down: the events wait in its group.
  const json second = Upload(upload, clip);
  const std::string second_id = second.at("content_id").get<std::string>();
  CHECK(WaitJobEnded(transcoder, second_id).at("state") == "completed");

  // Back up on the same database: it catches up with upload.completed, then
  // transcode.completed, in order, and the first item is untouched.
  Service metadata(ServiceConfig("metadata", metadata_dir.path, redis.port()),
                   streamgate::NewMetadataPlugin());
  CheckReadyItem(WaitReady(metadata, second_id), second_id, objects);
  const json first = json::parse(metadata.Request("GET", "/api/v1/metadata?id=" + first_id).body);
  CHECK(first.at("state") == "ready");
  CHECK(first.at("title") == "renamed");
}
