// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The gate in front of every gated item (SPEC.md §3): the rule comes from the item as stored,
// never from the request; an item without a rule is public; its owner always passes; anyone
// else must hold what the rule names on chain, and any failure to ask the chain denies.
#pragma once

#include <string>
#include <string_view>

#include "streamgate/metadata_store.h"
#include "streamgate/ownership.h"
#include "streamgate/status.h"

namespace streamgate::internal {

// OK when `wallet` may watch `item`. `wallet` is empty for an anonymous viewer. Errors:
// Unauthenticated (a gated item and no wallet), PermissionDenied (the wallet does not hold the
// token; the message says what was read), Unavailable / DeadlineExceeded (the chain could not
// be asked: denied, retry later), FailedPrecondition (the item is not ready, or its stored rule
// is invalid). `verifier` may be null, in which case gated items are denied (Unavailable).
Status CheckAccess(const ContentItem& item, std::string_view wallet, OwnershipVerifier* verifier);

// "public", or a one-line summary of the rule for stream/info ("erc721 0xabc… token 42 on 1").
std::string GateSummary(const ContentItem& item);

}  // namespace streamgate::internal
