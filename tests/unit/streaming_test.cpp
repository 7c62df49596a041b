// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "streaming/access_gate.h"
#include "streaming/delivery_path.h"

namespace streamgate::internal {

TEST_CASE("Delivery paths: playlists, keys and files; nothing outside the item", "[streaming]") {
  struct Case {
    std::string path;
    bool ok;
    DeliveryKind kind;
    std::string rendition;
  };
  const std::vector<Case> cases = {
      {"master.m3u8", true, DeliveryKind::kHlsMaster, ""},
      {"manifest.mpd", true, DeliveryKind::kDashManifest, ""},
      {"720p/index.m3u8", true, DeliveryKind::kHlsMedia, "720p"},
      {"720p/init.mp4", true, DeliveryKind::kFile, ""},
      {"720p/seg_00001.m4s", true, DeliveryKind::kFile, ""},
      {"keys/720p.key", true, DeliveryKind::kKey, "720p"},
      {"poster.jpg", true, DeliveryKind::kFile, ""},
      // Refused: internal files, other playlists, traversal, odd characters, depth, length.
      {"package.json", false, {}, ""},
      {"other.m3u8", false, {}, ""},
      {"720p/other.m3u8", false, {}, ""},
      {"keys/720p.txt", false, {}, ""},
      {"../x/master.m3u8", false, {}, ""},
      {"720p/../master.m3u8", false, {}, ""},
      {"./master.m3u8", false, {}, ""},
      {"720p//init.mp4", false, {}, ""},
      {"/master.m3u8", false, {}, ""},
      {"720p/init.mp4/", false, {}, ""},
      {"720p/se g.m4s", false, {}, ""},
      {"720p/seg%2e.m4s", false, {}, ""},
      {"a/b/c/d.m4s", false, {}, ""},
      {std::string(300, 'a'), false, {}, ""},
      {"", false, {}, ""},
  };
  for (const Case& c : cases) {
    INFO(c.path);
    Result<DeliveryTarget> target = ParseDeliveryPath(c.path);
    REQUIRE(target.ok() == c.ok);
    if (!c.ok) {
      CHECK(target.status().code() == StatusCode::kNotFound);
      continue;
    }
    CHECK(target->kind == c.kind);
    CHECK(target->rendition == c.rendition);
    CHECK(target->relative == c.path);
  }
  CHECK(DeliveryContentType(*ParseDeliveryPath("720p/seg_00001.m4s")) == "video/iso.segment");
  CHECK(DeliveryContentType(*ParseDeliveryPath("720p/init.mp4")) == "video/mp4");
  CHECK(DeliveryContentType(*ParseDeliveryPath("master.m3u8")) == "application/vnd.apple.mpegurl");
  CHECK(DeliveryContentType(*ParseDeliveryPath("manifest.mpd")) == "application/dash+xml");
  CHECK(IsValidContentId("a1_B-2"));
  CHECK_FALSE(IsValidContentId("a.b"));
  CHECK_FALSE(IsValidContentId(""));
  CHECK_FALSE(IsValidContentId(std::string(129, 'a')));
}

TEST_CASE("The gate: public, owner, signed-out, not ready, bad rule, no chain", "[streaming]") {
  ContentItem item;
  item.id = "c1";
  item.owner = "0xAbC0000000000000000000000000000000000001";
  item.state = ContentState::kReady;
  // Public: anyone, even signed out.
  CHECK(CheckAccess(item, "", nullptr).ok());
  CHECK(GateSummary(item) == "public");

  item.gating_rule_json =
      R"({"chain":"1","standard":"erc721","contract":"0x00000000000000000000000000000000000000ab","token_id":"42"})";
  CHECK(GateSummary(item).find("erc721") == 0);
  // Gated: a session is needed; the owner passes (addresses compare case-insensitively).
  CHECK(CheckAccess(item, "", nullptr).code() == StatusCode::kUnauthenticated);
  CHECK(CheckAccess(item, "0xabc0000000000000000000000000000000000001", nullptr).ok());
  // Anyone else needs the chain; without endpoints the gate denies (fail closed).
  CHECK(CheckAccess(item, "0x0000000000000000000000000000000000000002", nullptr).code() ==
        StatusCode::kUnavailable);
  // A corrupt stored rule denies too.
  item.gating_rule_json = R"({"standard":"nonsense"})";
  CHECK(CheckAccess(item, "0x0000000000000000000000000000000000000002", nullptr).code() ==
        StatusCode::kFailedPrecondition);
  CHECK(GateSummary(item) == "invalid rule (denied)");
  // Nothing plays before it is ready, whoever asks.
  item.gating_rule_json.clear();
  item.state = ContentState::kProcessing;
  CHECK(CheckAccess(item, item.owner, nullptr).code() == StatusCode::kFailedPrecondition);
}

}  // namespace streamgate::internal
