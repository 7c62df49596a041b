// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// OwnershipVerifier: routes a rule to its chain, composes any-of rules, and keeps decisions in
// the cache. Fail-closed by construction: the only way to return kOwned is a decision read from
// the chain (or a cached one), and every error path returns a non-OK Status.
#include <map>

#include "chain/base58.h"
#include "chain/evm_chain.h"
#include "chain/gating_rule_internal.h"
#include "chain/hex.h"
#include "chain/ownership_cache.h"
#include "chain/solana_chain.h"
#include "streamgate/ownership.h"

namespace streamgate {

using internal::SteadyClock;

struct OwnershipVerifier::Impl {
  OwnershipOptions options;
  internal::OwnershipCache cache;
  // Built once in Create and never modified: lookups need no lock.
  std::map<std::string, std::unique_ptr<internal::EvmChain>> evm;
  std::unique_ptr<internal::SolanaChain> solana;

  Impl(OwnershipOptions opts, std::shared_ptr<Cache> shared_cache)
      : options(std::move(opts)),
        cache(std::move(shared_cache), options.cache_key_prefix,
              std::chrono::seconds(options.cache_ttl_s),
              std::chrono::seconds(options.negative_cache_ttl_s)) {}

  Result<OwnershipDecision> CheckLeaf(const GatingRule& rule, const std::string& wallet,
                                      bool evm_wallet, SteadyClock::time_point deadline);
  Result<OwnershipDecision> CheckRule(const GatingRule& rule, const std::string& wallet,
                                      bool evm_wallet, SteadyClock::time_point deadline);
};

namespace {

OwnershipDecision NotOwned(std::string reason) {
  OwnershipDecision decision;
  decision.verdict = OwnershipVerdict::kNotOwned;
  decision.reason = std::move(reason);
  return decision;
}

}  // namespace

Result<OwnershipDecision> OwnershipVerifier::Impl::CheckLeaf(const GatingRule& rule,
                                                             const std::string& wallet,
                                                             bool evm_wallet,
                                                             SteadyClock::time_point deadline) {
  const bool solana_rule = rule.chain == "solana";
  // A Solana wallet cannot hold an ERC-721 and vice versa: a decision, not an error, so that
  // an any-of rule mixing chains works for wallets of either family.
  if (solana_rule == evm_wallet) {
    return NotOwned(std::string("wallet is not ") +
                    (solana_rule ? "a Solana address" : "an EVM address"));
  }
  if (std::optional<OwnershipDecision> cached = cache.Get(rule, wallet)) return *cached;

  Result<OwnershipDecision> decision = Status::Unavailable("unreachable");
  if (solana_rule) {
    if (!solana) return Status::Unavailable("no RPC endpoint configured for solana");
    decision = solana->Check(rule, wallet, deadline);
  } else {
    const auto chain = evm.find(rule.chain);
    if (chain == evm.end()) {
      return Status::Unavailable("no RPC endpoint configured for chain " + rule.chain);
    }
    decision = chain->second->Check(rule, wallet, deadline);
  }
  if (decision.ok()) cache.Put(rule, wallet, *decision);
  return decision;
}

Result<OwnershipDecision> OwnershipVerifier::Impl::CheckRule(const GatingRule& rule,
                                                             const std::string& wallet,
                                                             bool evm_wallet,
                                                             SteadyClock::time_point deadline) {
  if (rule.standard != TokenStandard::kAnyOf) return CheckLeaf(rule, wallet, evm_wallet, deadline);
  // Owned as soon as one sub-rule is owned. Otherwise a failed sub-rule makes the whole rule a
  // failure: it might have been the one the wallet owns, so "not owned" would be a guess.
  Status first_failure;
  std::vector<std::string> reasons;
  for (std::size_t i = 0; i < rule.any_of.size(); ++i) {
    Result<OwnershipDecision> sub = CheckRule(rule.any_of[i], wallet, evm_wallet, deadline);
    if (!sub.ok()) {
      if (first_failure.ok()) {
        first_failure = sub.status().WithContext("any_of[" + std::to_string(i) + "]");
      }
      continue;
    }
    if (sub->owned()) {
      sub->matched_rule = static_cast<int>(i);
      sub->reason = "any_of[" + std::to_string(i) + "]: " + sub->reason;
      return sub;
    }
    reasons.push_back("any_of[" + std::to_string(i) + "]: " + sub->reason);
  }
  if (!first_failure.ok()) return first_failure;
  std::string joined;
  for (const std::string& reason : reasons) joined += (joined.empty() ? "" : "; ") + reason;
  return NotOwned(joined);
}

OwnershipVerifier::OwnershipVerifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OwnershipVerifier::~OwnershipVerifier() = default;

Result<std::unique_ptr<OwnershipVerifier>> OwnershipVerifier::Create(OwnershipOptions options,
                                                                     std::shared_ptr<Cache> cache) {
  STREAMGATE_RETURN_IF_ERROR(ValidateOwnershipOptions(options));
  auto impl = std::make_unique<Impl>(std::move(options), std::move(cache));
  const OwnershipOptions& opts = impl->options;
  internal::JsonRpcClientOptions rpc;
  rpc.request_timeout = std::chrono::milliseconds(opts.request_timeout_ms);
  rpc.max_response_bytes = opts.max_response_bytes;
  rpc.backoff = std::chrono::milliseconds(opts.endpoint_backoff_ms);
  rpc.max_backoff = std::chrono::milliseconds(opts.endpoint_max_backoff_ms);
  for (const ChainEndpoints& chain : opts.endpoints) {
    if (chain.chain_id == "solana") {
      impl->solana = std::make_unique<internal::SolanaChain>(chain.rpc_urls, rpc,
                                                             opts.max_solana_token_accounts);
    } else {
      impl->evm[chain.chain_id] = std::make_unique<internal::EvmChain>(
          chain.chain_id, chain.rpc_urls, rpc, std::chrono::seconds(opts.cache_ttl_s));
    }
  }
  return std::unique_ptr<OwnershipVerifier>(new OwnershipVerifier(std::move(impl)));
}

Result<OwnershipDecision> OwnershipVerifier::Check(const GatingRule& rule,
                                                   std::string_view wallet) {
  STREAMGATE_ASSIGN_OR_RETURN(const GatingRule normalized, internal::NormalizeGatingRule(rule));
  std::string canonical_wallet;
  bool evm_wallet = false;
  if (internal::IsEvmAddress(wallet)) {
    canonical_wallet = internal::LowerAscii(wallet);
    evm_wallet = true;
  } else if (internal::IsSolanaAddress(wallet)) {
    canonical_wallet = std::string(wallet);
  } else {
    return Status::InvalidArgument("wallet: neither an EVM (0x + 40 hex) nor a Solana address");
  }
  const SteadyClock::time_point deadline =
      SteadyClock::now() + std::chrono::milliseconds(impl_->options.total_deadline_ms);
  return impl_->CheckRule(normalized, canonical_wallet, evm_wallet, deadline);
}

Result<TokenStandard> OwnershipVerifier::DetectStandard(std::string_view chain,
                                                        std::string_view contract) {
  if (!internal::IsEvmAddress(contract)) {
    return Status::InvalidArgument("contract: must be 0x followed by 40 hex digits");
  }
  const auto found = impl_->evm.find(std::string(chain));
  if (found == impl_->evm.end()) {
    return Status::Unavailable("no RPC endpoint configured for chain " + std::string(chain));
  }
  return found->second->DetectStandard(
      internal::LowerAscii(contract),
      SteadyClock::now() + std::chrono::milliseconds(impl_->options.total_deadline_ms));
}

Status OwnershipVerifier::Forget(std::string_view wallet) {
  if (internal::IsEvmAddress(wallet)) return impl_->cache.Forget(internal::LowerAscii(wallet));
  if (internal::IsSolanaAddress(wallet)) return impl_->cache.Forget(std::string(wallet));
  return Status::InvalidArgument("wallet: neither an EVM nor a Solana address");
}

}  // namespace streamgate
