// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The auth primitives against published vectors (Keccak, EIP-55, EIP-712 "Ether Mail",
// RFC 8032, base58) and against ethers v6 as an independent implementation.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "auth/crypto/base58.h"
#include "auth/crypto/base64.h"
#include "auth/crypto/ecrecover.h"
#include "auth/crypto/ed25519.h"
#include "auth/crypto/eip712.h"
#include "auth/crypto/eth_address.h"
#include "auth/crypto/hex.h"
#include "auth/crypto/hmac_sha256.h"
#include "auth/crypto/keccak.h"
#include "auth/crypto/personal_message.h"
#include "auth/node_wallet.h"

namespace streamgate::internal::crypto {
namespace {

using Json = nlohmann::json;

std::string Hex(const Hash32& hash) { return EncodeHex(hash, false); }

Hash32 HashFromHex(std::string_view hex) {
  Result<Bytes> bytes = DecodeHex(hex, HexPrefix::kOptional);
  REQUIRE(bytes.ok());
  REQUIRE(bytes->size() == 32);
  Hash32 out;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Hash32 PrivateKeyOne() {
  Hash32 key{};
  key[31] = 1;
  return key;
}

Json EtherMail() {
  return Json::parse(R"({
    "types": {
      "EIP712Domain": [{"name":"name","type":"string"},{"name":"version","type":"string"},
                       {"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],
      "Person": [{"name":"name","type":"string"},{"name":"wallet","type":"address"}],
      "Mail": [{"name":"from","type":"Person"},{"name":"to","type":"Person"},
               {"name":"contents","type":"string"}]
    },
    "primaryType": "Mail",
    "domain": {"name":"Ether Mail","version":"1","chainId":1,
               "verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message": {"from":{"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents":"Hello, Bob!"}
  })");
}

TEST_CASE("keccak256 matches published vectors", "[auth][crypto]") {
  CHECK(Hex(Keccak256("")) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  CHECK(Hex(Keccak256("Transfer(address,address,uint256)")) ==
        "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
  CHECK(Hex(Keccak256("ownerOf(uint256)")).substr(0, 8) == "6352211e");
}

TEST_CASE("hex codec is strict", "[auth][crypto]") {
  CHECK(EncodeHex(std::string("\x01\xab", 2)) == "0x01ab");
  CHECK(*DecodeHex("0x01aB") == Bytes{0x01, 0xab});
  CHECK(DecodeHex("0x").ok());
  CHECK_FALSE(DecodeHex("01ab").ok());  // prefix required
  CHECK(DecodeHex("01ab", HexPrefix::kOptional).ok());
  CHECK_FALSE(DecodeHex("0x01ab", HexPrefix::kForbidden).ok());
  CHECK_FALSE(DecodeHex("0x1ab").ok());  // odd length
  CHECK_FALSE(DecodeHex("0x0g").ok());   // non-hex
  CHECK_FALSE(DecodeHex("0x 01").ok());
}

TEST_CASE("EIP-55 checksums follow the EIP's examples", "[auth][crypto]") {
  for (const char* address :
       {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
    INFO(address);
    Result<EthAddress> parsed = ParseEthAddress(address, AddressCase::kChecksummed);
    REQUIRE(parsed.ok());
    CHECK(ToChecksumAddress(*parsed) == address);
  }
  // The EIP's "all caps" and "all lower" examples are addresses whose checksum happens to be
  // single-case: valid under the strict policy too.
  for (const char* address :
       {"0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26"}) {
    INFO(address);
    CHECK(ParseEthAddress(address, AddressCase::kChecksummed).ok());
  }
  // A mixed-case address written in one case carries no checksum: lenient only.
  for (const char* address : {"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
                              "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"}) {
    INFO(address);
    CHECK(ParseEthAddress(address, AddressCase::kLenient).ok());
    CHECK_FALSE(ParseEthAddress(address, AddressCase::kChecksummed).ok());
  }
  // One flipped letter case breaks the checksum under both policies.
  CHECK_FALSE(
      ParseEthAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", AddressCase::kLenient).ok());
  CHECK_FALSE(
      ParseEthAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", AddressCase::kLenient).ok());
  CHECK_FALSE(
      ParseEthAddress("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00", AddressCase::kLenient).ok());
}

TEST_CASE("private key 1 has the well-known address", "[auth][crypto]") {
  Result<EthAddress> address = AddressFromPrivateKey(PrivateKeyOne());
  REQUIRE(address.ok());
  CHECK(EncodeHex(*address) == "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf");
  CHECK(ToChecksumAddress(*address) == "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
}

TEST_CASE("ecrecover round-trips and enforces v and low-s", "[auth][crypto]") {
  const Hash32 digest = PersonalMessageHash("hello");
  Result<EthSignature> signature = SignDigest(digest, PrivateKeyOne());
  REQUIRE(signature.ok());
  const EthAddress expected = *AddressFromPrivateKey(PrivateKeyOne());
  Result<EthAddress> recovered = RecoverAddress(digest, signature->data(), signature->size());
  REQUIRE(recovered.ok());
  CHECK(*recovered == expected);

  EthSignature raw_v = *signature;
  raw_v[64] -= 27;  // v in {0, 1}
  CHECK(*RecoverAddress(digest, raw_v.data(), raw_v.size()) == expected);

  for (const int v : {2, 26, 29, 35, 36, 37, 38, 255}) {
    INFO("v=" << v);
    EthSignature bad = *signature;
    bad[64] = static_cast<uint8_t>(v);
    CHECK(RecoverAddress(digest, bad.data(), bad.size()).status().code() ==
          StatusCode::kInvalidArgument);
  }
  // s' = n - s with the other parity recovers the same key: EIP-2 forbids it.
  static constexpr uint8_t kOrder[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
                                         0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b,
                                         0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
  EthSignature high = *signature;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int value = kOrder[i] - (*signature)[32 + i] - borrow;
    borrow = value < 0 ? 1 : 0;
    high[32 + i] = static_cast<uint8_t>(value + (borrow ? 256 : 0));
  }
  high[64] = static_cast<uint8_t>((*signature)[64] == 27 ? 28 : 27);
  Result<EthAddress> high_s = RecoverAddress(digest, high.data(), high.size());
  CHECK(high_s.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(high_s.status().message(), Catch::Contains("upper half"));

  CHECK_FALSE(RecoverAddress(digest, signature->data(), 64).ok());  // truncated
  EthSignature zero{};
  zero[64] = 27;
  CHECK_FALSE(RecoverAddress(digest, zero.data(), zero.size()).ok());
  EthSignature overflow = *signature;
  std::fill(overflow.begin(), overflow.begin() + 32, 0xff);  // r >= n
  CHECK_FALSE(RecoverAddress(digest, overflow.data(), overflow.size()).ok());
}

TEST_CASE("personal_sign hashing matches ethers", "[auth][crypto][node]") {
  const std::string message = "Hello from StreamGate\nline 2 ✓";
  const Json signed_by_ethers = testing::RunNodeWallet(
      {{"op", "personal"},
       {"key", "0x0000000000000000000000000000000000000000000000000000000000000001"},
       {"message", message}});
  Result<Bytes> signature = DecodeHex(signed_by_ethers["signature"].get<std::string>());
  REQUIRE(signature.ok());
  Result<EthAddress> signer =
      RecoverAddress(PersonalMessageHash(message), signature->data(), signature->size());
  REQUIRE(signer.ok());
  CHECK(ToChecksumAddress(*signer) == signed_by_ethers["address"].get<std::string>());
  // Our own signature is byte-identical (RFC 6979 on both sides).
  CHECK(EncodeHex(*SignDigest(PersonalMessageHash(message), PrivateKeyOne())) ==
        signed_by_ethers["signature"].get<std::string>());
}

TEST_CASE("EIP-712 Ether Mail vectors", "[auth][crypto][eip712]") {
  const Json mail = EtherMail();
  CHECK(*Eip712EncodeType(mail["types"], "Mail") ==
        "Mail(Person from,Person to,string contents)Person(string name,address wallet)");
  CHECK(Hex(*Eip712TypeHash(mail["types"], "Mail")) ==
        "a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2");
  CHECK(Hex(*Eip712HashStruct(mail["types"], "Person", mail["message"]["from"])) ==
        "fc71e5fa27ff56c350aa531bc129ebdf613b772b6604664f5d8dbe21b85eb0c8");
  CHECK(Hex(*Eip712DomainSeparator(mail["types"], mail["domain"])) ==
        "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
  CHECK(Hex(*Eip712HashStruct(mail["types"], "Mail", mail["message"])) ==
        "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
  const Hash32 digest = *Eip712Digest(mail);
  CHECK(Hex(digest) == "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
  // The EIP's signer is the key keccak256("cow").
  const Hash32 cow = Keccak256("cow");
  CHECK(ToChecksumAddress(*AddressFromPrivateKey(cow)) ==
        "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");
  const EthSignature signature = *SignDigest(digest, cow);
  CHECK(EncodeHex(signature) ==
        "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
        "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c");
  // Without EIP712Domain in types, the domain type comes from the fields present.
  Json derived = mail;
  derived["types"].erase("EIP712Domain");
  CHECK(Hex(*Eip712Digest(derived)) == Hex(digest));
}

TEST_CASE("EIP-712 rejects malformed typed data", "[auth][crypto][eip712]") {
  const Json mail = EtherMail();
  auto digest_with = [&](auto&& mutate) {
    Json copy = mail;
    mutate(copy);
    return Eip712Digest(copy);
  };
  CHECK_FALSE(digest_with([](Json& j) { j["message"].erase("contents"); }).ok());
  CHECK_FALSE(digest_with([](Json& j) { j["message"]["extra"] = "x"; }).ok());
  CHECK_FALSE(digest_with([](Json& j) { j["message"]["from"]["wallet"] = "0x1234"; }).ok());
  CHECK_FALSE(digest_with([](Json& j) { j["message"]["contents"] = 5; }).ok());
  CHECK_FALSE(digest_with([](Json& j) { j["domain"]["chainId"] = -1; }).ok());
  CHECK_FALSE(digest_with([](Json& j) { j["domain"]["chainId"] = 1.5; }).ok());
  CHECK_FALSE(digest_with([](Json& j) { j["primaryType"] = "Nope"; }).ok());
  CHECK_FALSE(digest_with([](Json& j) { j["types"]["Mail"][2]["type"] = "strong"; }).ok());
  CHECK_FALSE(digest_with([](Json& j) { j["types"]["Mail"][2]["type"] = "uint7"; }).ok());
  CHECK_FALSE(digest_with([](Json& j) { j.erase("domain"); }).ok());
  // A tampered field changes the digest.
  Json tampered = mail;
  tampered["message"]["contents"] = "Hello, Eve!";
  CHECK(Hex(*Eip712Digest(tampered)) != Hex(*Eip712Digest(mail)));
}

TEST_CASE("EIP-712 arrays, nested structs and every atomic type match ethers",
          "[auth][crypto][eip712][node]") {
  const Json typed = Json::parse(R"({
    "types": {
      "Order": [{"name":"id","type":"uint256"},{"name":"delta","type":"int128"},
                {"name":"small","type":"int8"},{"name":"flag","type":"bool"},
                {"name":"tag","type":"bytes4"},{"name":"salt","type":"bytes32"},
                {"name":"blob","type":"bytes"},{"name":"owner","type":"address"},
                {"name":"items","type":"Item[]"},{"name":"pair","type":"uint16[2]"},
                {"name":"grid","type":"uint8[][]"},{"name":"names","type":"string[]"},
                {"name":"matrix","type":"Item[2]"}],
      "Item": [{"name":"label","type":"string"},{"name":"amount","type":"uint64"},
               {"name":"meta","type":"Attr"}],
      "Attr": [{"name":"k","type":"string"},{"name":"v","type":"int256"}]
    },
    "primaryType": "Order",
    "domain": {"name":"Test","chainId":"0x539","salt":"0x0000000000000000000000000000000000000000000000000000000000000007"},
    "message": {
      "id": "115792089237316195423570985008687907853269984665640564039457584007913129639935",
      "delta": "-170141183460469231731687303715884105728",
      "small": -128, "flag": true, "tag": "0xdeadbeef",
      "salt": "0x00000000000000000000000000000000000000000000000000000000000000ff",
      "blob": "0x0102030405", "owner": "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
      "items": [{"label":"a","amount":1,"meta":{"k":"x","v":-1}},
                {"label":"b","amount":"18446744073709551615","meta":{"k":"y","v":"0x7f"}}],
      "pair": [1, 65535], "grid": [[1,2],[],[255]], "names": ["", "ünïcode"],
      "matrix": [{"label":"c","amount":0,"meta":{"k":"","v":0}},
                 {"label":"d","amount":2,"meta":{"k":"z","v":"57896044618658097711785492504343953926634992332820282019728792003956564819967"}}]
    }
  })");
  const Json ethers = testing::RunNodeWallet({{"op", "hash712"}, {"typed_data", typed}});
  CHECK(*Eip712EncodeType(typed["types"], "Order") == ethers["encode_type"].get<std::string>());
  CHECK("0x" + Hex(*Eip712Digest(typed)) == ethers["digest"].get<std::string>());

  // Range limits of the same types.
  Json out_of_range = typed;
  out_of_range["message"]["small"] = -129;
  CHECK_FALSE(Eip712Digest(out_of_range).ok());
  out_of_range = typed;
  out_of_range["message"]["pair"] = Json::array({1, 65536});
  CHECK_FALSE(Eip712Digest(out_of_range).ok());
  out_of_range = typed;
  out_of_range["message"]["pair"] = Json::array({1});  // fixed size 2
  CHECK_FALSE(Eip712Digest(out_of_range).ok());
  out_of_range = typed;
  out_of_range["message"]["tag"] = "0xdeadbe";  // bytes4 needs 4 bytes
  CHECK_FALSE(Eip712Digest(out_of_range).ok());
  out_of_range = typed;
  out_of_range["message"]["delta"] = "170141183460469231731687303715884105728";  // 2^127
  CHECK_FALSE(Eip712Digest(out_of_range).ok());
}

TEST_CASE("base58 uses the Bitcoin alphabet strictly", "[auth][crypto]") {
  const Bytes zeros(32, 0);
  CHECK(EncodeBase58(zeros) == std::string(32, '1'));
  CHECK(*DecodeBase58(std::string(32, '1')) == zeros);
  const std::string hello = "Hello World!";
  CHECK(EncodeBase58(hello) == "2NEpo7TZRRrLZSi2U");
  CHECK(*DecodeBase58("2NEpo7TZRRrLZSi2U") == Bytes(hello.begin(), hello.end()));
  CHECK(EncodeBase58(Bytes{0, 0, 1}) == "112");
  for (const char* bad : {"", "0", "O", "I", "l", "2NEpo7TZ RRrLZSi2U", "abc+", "\xc3\xa9"}) {
    INFO(bad);
    CHECK_FALSE(DecodeBase58(bad).ok());
  }
  CHECK_FALSE(DecodeBase58(std::string(200, '2')).ok());  // bounded work
}

TEST_CASE("ed25519 verifies RFC 8032 test 1", "[auth][crypto]") {
  const Hash32 seed =
      HashFromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  Ed25519Seed ed_seed;
  std::copy(seed.begin(), seed.end(), ed_seed.begin());
  const Ed25519KeyPair pair = Ed25519FromSeed(ed_seed);
  CHECK(EncodeHex(pair.public_key, false) ==
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const Ed25519Signature signature = SignEd25519(pair.secret_key, "");
  CHECK(EncodeHex(signature, false) ==
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065"
        "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  CHECK(VerifyEd25519(pair.public_key, "", signature.data(), signature.size()));
  CHECK_FALSE(VerifyEd25519(pair.public_key, "x", signature.data(), signature.size()));
  Ed25519Signature flipped = signature;
  flipped[10] ^= 1;
  CHECK_FALSE(VerifyEd25519(pair.public_key, "", flipped.data(), flipped.size()));
  CHECK_FALSE(VerifyEd25519(pair.public_key, "", signature.data(), 63));
}

TEST_CASE("HMAC-SHA256 matches RFC 4231", "[auth][crypto]") {
  const HmacSha256Key short_key = *HmacSha256Key::Create(std::string(20, '\x0b'));
  CHECK(Hex(short_key.Compute("Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(Hex(short_key.Compute("Hi There")) == Hex(short_key.Compute("Hi There")));  // reusable
  const HmacSha256Key jefe = *HmacSha256Key::Create("Jefe");
  CHECK(Hex(jefe.Compute("what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const HmacSha256Key long_key = *HmacSha256Key::Create(std::string(131, '\xaa'));
  CHECK(Hex(long_key.Compute("Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("base64url decoding is strict", "[auth][crypto]") {
  CHECK(EncodeBase64Url("\xfb\xff") == "-_8");
  CHECK(*DecodeBase64Url("-_8") == "\xfb\xff");
  CHECK_FALSE(DecodeBase64Url("-_9").ok());   // non-zero padding bits
  CHECK_FALSE(DecodeBase64Url("-_8=").ok());  // padding
  CHECK_FALSE(DecodeBase64Url("+/8").ok());   // standard alphabet
  CHECK_FALSE(DecodeBase64Url("a b").ok());
  CHECK_FALSE(DecodeBase64Url("a").ok());
}

}  // namespace
}  // namespace streamgate::internal::crypto
