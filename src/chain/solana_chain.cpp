// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/solana_chain.h"

#include <sodium.h>

#include <charconv>

#include "chain/base58.h"
#include "chain/metaplex_metadata.h"
#include "chain/solana_pda.h"

namespace streamgate::internal {
namespace {

using nlohmann::json;

constexpr char kTokenProgram[] = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
constexpr char kToken2022Program[] = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";
constexpr char kMetadataProgram[] = "metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s";
constexpr std::size_t kAccountsPerRequest = 100;  // getMultipleAccounts' limit

Status Malformed(std::string_view endpoint, std::string_view what) {
  return Status::Unavailable(std::string(endpoint) + ": malformed reply: " + std::string(what));
}

const json* Path(const json& root, std::initializer_list<const char*> keys) {
  const json* node = &root;
  for (const char* key : keys) {
    if (!node->is_object()) return nullptr;
    const auto found = node->find(key);
    if (found == node->end()) return nullptr;
    node = &*found;
  }
  return node;
}

bool ParseU64(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 20) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

Result<std::vector<uint8_t>> Base64Decode(const std::string& text) {
  std::vector<uint8_t> out(text.size() / 4 * 3 + 3);
  std::size_t size = 0;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &size, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return Status::InvalidArgument("bad base64");
  }
  out.resize(size);
  return out;
}

SolanaKey ToKey(const std::vector<uint8_t>& bytes) {
  SolanaKey key{};
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

}  // namespace

SolanaChain::SolanaChain(std::vector<std::string> urls, JsonRpcClientOptions options,
                         std::size_t max_token_accounts)
    : client_(std::move(urls), options), max_token_accounts_(max_token_accounts) {}

Result<std::vector<SolanaChain::Holding>> SolanaChain::TokenAccounts(
    const std::string& wallet, const json& filter, SteadyClock::time_point deadline,
    std::string& endpoint) {
  const json params =
      json::array({wallet, filter, json{{"encoding", "jsonParsed"}, {"commitment", "confirmed"}}});
  STREAMGATE_ASSIGN_OR_RETURN(JsonRpcAnswer answer,
                              client_.Call("getTokenAccountsByOwner", params, deadline));
  endpoint = answer.endpoint;
  if (answer.reverted) return Malformed(endpoint, "unexpected error object");
  const json* value = Path(answer.result, {"value"});
  if (value == nullptr || !value->is_array()) return Malformed(endpoint, "no value array");
  if (value->size() > max_token_accounts_) {
    return Status::ResourceExhausted("wallet holds more than " +
                                     std::to_string(max_token_accounts_) + " token accounts");
  }
  std::vector<Holding> holdings;
  for (const json& entry : *value) {
    const json* program = Path(entry, {"account", "owner"});
    const json* info = Path(entry, {"account", "data", "parsed", "info"});
    if (program == nullptr || !program->is_string() || info == nullptr) {
      return Malformed(endpoint, "token account without parsed info");
    }
    if (*program != kTokenProgram && *program != kToken2022Program) {
      return Malformed(endpoint, "token account not owned by a token program");
    }
    const json* mint = Path(*info, {"mint"});
    const json* owner = Path(*info, {"owner"});
    const json* amount = Path(*info, {"tokenAmount", "amount"});
    const json* decimals = Path(*info, {"tokenAmount", "decimals"});
    Holding holding;
    if (mint == nullptr || !mint->is_string() || owner == nullptr || !owner->is_string() ||
        amount == nullptr || !amount->is_string() || decimals == nullptr ||
        !decimals->is_number_unsigned() || decimals->get<uint64_t>() > 255 ||
        !ParseU64(amount->get<std::string>(), holding.amount)) {
      return Malformed(endpoint, "token account fields");
    }
    // The node must answer the question asked: accounts of this wallet.
    if (*owner != wallet) return Malformed(endpoint, "token account of another owner");
    holding.mint = mint->get<std::string>();
    holding.decimals = static_cast<uint8_t>(decimals->get<uint64_t>());
    holdings.push_back(std::move(holding));
  }
  return holdings;
}

Result<OwnershipDecision> SolanaChain::Check(const GatingRule& rule, const std::string& wallet,
                                             SteadyClock::time_point deadline) {
  return rule.collection.empty() ? CheckMint(rule, wallet, deadline)
                                 : CheckCollection(rule, wallet, deadline);
}

Result<OwnershipDecision> SolanaChain::CheckMint(const GatingRule& rule, const std::string& wallet,
                                                 SteadyClock::time_point deadline) {
  OwnershipDecision decision;
  STREAMGATE_ASSIGN_OR_RETURN(
      std::vector<Holding> holdings,
      TokenAccounts(wallet, json{{"mint", rule.contract}}, deadline, decision.endpoint));
  uint64_t total = 0;
  for (const Holding& holding : holdings) {
    if (holding.mint != rule.contract) {
      return Malformed(decision.endpoint, "token account of another mint");
    }
    // An NFT has no decimals; a fungible token of the same mint address cannot exist, but a
    // node bug must not turn 0.000001 tokens into "owned".
    if (holding.decimals == 0) total += std::min<uint64_t>(holding.amount, UINT32_MAX);
  }
  decision.balance = std::to_string(total);
  decision.verdict =
      total >= rule.min_balance ? OwnershipVerdict::kOwned : OwnershipVerdict::kNotOwned;
  decision.reason = "wallet holds " + decision.balance + " of mint " + rule.contract + " (needs " +
                    std::to_string(rule.min_balance) + ")";
  return decision;
}

Result<OwnershipDecision> SolanaChain::CheckCollection(const GatingRule& rule,
                                                       const std::string& wallet,
                                                       SteadyClock::time_point deadline) {
  OwnershipDecision decision;
  STREAMGATE_ASSIGN_OR_RETURN(
      std::vector<Holding> holdings,
      TokenAccounts(wallet, json{{"programId", kTokenProgram}}, deadline, decision.endpoint));
  STREAMGATE_ASSIGN_OR_RETURN(const std::vector<uint8_t> collection_bytes,
                              DecodeSolanaAddress(rule.collection));
  const SolanaKey collection = ToKey(collection_bytes);

  // Candidate NFTs: whole, non-zero holdings. Their metadata PDAs, in the same order.
  std::vector<SolanaKey> mints;
  std::vector<std::string> pdas;
  for (const Holding& holding : holdings) {
    if (holding.decimals != 0 || holding.amount == 0) continue;
    Result<std::vector<uint8_t>> mint = DecodeSolanaAddress(holding.mint);
    if (!mint.ok()) return Malformed(decision.endpoint, "token account with a bad mint");
    mints.push_back(ToKey(*mint));
    STREAMGATE_ASSIGN_OR_RETURN(const SolanaKey pda, MetadataAddressForMint(mints.back()));
    pdas.push_back(Base58Encode(pda.data(), pda.size()));
  }

  uint64_t matched = 0;
  for (std::size_t start = 0; start < pdas.size() && matched < rule.min_balance;
       start += kAccountsPerRequest) {
    const std::size_t end = std::min(pdas.size(), start + kAccountsPerRequest);
    const json keys(std::vector<std::string>(pdas.begin() + static_cast<std::ptrdiff_t>(start),
                                             pdas.begin() + static_cast<std::ptrdiff_t>(end)));
    const json params =
        json::array({keys, json{{"encoding", "base64"}, {"commitment", "confirmed"}}});
    STREAMGATE_ASSIGN_OR_RETURN(JsonRpcAnswer answer,
                                client_.Call("getMultipleAccounts", params, deadline));
    decision.endpoint = answer.endpoint;
    const json* value = Path(answer.result, {"value"});
    if (answer.reverted || value == nullptr || !value->is_array() || value->size() != end - start) {
      return Malformed(answer.endpoint, "getMultipleAccounts value");
    }
    for (std::size_t i = 0; i < value->size(); ++i) {
      const json& account = (*value)[i];
      if (account.is_null()) continue;  // an SPL token without Metaplex metadata
      const json* owner = Path(account, {"owner"});
      const json* data = Path(account, {"data"});
      if (owner == nullptr || !owner->is_string() || data == nullptr || !data->is_array() ||
          data->size() != 2 || !(*data)[0].is_string() || (*data)[1] != "base64") {
        return Malformed(answer.endpoint, "metadata account");
      }
      // Only the metadata program can write a verified collection into its PDA.
      if (*owner != kMetadataProgram) continue;
      Result<std::vector<uint8_t>> bytes = Base64Decode((*data)[0].get<std::string>());
      if (!bytes.ok()) return Malformed(answer.endpoint, "metadata account base64");
      Result<MetaplexMetadata> metadata = ParseMetaplexMetadata(*bytes);
      if (!metadata.ok()) continue;  // not a MetadataV1 account: it proves nothing
      if (metadata->mint != mints[start + i]) continue;
      if (metadata->collection && metadata->collection->verified &&
          metadata->collection->key == collection) {
        ++matched;
      }
    }
  }
  decision.balance = std::to_string(matched);
  decision.verdict =
      matched >= rule.min_balance ? OwnershipVerdict::kOwned : OwnershipVerdict::kNotOwned;
  decision.reason = "wallet holds " + decision.balance + " verified NFTs of collection " +
                    rule.collection + " (needs " + std::to_string(rule.min_balance) + ")";
  return decision;
}

}  // namespace streamgate::internal
