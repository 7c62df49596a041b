// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// OwnershipVerifier against scripted JSON-RPC endpoints (StreamGate's own HttpServer on
// loopback): every malformed or hostile reply must deny (Unavailable), never "not owned"; and
// Metaplex collection checks on recorded Solana replies whose metadata accounts are built in
// the real MetadataV1 layout (679 bytes, Borsh, NUL-padded strings).
#include <sodium.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chain/base58.h"
#include "chain/solana_pda.h"
#include "fake_json_rpc_server.h"
#include "streamgate/cache.h"
#include "streamgate/ownership.h"

namespace streamgate {
namespace {

using nlohmann::json;
using testing::FakeJsonRpcServer;

const std::string kContract = "0x" + std::string(40, 'c');
const std::string kWallet = "0x" + std::string(40, 'a');
const std::string kTrue = "0x" + std::string(63, '0') + "1";

GatingRule Erc721Token(const std::string& token_id) {
  GatingRule rule;
  rule.chain = "1337";
  rule.standard = TokenStandard::kErc721;
  rule.contract = kContract;
  rule.token_id = token_id;
  return rule;
}

std::unique_ptr<OwnershipVerifier> VerifierFor(const std::vector<std::string>& urls,
                                               const std::string& chain = "1337",
                                               std::shared_ptr<Cache> cache = nullptr) {
  OwnershipOptions options;
  options.endpoints = {{chain, urls}};
  options.request_timeout_ms = 3000;
  options.total_deadline_ms = 6000;
  options.max_response_bytes = 64 * 1024;
  options.endpoint_backoff_ms = 0;
  auto verifier = OwnershipVerifier::Create(options, std::move(cache));
  REQUIRE(verifier.ok());
  return std::move(verifier).value();
}

// An EVM node on chain 1337 whose ERC-165 answers are honest and whose ownerOf reply is
// whatever `owner_of` returns.
FakeJsonRpcServer::Responder EvmNode(std::function<HttpResponse(const json&)> owner_of) {
  return [owner_of](const json& request) {
    const std::string method = request.at("method");
    if (method == "eth_chainId") return FakeJsonRpcServer::Result(request, "0x539");
    const std::string data = request.at("params").at(0).at("data");
    if (data.rfind("0x01ffc9a7", 0) == 0) return FakeJsonRpcServer::Result(request, kTrue);
    return owner_of(request);
  };
}

TEST_CASE("malformed RPC replies deny (Unavailable) and are not cached", "[ownership][rpc]") {
  const std::string owner_word = "0x" + std::string(24, '0') + kWallet.substr(2);
  struct Case {
    std::string name;
    std::function<HttpResponse(const json&)> reply;
  };
  const std::vector<Case> cases = {
      {"HTTP 500", [](const json&) { return HttpResponse::Text(500, "boom"); }},
      {"HTTP 429", [](const json&) { return HttpResponse::Text(429, "slow down"); }},
      {"not JSON", [](const json&) { return HttpResponse::Text(200, "<html>hi</html>"); }},
      {"JSON-RPC error",
       [](const json& r) { return FakeJsonRpcServer::Error(r, -32005, "limit exceeded"); }},
      {"wrong id",
       [&](const json& r) {
         return HttpResponse::Json(
             200,
             json{{"jsonrpc", "2.0"}, {"id", r.at("id").get<int64_t>() + 1}, {"result", owner_word}}
                 .dump());
       }},
      {"bad hex",
       [](const json& r) { return FakeJsonRpcServer::Result(r, "0x" + std::string(64, 'z')); }},
      {"short result", [](const json& r) { return FakeJsonRpcServer::Result(r, "0x0001"); }},
      {"empty result", [](const json& r) { return FakeJsonRpcServer::Result(r, "0x"); }},
      {"non-string result", [](const json& r) { return FakeJsonRpcServer::Result(r, 1); }},
      {"dirty address word",
       [](const json& r) { return FakeJsonRpcServer::Result(r, "0x" + std::string(64, 'a')); }},
      {"huge reply",
       [](const json& r) {
         return FakeJsonRpcServer::Result(r, "0x" + std::string(200 * 1024, '0'));
       }},
  };
  for (const Case& entry : cases) {
    DYNAMIC_SECTION(entry.name) {
      FakeJsonRpcServer server(EvmNode(entry.reply));
      std::shared_ptr<Cache> cache = NewLruCache();
      auto verifier = VerifierFor({server.url()}, "1337", cache);
      Result<OwnershipDecision> decision = verifier->Check(Erc721Token("1"), kWallet);
      INFO(decision.status().ToString());
      CHECK(decision.status().code() == StatusCode::kUnavailable);
      CHECK(cache->Stats().entries == 0);
    }
  }

  SECTION("the same node answering properly grants access (the harness is not always-deny)") {
    FakeJsonRpcServer server(
        EvmNode([&](const json& r) { return FakeJsonRpcServer::Result(r, owner_word); }));
    auto verifier = VerifierFor({server.url()});
    Result<OwnershipDecision> decision = verifier->Check(Erc721Token("1"), kWallet);
    REQUIRE(decision.ok());
    CHECK(decision->owned());
  }

  SECTION("a bad first endpoint fails over to a good second one") {
    FakeJsonRpcServer bad(EvmNode([](const json&) { return HttpResponse::Text(500, "boom"); }));
    FakeJsonRpcServer good(
        EvmNode([&](const json& r) { return FakeJsonRpcServer::Result(r, owner_word); }));
    auto verifier = VerifierFor({bad.url(), good.url()});
    Result<OwnershipDecision> decision = verifier->Check(Erc721Token("1"), kWallet);
    REQUIRE(decision.ok());
    CHECK(decision->owned());
    CHECK(decision->endpoint == good.url());
  }

  SECTION("a node that stalls times out and the next endpoint answers") {
    FakeJsonRpcServer slow([](const json& r) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      return FakeJsonRpcServer::Result(r, "0x539");
    });
    FakeJsonRpcServer good(
        EvmNode([&](const json& r) { return FakeJsonRpcServer::Result(r, owner_word); }));
    OwnershipOptions options;
    options.endpoints = {{"1337", {slow.url()}}};
    options.request_timeout_ms = 200;
    auto alone = OwnershipVerifier::Create(options, nullptr).value();
    const StatusCode code = alone->Check(Erc721Token("1"), kWallet).status().code();
    CHECK((code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded));
    options.endpoints = {{"1337", {slow.url(), good.url()}}};
    auto with_backup = OwnershipVerifier::Create(options, nullptr).value();
    Result<OwnershipDecision> decision = with_backup->Check(Erc721Token("1"), kWallet);
    REQUIRE(decision.ok());
    CHECK(decision->owned());
  }

  SECTION("an ERC-721 contract that says it is not one is refused") {
    FakeJsonRpcServer server([](const json& r) {
      if (r.at("method") == "eth_chainId") return FakeJsonRpcServer::Result(r, "0x539");
      return FakeJsonRpcServer::Result(r, "0x" + std::string(64, '0'));
    });
    auto verifier = VerifierFor({server.url()});
    CHECK(verifier->Check(Erc721Token("1"), kWallet).status().code() ==
          StatusCode::kFailedPrecondition);
  }
}

// ---- Metaplex on recorded replies -------------------------------------------------------

std::string KeyText(const internal::SolanaKey& key) {
  return internal::Base58Encode(key.data(), key.size());
}

internal::SolanaKey KeyFromSeed(uint8_t seed) {
  internal::SolanaKey key{};
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  unsigned char seed_bytes[crypto_sign_SEEDBYTES];
  std::fill(std::begin(seed_bytes), std::end(seed_bytes), seed);
  crypto_sign_seed_keypair(pk, sk, seed_bytes);
  std::copy(std::begin(pk), std::end(pk), key.begin());
  return key;
}

void PutU32(std::vector<uint8_t>& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}
void PutKey(std::vector<uint8_t>& out, const internal::SolanaKey& key) {
  out.insert(out.end(), key.begin(), key.end());
}
void PutPadded(std::vector<uint8_t>& out, const std::string& text, uint32_t size) {
  PutU32(out, size);
  std::string padded = text;
  padded.resize(size, '\0');
  out.insert(out.end(), padded.begin(), padded.end());
}

// A MetadataV1 account as mpl-token-metadata writes it: key, update authority, mint, Data
// {name (32, NUL-padded), symbol (10), uri (200), seller fee, creators}, primary sale, mutable,
// edition nonce, token standard, collection, uses, collection details, programmable config,
// zero-padded to the program's fixed size of 679 bytes.
std::string MetadataAccount(const internal::SolanaKey& mint, const internal::SolanaKey& authority,
                            std::optional<std::pair<bool, internal::SolanaKey>> collection) {
  std::vector<uint8_t> out;
  out.push_back(4);
  PutKey(out, authority);
  PutKey(out, mint);
  PutPadded(out, "StreamGate Pass #1", 32);
  PutPadded(out, "SGP", 10);
  PutPadded(out, "https://example.com/pass/1.json", 200);
  out.push_back(0xf4);  // seller_fee_basis_points = 500
  out.push_back(0x01);
  out.push_back(1);  // creators: Some(vec![creator])
  PutU32(out, 1);
  PutKey(out, authority);
  out.push_back(1);    // verified
  out.push_back(100);  // share
  out.push_back(1);    // primary_sale_happened
  out.push_back(1);    // is_mutable
  out.push_back(1);    // edition_nonce: Some(254)
  out.push_back(254);
  out.push_back(1);  // token_standard: Some(NonFungible = 0)
  out.push_back(0);
  if (collection) {
    out.push_back(1);
    out.push_back(collection->first ? 1 : 0);
    PutKey(out, collection->second);
  } else {
    out.push_back(0);
  }
  out.push_back(0);  // uses: None
  out.push_back(0);  // collection_details: None
  out.push_back(0);  // programmable_config: None
  out.resize(679, 0);
  std::string base64(sodium_base64_ENCODED_LEN(out.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(base64.data(), base64.size(), out.data(), out.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  base64.resize(base64.size() - 1);  // the terminating NUL
  return base64;
}

json TokenAccount(const std::string& owner, const std::string& mint, const std::string& amount,
                  int decimals) {
  // The shape of a jsonParsed SPL token account as returned by getTokenAccountsByOwner.
  return {{"pubkey", KeyText(KeyFromSeed(static_cast<uint8_t>(mint[0] + amount.size())))},
          {"account",
           {{"data",
             {{"parsed",
               {{"info",
                 {{"isNative", false},
                  {"mint", mint},
                  {"owner", owner},
                  {"state", "initialized"},
                  {"tokenAmount",
                   {{"amount", amount},
                    {"decimals", decimals},
                    {"uiAmount", 1.0},
                    {"uiAmountString", amount}}}}},
                {"type", "account"}}},
              {"program", "spl-token"},
              {"space", 165}}},
            {"executable", false},
            {"lamports", 2039280},
            {"owner", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"},
            {"rentEpoch", 18446744073709551615ull},
            {"space", 165}}}};
}

struct SolanaWorld {
  internal::SolanaKey wallet = KeyFromSeed(1);
  internal::SolanaKey authority = KeyFromSeed(2);
  internal::SolanaKey collection = KeyFromSeed(3);
  internal::SolanaKey other_collection = KeyFromSeed(4);
  internal::SolanaKey verified_mint = KeyFromSeed(10);    // in the collection, verified
  internal::SolanaKey unverified_mint = KeyFromSeed(11);  // claims the collection, unverified
  internal::SolanaKey foreign_mint = KeyFromSeed(12);     // another collection
  internal::SolanaKey bare_mint = KeyFromSeed(13);        // no metadata at all
  internal::SolanaKey fungible_mint = KeyFromSeed(14);    // decimals 6
  std::vector<std::string> held;                          // base58 mints the wallet holds
  std::mutex mu;
  std::vector<std::string> requested_metadata;

  json AccountsFor(const std::string& owner, const json& filter) {
    json value = json::array();
    if (owner != KeyText(wallet)) return value;
    for (const std::string& mint : held) {
      if (filter.contains("mint") && filter["mint"] != mint) continue;
      const bool fungible = mint == KeyText(fungible_mint);
      value.push_back(TokenAccount(owner, mint, fungible ? "2500000" : "1", fungible ? 6 : 0));
    }
    return value;
  }

  json MetadataFor(const std::string& pda) {
    const auto matches = [&](const internal::SolanaKey& mint) {
      return KeyText(internal::MetadataAddressForMint(mint).value()) == pda;
    };
    std::optional<std::pair<bool, internal::SolanaKey>> entry;
    internal::SolanaKey mint{};
    if (matches(verified_mint)) {
      mint = verified_mint;
      entry = std::make_pair(true, collection);
    } else if (matches(unverified_mint)) {
      mint = unverified_mint;
      entry = std::make_pair(false, collection);
    } else if (matches(foreign_mint)) {
      mint = foreign_mint;
      entry = std::make_pair(true, other_collection);
    } else {
      return nullptr;
    }
    return {{"data", {MetadataAccount(mint, authority, entry), "base64"}},
            {"executable", false},
            {"lamports", 5616720},
            {"owner", "metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s"},
            {"rentEpoch", 361},
            {"space", 679}};
  }

  HttpResponse Serve(const json& request) {
    const std::string method = request.at("method");
    const json& params = request.at("params");
    const json context = {{"apiVersion", "1.17.20"}, {"slot", 245000000}};
    if (method == "getTokenAccountsByOwner") {
      return FakeJsonRpcServer::Result(
          request, {{"context", context},
                    {"value", AccountsFor(params.at(0).get<std::string>(), params.at(1))}});
    }
    if (method == "getMultipleAccounts") {
      json value = json::array();
      for (const json& key : params.at(0)) {
        std::lock_guard<std::mutex> lock(mu);
        requested_metadata.push_back(key.get<std::string>());
        value.push_back(MetadataFor(key.get<std::string>()));
      }
      return FakeJsonRpcServer::Result(request, {{"context", context}, {"value", value}});
    }
    return FakeJsonRpcServer::Error(request, -32601, "Method not found");
  }
};

GatingRule CollectionRule(const internal::SolanaKey& collection, uint64_t min_balance = 1) {
  GatingRule rule;
  rule.chain = "solana";
  rule.standard = TokenStandard::kMetaplexCollection;
  rule.collection = KeyText(collection);
  rule.min_balance = min_balance;
  return rule;
}

TEST_CASE("Metaplex: verified collection and mint ownership on recorded replies",
          "[ownership][solana]") {
  REQUIRE(sodium_init() >= 0);
  SolanaWorld world;
  FakeJsonRpcServer server([&world](const json& request) { return world.Serve(request); });
  auto verifier = VerifierFor({server.url()}, "solana");
  const std::string wallet = KeyText(world.wallet);

  SECTION("a wallet holding a verified member of the collection passes") {
    world.held = {KeyText(world.bare_mint), KeyText(world.verified_mint),
                  KeyText(world.fungible_mint)};
    Result<OwnershipDecision> decision = verifier->Check(CollectionRule(world.collection), wallet);
    REQUIRE(decision.ok());
    CHECK(decision->owned());
    CHECK(decision->balance == "1");
    // Metadata was looked up at the real PDAs of the two whole-token mints, not the fungible one.
    {
      std::lock_guard<std::mutex> lock(world.mu);
      CHECK(world.requested_metadata ==
            std::vector<std::string>{
                KeyText(internal::MetadataAddressForMint(world.bare_mint).value()),
                KeyText(internal::MetadataAddressForMint(world.verified_mint).value())});
    }
    CHECK_FALSE(verifier->Check(CollectionRule(world.collection, 2), wallet).value().owned());
  }

  SECTION("unverified membership, another collection or no NFT at all do not pass") {
    world.held = {KeyText(world.unverified_mint), KeyText(world.foreign_mint),
                  KeyText(world.bare_mint)};
    Result<OwnershipDecision> decision = verifier->Check(CollectionRule(world.collection), wallet);
    REQUIRE(decision.ok());
    CHECK_FALSE(decision->owned());
    CHECK(verifier->Check(CollectionRule(world.other_collection), wallet).value().owned());
    world.held.clear();
    CHECK_FALSE(verifier->Check(CollectionRule(world.other_collection), wallet).value().owned());
  }

  SECTION("one mint: the wallet's token accounts for that mint") {
    world.held = {KeyText(world.bare_mint), KeyText(world.fungible_mint)};
    GatingRule rule;
    rule.chain = "solana";
    rule.standard = TokenStandard::kMetaplexCollection;
    rule.contract = KeyText(world.bare_mint);
    CHECK(verifier->Check(rule, wallet).value().owned());
    rule.contract = KeyText(world.verified_mint);
    CHECK_FALSE(verifier->Check(rule, wallet).value().owned());
    // Fungible balances (decimals != 0) are not NFTs.
    rule.contract = KeyText(world.fungible_mint);
    CHECK_FALSE(verifier->Check(rule, wallet).value().owned());
    // An EVM wallet cannot own a Solana NFT.
    CHECK_FALSE(verifier->Check(rule, kWallet).value().owned());
  }
}

TEST_CASE("Metaplex: malformed Solana replies deny", "[ownership][solana][rpc]") {
  REQUIRE(sodium_init() >= 0);
  const std::string wallet = KeyText(KeyFromSeed(1));
  const std::string mint = KeyText(KeyFromSeed(10));
  struct Case {
    std::string name;
    json value;
  };
  const std::vector<Case> cases = {
      {"value is not an array", json{{"value", "nope"}}},
      {"token account of another owner",
       json{{"value", json::array({TokenAccount(KeyText(KeyFromSeed(9)), mint, "1", 0)})}}},
      {"amount is not a number",
       json{{"value", json::array({TokenAccount(wallet, mint, "one", 0)})}}},
      {"account without parsed data",
       json{{"value", json::array({json{{"account", json::object()}}})}}},
  };
  for (const Case& entry : cases) {
    DYNAMIC_SECTION(entry.name) {
      FakeJsonRpcServer server([&entry](const json& request) {
        return FakeJsonRpcServer::Result(request, entry.value);
      });
      auto verifier = VerifierFor({server.url()}, "solana");
      GatingRule rule;
      rule.chain = "solana";
      rule.standard = TokenStandard::kMetaplexCollection;
      rule.contract = mint;
      Result<OwnershipDecision> decision = verifier->Check(rule, wallet);
      INFO(decision.status().ToString());
      CHECK(decision.status().code() == StatusCode::kUnavailable);
    }
  }
}

}  // namespace
}  // namespace streamgate
