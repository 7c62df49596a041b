// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Gating rules: JSON parsing, validation and the canonical JSON form.
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include "chain/base58.h"
#include "chain/gating_rule_internal.h"
#include "chain/hex.h"
#include "chain/uint256.h"

namespace streamgate {
namespace {

using internal::IsEvmAddress;
using nlohmann::json;

constexpr std::string_view kStandardNames[] = {"erc721", "erc1155", "metaplex-collection",
                                               "any-of"};

Result<TokenStandard> ParseStandard(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kStandardNames); ++i) {
    if (name == kStandardNames[i]) return static_cast<TokenStandard>(i);
  }
  return Status::InvalidArgument(
      "standard: must be one of erc721, erc1155, "
      "metaplex-collection, any-of");
}

// Nesting depth of arrays/objects, counted before parsing so that no parser or destructor ever
// recurses on hostile input.
int JsonNestingDepth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

Result<GatingRule> RuleFromJson(const json& value, const std::string& path, int depth) {
  if (!value.is_object()) return Status::InvalidArgument(path + ": must be a JSON object");
  GatingRule rule;
  bool has_standard = false;
  for (const auto& [key, field] : value.items()) {
    const std::string where = path + "." + key;
    if (key == "standard") {
      if (!field.is_string()) return Status::InvalidArgument(where + ": must be a string");
      Result<TokenStandard> standard = ParseStandard(field.get<std::string>());
      if (!standard.ok()) return standard.status().WithContext(path);
      rule.standard = *standard;
      has_standard = true;
    } else if (key == "chain") {
      if (field.is_number_unsigned()) {
        rule.chain = std::to_string(field.get<uint64_t>());
      } else if (field.is_string()) {
        rule.chain = field.get<std::string>();
      } else {
        return Status::InvalidArgument(where + ": must be a chain id or \"solana\"");
      }
    } else if (key == "contract" || key == "collection") {
      if (!field.is_string()) return Status::InvalidArgument(where + ": must be a string");
      (key == "contract" ? rule.contract : rule.collection) = field.get<std::string>();
    } else if (key == "token_id") {
      if (field.is_number_unsigned()) {
        rule.token_id = std::to_string(field.get<uint64_t>());
      } else if (field.is_string()) {
        rule.token_id = field.get<std::string>();
      } else {
        return Status::InvalidArgument(where + ": must be a decimal or 0x hex string");
      }
    } else if (key == "min_balance") {
      if (!field.is_number_unsigned()) {
        return Status::InvalidArgument(where + ": must be a positive integer");
      }
      rule.min_balance = field.get<uint64_t>();
    } else if (key == "any_of") {
      if (!field.is_array()) return Status::InvalidArgument(where + ": must be an array");
      if (depth >= kMaxGatingRuleDepth) {
        return Status::InvalidArgument(where + ": any-of nested deeper than " +
                                       std::to_string(kMaxGatingRuleDepth) + " levels");
      }
      if (field.size() > kMaxGatingSubRules) {
        return Status::InvalidArgument(where + ": more than " + std::to_string(kMaxGatingSubRules) +
                                       " sub-rules");
      }
      for (std::size_t i = 0; i < field.size(); ++i) {
        STREAMGATE_ASSIGN_OR_RETURN(
            GatingRule sub,
            RuleFromJson(field[i], where + "[" + std::to_string(i) + "]", depth + 1));
        rule.any_of.push_back(std::move(sub));
      }
    } else {
      return Status::InvalidArgument(where + ": unknown field");
    }
  }
  if (!has_standard) return Status::InvalidArgument(path + ".standard: required");
  return rule;
}

Result<GatingRule> Normalize(const GatingRule& rule, const std::string& path, int depth) {
  GatingRule out = rule;
  const auto fail = [&path](std::string_view field, std::string_view why) {
    return Status::InvalidArgument(path + "." + std::string(field) + ": " + std::string(why));
  };
  if (rule.min_balance < 1) return fail("min_balance", "must be at least 1");
  if (rule.standard == TokenStandard::kAnyOf) {
    if (!rule.chain.empty() || !rule.contract.empty() || !rule.collection.empty() ||
        !rule.token_id.empty() || rule.min_balance != 1) {
      return fail("standard", "an any-of rule carries only any_of");
    }
    if (rule.any_of.empty()) return fail("any_of", "must not be empty");
    if (rule.any_of.size() > kMaxGatingSubRules) return fail("any_of", "too many sub-rules");
    if (depth >= kMaxGatingRuleDepth) return fail("any_of", "nested too deeply");
    for (std::size_t i = 0; i < rule.any_of.size(); ++i) {
      STREAMGATE_ASSIGN_OR_RETURN(
          out.any_of[i],
          Normalize(rule.any_of[i], path + ".any_of[" + std::to_string(i) + "]", depth + 1));
    }
    return out;
  }
  if (!rule.any_of.empty()) return fail("any_of", "only an any-of rule has sub-rules");
  if (rule.standard == TokenStandard::kMetaplexCollection) {
    if (rule.chain != "solana") return fail("chain", "must be \"solana\" for metaplex-collection");
    if (!rule.token_id.empty()) return fail("token_id", "not used by metaplex-collection");
    if (rule.contract.empty() == rule.collection.empty()) {
      return fail("collection",
                  "give exactly one of collection (a verified collection) or "
                  "contract (one mint)");
    }
    const std::string& address = rule.collection.empty() ? rule.contract : rule.collection;
    if (!internal::IsSolanaAddress(address)) {
      return fail(rule.collection.empty() ? "contract" : "collection",
                  "must be a base58 Solana address (32 bytes)");
    }
    return out;
  }
  // ERC-721 / ERC-1155.
  if (!internal::IsEvmChainId(rule.chain)) {
    return fail("chain", "must be an EVM chain id (decimal, > 0) for " +
                             std::string(TokenStandardName(rule.standard)));
  }
  if (!IsEvmAddress(rule.contract)) return fail("contract", "must be 0x followed by 40 hex digits");
  out.contract = internal::LowerAscii(rule.contract);
  if (!rule.collection.empty()) return fail("collection", "only for metaplex-collection");
  if (!rule.token_id.empty()) {
    Result<internal::Uint256> id = internal::ParseUint256(rule.token_id);
    if (!id.ok()) return fail("token_id", id.status().message());
    out.token_id = id->ToDecimal();
  }
  if (rule.standard == TokenStandard::kErc1155 && rule.token_id.empty()) {
    return fail("token_id", "required for erc1155");
  }
  if (rule.standard == TokenStandard::kErc721 && !rule.token_id.empty() && rule.min_balance != 1) {
    return fail("min_balance", "must be 1 when an erc721 rule names a token_id");
  }
  return out;
}

json RuleToJson(const GatingRule& rule) {
  json out = json::object();
  out["standard"] = std::string(TokenStandardName(rule.standard));
  if (rule.standard == TokenStandard::kAnyOf) {
    json subs = json::array();
    for (const GatingRule& sub : rule.any_of) subs.push_back(RuleToJson(sub));
    out["any_of"] = std::move(subs);
    return out;
  }
  out["chain"] = rule.chain;
  if (!rule.contract.empty()) out["contract"] = rule.contract;
  if (!rule.collection.empty()) out["collection"] = rule.collection;
  if (!rule.token_id.empty()) out["token_id"] = rule.token_id;
  out["min_balance"] = rule.min_balance;
  return out;
}

}  // namespace

std::string_view TokenStandardName(TokenStandard standard) {
  const auto index = static_cast<std::size_t>(standard);
  return index < std::size(kStandardNames) ? kStandardNames[index] : std::string_view("unknown");
}

namespace internal {

bool IsEvmChainId(std::string_view chain) {
  if (chain.empty() || chain.size() > 19 || chain[0] == '0') return false;
  uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(chain.data(), chain.data() + chain.size(), value);
  return ec == std::errc() && ptr == chain.data() + chain.size() && value > 0;
}

Result<GatingRule> NormalizeGatingRule(const GatingRule& rule) {
  return Normalize(rule, "rule", 1);
}

}  // namespace internal

Result<GatingRule> ParseGatingRule(std::string_view json_text) {
  if (json_text.size() > kMaxGatingRuleBytes) {
    return Status::InvalidArgument("rule: larger than " + std::to_string(kMaxGatingRuleBytes) +
                                   " bytes");
  }
  // Each any-of level adds an object and an array.
  if (JsonNestingDepth(json_text) > 2 * kMaxGatingRuleDepth) {
    return Status::InvalidArgument("rule: nested too deeply");
  }
  json value;
  // A repeated key would silently keep the last value; a rule that reads differently to two
  // parsers is refused instead.
  std::vector<std::set<std::string>> keys_by_depth;
  bool duplicate = false;
  const json::parser_callback_t check_keys = [&](int depth, json::parse_event_t event,
                                                 json& parsed) {
    const auto level = static_cast<std::size_t>(depth);
    if (event == json::parse_event_t::object_start) {
      if (keys_by_depth.size() <= level) keys_by_depth.resize(level + 1);
      keys_by_depth[level].clear();
    } else if (event == json::parse_event_t::key && level >= 1 && level <= keys_by_depth.size()) {
      duplicate |= !keys_by_depth[level - 1].insert(parsed.get<std::string>()).second;
    }
    return true;
  };
  try {
    value = json::parse(json_text, check_keys);
  } catch (const json::exception&) {
    return Status::InvalidArgument("rule: not valid JSON");
  }
  if (duplicate) return Status::InvalidArgument("rule: a field appears twice");
  STREAMGATE_ASSIGN_OR_RETURN(GatingRule rule, RuleFromJson(value, "rule", 1));
  return internal::NormalizeGatingRule(rule);
}

Status ValidateGatingRule(const GatingRule& rule) {
  return internal::NormalizeGatingRule(rule).status();
}

std::string GatingRuleToJson(const GatingRule& rule) { return RuleToJson(rule).dump(); }

}  // namespace streamgate
