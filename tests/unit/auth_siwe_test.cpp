// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The EIP-4361 parser and formatter, RFC 3339 times, and nonces.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "auth/node_wallet.h"
#include "auth/nonce.h"
#include "auth/rfc3339.h"
#include "auth/siwe_message.h"

namespace streamgate::internal {
namespace {

constexpr const char* kAddress = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";

std::string Full() {
  return std::string("https://example.com wants you to sign in with your Ethereum account:\n") +
         kAddress +
         "\n\nI accept the ServiceOrg Terms of Service: https://service.org/tos\n\n"
         "URI: https://example.com/login\nVersion: 1\nChain ID: 1\nNonce: 32891756\n"
         "Issued At: 2021-09-30T16:25:24Z\nExpiration Time: 2021-10-01T16:25:24.000Z\n"
         "Not Before: 2021-09-30T16:25:24+02:00\nRequest ID: some_id-1\nResources:\n"
         "- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/\n"
         "- https://example.com/my-web2-claim.json";
}

std::string Minimal() {
  return std::string("example.com wants you to sign in with your Ethereum account:\n") + kAddress +
         "\n\n\nURI: https://example.com\nVersion: 1\nChain ID: 1337\nNonce: abcdefgh\n"
         "Issued At: 2026-11-23T14:00:00Z";
}

TEST_CASE("SIWE: full and minimal messages parse and format back identically", "[auth][siwe]") {
  for (const std::string& text : {Full(), Minimal()}) {
    INFO(text);
    Result<SiweMessage> message = ParseSiweMessage(text, AccountKind::kEthereum);
    REQUIRE(message.ok());
    CHECK(FormatSiweMessage(*message, AccountKind::kEthereum) == text);
  }
  const SiweMessage full = *ParseSiweMessage(Full(), AccountKind::kEthereum);
  CHECK(full.scheme == "https");
  CHECK(full.domain == "example.com");
  CHECK(full.address == kAddress);
  CHECK(*full.statement == "I accept the ServiceOrg Terms of Service: https://service.org/tos");
  CHECK(full.uri == "https://example.com/login");
  CHECK(full.chain_id == "1");
  CHECK(full.nonce == "32891756");
  CHECK(*full.not_before == "2021-09-30T16:25:24+02:00");
  CHECK(*full.request_id == "some_id-1");
  REQUIRE(full.resources->size() == 2);
  CHECK(full.resources->at(1) == "https://example.com/my-web2-claim.json");
  const SiweMessage minimal = *ParseSiweMessage(Minimal(), AccountKind::kEthereum);
  CHECK_FALSE(minimal.statement.has_value());
  CHECK_FALSE(minimal.expiration_time.has_value());
}

TEST_CASE("SIWE: the siwe npm package's messages parse", "[auth][siwe][node]") {
  nlohmann::json requests = nlohmann::json::array();
  const std::string key = "0x0000000000000000000000000000000000000000000000000000000000000002";
  requests.push_back({{"op", "siwe"},
                      {"key", key},
                      {"fields",
                       {{"domain", "localhost:8080"},
                        {"uri", "http://localhost:8080"},
                        {"chainId", 1},
                        {"nonce", "abcdefgh12345678"},
                        {"issuedAt", "2026-11-23T14:00:00.000Z"}}}});
  requests.push_back({{"op", "siwe"},
                      {"key", key},
                      {"fields",
                       {{"scheme", "https"},
                        {"domain", "app.example.org"},
                        {"uri", "https://app.example.org/a?b=c#d"},
                        {"statement", "Sign in, please."},
                        {"chainId", 11155111},
                        {"nonce", "ZZZZzzzz99999999"},
                        {"issuedAt", "2026-11-23T14:00:00.000Z"},
                        {"expirationTime", "2026-11-23T15:00:00.000Z"},
                        {"notBefore", "2026-11-23T13:00:00.000Z"},
                        {"requestId", "req-42"},
                        {"resources", {"https://a.example/x", "ipfs://bafy/"}}}}});
  const nlohmann::json signed_messages = testing::RunNodeWallet(requests);
  for (const auto& entry : signed_messages) {
    const std::string text = entry["message"].get<std::string>();
    INFO(text);
    Result<SiweMessage> message = ParseSiweMessage(text, AccountKind::kEthereum);
    REQUIRE(message.ok());
    CHECK(message->address == entry["address"].get<std::string>());
    CHECK(FormatSiweMessage(*message, AccountKind::kEthereum) == text);
  }
}

TEST_CASE("SIWE: malformed messages are refused", "[auth][siwe]") {
  const std::string good = Minimal();
  auto replace = [&](std::string from, std::string to) {
    std::string text = good;
    const std::size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    return text;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"CRLF line ends", replace("\nURI:", "\r\nURI:")},
      {"trailing newline", good + "\n"},
      {"Solana header", replace("Ethereum account", "Solana account")},
      {"no domain", replace("example.com wants", " wants")},
      {"space in domain", replace("example.com wants", "exa mple.com wants")},
      {"lower-case address", replace(kAddress, "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf")},
      {"bad checksum", replace(kAddress, "0x7E5F4552091A69125d5DfCb7b8C2659029395BDF")},
      {"short address", replace(kAddress, "0x7E5F4552091A69125d5DfCb7b8C2659029395B")},
      {"missing blank line", replace("\n\n\nURI", "\n\nURI")},
      {"extra blank line", replace("\n\n\nURI", "\n\n\n\nURI")},
      {"statement with a quote", replace("\n\n\nURI", "\n\nsay \"hi\"\n\nURI")},
      {"statement not followed by a blank line", replace("\n\n\nURI", "\n\nhello\nURI")},
      {"relative URI", replace("URI: https://example.com", "URI: /login")},
      {"URI with space", replace("URI: https://example.com", "URI: https://exa mple.com")},
      {"version 2", replace("Version: 1", "Version: 2")},
      {"missing version", replace("Version: 1\n", "")},
      {"fields out of order", replace("Version: 1\nChain ID: 1337", "Chain ID: 1337\nVersion: 1")},
      {"chain id with leading zero", replace("Chain ID: 1337", "Chain ID: 01337")},
      {"chain id not a number", replace("Chain ID: 1337", "Chain ID: eth")},
      {"short nonce", replace("Nonce: abcdefgh", "Nonce: abcdefg")},
      {"nonce with symbol", replace("Nonce: abcdefgh", "Nonce: abcd-efgh")},
      {"long nonce", replace("Nonce: abcdefgh", "Nonce: " + std::string(65, 'a'))},
      {"bad issued-at", replace("2026-11-23T14:00:00Z", "2026-11-23 14:00:00Z")},
      {"impossible date", replace("2026-11-23T14:00:00Z", "2026-02-30T14:00:00Z")},
      {"issued-at without zone", replace("2026-11-23T14:00:00Z", "2026-11-23T14:00:00")},
      {"unknown trailing line", good + "\nFoo: bar"},
      {"duplicate expiration",
       good + "\nExpiration Time: 2026-11-23T15:00:00Z\nExpiration Time: 2026-11-23T15:00:00Z"},
      {"not-before before expiration",
       good + "\nNot Before: 2026-11-23T15:00:00Z\nExpiration Time: 2026-11-23T15:00:00Z"},
      {"resource without dash", good + "\nResources:\nhttps://a.example"},
      {"NUL byte", replace("Version: 1", std::string("Version: 1\0", 11))},
      {"non-ASCII", replace("example.com wants", "ex\xc3\xa4mple.com wants")},
      {"empty", ""},
  };
  for (const auto& [name, text] : cases) {
    INFO(name);
    Result<SiweMessage> parsed = ParseSiweMessage(text, AccountKind::kEthereum);
    CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
  }
  std::string too_many = good + "\nResources:";
  for (int i = 0; i < 33; ++i) too_many += "\n- https://a.example/" + std::to_string(i);
  CHECK_FALSE(ParseSiweMessage(too_many, AccountKind::kEthereum).ok());
  CHECK_FALSE(ParseSiweMessage(good, AccountKind::kEthereum, good.size() - 1).ok());
  CHECK_FALSE(
      ParseSiweMessage(good + "\nRequest ID: " + std::string(300, 'a'), AccountKind::kEthereum)
          .ok());
}

TEST_CASE("SIWE: Solana variant", "[auth][siwe]") {
  const std::string text =
      "example.com wants you to sign in with your Solana account:\n"
      "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z\n\nHi\n\nURI: https://example.com\n"
      "Version: 1\nChain ID: mainnet\nNonce: abcdefgh\nIssued At: 2026-11-23T14:00:00Z";
  Result<SiweMessage> message = ParseSiweMessage(text, AccountKind::kSolana);
  REQUIRE(message.ok());
  CHECK(message->address == "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z");
  CHECK(FormatSiweMessage(*message, AccountKind::kSolana) == text);
  CHECK_FALSE(ParseSiweMessage(text, AccountKind::kEthereum).ok());
  std::string bad_key = text;
  bad_key.replace(bad_key.find("FVen3X"), 6, "0Ven3X");  // '0' is not base58
  CHECK_FALSE(ParseSiweMessage(bad_key, AccountKind::kSolana).ok());
}

TEST_CASE("RFC 3339 times", "[auth][siwe]") {
  CHECK(*ParseRfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(*ParseRfc3339("2021-09-30T16:25:24Z") == 1633019124);
  CHECK(*ParseRfc3339("2021-09-30T16:25:24.999Z") == 1633019124);
  CHECK(*ParseRfc3339("2021-09-30T18:25:24+02:00") == 1633019124);
  CHECK(*ParseRfc3339("2021-09-30t16:25:24z") == 1633019124);
  CHECK(*ParseRfc3339("2024-02-29T00:00:00Z") == 1709164800);
  CHECK(FormatRfc3339(1633019124) == "2021-09-30T16:25:24Z");
  CHECK(FormatRfc3339(1709164800) == "2024-02-29T00:00:00Z");
  for (const char* bad :
       {"2023-02-29T00:00:00Z", "2021-13-01T00:00:00Z", "2021-09-30T24:00:00Z",
        "2021-09-30T16:25:24", "2021-09-30T16:25:24+0200", "2021-09-30", "2021-09-30T16:25:24.Z",
        "2021-09-30T16:25:24Z ", " 2021-09-30T16:25:24Z", "2021-09-30T16:25:24.1234567890Z"}) {
    INFO(bad);
    CHECK_FALSE(ParseRfc3339(bad).ok());
  }
}

TEST_CASE("nonces are long, alphanumeric and distinct", "[auth][siwe]") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string nonce = GenerateNonce();
    CHECK(nonce.size() == kNonceLength);
    CHECK(std::all_of(nonce.begin(), nonce.end(), [](char c) { return std::isalnum(c) != 0; }));
    seen.insert(nonce);
  }
  CHECK(seen.size() == 1000);
}

}  // namespace
}  // namespace streamgate::internal
