// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The playback deny-list: wallet spelling, durable add/remove/list, the in-memory snapshot the
// delivery path reads, bounds, and two lists on one file (two processes sharing a data
// directory) seeing each other's changes after Refresh().
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "streaming/revocation_list.h"

namespace streamgate::internal {
namespace {

struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg-revoke-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

constexpr char kWallet[] = "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1";
constexpr char kLower[] = "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1";
constexpr char kOther[] = "0xFFcf8FDEE72ac11b5c542428B35EEF5769C409f0";
constexpr char kSolana[] = "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV";

Revocation Make(std::string content_id, std::string wallet) {
  return {std::move(content_id), *CanonicalWallet(wallet), kOther, "chargeback", 1700000000};
}

}  // namespace

TEST_CASE("Wallets are canonical before they are revoked or looked up", "[streaming][revocation]") {
  CHECK(CanonicalWallet(kWallet) == std::optional<std::string>(kLower));
  CHECK(CanonicalWallet("0X90F8BF6A479F320EAD074411A4B0E7944EA8C9C1") ==
        std::optional<std::string>(kLower));
  CHECK(CanonicalWallet(kSolana) == std::optional<std::string>(kSolana));
  for (const char* bad : {"", "anonymous", "0x1234", "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9CZ",
                          "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1ab", "*",
                          "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLt0",  // '0' is not base58
                          "short", "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c\n"}) {
    INFO(bad);
    CHECK_FALSE(CanonicalWallet(bad).has_value());
  }
}

TEST_CASE("Revoke, look up, list and restore", "[streaming][revocation]") {
  TempDir dir;
  auto list = RevocationList::Open((dir.path / "sub" / "revocations.db").string());
  REQUIRE(list.ok());
  RevocationList& revocations = **list;
  CHECK(revocations.size() == 0);
  CHECK_FALSE(revocations.IsRevoked("item1", kWallet));

  REQUIRE(revocations.Revoke(Make("item1", kWallet)).value() == true);
  CHECK(revocations.Revoke(Make("item1", kWallet)).value() == false);  // already
  CHECK(revocations.IsRevoked("item1", kWallet));
  CHECK(revocations.IsRevoked("item1", kLower));  // any spelling of the same address
  CHECK_FALSE(revocations.IsRevoked("item2", kWallet));
  CHECK_FALSE(revocations.IsRevoked("item1", kOther));
  CHECK_FALSE(revocations.IsRevoked("item1", "anonymous"));

  // "*": every item.
  REQUIRE(revocations.Revoke(Make(std::string(kEveryContent), kSolana)).value());
  CHECK(revocations.IsRevoked("item1", kSolana));
  CHECK(revocations.IsRevoked("anything", kSolana));
  CHECK(revocations.size() == 2);

  auto listed = revocations.List("item1");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().wallet == kLower);
  CHECK(listed->front().revoked_by == kOther);
  CHECK(listed->front().reason == "chargeback");
  CHECK(listed->front().created_unix == 1700000000);
  CHECK(revocations.List("item2")->empty());

  CHECK(revocations.Restore("item1", kLower).value() == true);
  CHECK(revocations.Restore("item1", kLower).value() == false);
  CHECK_FALSE(revocations.IsRevoked("item1", kWallet));
  CHECK(revocations.IsRevoked("item1", kSolana));
}

TEST_CASE("Revocations survive a reopen and reach another process's list on refresh",
          "[streaming][revocation]") {
  TempDir dir;
  const std::string path = (dir.path / "revocations.db").string();
  auto first = RevocationList::Open(path);
  auto second = RevocationList::Open(path);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE((*first)->Revoke(Make("item1", kWallet)).value());
  CHECK_FALSE((*second)->IsRevoked("item1", kWallet));  // its snapshot is older
  REQUIRE((*second)->Refresh().ok());
  CHECK((*second)->IsRevoked("item1", kWallet));
  REQUIRE((*second)->Restore("item1", kWallet).value());
  REQUIRE((*first)->Refresh().ok());
  CHECK_FALSE((*first)->IsRevoked("item1", kWallet));
  REQUIRE((*first)->Revoke(Make("item9", kOther)).value());
  first->reset();
  second->reset();

  auto reopened = RevocationList::Open(path);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->IsRevoked("item9", kOther));
  CHECK_FALSE((*reopened)->IsRevoked("item1", kWallet));
}

TEST_CASE("The deny-list is bounded and refuses an unusable file", "[streaming][revocation]") {
  TempDir dir;
  auto list = RevocationList::Open((dir.path / "revocations.db").string(), 2);
  REQUIRE(list.ok());
  REQUIRE((*list)->Revoke(Make("a", kWallet)).value());
  REQUIRE((*list)->Revoke(Make("b", kWallet)).value());
  CHECK((*list)->Revoke(Make("c", kWallet)).status().code() == StatusCode::kResourceExhausted);
  CHECK_FALSE((*list)->IsRevoked("c", kWallet));
  CHECK((*list)->Revoke(Make("a", kWallet)).value() == false);  // existing: still fine

  CHECK_FALSE(RevocationList::Open("").ok());
  std::filesystem::create_directories(dir.path / "a-directory");
  CHECK_FALSE(RevocationList::Open((dir.path / "a-directory").string()).ok());
}

}  // namespace streamgate::internal
