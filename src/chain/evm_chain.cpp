// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/evm_chain.h"

#include <charconv>
#include <cstdio>

#include "chain/abi.h"
#include "chain/hex.h"
#include "chain/uint256.h"

namespace streamgate::internal {
namespace {

constexpr std::size_t kMaxMemoEntries = 4096;

// A malformed word from a node is the node's failure, never "not owned".
Status NodeError(const Status& status, std::string_view endpoint) {
  return Status::Unavailable(std::string(endpoint) + ": " + status.message());
}

uint64_t ParseChainId(const std::string& text) {
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::string InterfaceHex(uint32_t id) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08x", id);
  return text;
}

}  // namespace

EvmChain::EvmChain(std::string chain_id, std::vector<std::string> urls,
                   JsonRpcClientOptions options, std::chrono::milliseconds memo_ttl)
    : chain_id_(std::move(chain_id)),
      memo_ttl_(memo_ttl),
      client_(
          std::move(urls), options,
          [this](JsonRpcClient& client, std::size_t endpoint, SteadyClock::time_point deadline) {
            return CheckChainId(client, endpoint, deadline);
          }) {}

Status EvmChain::CheckChainId(JsonRpcClient& client, std::size_t endpoint,
                              SteadyClock::time_point deadline) const {
  Result<JsonRpcAnswer> answer =
      client.CallEndpoint(endpoint, "eth_chainId", nlohmann::json::array(), deadline);
  if (!answer.ok()) return answer.status();
  if (answer->reverted || !answer->result.is_string()) {
    return Status::Unavailable(answer->endpoint + ": eth_chainId returned no quantity");
  }
  Result<uint64_t> id = ParseHexQuantity(answer->result.get<std::string>());
  if (!id.ok()) return NodeError(id.status(), answer->endpoint);
  if (*id != ParseChainId(chain_id_)) {
    return Status::FailedPrecondition(answer->endpoint + " is on chain " + std::to_string(*id) +
                                      ", expected chain " + chain_id_);
  }
  return Status::Ok();
}

Result<JsonRpcAnswer> EvmChain::EthCall(const std::string& contract, const std::string& data,
                                        SteadyClock::time_point deadline) {
  const nlohmann::json params =
      nlohmann::json::array({nlohmann::json{{"to", contract}, {"data", data}}, "latest"});
  Result<JsonRpcAnswer> answer = client_.Call("eth_call", params, deadline);
  if (answer.ok() && !answer->reverted && !answer->result.is_string()) {
    return Status::Unavailable(answer->endpoint + ": eth_call result is not a string");
  }
  return answer;
}

Result<bool> EvmChain::SupportsInterface(const std::string& contract, uint32_t interface_id,
                                         SteadyClock::time_point deadline) {
  const std::string key = contract + ":" + InterfaceHex(interface_id);
  {
    std::lock_guard<std::mutex> lock(memo_mu_);
    const auto found = memo_.find(key);
    if (found != memo_.end() && found->second.expires > SteadyClock::now()) {
      return found->second.supported;
    }
  }
  STREAMGATE_ASSIGN_OR_RETURN(JsonRpcAnswer answer,
                              EthCall(contract, EncodeSupportsInterface(interface_id), deadline));
  bool supported = false;
  // EIP-165: a call that reverts, or an address without code ("0x"), does not support it.
  if (!answer.reverted && answer.result.get<std::string>() != "0x") {
    Result<bool> decoded = DecodeBoolWord(answer.result.get<std::string>());
    if (!decoded.ok()) return NodeError(decoded.status(), answer.endpoint);
    supported = *decoded;
  }
  if (memo_ttl_.count() > 0) {
    std::lock_guard<std::mutex> lock(memo_mu_);
    if (memo_.size() >= kMaxMemoEntries) memo_.clear();
    memo_[key] = MemoEntry{supported, SteadyClock::now() + memo_ttl_};
  }
  return supported;
}

Status EvmChain::RequireInterface(const std::string& contract, TokenStandard standard,
                                  SteadyClock::time_point deadline) {
  const bool is721 = standard == TokenStandard::kErc721;
  STREAMGATE_ASSIGN_OR_RETURN(
      const bool supported,
      SupportsInterface(contract, is721 ? kInterfaceErc721 : kInterfaceErc1155, deadline));
  if (!supported) {
    return Status::FailedPrecondition("contract " + contract + " on chain " + chain_id_ +
                                      " does not implement " + (is721 ? "ERC-721" : "ERC-1155") +
                                      " (ERC-165)");
  }
  return Status::Ok();
}

Result<TokenStandard> EvmChain::DetectStandard(const std::string& contract,
                                               SteadyClock::time_point deadline) {
  STREAMGATE_ASSIGN_OR_RETURN(const bool is721,
                              SupportsInterface(contract, kInterfaceErc721, deadline));
  STREAMGATE_ASSIGN_OR_RETURN(const bool is1155,
                              SupportsInterface(contract, kInterfaceErc1155, deadline));
  if (is721 && !is1155) return TokenStandard::kErc721;
  if (is1155 && !is721) return TokenStandard::kErc1155;
  return Status::FailedPrecondition(
      "contract " + contract + " on chain " + chain_id_ +
      (is721 ? " claims both ERC-721 and ERC-1155" : " implements neither ERC-721 nor ERC-1155"));
}

Result<OwnershipDecision> EvmChain::Check(const GatingRule& rule, const std::string& wallet,
                                          SteadyClock::time_point deadline) {
  STREAMGATE_RETURN_IF_ERROR(RequireInterface(rule.contract, rule.standard, deadline));
  OwnershipDecision decision;
  const Uint256 min_balance = Uint256::FromUint64(rule.min_balance);

  if (rule.standard == TokenStandard::kErc721 && !rule.token_id.empty()) {
    STREAMGATE_ASSIGN_OR_RETURN(const Uint256 id, ParseUint256(rule.token_id));
    STREAMGATE_ASSIGN_OR_RETURN(JsonRpcAnswer answer,
                                EthCall(rule.contract, EncodeOwnerOf(id), deadline));
    decision.endpoint = answer.endpoint;
    if (answer.reverted) {
      // ERC-721 requires ownerOf to throw for a token that does not exist (never minted or
      // burned): nobody owns it.
      decision.verdict = OwnershipVerdict::kNotOwned;
      decision.reason = "token " + rule.token_id + " does not exist (ownerOf reverted)";
      return decision;
    }
    Result<std::string> owner = DecodeAddressWord(answer.result.get<std::string>());
    if (!owner.ok()) return NodeError(owner.status(), answer.endpoint);
    const bool owned = *owner == wallet;
    decision.verdict = owned ? OwnershipVerdict::kOwned : OwnershipVerdict::kNotOwned;
    decision.balance = owned ? "1" : "0";
    decision.reason = "ownerOf(" + rule.token_id + ") is " + *owner;
    return decision;
  }

  const bool is1155 = rule.standard == TokenStandard::kErc1155;
  std::string data;
  if (is1155) {
    STREAMGATE_ASSIGN_OR_RETURN(const Uint256 id, ParseUint256(rule.token_id));
    data = EncodeBalanceOf1155(wallet, id);
  } else {
    data = EncodeBalanceOf721(wallet);
  }
  STREAMGATE_ASSIGN_OR_RETURN(JsonRpcAnswer answer, EthCall(rule.contract, data, deadline));
  decision.endpoint = answer.endpoint;
  if (answer.reverted) {
    // balanceOf has no reason to revert for a valid address: a contract doing so is broken or
    // paused, which is not evidence that the wallet holds nothing.
    return Status::Unavailable(answer.endpoint + ": balanceOf reverted: " + answer.revert_message);
  }
  Result<Uint256> balance = DecodeUint256Word(answer.result.get<std::string>());
  if (!balance.ok()) return NodeError(balance.status(), answer.endpoint);
  decision.balance = balance->ToDecimal();
  decision.verdict =
      *balance < min_balance ? OwnershipVerdict::kNotOwned : OwnershipVerdict::kOwned;
  decision.reason = std::string(is1155 ? "balanceOf(wallet, " + rule.token_id + ")"
                                       : std::string("balanceOf(wallet)")) +
                    " is " + decision.balance + " (needs " + std::to_string(rule.min_balance) + ")";
  return decision;
}

}  // namespace streamgate::internal
