// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/solana_pda.h"

#include <openssl/bn.h>
#include <sodium.h>

#include <algorithm>
#include <memory>

#include "chain/base58.h"

namespace streamgate::internal {
namespace {

struct BnDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct CtxDeleter {
  void operator()(BN_CTX* ctx) const { BN_CTX_free(ctx); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;

Bn NewBn() { return Bn(BN_new()); }

// Field constants of edwards25519, computed once: p = 2^255-19, d = -121665/121666, (p-1)/2.
struct Curve {
  Bn p = NewBn();
  Bn d = NewBn();
  Bn half = NewBn();  // (p-1)/2, the Euler criterion exponent
  Curve() {
    std::unique_ptr<BN_CTX, CtxDeleter> ctx(BN_CTX_new());
    BN_set_bit(p.get(), 255);
    BN_sub_word(p.get(), 19);
    Bn numerator = NewBn();
    Bn denominator = NewBn();
    BN_set_word(numerator.get(), 121665);
    BN_sub(numerator.get(), p.get(), numerator.get());  // -121665 mod p
    BN_set_word(denominator.get(), 121666);
    Bn inverse(BN_mod_inverse(nullptr, denominator.get(), p.get(), ctx.get()));
    BN_mod_mul(d.get(), numerator.get(), inverse.get(), p.get(), ctx.get());
    BN_copy(half.get(), p.get());
    BN_sub_word(half.get(), 1);
    BN_rshift1(half.get(), half.get());
  }
};

const Curve& Constants() {
  static const Curve curve;
  return curve;
}

constexpr char kPdaMarker[] = "ProgramDerivedAddress";

}  // namespace

bool IsOnEd25519Curve(const SolanaKey& bytes) {
  const Curve& curve = Constants();
  std::unique_ptr<BN_CTX, CtxDeleter> ctx(BN_CTX_new());
  // Little-endian y with the sign bit cleared; values >= p are reduced, as dalek does.
  std::array<uint8_t, 32> big_endian;
  std::reverse_copy(bytes.begin(), bytes.end(), big_endian.begin());
  big_endian[0] &= 0x7f;
  Bn y(BN_bin2bn(big_endian.data(), 32, nullptr));
  Bn y2 = NewBn(), u = NewBn(), v = NewBn(), w = NewBn(), one = NewBn(), legendre = NewBn();
  BN_one(one.get());
  BN_nnmod(y.get(), y.get(), curve.p.get(), ctx.get());
  BN_mod_sqr(y2.get(), y.get(), curve.p.get(), ctx.get());
  BN_mod_sub(u.get(), y2.get(), one.get(), curve.p.get(), ctx.get());  // y² - 1
  BN_mod_mul(v.get(), curve.d.get(), y2.get(), curve.p.get(), ctx.get());
  BN_mod_add(v.get(), v.get(), one.get(), curve.p.get(), ctx.get());  // d·y² + 1 (never 0)
  Bn v_inverse(BN_mod_inverse(nullptr, v.get(), curve.p.get(), ctx.get()));
  if (!v_inverse) return false;
  BN_mod_mul(w.get(), u.get(), v_inverse.get(), curve.p.get(), ctx.get());  // x²
  if (BN_is_zero(w.get())) return true;
  // Euler's criterion: x² is a square iff (x²)^((p-1)/2) == 1.
  BN_mod_exp(legendre.get(), w.get(), curve.half.get(), curve.p.get(), ctx.get());
  return BN_is_one(legendre.get()) == 1;
}

Result<SolanaKey> CreateProgramAddress(const std::vector<std::vector<uint8_t>>& seeds,
                                       const SolanaKey& program_id) {
  if (seeds.size() > 16) return Status::InvalidArgument("more than 16 PDA seeds");
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  for (const std::vector<uint8_t>& seed : seeds) {
    if (seed.size() > 32) return Status::InvalidArgument("PDA seed longer than 32 bytes");
    crypto_hash_sha256_update(&state, seed.data(), seed.size());
  }
  crypto_hash_sha256_update(&state, program_id.data(), program_id.size());
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(kPdaMarker),
                            sizeof(kPdaMarker) - 1);
  SolanaKey hash;
  crypto_hash_sha256_final(&state, hash.data());
  if (IsOnEd25519Curve(hash)) return Status::FailedPrecondition("address lies on the curve");
  return hash;
}

Result<ProgramAddress> FindProgramAddress(const std::vector<std::vector<uint8_t>>& seeds,
                                          const SolanaKey& program_id) {
  if (seeds.size() > 15) return Status::InvalidArgument("more than 15 PDA seeds plus the bump");
  std::vector<std::vector<uint8_t>> with_bump = seeds;
  with_bump.push_back({0});
  for (int bump = 255; bump >= 0; --bump) {
    with_bump.back()[0] = static_cast<uint8_t>(bump);
    Result<SolanaKey> address = CreateProgramAddress(with_bump, program_id);
    if (address.ok()) return ProgramAddress{*address, static_cast<uint8_t>(bump)};
    if (address.status().code() != StatusCode::kFailedPrecondition) return address.status();
  }
  return Status::NotFound("no viable bump seed");
}

const SolanaKey& TokenMetadataProgramId() {
  static const SolanaKey id = [] {
    SolanaKey key{};
    Result<std::vector<uint8_t>> bytes =
        DecodeSolanaAddress("metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s");
    std::copy(bytes->begin(), bytes->end(), key.begin());
    return key;
  }();
  return id;
}

Result<SolanaKey> MetadataAddressForMint(const SolanaKey& mint) {
  const SolanaKey& program = TokenMetadataProgramId();
  const std::vector<std::vector<uint8_t>> seeds = {
      {'m', 'e', 't', 'a', 'd', 'a', 't', 'a'},
      std::vector<uint8_t>(program.begin(), program.end()),
      std::vector<uint8_t>(mint.begin(), mint.end())};
  STREAMGATE_ASSIGN_OR_RETURN(ProgramAddress found, FindProgramAddress(seeds, program));
  return found.address;
}

}  // namespace streamgate::internal
