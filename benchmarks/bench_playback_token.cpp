// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Playback-token checks run on every playlist, segment and key request of a gated stream, so
// they must cost far less than serving the bytes (target: < 5 µs per verification).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "streamgate/playback_token.h"

namespace {

using streamgate::PlaybackGrant;
using streamgate::PlaybackTokenSigner;

constexpr int64_t kNow = 1'800'000'000;

const PlaybackTokenSigner& Signer() {
  static const std::unique_ptr<PlaybackTokenSigner> signer = [] {
    auto created = PlaybackTokenSigner::Create(
        {{{"k2", std::string(32, 'n')}, {"k1", std::string(32, 'o')}}, 6 * 3600});
    if (!created.ok()) std::abort();
    return std::move(created).value();
  }();
  return *signer;
}

const PlaybackGrant kGrant{"c0ffee00c0ffee00", "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf",
                           "/stream/c0ffee00c0ffee00/", kNow + 3600};

void BM_PlaybackTokenVerify(benchmark::State& state) {
  const std::string token = Signer().Mint(kGrant, kNow).value();
  for (auto _ : state) {
    auto grant = Signer().Verify(token, "c0ffee00c0ffee00",
                                 "/stream/c0ffee00c0ffee00/720p/seg_00042.m4s", kNow);
    if (!grant.ok()) std::abort();
    benchmark::DoNotOptimize(grant);
  }
}
BENCHMARK(BM_PlaybackTokenVerify);

void BM_PlaybackTokenVerifyForged(benchmark::State& state) {
  std::string token = Signer().Mint(kGrant, kNow).value();
  token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
  for (auto _ : state) {
    auto grant = Signer().Verify(token, "c0ffee00c0ffee00", "/stream/c0ffee00c0ffee00/a.m4s", kNow);
    if (grant.ok()) std::abort();
    benchmark::DoNotOptimize(grant);
  }
}
BENCHMARK(BM_PlaybackTokenVerifyForged);

void BM_PlaybackTokenMint(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Signer().Mint(kGrant, kNow));
}
BENCHMARK(BM_PlaybackTokenMint);

}  // namespace
