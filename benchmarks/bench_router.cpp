// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Router::Find on the route table a monolith really has (SPEC.md §1–2): about 45 routes mixing
// literals, parameters and catch-alls. Find runs once per request on an I/O thread.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "streamgate/http.h"

namespace {

using streamgate::HttpMethod;
using streamgate::Router;

const Router& MonolithRouter() {
  static const Router* router = [] {
    auto* r = new Router();
    const std::vector<std::pair<HttpMethod, std::string_view>> routes = {
        {HttpMethod::kGet, "/health"},
        {HttpMethod::kGet, "/ready"},
        {HttpMethod::kGet, "/metrics"},
        {HttpMethod::kGet, "/api/v1/health"},
        {HttpMethod::kPost, "/api/v1/upload"},
        {HttpMethod::kPost, "/api/v1/upload/chunk"},
        {HttpMethod::kPost, "/api/v1/upload/complete"},
        {HttpMethod::kGet, "/api/v1/upload/status"},
        {HttpMethod::kOptions, "/api/v1/tus/"},
        {HttpMethod::kPost, "/api/v1/tus/"},
        {HttpMethod::kHead, "/api/v1/tus/{id}"},
        {HttpMethod::kPatch, "/api/v1/tus/{id}"},
        {HttpMethod::kDelete, "/api/v1/tus/{id}"},
        {HttpMethod::kGet, "/api/v1/stream/info"},
        {HttpMethod::kGet, "/api/v1/stream/hls"},
        {HttpMethod::kGet, "/api/v1/stream/dash"},
        {HttpMethod::kGet, "/api/v1/stream/segment"},
        {HttpMethod::kGet, "/stream/{content_id}/master.m3u8"},
        {HttpMethod::kGet, "/stream/{content_id}/manifest.mpd"},
        {HttpMethod::kGet, "/stream/{content_id}/{file...}"},
        {HttpMethod::kGet, "/api/v1/metadata"},
        {HttpMethod::kPost, "/api/v1/metadata/create"},
        {HttpMethod::kPut, "/api/v1/metadata/update"},
        {HttpMethod::kDelete, "/api/v1/metadata/delete"},
        {HttpMethod::kGet, "/api/v1/metadata/search"},
        {HttpMethod::kGet, "/api/v1/cache/get"},
        {HttpMethod::kPost, "/api/v1/cache/set"},
        {HttpMethod::kDelete, "/api/v1/cache/delete"},
        {HttpMethod::kPost, "/api/v1/cache/clear"},
        {HttpMethod::kGet, "/api/v1/cache/stats"},
        {HttpMethod::kGet, "/api/v1/auth/challenge"},
        {HttpMethod::kPost, "/api/v1/auth/challenge"},
        {HttpMethod::kPost, "/api/v1/auth/verify-signature"},
        {HttpMethod::kPost, "/api/v1/auth/verify-nft"},
        {HttpMethod::kPost, "/api/v1/auth/verify-token"},
        {HttpMethod::kPost, "/api/v1/jobs/submit"},
        {HttpMethod::kGet, "/api/v1/jobs/status"},
        {HttpMethod::kPost, "/api/v1/jobs/cancel"},
        {HttpMethod::kGet, "/api/v1/jobs/list"},
        {HttpMethod::kPost, "/api/v1/jobs/schedule"},
        {HttpMethod::kPost, "/api/v1/transcode/submit"},
        {HttpMethod::kGet, "/api/v1/transcode/status"},
        {HttpMethod::kPost, "/api/v1/transcode/cancel"},
        {HttpMethod::kGet, "/api/v1/transcode/list"},
        {HttpMethod::kGet, "/api/v1/transcode/metrics"},
        {HttpMethod::kGet, "/api/v1/monitor/health"},
        {HttpMethod::kGet, "/api/v1/monitor/metrics"},
        {HttpMethod::kGet, "/api/v1/monitor/alerts"},
        {HttpMethod::kGet, "/api/v1/monitor/logs"},
    };
    for (const auto& [method, pattern] : routes) {
      streamgate::Status s = r->Add(
          method, pattern, [](streamgate::HttpRequest&) { return streamgate::HttpResponse{}; });
      if (!s.ok()) {
        std::cerr << "bad benchmark route " << pattern << ": " << s.ToString() << "\n";
        std::abort();
      }
    }
    return r;
  }();
  return *router;
}

void Find(benchmark::State& state, HttpMethod method, std::string_view path,
          Router::MatchKind expected) {
  const Router& router = MonolithRouter();
  if (router.Find(method, path).kind != expected) {
    state.SkipWithError("unexpected match kind");
    return;
  }
  for (auto _ : state) {
    Router::Match match = router.Find(method, path);
    benchmark::DoNotOptimize(match);
  }
}

using K = Router::MatchKind;
BENCHMARK_CAPTURE(Find, literal_short, HttpMethod::kGet, "/health", K::kFound);
BENCHMARK_CAPTURE(Find, literal_deep, HttpMethod::kGet, "/api/v1/monitor/alerts", K::kFound);
BENCHMARK_CAPTURE(Find, param, HttpMethod::kPatch, "/api/v1/tus/4f2c9a1b7e8d4c3a", K::kFound);
BENCHMARK_CAPTURE(Find, param_then_literal, HttpMethod::kGet,
                  "/stream/6b1d3c2e-9f1a-4c7b-8a2d-1e0f9c8b7a6d/master.m3u8", K::kFound);
BENCHMARK_CAPTURE(Find, catch_all_segment, HttpMethod::kGet,
                  "/stream/6b1d3c2e-9f1a-4c7b-8a2d-1e0f9c8b7a6d/720p/seg_00042.m4s", K::kFound);
BENCHMARK_CAPTURE(Find, head_falls_back_to_get, HttpMethod::kHead, "/api/v1/jobs/status",
                  K::kFound);
BENCHMARK_CAPTURE(Find, not_found, HttpMethod::kGet, "/api/v1/nothing/here", K::kNotFound);
BENCHMARK_CAPTURE(Find, method_not_allowed, HttpMethod::kPost, "/api/v1/cache/get",
                  K::kMethodNotAllowed);

}  // namespace
