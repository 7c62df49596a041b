// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The rest of gated delivery, over real loopback HTTP with a real packaged video:
//  - playback revocation: an item's owner denies a viewer; the viewer's next token mint and
//    every playlist fetch with a token minted before the revocation are refused; restoring
//    brings playback back; only the owner (or an operator, for every item) may revoke; hostile
//    requests are refused precisely;
//  - delivery from an S3 store (a real s3rver): the video is packaged into the bucket and played
//    with a playback token, files answered by a 302 to a presigned URL (followed here, bytes
//    compared with the objects) or streamed through with Range support; the token is checked
//    before any redirect.
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
#include "s3rver_process.h"
#include "streamgate/streamgate.h"
#include "test_http_client.h"

namespace streamgate {
namespace {

using Json = nlohmann::json;
using testing::TestHttpClient;
using testing::TestHttpResponse;

// Any secp256k1 keys will do: nothing here touches a chain.
constexpr const char* kOwnerKey =
    "0x6370fd033278c143179d81c5526140625662b8daa446c22ee2d73db3707e620c";
constexpr const char* kViewerKey =
    "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d";
constexpr const char* kOtherKey =
    "0x6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1";
constexpr const char* kOperatorKey =
    "0x646f1ce2fdad0e6deeeb5c7e8e5543bdde65e86029e2fd9fc169899c440a7913";

std::filesystem::path UniqueDir(const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("sg-" + name + "-" + std::to_string(::getpid()) + "-" +
       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir / "data");
  return dir;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A 2-second 160x120 clip with audio, made by the ffmpeg command line.
std::string GenerateClip(const std::filesystem::path& dir) {
  const std::filesystem::path clip = dir / "clip.mp4";
  const std::string command =
      "ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=160x120:rate=24 "
      "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 -c:v libx264 -preset ultrafast "
      "-pix_fmt yuv420p -c:a aac -shortest '" +
      clip.string() + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  return ReadFile(clip);
}

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
std::string Bearer(const std::string& token) { return "Authorization: Bearer " + token + "\r\n"; }
const std::string kJson = "Content-Type: application/json\r\n";

struct Monolith {
  explicit Monolith(Config config) {
    config.server.host = "127.0.0.1";
    config.server.port = 0;
    config.server.max_body_bytes = 64 << 20;
    config.log.level = LogLevel::kWarn;
    config.log.access_log = false;
    config.transcode.transcoder.ladder = {LadderRung{"", 120, 200}};
    config.transcode.transcoder.packager.segment_seconds = 1.0;
    config.transcode.transcoder.preset = "ultrafast";
    config.auth.domain = "streamgate.test";
    config.auth.uri = "https://streamgate.test";
    config.auth.allowed_chain_ids = {1337};
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

  // Challenge → a real wallet signs the SIWE text → session JWT. Returns {address, token}.
  std::pair<std::string, std::string> SignIn(const char* private_key) {
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
    const TestHttpResponse session =
        Request("POST", "/api/v1/auth/verify-signature", verify.dump(), kJson);
    INFO(session.body);
    REQUIRE(session.status == 200);
    return {address, Json::parse(session.body).at("token").get<std::string>()};
  }

  // Uploads `clip` (as `session`, or anonymously) and waits until it is packaged.
  std::string UploadAndWait(const std::string& clip, const std::string& session) {
    const TestHttpResponse upload = Request(
        "POST", "/api/v1/upload?filename=clip.mp4", clip,
        (session.empty() ? std::string() : Bearer(session)) + "Content-Type: video/mp4\r\n");
    INFO(upload.body);
    REQUIRE((upload.status == 200 || upload.status == 201));
    const std::string content_id = Json::parse(upload.body).at("content_id").get<std::string>();
    std::string state;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(180);
    while (state != "ready" && std::chrono::steady_clock::now() < give_up) {
      const TestHttpResponse info = Request("GET", "/api/v1/stream/info?content_id=" + content_id);
      if (info.status == 200) state = Json::parse(info.body).at("state").get<std::string>();
      REQUIRE(state != "failed");
      if (state != "ready") std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(state == "ready");
    return content_id;
  }

  // GET /api/v1/stream/hls as JSON: {status, token}.
  std::pair<int, std::string> Mint(const std::string& content_id, const std::string& session) {
    const TestHttpResponse start = Request(
        "GET", "/api/v1/stream/hls?content_id=" + content_id, {},
        (session.empty() ? std::string() : Bearer(session)) + "Accept: application/json\r\n");
    if (start.status != 200) {
      CHECK(start.body.find("pt1.") == std::string::npos);  // a refusal carries no token
      return {start.status, {}};
    }
    return {200, Json::parse(start.body).at("token").get<std::string>()};
  }

  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Kernel> kernel;
};

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

TEST_CASE("An owner revokes a viewer: mint and playlists refused, restore brings them back",
          "[streaming][revocation]") {
  const std::filesystem::path dir = UniqueDir("revoke");
  const std::string clip = GenerateClip(dir);
  const auto operator_wallet =
      testing::RunNodeWallet({{"op", "personal"}, {"key", kOperatorKey}, {"message", "probe"}})
          .at("address")
          .get<std::string>();
  Config config;
  config.data_dir = (dir / "data").string();
  config.streaming.revocation_admins = operator_wallet;
  Monolith app(config);

  const auto [owner_address, owner] = app.SignIn(kOwnerKey);
  const auto [viewer_address, viewer] = app.SignIn(kViewerKey);
  const auto [other_address, other] = app.SignIn(kOtherKey);
  const auto [admin_address, admin] = app.SignIn(kOperatorKey);
  REQUIRE(admin_address == operator_wallet);
  const std::string content_id = app.UploadAndWait(clip, owner);

  // The viewer starts playback before any revocation: master, variant and a segment play.
  const auto [minted, token] = app.Mint(content_id, viewer);
  REQUIRE(minted == 200);
  const std::string base = "/stream/" + content_id + "/";
  const TestHttpResponse master = app.Request("GET", base + "master.m3u8?token=" + token);
  REQUIRE(master.status == 200);
  const std::vector<std::string> variants = PlaylistUris(master.body);
  REQUIRE_FALSE(variants.empty());
  const std::string variant = base + variants.front();
  const TestHttpResponse media = app.Request("GET", variant);
  REQUIRE(media.status == 200);
  const std::vector<std::string> files = PlaylistUris(media.body);
  REQUIRE(files.size() >= 2);
  const std::string rendition = variants.front().substr(0, variants.front().find('/'));
  const std::string segment = base + rendition + "/" + files.back();
  REQUIRE(app.Request("GET", segment).status == 200);

  const std::string revoke_viewer =
      Json{{"content_id", content_id}, {"wallet", viewer_address}, {"reason", "refund"}}.dump();
  {  // Only the owner (or an operator) may revoke, and hostile requests are refused.
    CHECK(app.Request("POST", "/api/v1/stream/revocations", revoke_viewer, kJson).status == 401);
    CHECK(app.Request("POST", "/api/v1/stream/revocations", revoke_viewer,
                      kJson + "Authorization: Bearer not-a-jwt\r\n")
              .status == 401);
    CHECK(app.Request("POST", "/api/v1/stream/revocations", revoke_viewer, kJson + Bearer(other))
              .status == 403);
    CHECK(app.Request("POST", "/api/v1/stream/revocations", revoke_viewer, kJson + Bearer(viewer))
              .status == 403);
    struct Case {
      const char* what;
      std::string body;
      int status;
    };
    const std::vector<Case> cases = {
        {"not JSON", "{\"content_id\":", 400},
        {"not an object", "[1,2]", 400},
        {"content_id not a string", Json{{"content_id", 5}, {"wallet", viewer_address}}.dump(),
         400},
        {"malformed wallet", Json{{"content_id", content_id}, {"wallet", "0x1234"}}.dump(), 400},
        {"no wallet", Json{{"content_id", content_id}}.dump(), 400},
        {"anonymous", Json{{"content_id", content_id}, {"wallet", "anonymous"}}.dump(), 400},
        {"path in content_id", Json{{"content_id", "../x"}, {"wallet", viewer_address}}.dump(),
         400},
        {"unknown content", Json{{"content_id", "nosuchitem"}, {"wallet", viewer_address}}.dump(),
         404},
        {"long reason",
         Json{{"content_id", content_id},
              {"wallet", viewer_address},
              {"reason", std::string(300, 'x')}}
             .dump(),
         400},
        {"control characters in reason",
         Json{{"content_id", content_id}, {"wallet", viewer_address}, {"reason", "a\nb"}}.dump(),
         400},
        {"the owner", Json{{"content_id", content_id}, {"wallet", owner_address}}.dump(), 400},
        {"every item, not an operator",
         Json{{"content_id", "*"}, {"wallet", viewer_address}}.dump(), 403},
        {"oversized body", std::string(8192, ' ') + revoke_viewer, 413},
    };
    for (const Case& c : cases) {
      INFO(c.what);
      const TestHttpResponse response =
          app.Request("POST", "/api/v1/stream/revocations", c.body, kJson + Bearer(owner));
      CHECK(response.status == c.status);
      CHECK(response.Header("Content-Type").find("application/json") == 0);
    }
    // Nothing of that was stored.
    const TestHttpResponse list = app.Request(
        "GET", "/api/v1/stream/revocations?content_id=" + content_id, {}, Bearer(owner));
    REQUIRE(list.status == 200);
    CHECK(Json::parse(list.body).at("revocations").empty());
    CHECK(app.Mint(content_id, viewer).first == 200);
  }

  {  // Revoked: refused at the next mint and on every playlist with the old token.
    const TestHttpResponse revoked =
        app.Request("POST", "/api/v1/stream/revocations", revoke_viewer, kJson + Bearer(owner));
    INFO(revoked.body);
    REQUIRE(revoked.status == 201);
    CHECK(Json::parse(revoked.body).at("wallet") == Lower(viewer_address));
    CHECK(app.Request("POST", "/api/v1/stream/revocations", revoke_viewer, kJson + Bearer(owner))
              .status == 200);  // already revoked

    const auto [denied, none] = app.Mint(content_id, viewer);
    CHECK(denied == 403);
    for (const std::string& target : {base + "master.m3u8?token=" + token, variant,
                                      base + "manifest.mpd?token=" + token, segment}) {
      INFO(target);
      const TestHttpResponse response = app.Request("GET", target);
      CHECK(response.status == 403);
      CHECK(response.body.find("revoked") != std::string::npos);
    }
    // Everyone else still plays.
    const auto [other_minted, other_token] = app.Mint(content_id, other);
    REQUIRE(other_minted == 200);
    CHECK(app.Request("GET", base + "master.m3u8?token=" + other_token).status == 200);

    // Only the owner sees and changes the list.
    const std::string list_target = "/api/v1/stream/revocations?content_id=" + content_id;
    const TestHttpResponse list = app.Request("GET", list_target, {}, Bearer(owner));
    REQUIRE(list.status == 200);
    const Json entries = Json::parse(list.body).at("revocations");
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].at("wallet") == Lower(viewer_address));
    CHECK(entries[0].at("revoked_by") == Lower(owner_address));
    CHECK(entries[0].at("reason") == "refund");
    CHECK(app.Request("GET", list_target, {}, Bearer(viewer)).status == 403);
    CHECK(app.Request("GET", list_target).status == 401);

    const std::string restore =
        "/api/v1/stream/revocations?content_id=" + content_id + "&wallet=" + viewer_address;
    CHECK(app.Request("DELETE", restore, {}, Bearer(other)).status == 403);
    CHECK(app.Request("DELETE", restore).status == 401);
    CHECK(app.Request("DELETE",
                      "/api/v1/stream/revocations?content_id=" + content_id + "&wallet=bogus", {},
                      Bearer(owner))
              .status == 400);
    CHECK(app.Request("DELETE", restore, {}, Bearer(owner)).status == 204);
    CHECK(app.Request("DELETE", restore, {}, Bearer(owner)).status == 404);

    // Restored: the old token plays again and a new one is minted.
    CHECK(app.Request("GET", base + "master.m3u8?token=" + token).status == 200);
    CHECK(app.Request("GET", segment).status == 200);
    CHECK(app.Mint(content_id, viewer).first == 200);
  }

  {  // An operator revokes a wallet on every item.
    const std::string everywhere = Json{{"content_id", "*"}, {"wallet", viewer_address}}.dump();
    REQUIRE(app.Request("POST", "/api/v1/stream/revocations", everywhere, kJson + Bearer(admin))
                .status == 201);
    CHECK(app.Mint(content_id, viewer).first == 403);
    CHECK(app.Request("GET", base + "master.m3u8?token=" + token).status == 403);
    const TestHttpResponse list =
        app.Request("GET", "/api/v1/stream/revocations?content_id=*", {}, Bearer(admin));
    REQUIRE(list.status == 200);
    CHECK(Json::parse(list.body).at("revocations").size() == 1);
    CHECK(app.Request("GET", "/api/v1/stream/revocations", {}, Bearer(owner)).status == 403);
    // An operator may also manage one item's list.
    CHECK(
        app.Request("GET", "/api/v1/stream/revocations?content_id=" + content_id, {}, Bearer(admin))
            .status == 200);
    CHECK(app.Request("DELETE", "/api/v1/stream/revocations?content_id=*&wallet=" + viewer_address,
                      {}, Bearer(admin))
              .status == 204);
    CHECK(app.Mint(content_id, viewer).first == 200);
    CHECK(app.Request("GET", base + "master.m3u8?token=" + token).status == 200);
  }

  std::filesystem::remove_all(dir);
}

TEST_CASE("Delivery from an S3 store: presigned redirects and proxying with Range",
          "[streaming][s3]") {
  const std::filesystem::path dir = UniqueDir("s3-delivery");
  const std::string clip = GenerateClip(dir);
  testing::S3rverProcess s3;
  Config config;
  config.data_dir = (dir / "data").string();
  config.storage.backend = "s3";
  config.storage.s3 = s3.Options();
  config.streaming.s3_delivery = StreamingOptions::S3Delivery::kRedirect;
  auto objects = NewS3ObjectStore(s3.Options());
  REQUIRE(objects.ok());

  std::string content_id;
  std::string rendition;
  std::vector<std::string> names;  // init and media segments of one rendition
  {
    Monolith app(config);
    content_id = app.UploadAndWait(clip, "");
    // Packaged into the bucket, nothing under the data directory.
    REQUIRE((*objects)->Stat("media/" + content_id + "/master.m3u8").ok());
    CHECK_FALSE(std::filesystem::exists(dir / "data" / "objects" / "media" / content_id));

    const auto [minted, token] = app.Mint(content_id, "");
    REQUIRE(minted == 200);
    const std::string base = "/stream/" + content_id + "/";
    const TestHttpResponse master = app.Request("GET", base + "master.m3u8?token=" + token);
    REQUIRE(master.status == 200);
    const std::vector<std::string> variants = PlaylistUris(master.body);
    REQUIRE_FALSE(variants.empty());
    rendition = variants.front().substr(0, variants.front().find('/'));
    const TestHttpResponse media = app.Request("GET", base + variants.front());
    REQUIRE(media.status == 200);
    const std::vector<std::string> files = PlaylistUris(media.body);
    REQUIRE(files.size() >= 2);
    const std::string s3_prefix = "http://127.0.0.1:" + std::to_string(s3.port()) + "/";
    for (const std::string& uri : files) {
      INFO(uri);
      names.push_back(StripQuery(uri));
      const TestHttpResponse redirect = app.Request("GET", base + rendition + "/" + uri);
      REQUIRE(redirect.status == 302);
      CHECK(redirect.Header("Cache-Control") == "private, no-store");
      const std::string location = redirect.Header("Location");
      REQUIRE(location.rfind(s3_prefix, 0) == 0);
      CHECK(location.find("X-Amz-Signature=") != std::string::npos);
      CHECK(location.find("X-Amz-Expires=60&") != std::string::npos);
      // Follow it: the bytes are the object's.
      TestHttpClient client(s3.port());
      const TestHttpResponse object =
          client.Exchange("GET /" + location.substr(s3_prefix.size()) +
                          " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(s3.port()) +
                          "\r\nConnection: close\r\n\r\n");
      REQUIRE(object.status == 200);
      const Result<std::string> original =
          (*objects)->Get("media/" + content_id + "/" + rendition + "/" + names.back());
      REQUIRE(original.ok());
      CHECK(object.body == *original);
    }
    // The token is checked before any redirect: nothing about the object leaks.
    const std::string file = base + rendition + "/" + names.back();
    std::string forged = token;
    forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
    for (const std::string& target :
         {file, file + "?token=" + forged,
          "/stream/other/" + rendition + "/" + names.back() + "?token=" + token}) {
      INFO(target);
      const TestHttpResponse refused = app.Request("GET", target);
      CHECK((refused.status == 401 || refused.status == 403));
      CHECK_FALSE(refused.HasHeader("Location"));
      CHECK(refused.body.find("X-Amz") == std::string::npos);
    }
  }

  // The same item streamed through the server (the default), with byte ranges.
  config.streaming.s3_delivery = StreamingOptions::S3Delivery::kProxy;
  Monolith app(config);
  const auto [minted, token] = app.Mint(content_id, "");
  REQUIRE(minted == 200);
  const std::string base = "/stream/" + content_id + "/" + rendition + "/";
  for (const std::string& name : names) {
    INFO(name);
    const TestHttpResponse file = app.Request("GET", base + name + "?token=" + token);
    REQUIRE(file.status == 200);
    CHECK(file.Header("Content-Type") == (name == "init.mp4" ? "video/mp4" : "video/iso.segment"));
    CHECK(file.body ==
          (*objects)->Get("media/" + content_id + "/" + rendition + "/" + name).value());
  }
  const std::string name = names.back();
  const std::string original =
      (*objects)->Get("media/" + content_id + "/" + rendition + "/" + name).value();
  REQUIRE(original.size() > 200);
  const std::string target = base + name + "?token=" + token;
  const TestHttpResponse range = app.Request("GET", target, {}, "Range: bytes=100-199\r\n");
  CHECK(range.status == 206);
  CHECK(range.body == original.substr(100, 100));
  CHECK(range.Header("Content-Range") == "bytes 100-199/" + std::to_string(original.size()));
  const TestHttpResponse suffix = app.Request("GET", target, {}, "Range: bytes=-50\r\n");
  CHECK(suffix.status == 206);
  CHECK(suffix.body == original.substr(original.size() - 50));
  const TestHttpResponse beyond =
      app.Request("GET", target, {}, "Range: bytes=" + std::to_string(original.size()) + "-\r\n");
  CHECK(beyond.status == 416);
  CHECK(beyond.Header("Content-Range") == "bytes */" + std::to_string(original.size()));
  CHECK(app.Request("GET", base + name).status == 401);

  std::filesystem::remove_all(dir);
}

}  // namespace streamgate
