// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streamgate/playback_token.h"

#include <catch2/catch.hpp>
#include <string>

namespace streamgate {
namespace {

constexpr int64_t kNow = 1'800'000'000;

std::unique_ptr<PlaybackTokenSigner> MakeSigner(std::vector<PlaybackKey> keys) {
  Result<std::unique_ptr<PlaybackTokenSigner>> signer = PlaybackTokenSigner::Create({keys});
  REQUIRE(signer.ok());
  return std::move(signer).value();
}

const PlaybackKey kKeyA{"a", std::string(32, 'A')};
const PlaybackKey kKeyB{"b", std::string(40, 'B')};

PlaybackGrant Grant() { return {"vid1", "0xabc", "/stream/vid1/", kNow + 600}; }

std::string MintOk(const PlaybackTokenSigner& signer, const PlaybackGrant& grant) {
  Result<std::string> token = signer.Mint(grant, kNow);
  REQUIRE(token.ok());
  return *token;
}

// Replaces the character at `index` with another base64url character.
std::string Flip(std::string token, std::size_t index) {
  token[index] = token[index] == 'A' ? 'B' : 'A';
  return token;
}

}  // namespace

TEST_CASE("A playback token verifies for its content and paths under its prefix", "[playback]") {
  auto signer = MakeSigner({kKeyA});
  const std::string token = MintOk(*signer, Grant());
  CHECK(token.rfind("pt1.", 0) == 0);
  for (const char* path : {"/stream/vid1/master.m3u8", "/stream/vid1/720p/seg_00001.m4s"}) {
    Result<PlaybackGrant> grant = signer->Verify(token, "vid1", path, kNow);
    REQUIRE(grant.ok());
    CHECK(grant->wallet == "0xabc");
    CHECK(grant->content_id == "vid1");
    CHECK(grant->path_prefix == "/stream/vid1/");
    CHECK(grant->expires_unix == kNow + 600);
  }
}

TEST_CASE("Every playback token failure is refused with the right code", "[playback]") {
  auto signer = MakeSigner({kKeyA});
  const std::string token = MintOk(*signer, Grant());
  const std::string path = "/stream/vid1/master.m3u8";
  const std::size_t dot = token.rfind('.');
  auto other_key = MakeSigner({{"a", std::string(32, 'Z')}});
  const std::string forged = MintOk(*other_key, Grant());

  struct Case {
    const char* what;
    std::string token;
    std::string content_id;
    std::string path;
    int64_t now;
    StatusCode code;
  };
  const std::vector<Case> cases = {
      {"missing", "", "vid1", path, kNow, StatusCode::kUnauthenticated},
      {"expired", token, "vid1", path, kNow + 600, StatusCode::kUnauthenticated},
      {"forged with another secret", forged, "vid1", path, kNow, StatusCode::kUnauthenticated},
      {"payload tampered", Flip(token, 6), "vid1", path, kNow, StatusCode::kUnauthenticated},
      {"mac tampered", Flip(token, dot + 3), "vid1", path, kNow, StatusCode::kUnauthenticated},
      {"mac truncated", token.substr(0, token.size() - 4), "vid1", path, kNow,
       StatusCode::kUnauthenticated},
      {"no mac", token.substr(0, dot), "vid1", path, kNow, StatusCode::kUnauthenticated},
      {"session JWT instead",
       "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiIweGFiYyJ9.c2lnbmF0dXJl", "vid1", path, kNow,
       StatusCode::kUnauthenticated},
      {"oversized", "pt1." + std::string(5000, 'A') + ".AAAA", "vid1", path, kNow,
       StatusCode::kUnauthenticated},
      {"other content", token, "vid2", "/stream/vid2/master.m3u8", kNow,
       StatusCode::kPermissionDenied},
      {"path outside prefix", token, "vid1", "/stream/vid10/master.m3u8", kNow,
       StatusCode::kPermissionDenied},
      {"dot segments", token, "vid1", "/stream/vid1/../vid2/master.m3u8", kNow,
       StatusCode::kPermissionDenied},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Result<PlaybackGrant> grant = signer->Verify(c.token, c.content_id, c.path, c.now);
    REQUIRE_FALSE(grant.ok());
    CHECK(grant.status().code() == c.code);
  }
}

TEST_CASE("Playback keys rotate: the first signs, every key verifies", "[playback]") {
  auto old_signer = MakeSigner({kKeyA});
  const std::string old_token = MintOk(*old_signer, Grant());
  auto rotated = MakeSigner({kKeyB, kKeyA});
  const std::string new_token = MintOk(*rotated, Grant());
  CHECK(rotated->Verify(old_token, "vid1", "/stream/vid1/a.m4s", kNow).ok());
  CHECK(rotated->Verify(new_token, "vid1", "/stream/vid1/a.m4s", kNow).ok());
  // Once the old key is retired, its tokens stop working.
  auto retired = MakeSigner({kKeyB});
  CHECK(retired->Verify(old_token, "vid1", "/stream/vid1/a.m4s", kNow).status().code() ==
        StatusCode::kUnauthenticated);
}

TEST_CASE("Playback signer and grants are validated", "[playback]") {
  CHECK(PlaybackTokenSigner::Create({}).status().code() == StatusCode::kInvalidArgument);
  CHECK(PlaybackTokenSigner::Create({{{"a", "short"}}}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(PlaybackTokenSigner::Create({{{"bad id!", std::string(32, 'x')}}}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(PlaybackTokenSigner::Create({{kKeyA, kKeyA}}).status().code() ==
        StatusCode::kInvalidArgument);
  auto signer = MakeSigner({kKeyA});
  PlaybackGrant grant = Grant();
  grant.wallet = "a~b";
  CHECK(signer->Mint(grant, kNow).status().code() == StatusCode::kInvalidArgument);
  grant = Grant();
  grant.path_prefix = "relative/";
  CHECK(signer->Mint(grant, kNow).status().code() == StatusCode::kInvalidArgument);
  grant = Grant();
  grant.expires_unix = kNow + 7 * 3600;  // beyond the 6 h default
  CHECK(signer->Mint(grant, kNow).status().code() == StatusCode::kInvalidArgument);
  grant.expires_unix = kNow;  // already expired
  CHECK(signer->Mint(grant, kNow).status().code() == StatusCode::kInvalidArgument);
}

}  // namespace streamgate
