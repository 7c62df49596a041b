// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Rule normalisation shared by ParseGatingRule and OwnershipVerifier::Check: one place decides
// what a valid rule is and what its canonical spelling is (lower-case contracts, decimal token
// ids), so cache keys and comparisons never depend on how a rule was written.
#pragma once

#include <string_view>

#include "streamgate/ownership.h"

namespace streamgate::internal {

// A validated copy with canonical fields; InvalidArgument naming the field otherwise.
Result<GatingRule> NormalizeGatingRule(const GatingRule& rule);

// True when `chain` names an EVM chain ("1", "1337": decimal, no leading zeros, > 0).
bool IsEvmChainId(std::string_view chain);

}  // namespace streamgate::internal
