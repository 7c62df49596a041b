// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// On-chain ownership checks for token-gated content: does a wallet hold the NFT a gating rule
// names? EVM chains are asked over JSON-RPC (`eth_call` of ERC-721 `ownerOf`/`balanceOf`,
// ERC-1155 `balanceOf`, ERC-165 `supportsInterface`); Solana over its JSON-RPC
// (`getTokenAccountsByOwner`, Metaplex metadata accounts).
//
// Fail closed: every answer is either a decision read from the chain (kOwned / kNotOwned) or a
// non-OK Status. Callers grant access only on `ok() && verdict == kOwned`; any error (an
// unreachable node, a malformed or oversized reply, a JSON-RPC error, a node on the wrong chain)
// is Unavailable and must be treated as "deny". Errors are never cached, so a node outage is
// never remembered as "not owned".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/cache.h"
#include "streamgate/result.h"
#include "streamgate/status.h"

namespace streamgate {

enum class TokenStandard {
  kErc721,              // "erc721"
  kErc1155,             // "erc1155"
  kMetaplexCollection,  // "metaplex-collection" (Solana)
  kAnyOf,               // "any-of": owned when any sub-rule is owned
};

// "erc721", "erc1155", "metaplex-collection", "any-of".
std::string_view TokenStandardName(TokenStandard standard);

// What a content item requires, stored server-side with the item (the client never chooses it).
// A plain aggregate that maps one-to-one onto JSON (see ParseGatingRule):
//   {"chain":"1","standard":"erc721","contract":"0xabc…","token_id":"42"}
//   {"chain":"1","standard":"erc1155","contract":"0x…","token_id":"0x07","min_balance":2}
//   {"chain":"solana","standard":"metaplex-collection","collection":"<base58 collection mint>"}
//   {"chain":"solana","standard":"metaplex-collection","contract":"<base58 mint>"}
//   {"standard":"any-of","any_of":[{…},{…}]}
struct GatingRule {
  // EVM chain id in decimal ("1", "137", "1337") or "solana". Empty for any-of.
  std::string chain;
  TokenStandard standard = TokenStandard::kErc721;
  // EVM: the token contract, "0x" + 40 hex digits (stored lower-case). Solana: a mint address
  // (base58) when the rule gates on one mint rather than on a collection.
  std::string contract;
  // Solana: the verified Metaplex collection (base58 mint of the collection NFT).
  std::string collection;
  // ERC-721: a specific token (ownerOf == wallet); empty means "any token of the contract"
  // (balanceOf >= min_balance). ERC-1155: required. Decimal or 0x hex on input, up to 2^256-1;
  // stored as canonical decimal.
  std::string token_id;
  // Smallest balance that counts as owning (>= 1). Must be 1 for an ERC-721 rule with token_id.
  uint64_t min_balance = 1;
  // Sub-rules of an any-of rule (no nested any-of deeper than kMaxGatingRuleDepth).
  std::vector<GatingRule> any_of;
};

// Bounds enforced by ParseGatingRule and by OwnershipVerifier::Check.
inline constexpr std::size_t kMaxGatingRuleBytes = std::size_t{16} * 1024;  // JSON text
inline constexpr int kMaxGatingRuleDepth = 3;                               // any-of nesting levels
inline constexpr std::size_t kMaxGatingSubRules = 16;                       // per any-of

// Parses and validates a rule (strict: unknown fields, wrong types, bad addresses, token ids
// above 2^256-1, empty any-of, oversized text or nesting are InvalidArgument naming the field).
Result<GatingRule> ParseGatingRule(std::string_view json_text);
// Validates a rule built in code; ParseGatingRule already calls it.
Status ValidateGatingRule(const GatingRule& rule);
// The canonical JSON form (normalised addresses and token id), accepted by ParseGatingRule.
std::string GatingRuleToJson(const GatingRule& rule);

// The JSON-RPC endpoints of one chain, tried in order (failover).
struct ChainEndpoints {
  std::string chain_id;               // "1", "1337", … or "solana"
  std::vector<std::string> rpc_urls;  // http:// or https://
};

struct OwnershipOptions {
  std::vector<ChainEndpoints> endpoints;
  // Timeout of one HTTP request to one endpoint (connect included).
  int request_timeout_ms = 5000;
  // Budget of one Check() call across all its requests and failovers; past it the check fails
  // (DeadlineExceeded, i.e. deny).
  int total_deadline_ms = 15000;
  // How long an "owned" / "not owned" answer is reused from the cache. 0 disables that kind.
  // Failures are never cached.
  int cache_ttl_s = 60;
  int negative_cache_ttl_s = 10;
  // Replies larger than this are failures (protects against a hostile or broken node).
  std::size_t max_response_bytes = std::size_t{4} << 20;
  // After a failure an endpoint is skipped for this long, doubling per consecutive failure up
  // to endpoint_max_backoff_ms (a small circuit breaker). A node on the wrong chain is skipped
  // for the maximum at once.
  int endpoint_backoff_ms = 1000;
  int endpoint_max_backoff_ms = 30000;
  // Solana collection checks read at most this many of the wallet's token accounts; a wallet
  // with more is a failure (deny) rather than an unbounded scan.
  std::size_t max_solana_token_accounts = 2000;
  // Prefix of every cache key written by the verifier.
  std::string cache_key_prefix = "chain:own:";
};

// Checks cross-field rules: endpoint URLs (http/https), chain ids, positive limits.
Status ValidateOwnershipOptions(const OwnershipOptions& options);
// Parses "1337=http://a|http://b;1=https://c" (chain.rpc_urls) into endpoints.
Result<std::vector<ChainEndpoints>> ParseChainEndpointList(std::string_view text);
// The inverse of ParseChainEndpointList (EVM chains only; "solana" entries are skipped).
std::string FormatChainEndpointList(const std::vector<ChainEndpoints>& endpoints);

enum class OwnershipVerdict { kOwned, kNotOwned };

// A decision and why it was taken, for logs and for the verify-nft response.
struct OwnershipDecision {
  OwnershipVerdict verdict = OwnershipVerdict::kNotOwned;
  // Human-readable: "ownerOf(42) is 0x…", "balanceOf is 3 (needs 1)", "token 42 does not exist".
  std::string reason;
  // The balance read (decimal), when the check read one.
  std::string balance;
  // The answer came from the cache rather than from the chain.
  bool from_cache = false;
  // The RPC endpoint that answered ("" when cached).
  std::string endpoint;
  // For any-of: index of the first sub-rule that is owned, or -1.
  int matched_rule = -1;

  bool owned() const { return verdict == OwnershipVerdict::kOwned; }
};

// {"owned":true,"reason":"…","balance":"1","from_cache":false,"matched_rule":-1} for HTTP
// responses (e.g. POST /api/v1/auth/verify-nft). The endpoint is left out: it names internal
// infrastructure; log it instead.
std::string OwnershipDecisionToJson(const OwnershipDecision& decision);

// Checks ownership against the configured endpoints. Thread-safe: Check may be called from many
// threads at once. Blocking (network round trips bounded by the options' timeouts): call it from
// worker threads, never from I/O threads. Shares ownership of the cache; keeps no thread.
class OwnershipVerifier {
 public:
  // InvalidArgument for bad options. `cache` may be null (no caching).
  static Result<std::unique_ptr<OwnershipVerifier>> Create(OwnershipOptions options,
                                                           std::shared_ptr<Cache> cache);
  ~OwnershipVerifier();
  OwnershipVerifier(const OwnershipVerifier&) = delete;
  OwnershipVerifier& operator=(const OwnershipVerifier&) = delete;

  // Does `wallet` (0x… for EVM rules, base58 for Solana rules) own what `rule` requires?
  // OK with a decision read from the chain or the cache; InvalidArgument for a bad rule or
  // wallet; Unavailable (or DeadlineExceeded) when the chain could not be asked or answered
  // badly; FailedPrecondition when the contract is not what the rule says (ERC-165);
  // ResourceExhausted when a Solana wallet has more than max_solana_token_accounts token
  // accounts. Every non-OK result means "deny". A wallet of the other chain family simply does
  // not own. See docs/chain.md.
  Result<OwnershipDecision> Check(const GatingRule& rule, std::string_view wallet);

  // ERC-165: kErc721 or kErc1155 for the contract, FailedPrecondition when it implements
  // neither, Unavailable when the chain cannot be asked. Used to validate rules on creation.
  Result<TokenStandard> DetectStandard(std::string_view chain, std::string_view contract);

  // Drops every cached answer about `wallet` (e.g. after a Transfer event).
  Status Forget(std::string_view wallet);

 private:
  struct Impl;
  explicit OwnershipVerifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamgate
