// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// SolanaChain: NFT ownership on Solana through its JSON-RPC: one mint (SPL token accounts of the
// wallet for that mint) or a verified Metaplex collection (the wallet's NFTs → their metadata
// PDAs → collection.verified && collection.key). Thread-safe (the RPC client is).
#pragma once

#include <string>
#include <vector>

#include "chain/json_rpc_client.h"
#include "streamgate/ownership.h"

namespace streamgate::internal {

class SolanaChain {
 public:
  SolanaChain(std::vector<std::string> urls, JsonRpcClientOptions options,
              std::size_t max_token_accounts);

  // `rule` is a normalised metaplex-collection rule; `wallet` a canonical base58 address.
  Result<OwnershipDecision> Check(const GatingRule& rule, const std::string& wallet,
                                  SteadyClock::time_point deadline);

 private:
  struct Holding {
    std::string mint;
    uint64_t amount = 0;
    uint8_t decimals = 0;
  };
  Result<std::vector<Holding>> TokenAccounts(const std::string& wallet,
                                             const nlohmann::json& filter,
                                             SteadyClock::time_point deadline,
                                             std::string& endpoint);
  Result<OwnershipDecision> CheckMint(const GatingRule& rule, const std::string& wallet,
                                      SteadyClock::time_point deadline);
  Result<OwnershipDecision> CheckCollection(const GatingRule& rule, const std::string& wallet,
                                            SteadyClock::time_point deadline);

  JsonRpcClient client_;
  const std::size_t max_token_accounts_;
};

}  // namespace streamgate::internal
