// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The metadata and cache plugins over real loopback HTTP: CRUD with owners, listing, search,
// hostile input, the upload/transcode events, the cache admin endpoints (against the LRU and a
// real redis-server), and content.updated invalidating cached entries.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>

#include "streamgate/cache.h"
#include "streamgate/kernel.h"
#include "streamgate/metadata_store.h"
#include "streamgate/plugins.h"
#include "streamgate/runtime.h"
#include "test_http_client.h"
#include "test_redis_server.h"

namespace streamgate {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using streamgate::testing::TestHttpClient;
using streamgate::testing::TestHttpResponse;

constexpr const char* kAdminToken = "s3cret-admin-token";

template <typename Predicate>
bool WaitUntil(Predicate predicate, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::filesystem::path UniqueDir() {
  std::random_device rd;
  return std::filesystem::temp_directory_path() /
         ("sg-cachemeta-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
}

Config TestConfig() {
  Config config;
  config.cache.admin_token = kAdminToken;
  return config;
}

// The metadata and cache plugins in one kernel on a free port. Owns (and removes) a fresh
// data_dir unless the config names one.
struct Service {
  explicit Service(Config config = TestConfig(), bool with_cache = true) {
    owns_dir = config.data_dir == Config().data_dir;
    dir = owns_dir ? UniqueDir() : std::filesystem::path(config.data_dir);
    std::filesystem::create_directories(dir);
    config.server.host = "127.0.0.1";
    config.server.port = 0;
    config.server.shutdown_timeout_ms = 2000;
    config.log.access_log = false;
    config.data_dir = dir.string();
    config.metadata.trust_owner_header = true;
    runtime = std::move(Runtime::Create({1, 2}).value());
    kernel = std::move(Kernel::Create(config, *runtime).value());
    REQUIRE(kernel->Register(NewMetadataPlugin()).ok());
    if (with_cache) REQUIRE(kernel->Register(NewCachePlugin()).ok());
    REQUIRE(kernel->Start().ok());
    port = kernel->port();
  }
  ~Service() {
    (void)kernel->Stop();
    kernel.reset();
    runtime->Stop();
    std::error_code ec;
    if (owns_dir) std::filesystem::remove_all(dir, ec);
  }

  TestHttpResponse Send(const std::string& method, const std::string& target,
                        const std::string& body = {}, const std::string& extra_headers = {}) {
    TestHttpClient client(port);
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          extra_headers + "Connection: close\r\n";
    if (!body.empty() || method == "POST" || method == "PUT") {
      request +=
          "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n";
    }
    request += "\r\n" + body;
    return client.Exchange(request);
  }
  TestHttpResponse As(const std::string& owner, const std::string& method,
                      const std::string& target, const std::string& body = {}) {
    return Send(method, target, body, "X-StreamGate-Owner: " + owner + "\r\n");
  }
  TestHttpResponse Admin(const std::string& method, const std::string& target,
                         const std::string& body = {}) {
    return Send(method, target, body, std::string("Authorization: Bearer ") + kAdminToken + "\r\n");
  }
  void Publish(const std::string& type, const json& data) {
    Event event;
    event.type = type;
    event.data = data.dump();
    REQUIRE(kernel->events().Publish(std::move(event)).ok());
  }
  json Item(const std::string& id) {
    TestHttpResponse response = Send("GET", "/api/v1/metadata?id=" + id);
    return response.status == 200 ? json::parse(response.body) : json();
  }

  bool owns_dir = true;
  std::filesystem::path dir;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Kernel> kernel;
  uint16_t port = 0;
};

std::string ErrorCode(const TestHttpResponse& response) {
  const json body = json::parse(response.body, nullptr, false);
  return body.is_object() && body.contains("error") ? body["error"]["code"].get<std::string>()
                                                    : std::string();
}

TEST_CASE("Metadata API: create, read, update, delete with owner checks", "[metadata]") {
  Service service;
  REQUIRE(service.kernel->services().Find<MetadataStore>() != nullptr);

  TestHttpResponse created = service.As(
      "alice", "POST", "/api/v1/metadata/create",
      R"({"id":"clip-1","title":"Harbour at dawn","description":"boats","tags":["sea","dawn"],
          "gating_rule":{"chain":"1","standard":"erc721",
                          "contract":"0x00000000000000000000000000000000000000AB"}})");
  REQUIRE(created.status == 201);
  json item = json::parse(created.body);
  CHECK(item["owner"] == "alice");
  CHECK(item["state"] == "uploading");
  // Stored validated and canonical (lower-case contract).
  CHECK(item["gating_rule"]["contract"] == "0x00000000000000000000000000000000000000ab");

  item = service.Item("clip-1");
  CHECK(item["title"] == "Harbour at dawn");
  CHECK(item["tags"] == json({"sea", "dawn"}));

  CHECK(service.As("alice", "POST", "/api/v1/metadata/create", R"({"id":"clip-1"})").status == 409);
  TestHttpResponse denied =
      service.As("mallory", "PUT", "/api/v1/metadata/update", R"({"id":"clip-1","title":"x"})");
  CHECK(denied.status == 403);
  CHECK(ErrorCode(denied) == "PERMISSION_DENIED");
  CHECK(service.Send("PUT", "/api/v1/metadata/update", R"({"id":"clip-1","title":"x"})").status ==
        403);  // anonymous
  TestHttpResponse updated = service.As("alice", "PUT", "/api/v1/metadata/update",
                                        R"({"id":"clip-1","title":"Harbour at dusk"})");
  REQUIRE(updated.status == 200);
  CHECK(json::parse(updated.body)["title"] == "Harbour at dusk");
  CHECK(service.Item("clip-1")["description"] == "boats");

  CHECK(service.As("mallory", "DELETE", "/api/v1/metadata/delete?id=clip-1").status == 403);
  CHECK(service.As("alice", "DELETE", "/api/v1/metadata/delete?id=clip-1").status == 200);
  CHECK(service.Send("GET", "/api/v1/metadata?id=clip-1").status == 404);
  CHECK(service.As("alice", "DELETE", "/api/v1/metadata/delete?id=clip-1").status == 404);
}

TEST_CASE("Metadata API: hostile and invalid input gets precise 4xx", "[metadata]") {
  Service service;
  const auto create = [&](const std::string& body) {
    return service.As("alice", "POST", "/api/v1/metadata/create", body);
  };
  CHECK(create("{not json").status == 400);
  CHECK(create("[1,2]").status == 400);
  CHECK(create(R"({"title":5})").status == 400);
  CHECK(create(R"({"tittle":"typo"})").status == 400);
  CHECK(create(R"({"state":"ready"})").status == 400);  // read-only field
  CHECK(create(R"({"gating_rule":[1]})").status == 400);
  CHECK(create(R"({"gating_rule":"{}"})").status == 400);
  CHECK(create(R"({"gating_rule":{"standard":"erc721","contract":"0x01"}})").status == 400);
  CHECK(create(R"({"tags":["ok",7]})").status == 400);
  CHECK(create(R"({"id":"../../etc/passwd"})").status == 400);
  CHECK(create(json{{"title", std::string(600, 'x')}}.dump()).status == 400);
  CHECK(service.Send("GET", "/api/v1/metadata?id=%00").status == 400);
  CHECK(service.Send("GET", "/api/v1/metadata?limit=abc").status == 400);
  CHECK(service.Send("GET", "/api/v1/metadata?limit=100000").status == 400);
  CHECK(service.Send("GET", "/api/v1/metadata?state=done").status == 400);
  CHECK(service.Send("GET", "/api/v1/metadata?cursor=AAAA.BBBB").status == 400);
  CHECK(service.Send("GET", "/api/v1/metadata/search").status == 400);
  for (const std::string& q :
       std::vector<std::string>{"%22", "%2A", "NEAR(", std::string(300, 'a'), "%FF", "%01"}) {
    INFO(q);
    const TestHttpResponse response = service.Send("GET", "/api/v1/metadata/search?q=" + q);
    CHECK((response.status == 400 || response.status == 200));
    if (response.status == 400) CHECK(response.body.find("SQL") == std::string::npos);
  }
  CHECK(service.Send("GET", "/api/v1/metadata/search?q=%22").status == 400);
  CHECK(service.Send("PUT", "/api/v1/metadata/update", R"({"title":"no id"})").status == 400);
  CHECK(service.As("bad owner", "POST", "/api/v1/metadata/create", "{}").status == 400);
  // Nothing was stored by any of it.
  CHECK(json::parse(service.Send("GET", "/api/v1/metadata").body)["items"].empty());
}

TEST_CASE("Metadata API: list pages and search", "[metadata]") {
  Service service;
  for (int i = 0; i < 7; ++i) {
    const json body = {{"id", "v" + std::to_string(i)},
                       {"title", i % 2 ? "Piano etude " + std::to_string(i) : "Street food"},
                       {"tags", i == 2 ? json{"piano"} : json::array()}};
    REQUIRE(service.As(i < 4 ? "alice" : "bob", "POST", "/api/v1/metadata/create", body.dump())
                .status == 201);
  }
  std::vector<std::string> ids;
  std::string cursor;
  do {
    const TestHttpResponse page =
        service.Send("GET", "/api/v1/metadata?limit=3&owner=alice" +
                                (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(page.status == 200);
    const json body = json::parse(page.body);
    for (const auto& item : body["items"]) ids.push_back(item["id"]);
    cursor = body["next_cursor"];
  } while (!cursor.empty());
  CHECK(ids == std::vector<std::string>{"v3", "v2", "v1", "v0"});

  const json found =
      json::parse(service.Send("GET", "/api/v1/metadata/search?q=piano&limit=10").body);
  std::vector<std::string> hits;
  for (const auto& item : found["items"]) hits.push_back(item["id"]);
  CHECK(hits.size() == 4);     // three titles, one tag
  CHECK(hits.back() == "v2");  // the tag-only match ranks last
  const json prefix = json::parse(service.Send("GET", "/api/v1/metadata/search?q=etu*").body);
  CHECK(prefix["items"].size() == 3);
  const json tagged =
      json::parse(service.Send("GET", "/api/v1/metadata/search?q=tag%3Apiano").body);
  REQUIRE(tagged["items"].size() == 1);
  CHECK(tagged["items"][0]["id"] == "v2");
}

TEST_CASE("Metadata plugin follows upload and transcode events and publishes content.updated",
          "[metadata][cache]") {
  Service service;
  std::mutex mu;
  std::vector<std::string> updates;
  service.kernel->events().Subscribe("content.updated", [&](const Event& event) {
    std::lock_guard lock(mu);
    updates.push_back(json::parse(event.data)["content_id"]);
  });

  service.Publish("upload.completed", {{"content_id", "up1"},
                                       {"object_key", "uploads/up1"},
                                       {"size", 1234},
                                       {"sha256", "00"},
                                       {"owner", "0xabc"},
                                       {"filename", "My holiday.final.mp4"},
                                       {"content_type", "video/mp4"}});
  REQUIRE(WaitUntil([&] { return service.Item("up1").is_object(); }));
  json item = service.Item("up1");
  CHECK(item["state"] == "uploaded");
  CHECK(item["owner"] == "0xabc");
  CHECK(item["title"] == "My holiday.final");

  // A cached entry under content:up1 is dropped when the item changes.
  REQUIRE(service.Admin("POST", "/api/v1/cache/set", R"({"key":"content:up1:meta","value":"x"})")
              .status == 200);
  REQUIRE(service.Admin("GET", "/api/v1/cache/get?key=content:up1:meta").status == 200);

  service.Publish("transcode.progress", {{"content_id", "up1"}, {"percent", 10}});
  REQUIRE(WaitUntil([&] { return service.Item("up1")["state"] == "processing"; }));
  service.Publish("transcode.completed", {{"content_id", "up1"},
                                          {"job_id", "j1"},
                                          {"duration_s", 12.5},
                                          {"renditions",
                                           {{{"name", "720p"},
                                             {"width", 1280},
                                             {"height", 720},
                                             {"bandwidth", 2800000},
                                             {"codecs", "avc1.64001f,mp4a.40.2"}}}},
                                          {"hls", "media/up1/master.m3u8"},
                                          {"dash", "media/up1/manifest.mpd"},
                                          {"poster", "media/up1/poster.jpg"}});
  REQUIRE(WaitUntil([&] { return service.Item("up1")["state"] == "ready"; }));
  item = service.Item("up1");
  CHECK(item["duration_s"] == 12.5);
  CHECK(item["renditions"][0]["name"] == "720p");
  CHECK(item["hls"] == "media/up1/master.m3u8");
  CHECK(item["dash"] == "media/up1/manifest.mpd");
  CHECK(item["poster"] == "media/up1/poster.jpg");
  CHECK(WaitUntil([&] {
    return service.Admin("GET", "/api/v1/cache/get?key=content:up1:meta").status == 404;
  }));
  // A late progress report or a redelivered upload event does not move the item backwards.
  service.Publish("transcode.progress", {{"content_id", "up1"}, {"percent", 90}});
  service.Publish("upload.completed",
                  {{"content_id", "up1"}, {"owner", "0xabc"}, {"filename", "z"}});

  service.Publish("upload.completed", {{"content_id", "up2"}, {"owner", "o"}, {"filename", "b"}});
  REQUIRE(WaitUntil([&] { return service.Item("up2").is_object(); }));
  service.Publish("transcode.failed", {{"content_id", "up2"}, {"job_id", "j2"}, {"reason", "bad"}});
  CHECK(WaitUntil([&] { return service.Item("up2")["state"] == "failed"; }));
  // Malformed events change nothing and crash nothing.
  service.Publish("transcode.completed", {{"job_id", "j3"}});
  service.Publish("upload.completed", {{"content_id", "bad id!"}, {"owner", "o"}});
  CHECK(WaitUntil([&] {
    std::lock_guard lock(mu);
    return std::count(updates.begin(), updates.end(), "up1") >= 3 &&
           std::count(updates.begin(), updates.end(), "up2") >= 2;
  }));
  CHECK(service.Item("up1")["state"] == "ready");
  CHECK(service.Item("up1")["title"] == "My holiday.final");
}

TEST_CASE("Metadata survives a service restart", "[metadata]") {
  const std::filesystem::path dir = UniqueDir();
  Config config = TestConfig();
  config.data_dir = dir.string();
  {
    Service service(config);
    REQUIRE(service
                .As("alice", "POST", "/api/v1/metadata/create",
                    R"({"id":"keep","title":"Kept across restarts","tags":["t"]})")
                .status == 201);
  }
  {
    Service service(config);
    const json item = service.Item("keep");
    REQUIRE(item.is_object());
    CHECK(item["title"] == "Kept across restarts");
    CHECK(item["owner"] == "alice");
    const json found = json::parse(service.Send("GET", "/api/v1/metadata/search?q=restarts").body);
    CHECK(found["items"].size() == 1);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

void CacheEndpoints(Service& service) {
  // Authorisation.
  CHECK(service.Send("GET", "/api/v1/cache/stats").status == 401);
  CHECK(service.Send("GET", "/api/v1/cache/stats", "", "Authorization: Bearer wrong\r\n").status ==
        401);
  CHECK(service.Send("GET", "/api/v1/cache/stats", "", "Authorization: Basic abc\r\n").status ==
        401);
  // Round trip.
  REQUIRE(service.Admin("POST", "/api/v1/cache/set", R"({"key":"a:1","value":"one"})").status ==
          200);
  REQUIRE(
      service.Admin("POST", "/api/v1/cache/set", R"({"key":"a:2","value":"two","ttl_ms":60000})")
          .status == 200);
  REQUIRE(service.Admin("POST", "/api/v1/cache/set", R"({"key":"b:1","value":"three"})").status ==
          200);
  TestHttpResponse got = service.Admin("GET", "/api/v1/cache/get?key=a:1");
  REQUIRE(got.status == 200);
  CHECK(json::parse(got.body)["value"] == "one");
  CHECK(service.Admin("GET", "/api/v1/cache/get?key=missing").status == 404);
  // Bad input.
  CHECK(service.Admin("POST", "/api/v1/cache/set", "{oops").status == 400);
  CHECK(service.Admin("POST", "/api/v1/cache/set", R"({"key":"k"})").status == 400);
  CHECK(service.Admin("POST", "/api/v1/cache/set", R"({"key":"","value":"v"})").status == 400);
  CHECK(
      service.Admin("POST", "/api/v1/cache/set", R"({"key":"k","value":"v","ttl_ms":-1})").status ==
      400);
  CHECK(service.Admin("POST", "/api/v1/cache/set", R"({"key":"k","value":"v","extra":1})").status ==
        400);
  CHECK(service
            .Admin("POST", "/api/v1/cache/set",
                   json{{"key", std::string(2000, 'k')}, {"value", "v"}}.dump())
            .status == 400);
  CHECK(service
            .Admin("POST", "/api/v1/cache/set",
                   json{{"key", "big"}, {"value", std::string(70000, 'v')}}.dump())
            .status == 413);
  CHECK(service.Admin("GET", "/api/v1/cache/get?key=big").status == 404);
  CHECK(service.Admin("GET", "/api/v1/cache/get").status == 400);
  CHECK(service.Admin("DELETE", "/api/v1/cache/delete").status == 400);
  // Deletion by key and by prefix.
  CHECK(service.Admin("DELETE", "/api/v1/cache/delete?key=b:1").status == 200);
  CHECK(service.Admin("DELETE", "/api/v1/cache/delete?key=b:1").status == 404);
  TestHttpResponse by_prefix = service.Admin("DELETE", "/api/v1/cache/delete?prefix=a:");
  REQUIRE(by_prefix.status == 200);
  CHECK(json::parse(by_prefix.body)["deleted"] == 2);
  // Stats and clear.
  REQUIRE(service.Admin("POST", "/api/v1/cache/set", R"({"key":"c","value":"v"})").status == 200);
  const json stats = json::parse(service.Admin("GET", "/api/v1/cache/stats").body);
  CHECK(stats["entries"] == 1);
  CHECK(stats["hits"].get<uint64_t>() >= 1);
  CHECK(stats["misses"].get<uint64_t>() >= 1);
  CHECK(service.Admin("POST", "/api/v1/cache/clear").status == 200);
  CHECK(json::parse(service.Admin("GET", "/api/v1/cache/stats").body)["entries"] == 0);
}

TEST_CASE("Cache admin endpoints, in-process backend", "[cache]") {
  Config config = TestConfig();
  config.cache.max_value_bytes = 65536;
  Service service(config);
  REQUIRE(service.kernel->services().Find<Cache>() != nullptr);
  CHECK(service.kernel->services().Find<Cache>()->backend() == "lru");
  CacheEndpoints(service);
}

TEST_CASE("Cache admin endpoints, Redis backend", "[cache][redis]") {
  testing::TestRedisServer redis;
  Config config = TestConfig();
  config.cache.backend = CacheConfig::Backend::kRedis;
  config.cache.redis_port = static_cast<uint16_t>(redis.port());
  config.cache.max_value_bytes = 65536;
  Service service(config);
  CHECK(service.kernel->services().Find<Cache>()->backend() == "redis");
  CacheEndpoints(service);
  // While Redis is down the endpoints answer 503, and recover once it is back.
  redis.Stop();
  CHECK(service.Admin("GET", "/api/v1/cache/get?key=x").status == 503);
  REQUIRE(redis.Start());
  CHECK(WaitUntil([&] { return service.Admin("GET", "/api/v1/cache/get?key=x").status == 404; }));
}

TEST_CASE("Cache admin endpoints are disabled without a token", "[cache]") {
  Config config = TestConfig();
  config.cache.admin_token = "";
  Service service(config);
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/api/v1/cache/stats"},
                                                        {"GET", "/api/v1/cache/get?key=a"},
                                                        {"POST", "/api/v1/cache/clear"},
                                                        {"DELETE", "/api/v1/cache/delete?key=a"}}) {
    const TestHttpResponse response =
        service.Send(method, target, "", "Authorization: Bearer \r\n");
    CHECK(response.status == 403);
    CHECK(response.body.find("cache.admin_token") != std::string::npos);
  }
  // The Cache is still provided to the other plugins.
  CHECK(service.kernel->services().Find<Cache>() != nullptr);
}

}  // namespace
}  // namespace streamgate
