// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// White-box micro-benchmarks of the request-parsing helpers every request goes through. This
// target may include src/ headers; public-API benchmarks live in bench_router.cpp.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "http/http_date.h"
#include "http/range.h"
#include "http/url.h"

namespace {

using streamgate::internal::ByteRange;

void ParseRange(benchmark::State& state, std::string_view header) {
  constexpr uint64_t kSize = 2 * 1024 * 1024;
  for (auto _ : state) {
    ByteRange range = streamgate::internal::ParseRange(header, kSize);
    benchmark::DoNotOptimize(range);
  }
}
BENCHMARK_CAPTURE(ParseRange, first_last, "bytes=1048576-1150000");
BENCHMARK_CAPTURE(ParseRange, open_ended, "bytes=1048576-");
BENCHMARK_CAPTURE(ParseRange, suffix, "bytes=-500");
BENCHMARK_CAPTURE(ParseRange, multi_range_ignored, "bytes=0-1,5-6");

void PercentDecode(benchmark::State& state, std::string_view in) {
  for (auto _ : state) {
    auto out = streamgate::internal::PercentDecode(in, false);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK_CAPTURE(PercentDecode, plain_segment_path,
                  "/stream/6b1d3c2e-9f1a-4c7b-8a2d-1e0f9c8b7a6d/720p/seg_00042.m4s");
BENCHMARK_CAPTURE(PercentDecode, escaped_path, "/videos/My%20Holiday%20%E2%82%AC/clip%201.mp4");

void ParseQuery(benchmark::State& state, std::string_view query) {
  for (auto _ : state) {
    auto out = streamgate::internal::ParseQuery(query);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK_CAPTURE(ParseQuery, playback_token,
                  "token=eyJjIjoiNmIxZDNjMmUiLCJ3IjoiMHhhYmMiLCJlIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJl"
                  "&exp=1700000000");

void CachedHttpDateNow(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(streamgate::internal::CachedHttpDateNow());
}
BENCHMARK(CachedHttpDateNow);

}  // namespace
