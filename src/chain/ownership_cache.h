// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// How ownership decisions are kept in a Cache: key "<prefix><wallet>:<sha256 of the canonical
// rule>" (so one wallet's entries share a prefix and can be dropped together), value a small
// JSON object. Only decisions are ever stored, never errors. A cache that fails or holds
// garbage only costs a fresh chain read: it can never grant access by itself failing.
// Thread-safe as the Cache is.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "streamgate/ownership.h"

namespace streamgate::internal {

class OwnershipCache {
 public:
  OwnershipCache(std::shared_ptr<Cache> cache, std::string prefix,
                 std::chrono::milliseconds positive_ttl, std::chrono::milliseconds negative_ttl);

  std::optional<OwnershipDecision> Get(const GatingRule& rule, const std::string& wallet) const;
  void Put(const GatingRule& rule, const std::string& wallet, const OwnershipDecision& decision);
  Status Forget(const std::string& wallet);

  static std::string Key(std::string_view prefix, const GatingRule& rule,
                         const std::string& wallet);

 private:
  const std::shared_ptr<Cache> cache_;
  const std::string prefix_;
  const std::chrono::milliseconds positive_ttl_;
  const std::chrono::milliseconds negative_ttl_;
};

}  // namespace streamgate::internal
