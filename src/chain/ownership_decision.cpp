// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The JSON form of an OwnershipDecision, for HTTP responses.
#include <nlohmann/json.hpp>

#include "streamgate/ownership.h"

namespace streamgate {

std::string OwnershipDecisionToJson(const OwnershipDecision& decision) {
  const nlohmann::json out = {{"owned", decision.owned()},
                              {"reason", decision.reason},
                              {"balance", decision.balance},
                              {"from_cache", decision.from_cache},
                              {"matched_rule", decision.matched_rule}};
  // Reasons may quote node output; never let invalid UTF-8 make dump() throw.
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace streamgate
