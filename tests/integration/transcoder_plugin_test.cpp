// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The transcoder plugin over real loopback HTTP: submit/status/list/cancel/metrics, jobs from
// upload.completed events, atomic publication under <data_dir>/objects/media/<content_id>, and
// the transcode.completed / transcode.failed events, on real media decoded back with ffmpeg.
// Jobs live in the durable JobQueue (<data_dir>/jobs.db): an interrupted job runs again after a
// restart, and a worker service (jobs.run_transcode) can run what a transcoder submits.
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "media_test_util.h"
#include "streamgate/config.h"
#include "streamgate/kernel.h"
#include "streamgate/plugins.h"
#include "streamgate/runtime.h"
#include "test_http_client.h"

namespace fs = std::filesystem;
using nlohmann::json;
using streamgate::testing::ClipSpec;
using streamgate::testing::MakeClip;
using streamgate::testing::MediaTempDir;
using streamgate::testing::Quote;
using streamgate::testing::RunCommand;
using streamgate::testing::TestHttpClient;
using streamgate::testing::TestHttpResponse;
using streamgate::testing::WriteFileBytes;

namespace {

struct Service {
  // `adjust` changes the test's configuration; `plugin` replaces the transcoder plugin.
  explicit Service(const std::string& data_dir,
                   const std::function<void(streamgate::Config&)>& adjust = {},
                   std::function<std::unique_ptr<streamgate::Plugin>()> plugin =
                       streamgate::NewTranscoderPlugin) {
    streamgate::Config config;
    config.data_dir = data_dir;
    config.server.host = "127.0.0.1";
    config.server.port = 0;
    config.log.access_log = false;
    config.transcode.transcoder.preset = "ultrafast";
    config.transcode.transcoder.ladder = {{"240p", 240, 400}};
    config.transcode.transcoder.packager.segment_seconds = 1;
    config.transcode.transcoder.encoder_threads = 1;
    config.transcode.max_concurrent_jobs = 1;
    config.jobs.worker.poll_interval_ms = 100;
    config.jobs.queue.backoff_base_ms = 100;
    if (adjust) adjust(config);
    auto created_runtime = streamgate::Runtime::Create({1, 3});
    REQUIRE(created_runtime.ok());
    runtime = std::move(created_runtime).value();
    auto created_kernel = streamgate::Kernel::Create(config, *runtime);
    REQUIRE(created_kernel.ok());
    kernel = std::move(created_kernel).value();
    REQUIRE(kernel->Register(plugin()).ok());
    for (const char* type : {"transcode.completed", "transcode.failed"}) {
      kernel->events().Subscribe(type, [this](const streamgate::Event& event) {
        std::lock_guard<std::mutex> lock(mutex);
        events.push_back(event);
        changed.notify_all();
      });
    }
    REQUIRE(kernel->Start().ok());
  }
  ~Service() {
    (void)kernel->Stop();
    kernel.reset();
    runtime->Stop();
  }

  TestHttpResponse Request(const std::string& method, const std::string& target,
                           const std::string& body = "") {
    TestHttpClient client(kernel->port());
    client.set_timeout(std::chrono::seconds(30));
    return client.Exchange(
        method + " " + target +
        " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + body);
  }

  // Polls the job until it leaves queued/running (at most two minutes: a loaded CI machine).
  json WaitFinished(const std::string& job_id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (std::chrono::steady_clock::now() < deadline) {
      const TestHttpResponse response = Request("GET", "/api/v1/transcode/status?job_id=" + job_id);
      REQUIRE(response.status == 200);
      const json job = json::parse(response.body);
      const std::string state = job.at("state");
      if (state != "queued" && state != "running") return job;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("job " << job_id << " did not finish");
    return {};
  }

  // The event of `type` for `content_id` (waits for the asynchronous delivery).
  json WaitEvent(const std::string& type, const std::string& content_id) {
    std::unique_lock<std::mutex> lock(mutex);
    json found;
    changed.wait_for(lock, std::chrono::seconds(30), [&] {
      for (const streamgate::Event& event : events) {
        const json data = json::parse(event.data);
        if (event.type == type && data.value("content_id", "") == content_id) {
          found = data;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::unique_ptr<streamgate::Runtime> runtime;
  std::unique_ptr<streamgate::Kernel> kernel;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<streamgate::Event> events;
};

std::string Submit(Service& service, const std::string& content_id, const std::string& key,
                   const std::string& extra = "") {
  const TestHttpResponse response = service.Request(
      "POST", "/api/v1/transcode/submit",
      R"({"content_id":")" + content_id + R"(","object_key":")" + key + "\"" + extra + "}");
  INFO(response.body);
  REQUIRE(response.status == 202);
  const json job = json::parse(response.body);
  CHECK(job.at("content_id") == content_id);
  return job.at("job_id").get<std::string>();
}

}  // namespace

TEST_CASE("Transcoder plugin: submit, publish, events, failures over HTTP",
          "[transcoder][plugin]") {
  MediaTempDir data("sg-transcoder-plugin");
  const std::string objects = data / "objects";
  fs::create_directories(objects + "/uploads/c1");
  fs::create_directories(objects + "/uploads/bad");
  MakeClip(objects + "/uploads/c1/source.mp4", ClipSpec{320, 240, 15, 2, true});
  WriteFileBytes(objects + "/uploads/bad/source.mp4", "this is not a video\n");
  Service service(data.path);

  // A good job: published under media/c1, announced with the contract's fields.
  const std::string job_id = Submit(service, "c1", "uploads/c1/source.mp4");
  const json job = service.WaitFinished(job_id);
  INFO(job.dump());
  REQUIRE(job.at("state") == "completed");
  CHECK(job.at("progress") == 100.0);
  CHECK(job.at("frames_encoded").get<int>() == 30);
  CHECK(job.at("hls") == "media/c1/master.m3u8");
  const std::string media = objects + "/media/c1";
  CHECK(fs::exists(media + "/master.m3u8"));
  CHECK(fs::exists(media + "/manifest.mpd"));
  CHECK(fs::exists(media + "/240p/index.m3u8"));
  CHECK(fs::exists(media + "/audio/init.mp4"));
  CHECK(fs::is_empty(data / "tmp/transcode"));  // staging cleaned up
  CHECK(
      RunCommand("ffmpeg -nostdin -v error -i " + Quote(media + "/master.m3u8") + " -f null - 2>&1")
          .exit_code == 0);
  const json completed = service.WaitEvent("transcode.completed", "c1");
  REQUIRE_FALSE(completed.is_null());
  CHECK(completed.at("job_id") == job_id);
  CHECK(completed.at("hls") == "media/c1/master.m3u8");
  CHECK(completed.at("dash") == "media/c1/manifest.mpd");
  CHECK(completed.at("poster") == "media/c1/poster.jpg");
  CHECK(completed.at("duration_s").get<double>() > 1.5);
  REQUIRE(completed.at("renditions").size() == 1);
  CHECK(completed.at("renditions")[0].at("name") == "240p");
  CHECK(completed.at("renditions")[0].at("width") == 320);
  CHECK(completed.at("renditions")[0].at("bandwidth").get<int64_t>() > 0);
  CHECK_THAT(completed.at("renditions")[0].at("codecs").get<std::string>(),
             Catch::StartsWith("avc1.") && Catch::EndsWith(",mp4a.40.2"));

  // Not a video: failed with the reason, nothing published.
  const std::string bad_id = Submit(service, "bad", "uploads/bad/source.mp4");
  const json bad = service.WaitFinished(bad_id);
  CHECK(bad.at("state") == "failed");
  CHECK_THAT(bad.at("error").get<std::string>(), Catch::Contains("not a readable media file"));
  CHECK_FALSE(fs::exists(objects + "/media/bad"));
  const json failed = service.WaitEvent("transcode.failed", "bad");
  REQUIRE_FALSE(failed.is_null());
  CHECK(failed.at("job_id") == bad_id);
  CHECK_THAT(failed.at("reason").get<std::string>(), Catch::Contains("not a readable"));

  // A missing source object fails too.
  const json missing = service.WaitFinished(Submit(service, "gone", "uploads/gone/source.mp4"));
  CHECK(missing.at("state") == "failed");
  CHECK_THAT(missing.at("error").get<std::string>(), Catch::Contains("not found"));

  // Hostile requests: precise 4xx.
  CHECK(service.Request("POST", "/api/v1/transcode/submit", "{not json").status == 400);
  CHECK(service
            .Request("POST", "/api/v1/transcode/submit",
                     R"({"content_id":"../x","object_key":"uploads/c1/source.mp4"})")
            .status == 400);
  CHECK(service
            .Request("POST", "/api/v1/transcode/submit",
                     R"({"content_id":"x","object_key":"../etc/passwd"})")
            .status == 400);
  CHECK(service
            .Request("POST", "/api/v1/transcode/submit",
                     R"({"content_id":"x","object_key":"a/b","options":{"ladder":"big"}})")
            .status == 400);
  CHECK(service.Request("GET", "/api/v1/transcode/status?job_id=nope").status == 404);
  CHECK(service.Request("GET", "/api/v1/transcode/status").status == 400);
  CHECK(service.Request("POST", "/api/v1/transcode/cancel", R"({"job_id":"nope"})").status == 404);
  CHECK(service.Request("POST", "/api/v1/transcode/cancel", R"({"job_id":")" + job_id + "\"}")
            .status == 400);  // already completed

  // upload.completed queues a job by itself.
  fs::create_directories(objects + "/uploads/c2");
  fs::copy_file(objects + "/uploads/c1/source.mp4", objects + "/uploads/c2/source.mp4");
  streamgate::Event upload;
  upload.type = "upload.completed";
  upload.data = json{
      {"content_id", "c2"},
      {"object_key", "uploads/c2/source.mp4"},
      {"size", 1},
      {"sha256", ""},
      {"owner", "0xabc"},
      {"filename", "source.mp4"},
      {"content_type",
       "video/mp4"}}.dump();
  REQUIRE(service.kernel->events().Publish(upload).ok());
  const json from_upload = service.WaitEvent("transcode.completed", "c2");
  REQUIRE_FALSE(from_upload.is_null());
  CHECK(fs::exists(objects + "/media/c2/master.m3u8"));
  // The handler announces before the worker records the outcome in the queue.
  CHECK(service.WaitFinished(from_upload.at("job_id")).at("state") == "completed");

  // The list and the metrics agree with what happened.
  const json list = json::parse(service.Request("GET", "/api/v1/transcode/list").body);
  CHECK(list.at("jobs").size() == 4);
  const json only_failed =
      json::parse(service.Request("GET", "/api/v1/transcode/list?state=failed").body);
  CHECK(only_failed.at("jobs").size() == 2);
  const json metrics = json::parse(service.Request("GET", "/api/v1/transcode/metrics").body);
  CHECK(metrics.at("jobs").at("completed") == 2);
  CHECK(metrics.at("jobs").at("failed") == 2);
  CHECK(metrics.at("frames_encoded_total") == 60);
  CHECK(metrics.at("completed_run_seconds").at("count") == 2);
}

TEST_CASE("Transcoder plugin: cancelling queued and running jobs leaves nothing",
          "[transcoder][plugin]") {
  MediaTempDir data("sg-transcoder-plugin");
  const std::string objects = data / "objects";
  fs::create_directories(objects + "/uploads/long");
  MakeClip(objects + "/uploads/long/source.mp4", ClipSpec{320, 240, 15, 20, false});
  Service service(data.path);

  // A slow preset keeps the first job busy long enough to be cancelled while running; the
  // second waits behind it (max_concurrent_jobs = 1).
  const std::string running_id =
      Submit(service, "long1", "uploads/long/source.mp4", R"(,"options":{"preset":"veryslow"})");
  const std::string queued_id = Submit(service, "long2", "uploads/long/source.mp4");
  json cancel = json::parse(
      service.Request("POST", "/api/v1/transcode/cancel", R"({"job_id":")" + queued_id + "\"}")
          .body);
  CHECK(cancel.at("state") == "cancelled");

  // Wait until the first job is running with output on disk, then cancel it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (std::chrono::steady_clock::now() < deadline) {
    const json job =
        json::parse(service.Request("GET", "/api/v1/transcode/status?job_id=" + running_id).body);
    if (job.at("state") == "running" && job.at("progress").get<double>() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  cancel = json::parse(
      service.Request("POST", "/api/v1/transcode/cancel", "{\"job_id\":\"" + running_id + "\"}")
          .body);
  CHECK(cancel.at("state") == "cancelling");
  const json finished = service.WaitFinished(running_id);
  CHECK(finished.at("state") == "cancelled");
  CHECK_FALSE(fs::exists(objects + "/media/long1"));
  CHECK_FALSE(fs::exists(objects + "/media/long2"));
  CHECK(fs::is_empty(data / "tmp/transcode"));
  CHECK(service.WaitFinished(queued_id).at("state") == "cancelled");
  const json failed = service.WaitEvent("transcode.failed", "long1");
  REQUIRE_FALSE(failed.is_null());
  CHECK(failed.at("reason") == "cancelled");
}

TEST_CASE("Transcoder plugin: a job interrupted by a shutdown runs again after a restart",
          "[transcoder][plugin][jobs]") {
  MediaTempDir data("sg-transcoder-plugin");
  const std::string objects = data / "objects";
  fs::create_directories(objects + "/uploads/r");
  MakeClip(objects + "/uploads/r/source.mp4", ClipSpec{320, 240, 15, 12, false});
  std::string job_id;
  {
    Service first(data.path);
    job_id = Submit(first, "r", "uploads/r/source.mp4", R"(,"options":{"preset":"veryslow"})");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    json job;
    while (std::chrono::steady_clock::now() < deadline) {
      job = json::parse(first.Request("GET", "/api/v1/transcode/status?job_id=" + job_id).body);
      if (job.at("state") == "running" && job.at("progress").get<int>() > 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(job.at("state") == "running");
  }  // stopped mid-transcode: the job goes back to the queue, nothing is published
  CHECK_FALSE(fs::exists(objects + "/media/r"));

  Service second(data.path);
  const json job = second.WaitFinished(job_id);
  INFO(job.dump());
  CHECK(job.at("state") == "completed");
  CHECK(job.at("attempts") == 2);
  CHECK(job.at("frames_encoded") == 180);
  CHECK(fs::exists(objects + "/media/r/master.m3u8"));
  CHECK(fs::is_empty(data / "tmp/transcode"));
  const json completed = second.WaitEvent("transcode.completed", "r");
  REQUIRE_FALSE(completed.is_null());
  CHECK(completed.at("job_id") == job_id);
}

TEST_CASE("Transcoder plugin: the worker service runs the jobs a transcoder submits",
          "[transcoder][plugin][jobs]") {
  MediaTempDir data("sg-transcoder-plugin");
  const std::string objects = data / "objects";
  fs::create_directories(objects + "/uploads/w");
  MakeClip(objects + "/uploads/w/source.mp4", ClipSpec{320, 240, 15, 2, true});
  // Two "processes" on one data_dir: the transcoder only submits and reports; the worker
  // service runs transcode jobs from the shared SQLite queue.
  Service transcoder(data.path, [](streamgate::Config& config) {
    config.service = "transcoder";
    config.transcode.run_jobs = false;
  });
  Service worker(
      data.path,
      [](streamgate::Config& config) {
        config.service = "worker";
        config.jobs.run_transcode = true;
      },
      streamgate::NewWorkerPlugin);
  const std::string job_id = Submit(transcoder, "w", "uploads/w/source.mp4");
  const json job = transcoder.WaitFinished(job_id);
  INFO(job.dump());
  CHECK(job.at("state") == "completed");
  CHECK(job.at("hls") == "media/w/master.m3u8");
  CHECK(fs::exists(objects + "/media/w/master.m3u8"));
  // The worker's view of the same job, through the generic jobs API.
  const json generic = json::parse(worker.Request("GET", "/api/v1/jobs/status?id=" + job_id).body);
  CHECK(generic.at("type") == "transcode");
  CHECK(generic.at("state") == "succeeded");
  CHECK(generic.at("result").at("frames_encoded") == 30);
  // The worker's process published the event (in-process buses: only its own subscribers).
  const json completed = worker.WaitEvent("transcode.completed", "w");
  REQUIRE_FALSE(completed.is_null());
  CHECK(completed.at("renditions")[0].at("name") == "240p");
}
