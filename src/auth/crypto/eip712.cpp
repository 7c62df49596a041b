// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/crypto/eip712.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

#include "auth/crypto/eth_address.h"
#include "auth/crypto/hex.h"
#include "auth/crypto/keccak.h"

namespace streamgate::internal::crypto {
namespace {

using Json = nlohmann::json;
using Word = Hash32;  // one 32-byte ABI word, big-endian

// Bounds hostile typed data: nesting of structs/arrays, and elements hashed in total.
constexpr int kMaxDepth = 16;
constexpr std::size_t kMaxArrayElements = 1024;

struct Field {
  std::string name;
  std::string type;
};

bool IsIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// The fields of struct `type` from `types`, validated.
Result<std::vector<Field>> FieldsOf(const Json& types, std::string_view type) {
  const auto it = types.find(std::string(type));
  if (it == types.end())
    return Status::InvalidArgument("EIP-712: unknown type " + std::string(type));
  if (!it->is_array())
    return Status::InvalidArgument("EIP-712: type " + std::string(type) + " is not a list");
  std::vector<Field> fields;
  for (const Json& entry : *it) {
    if (!entry.is_object() || entry.size() != 2 || !entry.contains("name") ||
        !entry.contains("type") || !entry["name"].is_string() || !entry["type"].is_string()) {
      return Status::InvalidArgument("EIP-712: a field of " + std::string(type) +
                                     " is not {name, type}");
    }
    Field field{entry["name"].get<std::string>(), entry["type"].get<std::string>()};
    if (!IsIdentifier(field.name)) return Status::InvalidArgument("EIP-712: bad field name");
    for (const Field& seen : fields) {
      if (seen.name == field.name)
        return Status::InvalidArgument("EIP-712: duplicate field " + field.name);
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

// "Person[2][]" -> "Person".
std::string_view BaseType(std::string_view type) {
  const std::size_t bracket = type.find('[');
  return bracket == std::string_view::npos ? type : type.substr(0, bracket);
}

Status CollectDependencies(const Json& types, std::string_view type, std::set<std::string>& found,
                           int depth) {
  if (depth > kMaxDepth) return Status::InvalidArgument("EIP-712: types nest too deeply");
  const std::string base(BaseType(type));
  if (found.count(base) != 0 || !types.contains(base)) return Status::Ok();
  found.insert(base);
  STREAMGATE_ASSIGN_OR_RETURN(const std::vector<Field> fields, FieldsOf(types, base));
  for (const Field& field : fields) {
    STREAMGATE_RETURN_IF_ERROR(CollectDependencies(types, field.type, found, depth + 1));
  }
  return Status::Ok();
}

Result<std::string> EncodeOneType(const Json& types, const std::string& type) {
  STREAMGATE_ASSIGN_OR_RETURN(const std::vector<Field> fields, FieldsOf(types, type));
  std::string out = type + "(";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += fields[i].type + " " + fields[i].name;
  }
  return out + ")";
}

// --- integers -----------------------------------------------------------------------------

// True when every bit at position >= `bits` is zero.
bool FitsInBits(const Word& word, int bits) {
  for (int bit = bits; bit < 256; ++bit) {
    if ((word[31 - bit / 8] >> (bit % 8)) & 1) return false;
  }
  return true;
}

bool MulAdd(Word& word, int multiplier, int addend) {
  int carry = addend;
  for (int i = 31; i >= 0; --i) {
    const int value = word[i] * multiplier + carry;
    word[i] = static_cast<uint8_t>(value & 0xff);
    carry = value >> 8;
  }
  return carry == 0;  // false: overflowed 256 bits
}

void Negate(Word& word) {
  int carry = 1;
  for (int i = 31; i >= 0; --i) {
    const int value = static_cast<uint8_t>(~word[i]) + carry;
    word[i] = static_cast<uint8_t>(value & 0xff);
    carry = value >> 8;
  }
}

Result<Word> EncodeInteger(const Json& value, bool is_signed, int bits) {
  Word magnitude{};
  bool negative = false;
  const Status bad =
      Status::InvalidArgument("EIP-712: not a valid " + std::string(is_signed ? "int" : "uint") +
                              std::to_string(bits) + " value");
  if (value.is_number_unsigned()) {
    uint64_t number = value.get<uint64_t>();
    for (int i = 31; i >= 24; --i, number >>= 8) magnitude[i] = static_cast<uint8_t>(number & 0xff);
  } else if (value.is_number_integer()) {
    const int64_t number = value.get<int64_t>();
    negative = number < 0;
    uint64_t abs = negative ? (~static_cast<uint64_t>(number) + 1) : static_cast<uint64_t>(number);
    for (int i = 31; i >= 24; --i, abs >>= 8) magnitude[i] = static_cast<uint8_t>(abs & 0xff);
  } else if (value.is_string()) {
    std::string_view text = value.get_ref<const std::string&>();
    if (!text.empty() && text[0] == '-') {
      negative = true;
      text.remove_prefix(1);
    }
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      text.remove_prefix(2);
      if (text.size() > 64) return bad;
      for (const char c : text) {
        const int digit = (c >= '0' && c <= '9')   ? c - '0'
                          : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                          : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                   : -1;
        if (digit < 0 || !MulAdd(magnitude, 16, digit)) return bad;
      }
    } else {
      if (text.empty() || text.size() > 78) return bad;
      for (const char c : text) {
        if (c < '0' || c > '9' || !MulAdd(magnitude, 10, c - '0')) return bad;
      }
    }
  } else {
    return bad;  // floats, booleans, null
  }
  if (negative && !is_signed) {
    if (!FitsInBits(magnitude, 0)) return bad;  // "-0" is zero; anything else is out of range
    return magnitude;
  }
  if (!is_signed) {
    if (!FitsInBits(magnitude, bits)) return bad;
    return magnitude;
  }
  // intN: [-2^(N-1), 2^(N-1) - 1], written as 256-bit two's complement.
  if (!FitsInBits(magnitude, bits - 1)) {
    Word limit{};
    limit[31 - (bits - 1) / 8] = static_cast<uint8_t>(1u << ((bits - 1) % 8));
    if (!(negative && magnitude == limit)) return bad;
  }
  if (negative) Negate(magnitude);
  return magnitude;
}

// "uint256" -> (false, 256); "int8" -> (true, 8); nullopt-like false when not an integer type.
bool ParseIntegerType(std::string_view type, bool& is_signed, int& bits) {
  is_signed = type.rfind("int", 0) == 0;
  std::string_view rest;
  if (is_signed) {
    rest = type.substr(3);
  } else if (type.rfind("uint", 0) == 0) {
    rest = type.substr(4);
  } else {
    return false;
  }
  if (rest.empty() || rest.size() > 3 || rest[0] == '0') return false;
  bits = 0;
  for (const char c : rest) {
    if (c < '0' || c > '9') return false;
    bits = bits * 10 + (c - '0');
  }
  return bits >= 8 && bits <= 256 && bits % 8 == 0;
}

Result<Bytes> HexBytes(const Json& value, std::string_view what) {
  if (!value.is_string())
    return Status::InvalidArgument("EIP-712: " + std::string(what) + " must be a hex string");
  Result<Bytes> bytes = DecodeHex(value.get_ref<const std::string&>(), HexPrefix::kRequired);
  if (!bytes.ok())
    return Status::InvalidArgument("EIP-712: " + std::string(what) + ": " +
                                   bytes.status().message());
  return bytes;
}

// --- values -------------------------------------------------------------------------------

Result<Hash32> HashStructAt(const Json& types, const std::string& type, const Json& value,
                            int depth);

Result<Word> EncodeValue(const Json& types, std::string_view type, const Json& value, int depth) {
  if (depth > kMaxDepth) return Status::InvalidArgument("EIP-712: values nest too deeply");
  // Arrays: the last [..] suffix is the outer dimension.
  if (!type.empty() && type.back() == ']') {
    const std::size_t open = type.rfind('[');
    if (open == std::string_view::npos || open == 0)
      return Status::InvalidArgument("EIP-712: bad array type");
    const std::string_view element = type.substr(0, open);
    const std::string_view size_text = type.substr(open + 1, type.size() - open - 2);
    if (!value.is_array())
      return Status::InvalidArgument("EIP-712: expected an array for " + std::string(type));
    if (value.size() > kMaxArrayElements) return Status::InvalidArgument("EIP-712: array too long");
    if (!size_text.empty()) {
      std::size_t expected = 0;
      if (size_text.size() > 4 || size_text[0] == '0')
        return Status::InvalidArgument("EIP-712: bad array size");
      for (const char c : size_text) {
        if (c < '0' || c > '9') return Status::InvalidArgument("EIP-712: bad array size");
        expected = expected * 10 + static_cast<std::size_t>(c - '0');
      }
      if (value.size() != expected)
        return Status::InvalidArgument("EIP-712: fixed array has the wrong length");
    }
    Bytes concatenated;
    concatenated.reserve(value.size() * 32);
    for (const Json& item : value) {
      STREAMGATE_ASSIGN_OR_RETURN(const Word word, EncodeValue(types, element, item, depth + 1));
      concatenated.insert(concatenated.end(), word.begin(), word.end());
    }
    return Keccak256Of(concatenated);
  }
  if (types.contains(std::string(type)))
    return HashStructAt(types, std::string(type), value, depth + 1);
  Word word{};
  if (type == "string") {
    if (!value.is_string()) return Status::InvalidArgument("EIP-712: expected a string");
    return Keccak256(value.get_ref<const std::string&>());
  }
  if (type == "bytes") {
    STREAMGATE_ASSIGN_OR_RETURN(const Bytes bytes, HexBytes(value, "bytes"));
    return Keccak256Of(bytes);
  }
  if (type == "bool") {
    if (!value.is_boolean()) return Status::InvalidArgument("EIP-712: expected a boolean");
    word[31] = value.get<bool>() ? 1 : 0;
    return word;
  }
  if (type == "address") {
    if (!value.is_string()) return Status::InvalidArgument("EIP-712: expected an address string");
    STREAMGATE_ASSIGN_OR_RETURN(
        const EthAddress address,
        ParseEthAddress(value.get_ref<const std::string&>(), AddressCase::kLenient));
    std::memcpy(word.data() + 12, address.data(), address.size());
    return word;
  }
  if (type.rfind("bytes", 0) == 0) {
    const std::string_view size_text = type.substr(5);
    int size = 0;
    if (size_text.empty() || size_text.size() > 2 || size_text[0] == '0') {
      return Status::InvalidArgument("EIP-712: unknown type " + std::string(type));
    }
    for (const char c : size_text) {
      if (c < '0' || c > '9')
        return Status::InvalidArgument("EIP-712: unknown type " + std::string(type));
      size = size * 10 + (c - '0');
    }
    if (size < 1 || size > 32)
      return Status::InvalidArgument("EIP-712: unknown type " + std::string(type));
    STREAMGATE_ASSIGN_OR_RETURN(const Bytes bytes, HexBytes(value, type));
    if (bytes.size() != static_cast<std::size_t>(size)) {
      return Status::InvalidArgument("EIP-712: " + std::string(type) +
                                     " value has the wrong length");
    }
    std::memcpy(word.data(), bytes.data(), bytes.size());  // bytesN is left-aligned
    return word;
  }
  bool is_signed = false;
  int bits = 0;
  if (ParseIntegerType(type, is_signed, bits)) return EncodeInteger(value, is_signed, bits);
  return Status::InvalidArgument("EIP-712: unknown type " + std::string(type));
}

Result<Hash32> HashStructAt(const Json& types, const std::string& type, const Json& value,
                            int depth) {
  if (!value.is_object()) return Status::InvalidArgument("EIP-712: expected an object for " + type);
  STREAMGATE_ASSIGN_OR_RETURN(const Hash32 type_hash, Eip712TypeHash(types, type));
  STREAMGATE_ASSIGN_OR_RETURN(const std::vector<Field> fields, FieldsOf(types, type));
  if (value.size() != fields.size()) {
    return Status::InvalidArgument("EIP-712: " + type + " value has missing or unknown fields");
  }
  Bytes encoded(type_hash.begin(), type_hash.end());
  encoded.reserve(32 * (fields.size() + 1));
  for (const Field& field : fields) {
    const auto it = value.find(field.name);
    if (it == value.end())
      return Status::InvalidArgument("EIP-712: " + type + " lacks field " + field.name);
    STREAMGATE_ASSIGN_OR_RETURN(const Word word, EncodeValue(types, field.type, *it, depth));
    encoded.insert(encoded.end(), word.begin(), word.end());
  }
  return Keccak256Of(encoded);
}

}  // namespace

Result<std::string> Eip712EncodeType(const Json& types, std::string_view primary_type) {
  if (!types.is_object()) return Status::InvalidArgument("EIP-712: types must be an object");
  std::set<std::string> found;
  STREAMGATE_RETURN_IF_ERROR(CollectDependencies(types, primary_type, found, 0));
  const std::string primary(primary_type);
  if (found.count(primary) == 0) return Status::InvalidArgument("EIP-712: unknown type " + primary);
  found.erase(primary);
  STREAMGATE_ASSIGN_OR_RETURN(std::string out, EncodeOneType(types, primary));
  for (const std::string& dependency : found) {  // std::set iterates sorted by name
    STREAMGATE_ASSIGN_OR_RETURN(const std::string encoded, EncodeOneType(types, dependency));
    out += encoded;
  }
  return out;
}

Result<Hash32> Eip712TypeHash(const Json& types, std::string_view primary_type) {
  STREAMGATE_ASSIGN_OR_RETURN(const std::string encoded, Eip712EncodeType(types, primary_type));
  return Keccak256(encoded);
}

Result<Hash32> Eip712HashStruct(const Json& types, std::string_view primary_type,
                                const Json& value) {
  if (!types.is_object()) return Status::InvalidArgument("EIP-712: types must be an object");
  return HashStructAt(types, std::string(primary_type), value, 0);
}

Result<Hash32> Eip712DomainSeparator(const Json& types, const Json& domain) {
  if (!domain.is_object()) return Status::InvalidArgument("EIP-712: domain must be an object");
  if (types.is_object() && types.contains("EIP712Domain")) {
    return Eip712HashStruct(types, "EIP712Domain", domain);
  }
  // Derived from the fields present, in the order EIP-712 fixes.
  static const std::pair<const char*, const char*> kDomainFields[] = {
      {"name", "string"},
      {"version", "string"},
      {"chainId", "uint256"},
      {"verifyingContract", "address"},
      {"salt", "bytes32"}};
  Json domain_type = Json::array();
  for (const auto& [name, type] : kDomainFields) {
    if (domain.contains(name)) domain_type.push_back({{"name", name}, {"type", type}});
  }
  Json domain_types = types.is_object() ? types : Json::object();
  domain_types["EIP712Domain"] = std::move(domain_type);
  return Eip712HashStruct(domain_types, "EIP712Domain", domain);
}

Result<Hash32> Eip712Digest(const Json& typed_data) {
  if (!typed_data.is_object() || !typed_data.contains("types") ||
      !typed_data.contains("primaryType") || !typed_data.contains("domain") ||
      !typed_data.contains("message") || !typed_data["primaryType"].is_string()) {
    return Status::InvalidArgument(
        "EIP-712: typed data needs types, primaryType (string), domain and message");
  }
  const Json& types = typed_data["types"];
  const std::string& primary = typed_data["primaryType"].get_ref<const std::string&>();
  if (primary == "EIP712Domain")
    return Status::InvalidArgument("EIP-712: primaryType cannot be EIP712Domain");
  STREAMGATE_ASSIGN_OR_RETURN(const Hash32 domain,
                              Eip712DomainSeparator(types, typed_data["domain"]));
  STREAMGATE_ASSIGN_OR_RETURN(const Hash32 message,
                              Eip712HashStruct(types, primary, typed_data["message"]));
  uint8_t preimage[66];
  preimage[0] = 0x19;
  preimage[1] = 0x01;
  std::memcpy(preimage + 2, domain.data(), 32);
  std::memcpy(preimage + 34, message.data(), 32);
  return Keccak256(preimage, sizeof(preimage));
}

}  // namespace streamgate::internal::crypto
