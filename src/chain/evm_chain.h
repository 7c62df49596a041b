// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// EvmChain: ownership checks on one EVM chain (ERC-721, ERC-1155, ERC-165) through eth_call.
// Each endpoint's eth_chainId is checked before its first use: a node on another chain could
// otherwise answer for a different contract at the same address.
//
// Thread-safe: the RPC client is thread-safe and the ERC-165 memo is guarded by memo_mu_.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "chain/json_rpc_client.h"
#include "streamgate/ownership.h"

namespace streamgate::internal {

class EvmChain {
 public:
  // `memo_ttl`: how long ERC-165 answers are remembered (0: not at all).
  EvmChain(std::string chain_id, std::vector<std::string> urls, JsonRpcClientOptions options,
           std::chrono::milliseconds memo_ttl);

  // `rule` is normalised (lower-case contract, decimal token id); `wallet` is a lower-case
  // 0x address. Errors follow OwnershipVerifier::Check.
  Result<OwnershipDecision> Check(const GatingRule& rule, const std::string& wallet,
                                  SteadyClock::time_point deadline);
  Result<TokenStandard> DetectStandard(const std::string& contract,
                                       SteadyClock::time_point deadline);

 private:
  Result<JsonRpcAnswer> EthCall(const std::string& contract, const std::string& data,
                                SteadyClock::time_point deadline);
  Result<bool> SupportsInterface(const std::string& contract, uint32_t interface_id,
                                 SteadyClock::time_point deadline);
  Status RequireInterface(const std::string& contract, TokenStandard standard,
                          SteadyClock::time_point deadline);
  Status CheckChainId(JsonRpcClient& client, std::size_t endpoint,
                      SteadyClock::time_point deadline) const;

  const std::string chain_id_;
  const std::chrono::milliseconds memo_ttl_;
  JsonRpcClient client_;
  std::mutex memo_mu_;  // guards memo_
  struct MemoEntry {
    bool supported;
    SteadyClock::time_point expires;
  };
  std::map<std::string, MemoEntry> memo_;  // "<contract>:<interface id>"
};

}  // namespace streamgate::internal
