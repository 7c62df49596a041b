// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The upload plugin over real loopback HTTP: tus 1.0 (with a real tus-js-client resuming an
// interrupted upload), the seed endpoints, ownership, limits, persistence across a restart, and
// a table of hostile requests that must each get a precise 4xx and change nothing stored.
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <streamgate/streamgate.h>
#include <streamgate/uploader.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_http_client.h"

namespace streamgate {
namespace {

namespace fs = std::filesystem;
using testing::TestHttpClient;
using testing::TestHttpResponse;

// --- helpers ---------------------------------------------------------------------------------

std::string Digest(const EVP_MD* md, std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &size, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), size);
}

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += digits[static_cast<unsigned char>(c) >> 4];
    out += digits[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string Sha256Hex(std::string_view bytes) { return Hex(Digest(EVP_sha256(), bytes)); }

// A fake MP4: an ftyp box, then random bytes (the sniffer looks at the first bytes only).
std::string FakeMp4(std::size_t size, uint32_t seed = 1) {
  std::string data(
      "\x00\x00\x00\x18"
      "ftypisom\x00\x00\x02\x00isomiso2",
      24);
  std::mt19937 rng(seed);
  while (data.size() < size) data += static_cast<char>(rng() & 0xff);
  data.resize(size);
  return data;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sg_upload_XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

Config UploadConfig(const fs::path& data_dir) {
  Config config;
  config.service = "upload-test";
  config.data_dir = data_dir.string();
  config.server.host = "127.0.0.1";
  config.server.port = 0;
  config.server.shutdown_timeout_ms = 2000;
  config.log.access_log = false;
  config.upload.fsync = false;  // tests measure behaviour, not power-loss durability
  return config;
}

// Stands in for session verification: "Authorization: Bearer <name>" is the owner <name>,
// "Bearer bad" is an invalid token.
class FakeSessionPlugin final : public Plugin {
 public:
  std::string Name() const override { return "fake-sessions"; }
  Status Init(PluginContext& context) override {
    auto resolver = std::make_shared<UploadOwnerResolver>();
    resolver->resolve = [](const HttpRequest& request) -> Result<std::string> {
      const std::string_view auth = request.Header("Authorization");
      if (auth.empty()) return std::string();
      if (auth == "Bearer bad") return Status::Unauthenticated("bad token");
      return std::string(auth.substr(std::string_view("Bearer ").size()));
    };
    return context.services.Provide<UploadOwnerResolver>(resolver);
  }
};

// A kernel with the upload plugin on a free loopback port; events are recorded.
struct Server {
  explicit Server(Config config, bool sessions = false) {
    auto runtime_or = Runtime::Create({1, 2});
    REQUIRE(runtime_or.ok());
    runtime = std::move(runtime_or).value();
    auto kernel_or = Kernel::Create(config, *runtime);
    REQUIRE(kernel_or.ok());
    kernel = std::move(kernel_or).value();
    REQUIRE(kernel->Register(NewUploadPlugin()).ok());
    if (sessions) REQUIRE(kernel->Register(std::make_unique<FakeSessionPlugin>()).ok());
    kernel->events().Subscribe("upload.completed", [this](const Event& event) {
      std::lock_guard lock(mu);
      events.push_back(nlohmann::json::parse(event.data));
      cv.notify_all();
    });
    const Status started = kernel->Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
    port = kernel->port();
    data_dir = config.data_dir;
  }
  ~Server() {
    (void)kernel->Stop();
    kernel.reset();
    runtime->Stop();
  }

  // One exchange on a fresh connection.
  TestHttpResponse Send(const std::string& method, const std::string& target,
                        std::vector<std::pair<std::string, std::string>> headers = {},
                        const std::string& body = {}, bool send_length = true) const {
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    if (send_length && (!body.empty() || method == "POST" || method == "PATCH")) {
      request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    request += "Connection: close\r\n\r\n" + body;
    TestHttpClient client(port);
    return client.Exchange(request);
  }

  nlohmann::json WaitEvent(std::size_t count) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return events.size() >= count; });
    REQUIRE(events.size() >= count);
    return events[count - 1];
  }

  std::string ObjectBytes(const std::string& key) const {
    return ReadFile(fs::path(data_dir) / "objects" / key);
  }

  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Kernel> kernel;
  uint16_t port = 0;
  std::string data_dir;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<nlohmann::json> events;
};

using Headers = std::vector<std::pair<std::string, std::string>>;
const std::pair<std::string, std::string> kTus{"Tus-Resumable", "1.0.0"};
const std::pair<std::string, std::string> kOctets{"Content-Type",
                                                  "application/offset+octet-stream"};

struct TusUpload {
  std::string location;
  std::string secret;
};

TusUpload CreateTus(const Server& server, uint64_t length, Headers extra = {}) {
  Headers headers{
      kTus,
      {"Upload-Length", std::to_string(length)},
      {"Upload-Metadata", "filename " + Base64("clip.mp4") + ",filetype " + Base64("video/mp4")}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  TestHttpResponse created = server.Send("POST", "/api/v1/tus/", headers);
  INFO(created.body);
  REQUIRE(created.status == 201);
  REQUIRE(created.Header("Location").rfind("/api/v1/tus/", 0) == 0);
  CHECK(created.Header("Tus-Resumable") == "1.0.0");
  CHECK(created.HasHeader("Upload-Expires"));
  return {created.Header("Location"), created.Header("Upload-Secret")};
}

TestHttpResponse Patch(const Server& server, const TusUpload& upload, uint64_t offset,
                       const std::string& body, Headers extra = {}) {
  Headers headers{
      kTus, kOctets, {"Upload-Offset", std::to_string(offset)}, {"Upload-Secret", upload.secret}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  return server.Send("PATCH", upload.location, headers, body);
}

TestHttpResponse Head(const Server& server, const TusUpload& upload) {
  return server.Send("HEAD", upload.location, {kTus, {"Upload-Secret", upload.secret}});
}

}  // namespace

// --- tus ---------------------------------------------------------------------------------------

TEST_CASE("tus: OPTIONS advertises version, extensions, max size and checksums", "[uploader]") {
  TempDir dir;
  Config config = UploadConfig(dir.path);
  config.upload.max_upload_bytes = 123456789;
  Server server(config);
  const TestHttpResponse options = server.Send("OPTIONS", "/api/v1/tus/");
  CHECK(options.status == 204);
  CHECK(options.Header("Tus-Version") == "1.0.0");
  CHECK(options.Header("Tus-Max-Size") == "123456789");
  const std::string extensions = options.Header("Tus-Extension");
  for (const char* extension :
       {"creation", "creation-with-upload", "termination", "checksum", "expiration"}) {
    CHECK_THAT(extensions, Catch::Contains(extension));
  }
  CHECK_THAT(options.Header("Tus-Checksum-Algorithm"), Catch::Contains("sha1"));
  CHECK_THAT(options.Header("Tus-Checksum-Algorithm"), Catch::Contains("sha256"));
}

TEST_CASE("tus: create, PATCH in pieces with checksums, HEAD, publish and event", "[uploader]") {
  TempDir dir;
  Server server(UploadConfig(dir.path));
  const std::string file = FakeMp4(300'000);
  const TusUpload upload = CreateTus(server, file.size());
  REQUIRE(upload.secret.size() == 64);

  TestHttpResponse head = Head(server, upload);
  CHECK(head.status == 200);
  CHECK(head.Header("Upload-Offset") == "0");
  CHECK(head.Header("Upload-Length") == "300000");
  CHECK(head.Header("Cache-Control") == "no-store");
  CHECK(head.Header("Upload-Metadata") ==
        "filename " + Base64("clip.mp4") + ",filetype " + Base64("video/mp4"));

  const std::string a = file.substr(0, 100'000);
  TestHttpResponse first =
      Patch(server, upload, 0, a, {{"Upload-Checksum", "sha1 " + Base64(Digest(EVP_sha1(), a))}});
  CHECK(first.status == 204);
  CHECK(first.Header("Upload-Offset") == "100000");
  CHECK(first.HasHeader("Upload-Expires"));

  const std::string b = file.substr(100'000);
  TestHttpResponse second =
      Patch(server, upload, 100'000, b,
            {{"Upload-Checksum", "sha256 " + Base64(Digest(EVP_sha256(), b))}});
  CHECK(second.status == 204);
  CHECK(second.Header("Upload-Offset") == "300000");

  head = Head(server, upload);
  CHECK(head.status == 200);
  CHECK(head.Header("Upload-Offset") == "300000");

  const nlohmann::json event = server.WaitEvent(1);
  const std::string id = upload.location.substr(std::string("/api/v1/tus/").size());
  CHECK(event["content_id"] == id);
  CHECK(event["size"] == 300000);
  CHECK(event["sha256"] == Sha256Hex(file));
  CHECK(event["filename"] == "clip.mp4");
  CHECK(event["content_type"] == "video/mp4");
  CHECK(event["owner"] == "");
  CHECK(event["object_key"] == "uploads/" + id + "/source.mp4");
  CHECK(server.ObjectBytes(event["object_key"]) == file);
  // Nothing is left in the staging area.
  CHECK(fs::is_empty(fs::path(server.data_dir) / "upload-parts"));
}

TEST_CASE("tus: checksum mismatch is 460 and leaves the offset unchanged", "[uploader]") {
  TempDir dir;
  Server server(UploadConfig(dir.path));
  const std::string file = FakeMp4(20'000);
  const TusUpload upload = CreateTus(server, file.size());
  REQUIRE(Patch(server, upload, 0, file.substr(0, 5000)).status == 204);
  TestHttpResponse bad = Patch(server, upload, 5000, file.substr(5000, 5000),
                               {{"Upload-Checksum", "sha1 " + Base64(Digest(EVP_sha1(), "x"))}});
  CHECK(bad.status == 460);
  CHECK(bad.Header("Tus-Resumable") == "1.0.0");
  CHECK(Head(server, upload).Header("Upload-Offset") == "5000");
  // The right bytes at the same offset are then accepted, and the file is intact.
  REQUIRE(Patch(server, upload, 5000, file.substr(5000)).status == 204);
  CHECK(server.ObjectBytes(server.WaitEvent(1)["object_key"]) == file);
}

TEST_CASE("tus: creation-with-upload and deferred length", "[uploader]") {
  TempDir dir;
  Server server(UploadConfig(dir.path));
  const std::string file = FakeMp4(50'000, 7);
  const std::string secret(40, 's');
  // Creation with its first bytes, the client choosing its secret.
  TestHttpResponse created = server.Send(
      "POST", "/api/v1/tus/",
      {kTus, kOctets, {"Upload-Length", std::to_string(file.size())}, {"Upload-Secret", secret}},
      file.substr(0, 20'000));
  REQUIRE(created.status == 201);
  CHECK(created.Header("Upload-Offset") == "20000");
  CHECK_FALSE(created.HasHeader("Upload-Secret"));  // the client's own secret is not echoed
  TusUpload upload{created.Header("Location"), secret};
  REQUIRE(Patch(server, upload, 20'000, file.substr(20'000)).status == 204);
  CHECK(server.ObjectBytes(server.WaitEvent(1)["object_key"]) == file);

  // Deferred length: the last PATCH names it.
  TestHttpResponse deferred =
      server.Send("POST", "/api/v1/tus/", {kTus, {"Upload-Defer-Length", "1"}});
  REQUIRE(deferred.status == 201);
  TusUpload later{deferred.Header("Location"), deferred.Header("Upload-Secret")};
  TestHttpResponse head = Head(server, later);
  CHECK(head.Header("Upload-Defer-Length") == "1");
  CHECK_FALSE(head.HasHeader("Upload-Length"));
  REQUIRE(Patch(server, later, 0, file.substr(0, 10'000)).status == 204);
  REQUIRE(Patch(server, later, 10'000, file.substr(10'000),
                {{"Upload-Length", std::to_string(file.size())}})
              .status == 204);
  CHECK(server.ObjectBytes(server.WaitEvent(2)["object_key"]) == file);
}

TEST_CASE("tus: termination, ownership and X-HTTP-Method-Override", "[uploader]") {
  TempDir dir;
  Server server(UploadConfig(dir.path));
  const std::string file = FakeMp4(10'000);
  const TusUpload upload = CreateTus(server, file.size());
  const TusUpload stranger{upload.location, std::string(64, 'a')};
  const TusUpload nobody{upload.location, ""};

  // Without the secret the upload does not exist for the caller, and nothing changes.
  CHECK(Head(server, stranger).status == 404);
  CHECK(Head(server, nobody).status == 404);
  CHECK(Patch(server, stranger, 0, file.substr(0, 100)).status == 404);
  CHECK(server.Send("DELETE", upload.location, {kTus, {"Upload-Secret", stranger.secret}}).status ==
        404);
  CHECK(Head(server, upload).Header("Upload-Offset") == "0");
  // A refused request announcing a large body is answered before any of it is sent.
  {
    TestHttpClient client(server.port);
    client.Send("PATCH " + upload.location +
                " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
                "Upload-Secret: " +
                stranger.secret + "\r\nContent-Length: 100000000\r\n\r\n");
    CHECK(client.ReadResponse().status == 404);  // a stranger's secret
  }

  // PATCH through POST + X-HTTP-Method-Override.
  TestHttpResponse overridden = server.Send("POST", upload.location,
                                            {kTus,
                                             kOctets,
                                             {"Upload-Offset", "0"},
                                             {"Upload-Secret", upload.secret},
                                             {"X-HTTP-Method-Override", "PATCH"}},
                                            file.substr(0, 4000));
  CHECK(overridden.status == 204);
  CHECK(overridden.Header("Upload-Offset") == "4000");

  // DELETE through the override, then the upload is gone.
  TestHttpResponse deleted =
      server.Send("POST", upload.location,
                  {kTus, {"Upload-Secret", upload.secret}, {"X-HTTP-Method-Override", "DELETE"}});
  CHECK(deleted.status == 204);
  CHECK(Head(server, upload).status == 404);
  CHECK(Patch(server, upload, 4000, file.substr(4000)).status == 404);
  CHECK(fs::is_empty(fs::path(server.data_dir) / "upload-parts"));
}

TEST_CASE("tus: uploads of a session are bound to its owner", "[uploader]") {
  TempDir dir;
  Server server(UploadConfig(dir.path), true);
  const std::string file = FakeMp4(10'000);
  const std::pair<std::string, std::string> alice{"Authorization", "Bearer alice"};
  const std::pair<std::string, std::string> bob{"Authorization", "Bearer bob"};
  TestHttpResponse created = server.Send(
      "POST", "/api/v1/tus/", {kTus, alice, {"Upload-Length", std::to_string(file.size())}});
  REQUIRE(created.status == 201);
  CHECK_FALSE(created.HasHeader("Upload-Secret"));  // the session is the credential
  const std::string location = created.Header("Location");
  CHECK(server.Send("HEAD", location, {kTus, alice}).status == 200);
  CHECK(server.Send("HEAD", location, {kTus, bob}).status == 404);
  CHECK(server.Send("HEAD", location, {kTus}).status == 404);
  CHECK(server.Send("HEAD", location, {kTus, {"Authorization", "Bearer bad"}}).status == 401);
  CHECK(server.Send("PATCH", location, {kTus, kOctets, bob, {"Upload-Offset", "0"}}, file).status ==
        404);
  CHECK(server.Send("DELETE", location, {kTus, bob}).status == 404);
  REQUIRE(
      server.Send("PATCH", location, {kTus, kOctets, alice, {"Upload-Offset", "0"}}, file).status ==
      204);
  CHECK(server.WaitEvent(1)["owner"] == "alice");
}

TEST_CASE("tus: hostile requests get a precise 4xx and change nothing", "[uploader]") {
  TempDir dir;
  Config config = UploadConfig(dir.path);
  config.upload.max_upload_bytes = 1'000'000;
  Server server(config);
  const std::string file = FakeMp4(30'000);
  const TusUpload upload = CreateTus(server, file.size());
  REQUIRE(Patch(server, upload, 0, file.substr(0, 1000)).status == 204);
  const std::string id = upload.location.substr(std::string("/api/v1/tus/").size());
  const std::pair<std::string, std::string> secret{"Upload-Secret", upload.secret};

  struct Case {
    const char* name;
    std::string method;
    std::string target;
    Headers headers;
    std::string body;
    int status;
  };
  const std::string more = file.substr(1000, 500);
  const std::vector<Case> cases = {
      {"no Tus-Resumable on PATCH",
       "PATCH",
       upload.location,
       {kOctets, {"Upload-Offset", "1000"}, secret},
       more,
       412},
      {"wrong Tus-Resumable",
       "PATCH",
       upload.location,
       {{"Tus-Resumable", "0.2.2"}, kOctets, {"Upload-Offset", "1000"}, secret},
       more,
       412},
      {"wrong Content-Type",
       "PATCH",
       upload.location,
       {kTus, {"Content-Type", "application/octet-stream"}, {"Upload-Offset", "1000"}, secret},
       more,
       415},
      {"offset behind",
       "PATCH",
       upload.location,
       {kTus, kOctets, {"Upload-Offset", "500"}, secret},
       more,
       409},
      {"offset ahead",
       "PATCH",
       upload.location,
       {kTus, kOctets, {"Upload-Offset", "2000"}, secret},
       more,
       409},
      {"missing Upload-Offset", "PATCH", upload.location, {kTus, kOctets, secret}, more, 400},
      {"malformed Upload-Offset",
       "PATCH",
       upload.location,
       {kTus, kOctets, {"Upload-Offset", "-1"}, secret},
       more,
       400},
      {"Upload-Offset with junk",
       "PATCH",
       upload.location,
       {kTus, kOctets, {"Upload-Offset", "1000abc"}, secret},
       more,
       400},
      {"unsupported checksum algorithm",
       "PATCH",
       upload.location,
       {kTus, kOctets, {"Upload-Offset", "1000"}, secret, {"Upload-Checksum", "md5 AAAA"}},
       more,
       400},
      {"malformed checksum",
       "PATCH",
       upload.location,
       {kTus, kOctets, {"Upload-Offset", "1000"}, secret, {"Upload-Checksum", "sha1 !!"}},
       more,
       400},
      {"checksum mismatch",
       "PATCH",
       upload.location,
       {kTus,
        kOctets,
        {"Upload-Offset", "1000"},
        secret,
        {"Upload-Checksum", "sha256 " + Base64(Digest(EVP_sha256(), "other"))}},
       more,
       460},
      {"past Upload-Length",
       "PATCH",
       upload.location,
       {kTus, kOctets, {"Upload-Offset", "1000"}, secret},
       std::string(30'000, 'x'),
       413},
      {"changing Upload-Length",
       "PATCH",
       upload.location,
       {kTus, kOctets, {"Upload-Offset", "1000"}, secret, {"Upload-Length", "99"}},
       more,
       400},
      {"unknown upload",
       "PATCH",
       "/api/v1/tus/0123456789abcdef0123456789abcdef",
       {kTus, kOctets, {"Upload-Offset", "0"}, secret},
       more,
       404},
      {"HEAD unknown upload", "HEAD", "/api/v1/tus/nope", {kTus, secret}, "", 404},
      {"creation without length", "POST", "/api/v1/tus/", {kTus}, "", 400},
      {"creation with both lengths",
       "POST",
       "/api/v1/tus/",
       {kTus, {"Upload-Length", "10"}, {"Upload-Defer-Length", "1"}},
       "",
       400},
      {"creation with Upload-Defer-Length 2",
       "POST",
       "/api/v1/tus/",
       {kTus, {"Upload-Defer-Length", "2"}},
       "",
       400},
      {"creation with a negative length",
       "POST",
       "/api/v1/tus/",
       {kTus, {"Upload-Length", "-5"}},
       "",
       400},
      {"creation above Tus-Max-Size",
       "POST",
       "/api/v1/tus/",
       {kTus, {"Upload-Length", "1000001"}},
       "",
       413},
      {"metadata not base64",
       "POST",
       "/api/v1/tus/",
       {kTus, {"Upload-Length", "10"}, {"Upload-Metadata", "filename ***"}},
       "",
       400},
      {"metadata repeated key",
       "POST",
       "/api/v1/tus/",
       {kTus, {"Upload-Length", "10"}, {"Upload-Metadata", "a YQ==,a YQ=="}},
       "",
       400},
      {"metadata empty pair",
       "POST",
       "/api/v1/tus/",
       {kTus, {"Upload-Length", "10"}, {"Upload-Metadata", "a YQ==,,b"}},
       "",
       400},
      {"creation without Tus-Resumable",
       "POST",
       "/api/v1/tus/",
       {{"Upload-Length", "10"}},
       "",
       412},
      {"creation-with-upload with a wrong type",
       "POST",
       "/api/v1/tus/",
       {kTus,
        {"Upload-Length", "10"},
        {"Content-Type", "text/plain"},
        {"Upload-Secret", std::string(40, 'k')}},
       "0123456789",
       415},
      {"short upload secret",
       "POST",
       "/api/v1/tus/",
       {kTus, {"Upload-Length", "10"}, {"Upload-Secret", "short"}},
       "",
       400},
      {"override to an unknown method",
       "POST",
       upload.location,
       {kTus, secret, {"X-HTTP-Method-Override", "PUT"}},
       "",
       405},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const TestHttpResponse response = server.Send(c.method, c.target, c.headers, c.body);
    CHECK(response.status == c.status);
    if (c.method != "HEAD") {
      const auto body = nlohmann::json::parse(response.body, nullptr, false);
      CHECK(body.is_object());
      CHECK(body.contains("error"));
    }
    // Nothing changed.
    TestHttpResponse head = Head(server, upload);
    CHECK(head.status == 200);
    CHECK(head.Header("Upload-Offset") == "1000");
  }
  // Transfer-Encoding: chunked past Upload-Length: refused, and nothing of it is kept.
  {
    std::string body = file.substr(1000) + "overflow";
    std::string request = "PATCH " + upload.location +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                          "Content-Type: application/offset+octet-stream\r\nUpload-Offset: "
                          "1000\r\nUpload-Secret: " +
                          upload.secret +
                          "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", body.size());
    request += size + body + "\r\n0\r\n\r\n";
    TestHttpClient client(server.port);
    CHECK(client.Exchange(request).status == 413);
    std::string offset;
    for (int i = 0; i < 100 && offset != "1000"; ++i) {
      TestHttpResponse head = Head(server, upload);
      offset = head.Header("Upload-Offset");
      if (offset != "1000") std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(offset == "1000");
  }
  // And the upload still completes into the right bytes.
  TestHttpResponse last;
  for (int i = 0; i < 100; ++i) {  // 409 until the refused request has let go of the upload
    last = Patch(server, upload, 1000, file.substr(1000));
    if (last.status != 409) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(last.status == 204);
  CHECK(server.ObjectBytes(server.WaitEvent(1)["object_key"]) == file);
  // Only the one upload was ever created by the table (the refused creations left nothing).
  std::size_t objects = 0;
  for (const auto& entry :
       fs::recursive_directory_iterator(fs::path(server.data_dir) / "objects")) {
    objects += entry.is_regular_file() ? 1 : 0;
  }
  CHECK(objects == 1);
  (void)id;
}

TEST_CASE("tus: a PATCH cut short keeps what arrived; the upload resumes there", "[uploader]") {
  TempDir dir;
  Server server(UploadConfig(dir.path));
  const std::string file = FakeMp4(200'000, 3);
  const TusUpload upload = CreateTus(server, file.size());
  {
    // Announce the whole rest, send 60000 bytes, then vanish.
    TestHttpClient client(server.port);
    client.Send("PATCH " + upload.location +
                " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
                "Upload-Secret: " +
                upload.secret + "\r\nContent-Length: " + std::to_string(file.size()) + "\r\n\r\n" +
                file.substr(0, 60'000));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The kept offset becomes visible once the server has made it durable.
  std::string offset;
  for (int i = 0; i < 100; ++i) {
    TestHttpResponse head = Head(server, upload);
    offset = head.Header("Upload-Offset");
    if (offset != "0") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const uint64_t kept = std::stoull(offset);
  CHECK(kept > 0);
  CHECK(kept <= 60'000);
  TestHttpResponse rest;
  for (int i = 0; i < 100; ++i) {  // 409 while the server still finishes the cut request
    rest = Patch(server, upload, kept, file.substr(kept));
    if (rest.status != 409) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(rest.status == 204);
  CHECK(server.ObjectBytes(server.WaitEvent(1)["object_key"]) == file);
}

TEST_CASE("tus: an upload resumes after the server restarts", "[uploader]") {
  TempDir dir;
  const std::string file = FakeMp4(100'000, 11);
  TusUpload upload;
  {
    Server server(UploadConfig(dir.path));
    upload = CreateTus(server, file.size());
    REQUIRE(Patch(server, upload, 0, file.substr(0, 40'000)).status == 204);
  }
  Server server(UploadConfig(dir.path));
  TestHttpResponse head = Head(server, upload);
  CHECK(head.status == 200);
  CHECK(head.Header("Upload-Offset") == "40000");
  CHECK(head.Header("Upload-Length") == "100000");
  CHECK(Head(server, TusUpload{upload.location, std::string(64, 'z')}).status == 404);
  REQUIRE(Patch(server, upload, 40'000, file.substr(40'000)).status == 204);
  const nlohmann::json event = server.WaitEvent(1);
  CHECK(event["sha256"] == Sha256Hex(file));  // hashed from disk: no running hash survived
  CHECK(server.ObjectBytes(event["object_key"]) == file);
}

TEST_CASE("tus: expired uploads answer 410 and their bytes are swept", "[uploader]") {
  TempDir dir;
  Config config = UploadConfig(dir.path);
  config.upload.expiry_seconds = 1;
  config.upload.sweep_interval_seconds = 1;
  Server server(config);
  // Created with its first bytes in one request, so that the expiry cannot come in between.
  const std::string secret(40, 'e');
  TestHttpResponse created = server.Send(
      "POST", "/api/v1/tus/",
      {kTus, kOctets, {"Upload-Length", "10000"}, {"Upload-Secret", secret}}, FakeMp4(1000));
  REQUIRE(created.status == 201);
  const TusUpload upload{created.Header("Location"), secret};
  const fs::path part = fs::path(server.data_dir) / "upload-parts" /
                        (upload.location.substr(std::string("/api/v1/tus/").size()) + ".part");
  CHECK((fs::exists(part) || Head(server, upload).status == 410));  // unless already swept
  int status = 0;
  for (int i = 0; i < 100 && status != 410; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = Head(server, upload).status;
  }
  CHECK(status == 410);
  CHECK_FALSE(fs::exists(part));
  CHECK(Patch(server, upload, 1000, "x").status == 410);
}

TEST_CASE("uploads: non-video content is refused with 415", "[uploader]") {
  TempDir dir;
  Server server(UploadConfig(dir.path));
  const std::string text(20'000, 'a');
  const TusUpload upload = CreateTus(server, text.size());
  TestHttpResponse refused = Patch(server, upload, 0, text);
  CHECK(refused.status == 415);
  CHECK_THAT(refused.body, Catch::Contains("not a video"));
  CHECK(Head(server, upload).status == 404);
  TestHttpResponse whole = server.Send("POST", "/api/v1/upload?filename=a.txt", {}, text);
  CHECK(whole.status == 415);
  // Each container the sniffer knows is accepted.
  const std::vector<std::string> heads = {std::string("\x1A\x45\xDF\xA3", 4),
                                          std::string("RIFF\x10\x00\x00\x00"
                                                      "AVI LIST",
                                                      16),
                                          std::string("FLV\x01\x05\x00\x00\x00\x09", 9),
                                          std::string("\x00\x00\x01\xBA\x44", 5),
                                          std::string("\x00\x00\x00\x08moov", 8)};
  for (const std::string& head : heads) {
    std::string body = head + std::string(1000, '\0');
    CHECK(server.Send("POST", "/api/v1/upload?filename=v.bin", {}, body).status == 201);
  }
  std::string ts(188 * 3, '\0');
  ts[0] = ts[188] = ts[376] = 0x47;
  CHECK(server.Send("POST", "/api/v1/upload?filename=v.ts", {}, ts).status == 201);
}

TEST_CASE("uploads: per-owner concurrency limit gives 429", "[uploader]") {
  TempDir dir;
  Config config = UploadConfig(dir.path);
  config.upload.max_concurrent_per_owner = 2;
  Server server(config);
  const TusUpload a = CreateTus(server, 100);
  CreateTus(server, 100);
  TestHttpResponse third = server.Send("POST", "/api/v1/tus/", {kTus, {"Upload-Length", "100"}});
  CHECK(third.status == 429);
  REQUIRE(server.Send("DELETE", a.location, {kTus, {"Upload-Secret", a.secret}}).status == 204);
  CHECK(server.Send("POST", "/api/v1/tus/", {kTus, {"Upload-Length", "100"}}).status == 201);
}

// --- seed endpoints --------------------------------------------------------------------------

TEST_CASE("upload: whole file as raw body and as multipart/form-data", "[uploader]") {
  TempDir dir;
  Server server(UploadConfig(dir.path));
  const std::string file = FakeMp4(70'000, 5);

  TestHttpResponse raw =
      server.Send("POST", "/api/v1/upload?filename=raw.mp4&sha256=" + Sha256Hex(file),
                  {{"Content-Type", "video/mp4"}}, file);
  INFO(raw.body);
  REQUIRE(raw.status == 201);
  nlohmann::json info = nlohmann::json::parse(raw.body);
  CHECK(info["state"] == "completed");
  CHECK(info["size"] == file.size());
  CHECK(info["sha256"] == Sha256Hex(file));
  CHECK(server.ObjectBytes(info["object_key"]) == file);
  CHECK(server.WaitEvent(1)["filename"] == "raw.mp4");

  // A wrong declared SHA-256: 460, nothing published.
  TestHttpResponse wrong =
      server.Send("POST", "/api/v1/upload?filename=x.mp4&sha256=" + std::string(64, '0'), {}, file);
  CHECK(wrong.status == 460);

  const std::string boundary = "----sgBoundary7MA4YWxkTrZu0gW";
  const std::string body =
      "--" + boundary + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--" +
      boundary +
      "\r\nContent-Disposition: form-data; name=\"file\"; "
      "filename=\"C:\\\\clips\\\\form.mp4\"\r\nContent-Type: video/mp4\r\n\r\n" +
      file + "\r\n--" + boundary + "--\r\n";
  TestHttpResponse form =
      server.Send("POST", "/api/v1/upload",
                  {{"Content-Type", "multipart/form-data; boundary=" + boundary}}, body);
  INFO(form.body);
  REQUIRE(form.status == 201);
  info = nlohmann::json::parse(form.body);
  CHECK(info["filename"] == "form.mp4");
  CHECK(info["content_type"] == "video/mp4");
  CHECK(info["sha256"] == Sha256Hex(file));
  CHECK(server.ObjectBytes(info["object_key"]) == file);

  // A multipart body without its closing boundary is refused and publishes nothing.
  TestHttpResponse cut = server.Send(
      "POST", "/api/v1/upload", {{"Content-Type", "multipart/form-data; boundary=" + boundary}},
      body.substr(0, body.size() - boundary.size() - 8));
  CHECK(cut.status == 400);
  CHECK(server.events.size() == 2);
  CHECK(fs::is_empty(fs::path(server.data_dir) / "upload-parts"));
}

TEST_CASE("upload: chunked upload by index, status, missing chunks, complete", "[uploader]") {
  TempDir dir;
  Config config = UploadConfig(dir.path);
  config.upload.min_chunk_bytes = 1024;
  Server server(config);
  const std::string file = FakeMp4(10'000, 9);
  const uint64_t chunk = 4096;  // chunks 0, 1 of 4096 and 2 of 1808

  TestHttpResponse init =
      server.Send("POST", "/api/v1/upload/chunk?init=1&filename=c.mp4&size=10000&chunk_size=4096");
  INFO(init.body);
  REQUIRE(init.status == 201);
  nlohmann::json info = nlohmann::json::parse(init.body);
  const std::string id = info["upload_id"];
  const std::string secret = info["upload_secret"];
  CHECK(info["chunk_count"] == 3);
  const std::pair<std::string, std::string> auth{"Upload-Secret", secret};
  auto send_chunk = [&](uint32_t index, std::string bytes, std::string sha = "") {
    if (sha.empty()) sha = Sha256Hex(bytes);
    return server.Send("POST",
                       "/api/v1/upload/chunk?upload_id=" + id + "&index=" + std::to_string(index) +
                           "&sha256=" + sha,
                       {auth}, bytes);
  };
  const std::string c0 = file.substr(0, chunk);
  const std::string c1 = file.substr(chunk, chunk);
  const std::string c2 = file.substr(2 * chunk);

  CHECK(send_chunk(2, c2).status == 200);
  // Out of order is fine; the same chunk twice, a bad hash, a wrong size, a bad index are not.
  CHECK(send_chunk(2, c2).status == 409);
  CHECK(send_chunk(0, c0, Sha256Hex("nope")).status == 460);
  CHECK(send_chunk(0, c0.substr(0, 100)).status == 400);
  CHECK(send_chunk(3, c2).status == 400);
  CHECK(
      server.Send("POST", "/api/v1/upload/chunk?upload_id=" + id + "&index=0", {auth}, c0).status ==
      400);  // no sha256
  CHECK(server
            .Send("POST",
                  "/api/v1/upload/chunk?upload_id=" + id + "&index=0&sha256=" + Sha256Hex(c0),
                  {{"Upload-Secret", std::string(64, 'q')}}, c0)
            .status == 404);  // someone else's upload

  TestHttpResponse status =
      server.Send("GET", "/api/v1/upload/status?upload_id=" + id + "&upload_secret=" + secret);
  REQUIRE(status.status == 200);
  info = nlohmann::json::parse(status.body);
  CHECK(info["state"] == "receiving");
  CHECK(info["bytes_received"] == c2.size());
  CHECK(info["chunks_present"] == nlohmann::json::array({2}));
  CHECK(info["chunks_missing"] == nlohmann::json::array({0, 1}));
  CHECK(info["progress_percent"].get<double>() == Approx(18.08));

  TestHttpResponse early = server.Send(
      "POST", "/api/v1/upload/complete", {auth},
      nlohmann::json({{"upload_id", id}, {"sha256", Sha256Hex(file)}, {"size", 10000}}).dump());
  CHECK(early.status == 409);
  CHECK_THAT(early.body, Catch::Contains("missing chunks: 0, 1"));

  CHECK(send_chunk(0, c0).status == 200);
  CHECK(send_chunk(1, c1).status == 200);
  CHECK(server
            .Send("POST", "/api/v1/upload/complete", {auth},
                  nlohmann::json({{"upload_id", id}, {"size", 9999}}).dump())
            .status == 400);
  CHECK(server
            .Send("POST", "/api/v1/upload/complete", {auth},
                  nlohmann::json({{"upload_id", id}, {"sha256", std::string(64, '1')}}).dump())
            .status == 460);
  TestHttpResponse done = server.Send(
      "POST", "/api/v1/upload/complete", {auth},
      nlohmann::json({{"upload_id", id}, {"sha256", Sha256Hex(file)}, {"size", 10000}}).dump());
  INFO(done.body);
  REQUIRE(done.status == 200);
  info = nlohmann::json::parse(done.body);
  CHECK(info["state"] == "completed");
  CHECK(info["progress_percent"] == 100.0);
  CHECK(server.ObjectBytes(info["object_key"]) == file);
  CHECK(server.WaitEvent(1)["content_id"] == id);

  // A first chunk without upload_id creates the upload.
  TestHttpResponse first =
      server.Send("POST",
                  "/api/v1/upload/chunk?filename=d.mp4&size=10000&chunk_size=4096&index=0&sha256=" +
                      Sha256Hex(c0),
                  {}, c0);
  INFO(first.body);
  REQUIRE(first.status == 201);
  info = nlohmann::json::parse(first.body);
  CHECK(info["chunks_present"] == nlohmann::json::array({0}));
  CHECK(info["upload_secret"].get<std::string>().size() == 64);
}

// --- tus-js-client ---------------------------------------------------------------------------

TEST_CASE("tus-js-client uploads, is interrupted, and resumes", "[uploader][tus-js-client]") {
  const fs::path peers = STREAMGATE_TEST_PEERS_DIR;
  if (!fs::exists(peers / "tus-js-client")) {
    FAIL("tus-js-client is not installed: run scripts/install-test-peers.sh");
  }
  TempDir dir;
  Server server(UploadConfig(dir.path));
  const fs::path script =
      fs::path(STREAMGATE_SOURCE_DIR) / "tests" / "integration" / "tus_js_client_resume.js";
  const std::string file = FakeMp4(1'000'000, 21);
  const fs::path path = dir.path / "clip.mp4";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << file;
  }
  const std::string command = "NODE_PATH='" + peers.string() + "' node '" + script.string() +
                              "' http://127.0.0.1:" + std::to_string(server.port) +
                              "/api/v1/tus/ '" + path.string() + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int rc = ::pclose(pipe);
  INFO(output);
  REQUIRE(rc == 0);
  const nlohmann::json result = nlohmann::json::parse(output.substr(output.rfind('{')));
  // Interrupted after two of four 256 KiB chunks; the second client (same URL) continued there.
  CHECK(result["interrupted_at"] == 2 * 256 * 1024);
  CHECK(result["resumed_from"] == 2 * 256 * 1024);
  CHECK(result["url"] == result["final_url"]);
  const nlohmann::json event = server.WaitEvent(1);
  CHECK(event["sha256"] == Sha256Hex(file));
  CHECK(event["filename"] == "clip.mp4");
  CHECK(server.ObjectBytes(event["object_key"]) == file);
}

}  // namespace streamgate

namespace streamgate {

TEST_CASE("upload: the chunk map survives a restart", "[uploader]") {
  TempDir dir;
  Config config = UploadConfig(dir.path);
  config.upload.min_chunk_bytes = 1024;
  const std::string file = FakeMp4(5000, 13);
  const std::string c0 = file.substr(0, 2048);
  const std::string c1 = file.substr(2048, 2048);
  const std::string c2 = file.substr(4096);
  std::string id;
  std::string secret;
  {
    Server server(config);
    TestHttpResponse first = server.Send(
        "POST",
        "/api/v1/upload/chunk?filename=r.mp4&size=5000&chunk_size=2048&index=1&sha256=" +
            Sha256Hex(c1) + "&file_sha256=" + Sha256Hex(file),
        {}, c1);
    REQUIRE(first.status == 201);
    const nlohmann::json info = nlohmann::json::parse(first.body);
    id = info["upload_id"];
    secret = info["upload_secret"];
  }
  Server server(config);
  const std::pair<std::string, std::string> auth{"Upload-Secret", secret};
  TestHttpResponse status = server.Send("GET", "/api/v1/upload/status?upload_id=" + id, {auth});
  REQUIRE(status.status == 200);
  nlohmann::json info = nlohmann::json::parse(status.body);
  CHECK(info["chunks_present"] == nlohmann::json::array({1}));
  CHECK(info["bytes_received"] == 2048);
  auto send = [&](uint32_t index, const std::string& bytes) {
    return server.Send("POST",
                       "/api/v1/upload/chunk?upload_id=" + id + "&index=" + std::to_string(index) +
                           "&sha256=" + Sha256Hex(bytes),
                       {auth}, bytes);
  };
  CHECK(send(1, c1).status == 409);  // still known as received
  CHECK(send(0, c0).status == 200);
  CHECK(send(2, c2).status == 200);
  // The file's SHA-256 declared at creation is checked at completion.
  TestHttpResponse done = server.Send("POST", "/api/v1/upload/complete?upload_id=" + id, {auth});
  INFO(done.body);
  REQUIRE(done.status == 200);
  info = nlohmann::json::parse(done.body);
  CHECK(info["sha256"] == Sha256Hex(file));
  CHECK(server.ObjectBytes(info["object_key"]) == file);
}

TEST_CASE("upload: whole file with Transfer-Encoding: chunked", "[uploader]") {
  TempDir dir;
  Server server(UploadConfig(dir.path));
  const std::string file = FakeMp4(100'000, 17);
  std::string request =
      "POST /api/v1/upload?filename=te.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  for (std::size_t at = 0; at < file.size(); at += 30'000) {
    const std::string piece = file.substr(at, 30'000);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    request += size + piece + "\r\n";
  }
  request += "0\r\n\r\n";
  TestHttpClient client(server.port);
  TestHttpResponse response = client.Exchange(request);
  INFO(response.body);
  REQUIRE(response.status == 201);
  const nlohmann::json info = nlohmann::json::parse(response.body);
  CHECK(info["size"] == file.size());
  CHECK(server.ObjectBytes(info["object_key"]) == file);
}

}  // namespace streamgate
