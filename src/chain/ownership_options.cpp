// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// OwnershipOptions: validation and the "chain=url|url;chain=url" text form of the endpoint list
// used by the chain.rpc_urls configuration key.
#include <set>

#include "chain/gating_rule_internal.h"
#include "streamgate/ownership.h"

namespace streamgate {
namespace {

constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxUrlsPerChain = 16;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Status ValidateUrl(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return Status::InvalidArgument("RPC URL longer than 2048 bytes");
  const bool http = url.rfind("http://", 0) == 0;
  const bool https = url.rfind("https://", 0) == 0;
  const std::size_t host_start = http ? 7 : 8;
  if ((!http && !https) || url.size() <= host_start) {
    return Status::InvalidArgument("RPC URL must be http:// or https:// with a host");
  }
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Status::InvalidArgument("RPC URL contains whitespace or control characters");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateOwnershipOptions(const OwnershipOptions& options) {
  std::set<std::string> seen;
  for (const ChainEndpoints& chain : options.endpoints) {
    if (chain.chain_id != "solana" && !internal::IsEvmChainId(chain.chain_id)) {
      return Status::InvalidArgument("chain id \"" + chain.chain_id +
                                     "\" is neither a decimal EVM chain id nor \"solana\"");
    }
    if (!seen.insert(chain.chain_id).second) {
      return Status::InvalidArgument("chain " + chain.chain_id + " is listed twice");
    }
    if (chain.rpc_urls.empty()) {
      return Status::InvalidArgument("chain " + chain.chain_id + " has no RPC URL");
    }
    if (chain.rpc_urls.size() > kMaxUrlsPerChain) {
      return Status::InvalidArgument("chain " + chain.chain_id + " has more than 16 RPC URLs");
    }
    for (const std::string& url : chain.rpc_urls) {
      STREAMGATE_RETURN_IF_ERROR(ValidateUrl(url).WithContext("chain " + chain.chain_id));
    }
  }
  if (options.request_timeout_ms <= 0 || options.total_deadline_ms <= 0) {
    return Status::InvalidArgument("request_timeout_ms and total_deadline_ms must be positive");
  }
  if (options.cache_ttl_s < 0 || options.negative_cache_ttl_s < 0) {
    return Status::InvalidArgument("cache TTLs must not be negative");
  }
  if (options.max_response_bytes < 1024) {
    return Status::InvalidArgument("max_response_bytes must be at least 1024");
  }
  if (options.endpoint_backoff_ms < 0 ||
      options.endpoint_max_backoff_ms < options.endpoint_backoff_ms) {
    return Status::InvalidArgument(
        "endpoint_backoff_ms must be >= 0 and <= endpoint_max_backoff_ms");
  }
  if (options.max_solana_token_accounts == 0) {
    return Status::InvalidArgument("max_solana_token_accounts must be positive");
  }
  return Status::Ok();
}

Result<std::vector<ChainEndpoints>> ParseChainEndpointList(std::string_view text) {
  std::vector<ChainEndpoints> out;
  text = Trim(text);
  if (text.empty()) return out;
  std::set<std::string> seen;
  while (true) {
    const std::size_t end = text.find(';');
    const std::string_view entry = Trim(text.substr(0, end));
    const std::size_t equals = entry.find('=');
    if (equals == std::string_view::npos) {
      return Status::InvalidArgument("expected <chain id>=<url>|<url>;… but an entry has no '='");
    }
    ChainEndpoints chain;
    chain.chain_id = std::string(Trim(entry.substr(0, equals)));
    std::string_view urls = entry.substr(equals + 1);
    while (true) {
      const std::size_t bar = urls.find('|');
      const std::string_view url = Trim(urls.substr(0, bar));
      if (url.empty()) return Status::InvalidArgument("empty URL for chain " + chain.chain_id);
      chain.rpc_urls.emplace_back(url);
      if (bar == std::string_view::npos) break;
      urls.remove_prefix(bar + 1);
    }
    out.push_back(std::move(chain));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
    if (Trim(text).empty()) break;  // a trailing ';' is harmless
  }
  OwnershipOptions check;
  check.endpoints = out;
  STREAMGATE_RETURN_IF_ERROR(ValidateOwnershipOptions(check));
  return out;
}

std::string FormatChainEndpointList(const std::vector<ChainEndpoints>& endpoints) {
  std::string out;
  for (const ChainEndpoints& chain : endpoints) {
    if (chain.chain_id == "solana") continue;
    if (!out.empty()) out += ';';
    out += chain.chain_id + '=';
    for (std::size_t i = 0; i < chain.rpc_urls.size(); ++i) {
      if (i > 0) out += '|';
      out += chain.rpc_urls[i];
    }
  }
  return out;
}

}  // namespace streamgate
