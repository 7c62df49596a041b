// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// OwnershipVerifier against a real local EVM node (ganache 7.9.2) with real ERC-721 and
// ERC-1155 contracts compiled by solc-js and deployed with ethers (tests/fixtures/chain/).
// Public API only. The node is started once per test process and killed on exit.
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "chain_test_peers.h"
#include "streamgate/cache.h"
#include "streamgate/ownership.h"

namespace streamgate {
namespace {

using testing::FreeLoopbackPort;
using testing::GanacheNode;

GanacheNode& Node() {
  static GanacheNode node;
  return node;
}

std::string Word(std::string hex_without_prefix) {
  return std::string(64 - hex_without_prefix.size(), '0') + hex_without_prefix;
}
std::string AddressWord(const std::string& address) { return Word(address.substr(2)); }

GatingRule Erc721(const std::string& contract, const std::string& token_id = "",
                  uint64_t min_balance = 1) {
  GatingRule rule;
  rule.chain = "1337";
  rule.standard = TokenStandard::kErc721;
  rule.contract = contract;
  rule.token_id = token_id;
  rule.min_balance = min_balance;
  return rule;
}

GatingRule Erc1155(const std::string& contract, const std::string& token_id,
                   uint64_t min_balance = 1) {
  GatingRule rule = Erc721(contract, token_id, min_balance);
  rule.standard = TokenStandard::kErc1155;
  return rule;
}

OwnershipOptions OptionsFor(std::vector<ChainEndpoints> endpoints) {
  OwnershipOptions options;
  options.endpoints = std::move(endpoints);
  options.request_timeout_ms = 5000;
  options.total_deadline_ms = 10000;
  return options;
}

std::unique_ptr<OwnershipVerifier> MakeVerifier(const OwnershipOptions& options,
                                                std::shared_ptr<Cache> cache = nullptr) {
  Result<std::unique_ptr<OwnershipVerifier>> verifier =
      OwnershipVerifier::Create(options, std::move(cache));
  REQUIRE(verifier.ok());
  return std::move(verifier).value();
}

std::string DeadUrl() { return "http://127.0.0.1:" + std::to_string(FreeLoopbackPort()); }

bool Owned(OwnershipVerifier& verifier, const GatingRule& rule, const std::string& wallet) {
  Result<OwnershipDecision> decision = verifier.Check(rule, wallet);
  INFO(decision.status().ToString());
  REQUIRE(decision.ok());
  return decision->owned();
}

TEST_CASE("ownership: ERC-721 and ERC-1155 holders pass and everyone else is denied",
          "[ownership][ganache]") {
  GanacheNode& node = Node();
  auto verifier = MakeVerifier(OptionsFor({{"1337", {node.url()}}}));
  const std::string holder = node.account(0);
  const std::string other = node.account(1);
  const std::string empty = node.account(2);

  SECTION("ERC-721 with a token id: ownerOf must be the wallet") {
    Result<OwnershipDecision> mine = verifier->Check(Erc721(node.erc721(), "1"), holder);
    REQUIRE(mine.ok());
    CHECK(mine->owned());
    CHECK(mine->balance == "1");
    CHECK(mine->endpoint == node.url());
    CHECK_FALSE(mine->from_cache);

    Result<OwnershipDecision> theirs = verifier->Check(Erc721(node.erc721(), "1"), other);
    REQUIRE(theirs.ok());
    CHECK_FALSE(theirs->owned());
    CHECK(theirs->reason == "ownerOf(1) is " + holder);

    CHECK(Owned(*verifier, Erc721(node.erc721(), "2"), other));
    CHECK_FALSE(Owned(*verifier, Erc721(node.erc721(), "2"), holder));
    // The same wallet written in upper case is the same wallet.
    std::string upper = holder;
    for (std::size_t i = 2; i < upper.size(); ++i)
      upper[i] = static_cast<char>(std::toupper(upper[i]));
    CHECK(Owned(*verifier, Erc721(node.erc721(), "1"), upper));
  }

  SECTION("ERC-721 token ids span the whole uint256 range, in decimal or hex") {
    const std::string max_hex = "0x" + std::string(64, 'f');
    const std::string max_decimal =
        "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    CHECK(Owned(*verifier, Erc721(node.erc721(), max_hex), holder));
    CHECK(Owned(*verifier, Erc721(node.erc721(), max_decimal), holder));
    CHECK_FALSE(Owned(*verifier, Erc721(node.erc721(), max_hex), other));
  }

  SECTION("a token that was never minted is owned by nobody (ownerOf reverts)") {
    Result<OwnershipDecision> decision = verifier->Check(Erc721(node.erc721(), "99"), holder);
    REQUIRE(decision.ok());
    CHECK_FALSE(decision->owned());
    CHECK(decision->reason.find("does not exist") != std::string::npos);
  }

  SECTION("ERC-721 without a token id: balanceOf >= min_balance") {
    CHECK(Owned(*verifier, Erc721(node.erc721(), "", 2), holder));  // tokens 1 and 2^256-1
    Result<OwnershipDecision> three = verifier->Check(Erc721(node.erc721(), "", 3), holder);
    REQUIRE(three.ok());
    CHECK_FALSE(three->owned());
    CHECK(three->balance == "2");
    CHECK(Owned(*verifier, Erc721(node.erc721(), ""), other));
    CHECK_FALSE(Owned(*verifier, Erc721(node.erc721(), ""), empty));
  }

  SECTION("ERC-1155: balanceOf(wallet, id) >= min_balance") {
    Result<OwnershipDecision> five = verifier->Check(Erc1155(node.erc1155(), "7", 5), holder);
    REQUIRE(five.ok());
    CHECK(five->owned());
    CHECK(five->balance == "5");
    CHECK_FALSE(Owned(*verifier, Erc1155(node.erc1155(), "7", 6), holder));
    CHECK(Owned(*verifier, Erc1155(node.erc1155(), "0x07"), holder));
    CHECK_FALSE(Owned(*verifier, Erc1155(node.erc1155(), "7"), other));
    CHECK(Owned(*verifier, Erc1155(node.erc1155(), "8"), other));
    CHECK_FALSE(Owned(*verifier, Erc1155(node.erc1155(), "8"), holder));
  }

  SECTION("a Solana wallet does not own an EVM token; a malformed wallet is an error") {
    CHECK_FALSE(Owned(*verifier, Erc721(node.erc721(), "1"), std::string(32, '1')));
    Result<OwnershipDecision> bad = verifier->Check(Erc721(node.erc721(), "1"), "0x1234");
    CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  }

  SECTION("any-of: owned when one sub-rule is owned, and says which") {
    GatingRule any;
    any.standard = TokenStandard::kAnyOf;
    any.any_of = {Erc721(node.erc721(), "2"), Erc1155(node.erc1155(), "7")};
    Result<OwnershipDecision> decision = verifier->Check(any, holder);
    REQUIRE(decision.ok());
    CHECK(decision->owned());
    CHECK(decision->matched_rule == 1);
    Result<OwnershipDecision> none = verifier->Check(any, empty);
    REQUIRE(none.ok());
    CHECK_FALSE(none->owned());
    CHECK(none->matched_rule == -1);
  }
}

TEST_CASE("ownership: ERC-165 tells ERC-721 from ERC-1155 and rejects a mismatched rule",
          "[ownership][ganache]") {
  GanacheNode& node = Node();
  auto verifier = MakeVerifier(OptionsFor({{"1337", {node.url()}}}));

  Result<TokenStandard> nft = verifier->DetectStandard("1337", node.erc721());
  REQUIRE(nft.ok());
  CHECK(*nft == TokenStandard::kErc721);
  Result<TokenStandard> multi = verifier->DetectStandard("1337", node.erc1155());
  REQUIRE(multi.ok());
  CHECK(*multi == TokenStandard::kErc1155);
  // An account without code implements nothing.
  CHECK(verifier->DetectStandard("1337", node.account(3)).status().code() ==
        StatusCode::kFailedPrecondition);

  // Many worker threads may share one verifier.
  std::vector<std::thread> threads;
  std::atomic<int> owned{0};
  std::atomic<int> denied{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        Result<OwnershipDecision> decision =
            verifier->Check(Erc1155(node.erc1155(), "7"), node.account((t + i) % 2));
        if (decision.ok()) (decision->owned() ? owned : denied)++;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(owned == 10);   // account 0 holds id 7
  CHECK(denied == 10);  // account 1 does not

  // A rule that calls the ERC-1155 contract an ERC-721 is refused, never answered "not owned".
  Result<OwnershipDecision> wrong = verifier->Check(Erc721(node.erc1155(), "7"), node.account(0));
  CHECK(wrong.status().code() == StatusCode::kFailedPrecondition);
  Result<OwnershipDecision> wrong_too =
      verifier->Check(Erc1155(node.erc721(), "1"), node.account(0));
  CHECK(wrong_too.status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("ownership: a transfer revokes access once the cached answer expires",
          "[ownership][ganache][cache]") {
  GanacheNode& node = Node();
  const std::string minter = node.account(0);
  const std::string seller = node.account(4);
  const std::string buyer = node.account(5);
  // mint(seller, 500) as the minter; this test's own token, so other cases are unaffected.
  node.SendTransaction(minter, node.erc721(), "0x40c10f19" + AddressWord(seller) + Word("1f4"));

  std::shared_ptr<Cache> cache = NewLruCache();
  OwnershipOptions options = OptionsFor({{"1337", {node.url()}}});
  options.cache_ttl_s = 1;
  options.negative_cache_ttl_s = 1;
  auto verifier = MakeVerifier(options, cache);
  const GatingRule rule = Erc721(node.erc721(), "500");

  Result<OwnershipDecision> first = verifier->Check(rule, seller);
  REQUIRE(first.ok());
  CHECK(first->owned());
  CHECK_FALSE(first->from_cache);
  Result<OwnershipDecision> again = verifier->Check(rule, seller);
  REQUIRE(again.ok());
  CHECK(again->owned());
  CHECK(again->from_cache);
  CHECK(again->endpoint.empty());
  CHECK_FALSE(Owned(*verifier, rule, buyer));  // cached negative for the buyer

  // transferFrom(seller, buyer, 500), sent by the seller.
  node.SendTransaction(seller, node.erc721(),
                       "0x23b872dd" + AddressWord(seller) + AddressWord(buyer) + Word("1f4"));

  // Until the entries expire the cache answers (that is the documented staleness bound).
  Result<OwnershipDecision> stale = verifier->Check(rule, seller);
  REQUIRE(stale.ok());
  CHECK(stale->from_cache);

  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  Result<OwnershipDecision> after = verifier->Check(rule, seller);
  REQUIRE(after.ok());
  CHECK_FALSE(after->owned());
  CHECK_FALSE(after->from_cache);
  CHECK(Owned(*verifier, rule, buyer));

  // Forget drops a wallet's entries at once (e.g. on a Transfer event).
  REQUIRE(verifier->Check(rule, buyer).value().from_cache);
  REQUIRE(verifier->Forget(buyer).ok());
  Result<OwnershipDecision> fresh = verifier->Check(rule, buyer);
  REQUIRE(fresh.ok());
  CHECK_FALSE(fresh->from_cache);
  CHECK(fresh->owned());
}

TEST_CASE("ownership: RPC failures deny and are never cached and wrong chains are refused",
          "[ownership][ganache][failover]") {
  GanacheNode& node = Node();
  std::shared_ptr<Cache> cache = NewLruCache();
  const std::string holder = node.account(0);

  SECTION("an unreachable endpoint is Unavailable, twice, and nothing is cached") {
    OwnershipOptions options = OptionsFor({{"1337", {DeadUrl()}}});
    options.endpoint_backoff_ms = 0;  // ask the dead node again rather than skip it
    auto verifier = MakeVerifier(options, cache);
    for (int attempt = 0; attempt < 2; ++attempt) {
      Result<OwnershipDecision> decision = verifier->Check(Erc721(node.erc721(), "1"), holder);
      CHECK(decision.status().code() == StatusCode::kUnavailable);
    }
    CHECK(cache->Stats().entries == 0);
    // Once the node is reachable, the same verifier answers from the chain, not a cached "no".
    auto healthy = MakeVerifier(OptionsFor({{"1337", {node.url()}}}), cache);
    CHECK(Owned(*healthy, Erc721(node.erc721(), "1"), holder));
  }

  SECTION("a failing endpoint is skipped while it backs off") {
    auto verifier = MakeVerifier(OptionsFor({{"1337", {DeadUrl()}}}), cache);
    CHECK(verifier->Check(Erc721(node.erc721(), "1"), holder).status().code() ==
          StatusCode::kUnavailable);
    Result<OwnershipDecision> second = verifier->Check(Erc721(node.erc721(), "1"), holder);
    CHECK(second.status().code() == StatusCode::kUnavailable);
    CHECK(second.status().message().find("backing off") != std::string::npos);
  }

  SECTION("failover from a dead first endpoint to a live second one") {
    const std::string dead = DeadUrl();
    auto verifier = MakeVerifier(OptionsFor({{"1337", {dead, node.url()}}}), cache);
    Result<OwnershipDecision> decision = verifier->Check(Erc721(node.erc721(), "1"), holder);
    REQUIRE(decision.ok());
    CHECK(decision->owned());
    CHECK(decision->endpoint == node.url());
  }

  SECTION("a node on another chain is refused") {
    // The ganache node is chain 1337; configured as chain 1 it must not answer for chain 1.
    auto verifier = MakeVerifier(OptionsFor({{"1", {node.url()}}}), cache);
    GatingRule rule = Erc721(node.erc721(), "1");
    rule.chain = "1";
    Result<OwnershipDecision> decision = verifier->Check(rule, holder);
    CHECK(decision.status().code() == StatusCode::kUnavailable);
    CHECK(decision.status().message().find("is on chain 1337, expected chain 1") !=
          std::string::npos);
    CHECK(cache->Stats().entries == 0);
  }

  SECTION("a chain without endpoints is Unavailable") {
    auto verifier = MakeVerifier(OptionsFor({{"1337", {node.url()}}}), cache);
    GatingRule rule = Erc721(node.erc721(), "1");
    rule.chain = "5";
    CHECK(verifier->Check(rule, holder).status().code() == StatusCode::kUnavailable);
  }

  SECTION("any-of: a failed sub-rule makes 'not owned' a failure, but an owned one wins") {
    auto verifier = MakeVerifier(OptionsFor({{"1337", {node.url()}}}), cache);
    GatingRule unreachable = Erc721(node.erc721(), "1");
    unreachable.chain = "5";
    GatingRule any;
    any.standard = TokenStandard::kAnyOf;
    any.any_of = {unreachable, Erc721(node.erc721(), "2")};
    Result<OwnershipDecision> denied = verifier->Check(any, holder);  // holder lacks token 2
    CHECK(denied.status().code() == StatusCode::kUnavailable);
    Result<OwnershipDecision> granted = verifier->Check(any, node.account(1));
    REQUIRE(granted.ok());
    CHECK(granted->owned());
    CHECK(granted->matched_rule == 1);
  }
}

}  // namespace
}  // namespace streamgate
