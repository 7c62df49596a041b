// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The Metaplex Token Metadata account (MetadataV1, Borsh): just the fields a collection gate
// needs. The required prefix is parsed strictly; the optional tail (edition nonce, token
// standard, collection) may be absent on accounts written by older program versions, and is
// then read as "no collection".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/solana_pda.h"
#include "streamgate/result.h"

namespace streamgate::internal {

struct MetaplexCollection {
  bool verified = false;
  SolanaKey key{};
};

struct MetaplexMetadata {
  SolanaKey update_authority{};
  SolanaKey mint{};
  std::string name;  // trailing NUL padding removed
  std::string symbol;
  std::string uri;
  std::optional<uint8_t> token_standard;
  std::optional<MetaplexCollection> collection;
};

// DataLoss for bytes that are not a MetadataV1 account.
Result<MetaplexMetadata> ParseMetaplexMetadata(const std::vector<uint8_t>& data);

}  // namespace streamgate::internal
