// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/ownership_cache.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "chain/hex.h"

namespace streamgate::internal {

OwnershipCache::OwnershipCache(std::shared_ptr<Cache> cache, std::string prefix,
                               std::chrono::milliseconds positive_ttl,
                               std::chrono::milliseconds negative_ttl)
    : cache_(std::move(cache)),
      prefix_(std::move(prefix)),
      positive_ttl_(positive_ttl),
      negative_ttl_(negative_ttl) {}

std::string OwnershipCache::Key(std::string_view prefix, const GatingRule& rule,
                                const std::string& wallet) {
  const std::string canonical = GatingRuleToJson(rule);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(canonical.data()),
                     canonical.size());
  return std::string(prefix) + wallet + ":" + HexEncode(digest, sizeof(digest));
}

std::optional<OwnershipDecision> OwnershipCache::Get(const GatingRule& rule,
                                                     const std::string& wallet) const {
  if (!cache_) return std::nullopt;
  Result<std::string> value = cache_->Get(Key(prefix_, rule, wallet));
  if (!value.ok()) return std::nullopt;
  try {
    const nlohmann::json entry = nlohmann::json::parse(*value);
    OwnershipDecision decision;
    decision.verdict =
        entry.at("owned").get<bool>() ? OwnershipVerdict::kOwned : OwnershipVerdict::kNotOwned;
    decision.reason = entry.at("reason").get<std::string>();
    decision.balance = entry.at("balance").get<std::string>();
    decision.from_cache = true;
    return decision;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // unreadable entry: ask the chain again
  }
}

void OwnershipCache::Put(const GatingRule& rule, const std::string& wallet,
                         const OwnershipDecision& decision) {
  if (!cache_) return;
  const std::chrono::milliseconds ttl = decision.owned() ? positive_ttl_ : negative_ttl_;
  // A TTL of 0 would mean "the backend's default", possibly forever: 0 disables caching here.
  if (ttl.count() <= 0) return;
  const nlohmann::json entry = {
      {"owned", decision.owned()}, {"reason", decision.reason}, {"balance", decision.balance}};
  // A failed Set only means the next check asks the chain again.
  (void)cache_->Set(Key(prefix_, rule, wallet), entry.dump(), ttl);
}

Status OwnershipCache::Forget(const std::string& wallet) {
  if (!cache_) return Status::Ok();
  return cache_->DeleteByPrefix(prefix_ + wallet + ":").status();
}

}  // namespace streamgate::internal
