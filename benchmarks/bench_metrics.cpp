// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The metrics hot path (public API only): a counter increment and a histogram observation on a
// kept child handle, from one thread and contended by several; the label look-up a caller pays
// when it does not keep the handle; and rendering /metrics with 1,000 series.
#include <benchmark/benchmark.h>
#include <streamgate/monitor.h>

#include <string>

namespace {

using streamgate::Counter;
using streamgate::Histogram;
using streamgate::MetricsRegistry;

MetricsRegistry& Registry() {
  static MetricsRegistry* const registry = new MetricsRegistry();
  return *registry;
}

Counter& SharedCounter() {
  static Counter& counter =
      (*Registry().AddCounter("bench_events_total", "Events.", {"kind"}))->WithLabels({"a"});
  return counter;
}

Histogram& SharedHistogram() {
  static Histogram& histogram =
      (*Registry().AddHistogram("bench_latency_seconds", "Latency.", {"route"}))
          ->WithLabels({"/x"});
  return histogram;
}

// Threads(1) is the uncontended cost; Threads(4) makes every thread hit the same cache line.
void BM_CounterInc(benchmark::State& state) {
  Counter& counter = SharedCounter();
  for (auto _ : state) counter.Inc();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterInc)->Threads(1)->Threads(4)->UseRealTime();

void BM_CounterAddFraction(benchmark::State& state) {
  Counter& counter = SharedCounter();
  for (auto _ : state) counter.Add(0.5);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterAddFraction)->Threads(1)->Threads(4)->UseRealTime();

void BM_HistogramObserve(benchmark::State& state) {
  Histogram& histogram = SharedHistogram();
  double value = 0.0001;
  for (auto _ : state) {
    histogram.Observe(value);
    value = value > 5 ? 0.0001 : value * 1.7;  // spread over the buckets
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(4)->UseRealTime();

// What the kernel's HTTP observer does per exchange: look the child up by label values.
void BM_CounterLookupAndInc(benchmark::State& state) {
  auto* family =
      *Registry().AddCounter("bench_requests_total", "Requests.", {"method", "route", "status"});
  for (auto _ : state) family->WithLabels({"GET", "/api/v1/items/{id}", "200"}).Inc();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterLookupAndInc)->Threads(1)->Threads(4)->UseRealTime();

// 1,000 series: 900 counter series and 100 histogram series (16 samples each).
void BM_RenderPrometheusText1000Series(benchmark::State& state) {
  MetricsRegistry registry;
  auto* counters = *registry.AddCounter("render_requests_total", "Requests.", {"route", "status"});
  for (int route = 0; route < 180; ++route) {
    for (int status : {200, 204, 404, 500, 503}) {
      counters->WithLabels({"/route/" + std::to_string(route), std::to_string(status)})
          .Add(route * 7 + status);
    }
  }
  auto* histograms = *registry.AddHistogram("render_latency_seconds", "Latency.", {"route"});
  for (int route = 0; route < 100; ++route) {
    histograms->WithLabels({"/route/" + std::to_string(route)}).Observe(0.001 * route);
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = registry.RenderPrometheusText();
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["exposition_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderPrometheusText1000Series)->Unit(benchmark::kMicrosecond);

}  // namespace
