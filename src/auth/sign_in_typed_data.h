// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The EIP-712 document StreamGate issues for scheme "eip712" (documented in docs/auth.md):
//   domain      {name: "StreamGate", version: "1", chainId: <challenge chain id>}
//   primaryType "SignIn"
//   SignIn(address wallet,string domain,string uri,string nonce,uint256 chainId,
//          string issuedAt,string expirationTime)
// The server hashes its own stored copy; the client's copy must carry the same domain,
// primaryType and message, so no field can be altered and the types cannot be swapped.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace streamgate::internal {

struct SignInFields {
  std::string wallet;  // EIP-55
  std::string domain;
  std::string uri;
  std::string nonce;
  uint64_t chain_id = 1;
  std::string issued_at;
  std::string expiration_time;
};

nlohmann::json BuildSignInTypedData(const SignInFields& fields);

}  // namespace streamgate::internal
