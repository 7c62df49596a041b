// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A general EIP-712 encoder over typed data in the eth_signTypedData_v4 JSON shape
// {"types", "primaryType", "domain", "message"}:
//  - encodeType: the primary type, then every referenced struct type sorted by name;
//  - encodeData: 32-byte words; string/bytes hashed; arrays (fixed or dynamic, of atomic or
//    struct types) hashed over their element encodings; nested structs as their hashStruct;
//    every uintN/intN (N = 8..256 step 8), bytesN (N = 1..32), bool and address;
//  - the domain: `types.EIP712Domain` when given, else derived from the fields present in
//    `domain`, in the order name, version, chainId, verifyingContract, salt.
// Strict: a value with a missing or an unknown field, an out-of-range integer, a wrong-length
// bytesN or address, an unknown type or excessive nesting is InvalidArgument.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "auth/crypto/bytes.h"
#include "streamgate/result.h"

namespace streamgate::internal::crypto {

// "Mail(Person from,Person to,string contents)Person(string name,address wallet)".
Result<std::string> Eip712EncodeType(const nlohmann::json& types, std::string_view primary_type);
Result<Hash32> Eip712TypeHash(const nlohmann::json& types, std::string_view primary_type);
// keccak256(typeHash || encodeData(value)).
Result<Hash32> Eip712HashStruct(const nlohmann::json& types, std::string_view primary_type,
                                const nlohmann::json& value);
// hashStruct(EIP712Domain, domain), with the domain type given or derived (see above).
Result<Hash32> Eip712DomainSeparator(const nlohmann::json& types, const nlohmann::json& domain);
// keccak256(0x19 0x01 || domainSeparator || hashStruct(primaryType, message)).
Result<Hash32> Eip712Digest(const nlohmann::json& typed_data);

}  // namespace streamgate::internal::crypto
