// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The product's core path, end to end in one process over real loopback HTTP: a generated video
// is uploaded, transcoded and packaged; its owner gates it on an ERC-721 token of a contract on
// a real local EVM node (ganache); a wallet holding the token signs in (ethers, SIWE), passes the
// gate and fetches the master playlist, a variant playlist and every segment of one rendition
// (compared byte for byte with the packaged files); a wallet without the token is refused; and
// every way of presenting a bad playback token is refused.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "auth/node_wallet.h"
#include "chain_test_peers.h"
#include "streamgate/streamgate.h"
#include "test_http_client.h"

namespace streamgate {
namespace {

using Json = nlohmann::json;
using testing::TestHttpClient;
using testing::TestHttpResponse;

// ganache --wallet.deterministic: the keys of accounts 0, 1 and 2.
constexpr const char* kHolderKey =
    "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d";
constexpr const char* kOtherKey =
    "0x6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1";
constexpr const char* kOwnerKey =
    "0x6370fd033278c143179d81c5526140625662b8daa446c22ee2d73db3707e620c";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A 3-second 320x240 clip with audio, made by the ffmpeg command line.
std::filesystem::path GenerateClip(const std::filesystem::path& dir) {
  const std::filesystem::path clip = dir / "clip.mp4";
  const std::string command =
      "ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=24 "
      "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 3 -c:v libx264 -preset ultrafast "
      "-pix_fmt yuv420p -c:a aac -shortest '" +
      clip.string() + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  return clip;
}

// The URI lines of a playlist (every line that is not a tag or blank), and the URI="…" of tags.
std::vector<std::string> PlaylistUris(const std::string& playlist) {
  std::vector<std::string> uris;
  std::istringstream lines(playlist);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line[0] != '#') {
      uris.push_back(line);
      continue;
    }
    const std::size_t uri = line.find("URI=\"");
    if (uri != std::string::npos) {
      const std::size_t end = line.find('"', uri + 5);
      uris.push_back(line.substr(uri + 5, end - uri - 5));
    }
  }
  return uris;
}

std::string StripQuery(const std::string& uri) { return uri.substr(0, uri.find('?')); }

struct Monolith {
  explicit Monolith(const std::filesystem::path& data_dir, const std::string& rpc_url) {
    Config config;
    config.data_dir = data_dir.string();
    config.server.host = "127.0.0.1";
    config.server.port = 0;
    config.server.max_body_bytes = 64 << 20;
    config.log.level = LogLevel::kWarn;
    config.log.access_log = false;
    config.transcode.transcoder.ladder = {LadderRung{"", 240, 400}};
    config.transcode.transcoder.packager.segment_seconds = 1.0;
    config.transcode.transcoder.preset = "ultrafast";
    config.auth.domain = "streamgate.test";
    config.auth.uri = "https://streamgate.test";
    config.auth.allowed_chain_ids = {1337};
    config.chain.endpoints = {{"1337", {rpc_url}}};
    config.chain.cache_ttl_s = 1;
    config.chain.negative_cache_ttl_s = 1;
    runtime = Runtime::Create({2, 2}).value();
    kernel = Kernel::Create(config, *runtime).value();
    for (auto* factory : {&NewMetadataPlugin, &NewCachePlugin, &NewAuthPlugin, &NewUploadPlugin,
                          &NewTranscoderPlugin, &NewStreamingPlugin}) {
      REQUIRE(kernel->Register(factory()).ok());
    }
    const Status started = kernel->Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
  }
  ~Monolith() {
    (void)kernel->Stop();
    kernel.reset();
    runtime->Stop();
  }

  TestHttpResponse Request(const std::string& method, const std::string& target,
                           const std::string& body = {}, const std::string& headers = {}) {
    TestHttpClient client(kernel->port());
    client.set_timeout(std::chrono::seconds(60));
    return client.Exchange(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
                           "Connection: close\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n" + body);
  }

  // Challenge → a real wallet signs the SIWE text → session JWT.
  std::string SignIn(const char* private_key) {
    const Json wallet =
        testing::RunNodeWallet({{"op", "personal"}, {"key", private_key}, {"message", "probe"}});
    const std::string address = wallet.at("address").get<std::string>();
    const TestHttpResponse challenge =
        Request("GET", "/api/v1/auth/challenge?address=" + address + "&chain=1337");
    REQUIRE(challenge.status == 200);
    const std::string message = Json::parse(challenge.body).at("message").get<std::string>();
    const Json signed_message =
        testing::RunNodeWallet({{"op", "personal"}, {"key", private_key}, {"message", message}});
    const Json verify = {{"scheme", "siwe"},
                         {"address", address},
                         {"message", message},
                         {"signature", signed_message.at("signature")}};
    const TestHttpResponse session = Request("POST", "/api/v1/auth/verify-signature", verify.dump(),
                                             "Content-Type: application/json\r\n");
    INFO(session.body);
    REQUIRE(session.status == 200);
    return Json::parse(session.body).at("token").get<std::string>();
  }

  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Kernel> kernel;
};

std::string Bearer(const std::string& token) { return "Authorization: Bearer " + token + "\r\n"; }

}  // namespace

TEST_CASE("Sign in, pass the NFT gate and play every segment; others are refused",
          "[streaming][e2e]") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("sg-gated-" + std::to_string(::getpid()) + "-" +
       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir / "data");
  const std::filesystem::path clip = GenerateClip(dir);
  testing::GanacheNode chain;
  Monolith app(dir / "data", chain.url());

  const std::string owner = app.SignIn(kOwnerKey);
  const std::string holder = app.SignIn(kHolderKey);
  const std::string other = app.SignIn(kOtherKey);

  // Upload as the owner; the upload completes, is recorded and transcoded.
  const TestHttpResponse upload =
      app.Request("POST", "/api/v1/upload?filename=clip.mp4", ReadFile(clip),
                  Bearer(owner) + "Content-Type: video/mp4\r\n");
  INFO(upload.body);
  REQUIRE((upload.status == 200 || upload.status == 201));
  const std::string content_id = Json::parse(upload.body).at("content_id").get<std::string>();

  std::string state;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (state != "ready" && std::chrono::steady_clock::now() < give_up) {
    const TestHttpResponse info =
        app.Request("GET", "/api/v1/stream/info?content_id=" + content_id);
    if (info.status == 200) state = Json::parse(info.body).at("state").get<std::string>();
    REQUIRE(state != "failed");
    if (state != "ready") std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(state == "ready");

  // Only the owner may gate it; the rule names token 1, held by the holder (ganache account 0).
  const Json rule = {
      {"chain", "1337"}, {"standard", "erc721"}, {"contract", chain.erc721()}, {"token_id", "1"}};
  const Json update = {{"id", content_id}, {"gating_rule", rule}};
  CHECK(app.Request("PUT", "/api/v1/metadata/update", update.dump(),
                    Bearer(holder) + "Content-Type: application/json\r\n")
            .status == 403);
  const TestHttpResponse gated = app.Request("PUT", "/api/v1/metadata/update", update.dump(),
                                             Bearer(owner) + "Content-Type: application/json\r\n");
  INFO(gated.body);
  REQUIRE(gated.status == 200);
  const TestHttpResponse info = app.Request("GET", "/api/v1/stream/info?content_id=" + content_id);
  CHECK(Json::parse(info.body).at("gated") == true);

  // verify-nft answers for the caller's own wallet against the item's stored rule.
  const Json nft_query = {{"content_id", content_id}};
  const TestHttpResponse holds = app.Request("POST", "/api/v1/auth/verify-nft", nft_query.dump(),
                                             Bearer(holder) + "Content-Type: application/json\r\n");
  INFO(holds.body);
  REQUIRE(holds.status == 200);
  CHECK(Json::parse(holds.body).at("owned") == true);
  const TestHttpResponse lacks = app.Request("POST", "/api/v1/auth/verify-nft", nft_query.dump(),
                                             Bearer(other) + "Content-Type: application/json\r\n");
  REQUIRE(lacks.status == 200);
  CHECK(Json::parse(lacks.body).at("owned") == false);
  CHECK(app.Request("POST", "/api/v1/auth/verify-nft", nft_query.dump(),
                    "Content-Type: application/json\r\n")
            .status == 401);

  // No session, and a session without the token: refused, and no token is minted.
  CHECK(app.Request("GET", "/api/v1/stream/hls?content_id=" + content_id).status == 401);
  const TestHttpResponse refused = app.Request("GET", "/api/v1/stream/hls?content_id=" + content_id,
                                               {}, Bearer(other) + "Accept: application/json\r\n");
  CHECK(refused.status == 403);
  CHECK(Json::parse(refused.body).at("error").at("code") == "PERMISSION_DENIED");
  CHECK(refused.body.find("pt1.") == std::string::npos);  // no playback token leaks

  // The holder passes: a 302 for players, JSON for apps.
  const TestHttpResponse redirect =
      app.Request("GET", "/api/v1/stream/hls?content_id=" + content_id, {}, Bearer(holder));
  REQUIRE(redirect.status == 302);
  const TestHttpResponse start = app.Request("GET", "/api/v1/stream/hls?content_id=" + content_id,
                                             {}, Bearer(holder) + "Accept: application/json\r\n");
  INFO(start.body);
  REQUIRE(start.status == 200);
  const std::string master_url = Json::parse(start.body).at("url").get<std::string>();
  const std::string token = Json::parse(start.body).at("token").get<std::string>();
  REQUIRE(master_url == "/stream/" + content_id + "/master.m3u8?token=" + token);

  const TestHttpResponse master = app.Request("GET", master_url);
  REQUIRE(master.status == 200);
  CHECK(master.Header("Content-Type") == "application/vnd.apple.mpegurl");
  CHECK(master.Header("Access-Control-Allow-Origin") == "*");
  CHECK(master.Header("Cache-Control") == "private, no-store");
  const std::vector<std::string> variants = PlaylistUris(master.body);
  REQUIRE_FALSE(variants.empty());
  for (const std::string& uri : variants) CHECK(uri.find("token=" + token) != std::string::npos);

  // One video rendition: its playlist, init segment and every media segment, byte for byte.
  const std::string& variant = variants.front();
  const std::string rendition = variant.substr(0, variant.find('/'));
  const std::string base = "/stream/" + content_id + "/" + rendition + "/";
  const TestHttpResponse media = app.Request("GET", "/stream/" + content_id + "/" + variant);
  REQUIRE(media.status == 200);
  const std::vector<std::string> files = PlaylistUris(media.body);
  REQUIRE(files.size() >= 3);  // init + at least two 1-second segments of a 3-second clip
  const std::filesystem::path packaged =
      dir / "data" / "objects" / "media" / content_id / rendition;
  for (const std::string& uri : files) {
    INFO(uri);
    CHECK(uri.find("token=" + token) != std::string::npos);
    const TestHttpResponse file = app.Request("GET", base + uri);
    REQUIRE(file.status == 200);
    const std::string name = StripQuery(uri);
    CHECK(file.Header("Content-Type") == (name == "init.mp4" ? "video/mp4" : "video/iso.segment"));
    CHECK(file.body == ReadFile(packaged / name));
  }
  // Range requests work on segments (players seek with them).
  const std::string segment = base + files.back();
  const TestHttpResponse range = app.Request("GET", segment, {}, "Range: bytes=0-99\r\n");
  CHECK(range.status == 206);
  CHECK(range.body == ReadFile(packaged / StripQuery(files.back())).substr(0, 100));

  // Every bad token is refused, and nothing but an error comes back.
  const std::string segment_path = base + StripQuery(files.back());
  std::string forged = token;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  struct Case {
    const char* what;
    std::string target;
    int status;
  };
  const std::vector<Case> cases = {
      {"missing", segment_path, 401},
      {"forged", segment_path + "?token=" + forged, 401},
      {"session JWT instead", segment_path + "?token=" + holder, 401},
      {"other content", "/stream/othercontent/master.m3u8?token=" + token, 403},
      {"outside the item", "/stream/" + content_id + "/../x/master.m3u8?token=" + token, 403},
      {"internal file", "/stream/" + content_id + "/package.json?token=" + token, 404},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const TestHttpResponse response = app.Request("GET", c.target);
    CHECK(response.status == c.status);
    CHECK(response.Header("Content-Type").find("application/json") == 0);
  }
  // The seed's segment endpoint serves the same bytes under the same token.
  const TestHttpResponse seed =
      app.Request("GET", "/api/v1/stream/segment?content_id=" + content_id + "&path=" + rendition +
                             "/" + StripQuery(files.back()) + "&token=" + token);
  CHECK(seed.status == 200);
  CHECK(seed.body == ReadFile(packaged / StripQuery(files.back())));

  // Every plugin on the path reported into the one registry.
  const TestHttpResponse metrics = app.Request("GET", "/metrics");
  REQUIRE(metrics.status == 200);
  for (const char* line :
       {"streamgate_uploads_completed_total 1\n", "streamgate_upload_bytes_total ",
        "streamgate_transcode_jobs_total{state=\"completed\"} 1\n",
        "streamgate_transcode_duration_seconds_count 1\n",
        "streamgate_auth_attempts_total{scheme=\"siwe\",result=\"success\"} 3\n",
        "streamgate_cache_requests_total{result=\"hit\"} "}) {
    INFO(line);
    CHECK(metrics.body.find(line) != std::string::npos);
  }

  std::filesystem::remove_all(dir);
}

}  // namespace streamgate
