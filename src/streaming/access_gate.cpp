// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streaming/access_gate.h"

#include <algorithm>
#include <cctype>

namespace streamgate::internal {
namespace {

// Wallet addresses compare case-insensitively (EIP-55 casing is a checksum, not identity);
// base58 Solana addresses are case-sensitive and never start with "0x".
bool SameWallet(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.substr(0, 2) != "0x" && a.substr(0, 2) != "0X") return a == b;
  return std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string Summarize(const GatingRule& rule) {
  if (rule.standard == TokenStandard::kAnyOf) {
    std::string out = "any of: ";
    for (std::size_t i = 0; i < rule.any_of.size(); ++i) {
      out += (i == 0 ? "" : "; ") + Summarize(rule.any_of[i]);
    }
    return out;
  }
  std::string out(TokenStandardName(rule.standard));
  out += " " + (rule.collection.empty() ? rule.contract : rule.collection);
  if (!rule.token_id.empty()) out += " token " + rule.token_id;
  if (rule.min_balance > 1) out += " x" + std::to_string(rule.min_balance);
  out += " on " + rule.chain;
  return out;
}

}  // namespace

Status CheckAccess(const ContentItem& item, std::string_view wallet, OwnershipVerifier* verifier) {
  if (item.state != ContentState::kReady) {
    return Status::FailedPrecondition("content " + item.id + " is not ready to play (" +
                                      std::string(ContentStateName(item.state)) + ")");
  }
  if (item.gating_rule_json.empty()) return Status::Ok();
  if (wallet.empty()) {
    return Status::Unauthenticated("content " + item.id + " is token-gated: sign in first");
  }
  if (SameWallet(wallet, item.owner)) return Status::Ok();
  Result<GatingRule> rule = ParseGatingRule(item.gating_rule_json);
  if (!rule.ok()) {
    // Stored rules are validated when set; a bad one here means a corrupt row: deny.
    return Status::FailedPrecondition("content " + item.id + " has an invalid gating rule");
  }
  if (verifier == nullptr) {
    return Status::Unavailable("no chain endpoints are configured: gated content is denied");
  }
  Result<OwnershipDecision> decision = verifier->Check(*rule, wallet);
  if (!decision.ok()) {
    const StatusCode code = decision.status().code();
    if (code == StatusCode::kInvalidArgument) {
      return Status::PermissionDenied("wallet cannot hold this token: " +
                                      decision.status().message());
    }
    return Status(code == StatusCode::kDeadlineExceeded ? code : StatusCode::kUnavailable,
                  "ownership could not be verified, access denied: " + decision.status().message());
  }
  if (!decision->owned()) {
    return Status::PermissionDenied("wallet does not hold the required token (" + decision->reason +
                                    ")");
  }
  return Status::Ok();
}

std::string GateSummary(const ContentItem& item) {
  if (item.gating_rule_json.empty()) return "public";
  Result<GatingRule> rule = ParseGatingRule(item.gating_rule_json);
  return rule.ok() ? Summarize(*rule) : "invalid rule (denied)";
}

}  // namespace streamgate::internal
