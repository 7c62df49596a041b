// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The web plugin over real loopback HTTP: the app's files with their security and cache
// headers, refusals of paths that leave the root, the poster route (bytes from the object
// store, gated items per web.public_posters, hostile ids), and web.enabled=false. The browser
// tests (tests/browser/) drive the app itself in chromium.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "streamgate/streamgate.h"
#include "test_http_client.h"

namespace streamgate {
namespace {

using testing::TestHttpClient;
using testing::TestHttpResponse;

const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "poster bytes";

void WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// Provides the MetadataStore and ObjectStore the web plugin finds, as the metadata and upload
// plugins do in the monolith.
class Stores final : public Plugin {
 public:
  Stores(std::shared_ptr<MetadataStore> metadata, std::shared_ptr<ObjectStore> objects)
      : metadata_(std::move(metadata)), objects_(std::move(objects)) {}
  std::string Name() const override { return "test-stores"; }
  Status Init(PluginContext& context) override {
    STREAMGATE_RETURN_IF_ERROR(context.services.Provide<MetadataStore>(metadata_));
    return context.services.Provide<ObjectStore>(objects_);
  }

 private:
  std::shared_ptr<MetadataStore> metadata_;
  std::shared_ptr<ObjectStore> objects_;
};

struct WebServer {
  explicit WebServer(const std::filesystem::path& dir, bool enabled = true,
                     bool public_posters = true) {
    Config config;
    config.data_dir = (dir / "data").string();
    config.server.host = "127.0.0.1";
    config.server.port = 0;
    config.log.level = LogLevel::kWarn;
    config.web.root = (dir / "site").string();
    config.web.enabled = enabled;
    config.web.public_posters = public_posters;
    config.web.vendor_max_age_s = 1234;
    MetadataStoreOptions metadata_options;
    metadata_options.path = (dir / "metadata.db").string();
    metadata = std::shared_ptr<MetadataStore>(MetadataStore::Open(metadata_options).value());
    objects =
        std::shared_ptr<ObjectStore>(NewObjectStore(StorageOptions{}, config.data_dir).value());
    runtime = Runtime::Create({1, 1}).value();
    kernel = Kernel::Create(config, *runtime).value();
    REQUIRE(kernel->Register(std::make_unique<Stores>(metadata, objects)).ok());
    REQUIRE(kernel->Register(NewWebPlugin()).ok());
    const Status started = kernel->Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
  }
  ~WebServer() {
    (void)kernel->Stop();
    kernel.reset();
    runtime->Stop();
  }

  TestHttpResponse Get(const std::string& target) {
    TestHttpClient client(kernel->port());
    return client.Exchange("GET " + target +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  }

  // A ready item whose poster the transcoder published at media/<id>/poster.jpg.
  void AddItem(const std::string& id, const std::string& gating_rule_json) {
    ContentItem item;
    item.id = id;
    item.owner = "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1";
    item.gating_rule_json = gating_rule_json;
    REQUIRE(metadata->Create(item).ok());
    ContentPatch patch;
    patch.state = ContentState::kReady;
    patch.poster_key = "media/" + id + "/poster.jpg";
    REQUIRE(metadata->UpdateTrusted(id, patch).ok());
    REQUIRE(objects->Put("media/" + id + "/poster.jpg", kJpeg).ok());
  }

  std::shared_ptr<MetadataStore> metadata;
  std::shared_ptr<ObjectStore> objects;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Kernel> kernel;
};

std::filesystem::path MakeSite() {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("sg-web-" + std::to_string(::getpid()) + "-" +
       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  WriteFile(dir / "site" / "index.html", "<!doctype html><title>StreamGate</title>");
  WriteFile(dir / "site" / "app" / "js" / "main.js", "export const x = 1;\n");
  WriteFile(dir / "site" / "app" / "vendor" / "lib.mjs", "export default 1;\n");
  WriteFile(dir / "secret.txt", "outside the root");
  std::filesystem::create_symlink(dir / "secret.txt", dir / "site" / "app" / "escape.txt");
  return dir;
}

const std::string kRule =
    R"({"chain":"1337","standard":"erc721","contract":"0x5fbdb2315678afecb367f032d93f642f64180aa3","token_id":"1"})";

}  // namespace

TEST_CASE("The web plugin serves the app with strict headers and refuses escapes", "[web]") {
  const std::filesystem::path dir = MakeSite();
  {
    WebServer server(dir);
    for (const char* page : {"/", "/index.html"}) {
      INFO(page);
      const TestHttpResponse index = server.Get(page);
      REQUIRE(index.status == 200);
      CHECK(index.body == "<!doctype html><title>StreamGate</title>");
      CHECK(index.Header("Content-Type") == "text/html; charset=utf-8");
      CHECK(index.Header("Content-Security-Policy").find("default-src 'none'") == 0);
      CHECK(index.Header("Content-Security-Policy").find("script-src 'self';") !=
            std::string::npos);
      CHECK(index.Header("Content-Security-Policy").find("unsafe-inline") == std::string::npos);
      CHECK(index.Header("X-Content-Type-Options") == "nosniff");
      CHECK(index.Header("Referrer-Policy") == "no-referrer");
      CHECK(index.Header("X-Frame-Options") == "DENY");
      CHECK(index.Header("Cache-Control") == "no-cache");
    }
    const TestHttpResponse module = server.Get("/app/js/main.js");
    REQUIRE(module.status == 200);
    CHECK(module.body == "export const x = 1;\n");
    CHECK(module.Header("Content-Type") == "text/javascript; charset=utf-8");
    CHECK(module.Header("Cache-Control") == "no-cache");
    const TestHttpResponse vendor = server.Get("/app/vendor/lib.mjs");
    REQUIRE(vendor.status == 200);
    CHECK(vendor.Header("Content-Type") == "text/javascript; charset=utf-8");
    CHECK(vendor.Header("Cache-Control") == "public, max-age=1234");

    CHECK(server.Get("/app/js/missing.js").status == 404);
    CHECK(server.Get("/app/js").status == 404);  // directories are never listed
    for (const char* escape : {"/app/../secret.txt", "/app/%2e%2e/secret.txt",
                               "/app/js/..%2f..%2f..%2fsecret.txt", "/app/escape.txt"}) {
      INFO(escape);
      const TestHttpResponse refused = server.Get(escape);
      CHECK((refused.status == 403 || refused.status == 404));
      CHECK(refused.body.find("outside the root") == std::string::npos);
    }
    // Only /, /index.html and /app/ are the app's: other paths keep the router's JSON 404.
    const TestHttpResponse unknown = server.Get("/api/v1/nothing-here");
    CHECK(unknown.status == 404);
    CHECK(unknown.Header("Content-Type").find("application/json") == 0);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("Poster thumbnails come from the object store, per web.public_posters", "[web]") {
  const std::filesystem::path dir = MakeSite();
  {
    WebServer server(dir);
    server.AddItem("open1", "");
    server.AddItem("gated1", kRule);
    const TestHttpResponse open = server.Get("/api/v1/web/poster/open1");
    REQUIRE(open.status == 200);
    CHECK(open.body == kJpeg);
    CHECK(open.Header("Content-Type") == "image/jpeg");
    CHECK(open.Header("Cache-Control") == "public, max-age=300");
    const TestHttpResponse gated = server.Get("/api/v1/web/poster/gated1");
    REQUIRE(gated.status == 200);
    CHECK(gated.body == kJpeg);
    CHECK(gated.Header("Cache-Control") == "private, max-age=300");

    CHECK(server.Get("/api/v1/web/poster/unknown").status == 404);
    CHECK(server.Get("/api/v1/web/poster/bad.id").status == 400);
    CHECK(server.Get("/api/v1/web/poster/" + std::string(129, 'a')).status == 400);
    // An item without a poster yet, and one whose stored key points elsewhere.
    ContentItem bare;
    bare.id = "bare1";
    bare.owner = "anonymous";
    REQUIRE(server.metadata->Create(bare).ok());
    CHECK(server.Get("/api/v1/web/poster/bare1").status == 404);
    ContentPatch elsewhere;
    elsewhere.poster_key = "media/open1/poster.jpg";
    REQUIRE(server.metadata->UpdateTrusted("bare1", elsewhere).ok());
    CHECK(server.Get("/api/v1/web/poster/bare1").status == 404);
  }
  {
    WebServer server(dir, /*enabled=*/true, /*public_posters=*/false);
    CHECK(server.Get("/api/v1/web/poster/open1").status == 200);
    const TestHttpResponse refused = server.Get("/api/v1/web/poster/gated1");
    CHECK(refused.status == 403);
    CHECK(refused.body.find("poster bytes") == std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("web.enabled=false serves nothing", "[web]") {
  const std::filesystem::path dir = MakeSite();
  {
    WebServer server(dir, /*enabled=*/false);
    CHECK(server.Get("/").status == 404);
    CHECK(server.Get("/app/js/main.js").status == 404);
    CHECK(server.Get("/api/v1/web/poster/x").status == 404);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace streamgate
