// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Metadata search latency over a large catalogue (public API only). Fills a fresh
// metadata.db with N items (default 100,000) of synthetic titles, descriptions and tags drawn
// from fixed vocabularies, then times MetadataStore::Search for several query shapes and
// prints p50/p90/p99/max per shape. Not a test: no assertion, figures for docs/PERFORMANCE.md.
//
//   streamgate_bench_metadata_search [items=100000] [queries_per_shape=2000] [dir=/tmp]
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "streamgate/metadata_store.h"

namespace {

using Clock = std::chrono::steady_clock;

double ThreadCpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// Pronounceable pseudo-words: "ka", "lomi", ... deterministic for a given index.
std::string Word(std::size_t index) {
  static const char* kSyllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo",
                                     "ze", "pa", "qu", "do", "fe", "gi", "ho", "ju"};
  std::string word;
  std::size_t n = index + 16;
  while (n > 0) {
    word += kSyllables[n % 16];
    n /= 16;
  }
  return word;
}

struct Shape {
  const char* name;
  std::vector<std::string> queries;
  std::vector<double> micros;      // wall clock
  std::vector<double> cpu_micros;  // this thread's CPU time: immune to other processes' load
  std::size_t hits = 0;
};

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const std::size_t index =
      std::min(values.size() - 1, static_cast<std::size_t>(p / 100.0 * values.size()));
  return values[index];
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t items = argc > 1 ? std::stoul(argv[1]) : 100000;
  const std::size_t queries = argc > 2 ? std::stoul(argv[2]) : 2000;
  const std::filesystem::path base = argc > 3 ? argv[3] : std::filesystem::temp_directory_path();
  const std::filesystem::path dir = base / ("sg-bench-metadata-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);

  constexpr std::size_t kVocabulary = 5000;
  constexpr std::size_t kTags = 300;
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> word(0, kVocabulary - 1);
  std::uniform_int_distribution<std::size_t> tag(0, kTags - 1);

  streamgate::MetadataStoreOptions options;
  options.path = (dir / "metadata.db").string();
  auto opened = streamgate::MetadataStore::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  auto store = std::move(opened).value();

  const auto fill_start = Clock::now();
  for (std::size_t i = 0; i < items; ++i) {
    streamgate::ContentItem item;
    item.owner = "owner" + std::to_string(i % 1000);
    for (int w = 0; w < 4; ++w) item.title += (w ? " " : "") + Word(word(rng));
    for (int w = 0; w < 16; ++w) item.description += (w ? " " : "") + Word(word(rng));
    item.tags = {"t" + Word(tag(rng)), "t" + Word(tag(rng))};
    if (!store->Create(std::move(item)).ok()) {
      std::fprintf(stderr, "create failed at %zu\n", i);
      return 1;
    }
  }
  const double fill_s = std::chrono::duration<double>(Clock::now() - fill_start).count();
  std::printf("filled %zu items in %.1f s (%.0f creates/s)\n", items, fill_s, items / fill_s);

  std::vector<Shape> shapes = {{"one word", {}, {}, {}, 0},
                               {"two words (AND)", {}, {}, {}, 0},
                               {"prefix (3 letters*)", {}, {}, {}, 0},
                               {"tag:", {}, {}, {}, 0},
                               {"word + tag:", {}, {}, {}, 0}};
  for (std::size_t q = 0; q < queries; ++q) {
    shapes[0].queries.push_back(Word(word(rng)));
    shapes[1].queries.push_back(Word(word(rng)) + " " + Word(word(rng)));
    shapes[2].queries.push_back(Word(word(rng)).substr(0, 5) + "*");
    shapes[3].queries.push_back("tag:t" + Word(tag(rng)));
    shapes[4].queries.push_back(Word(word(rng)) + " tag:t" + Word(tag(rng)));
  }
  for (Shape& shape : shapes) {
    for (const std::string& text : shape.queries) {
      streamgate::ContentSearchQuery query;
      query.text = text;
      query.limit = 20;
      const double cpu_start = ThreadCpuMicros();
      const auto start = Clock::now();
      auto page = store->Search(query);
      const auto end = Clock::now();
      shape.cpu_micros.push_back(ThreadCpuMicros() - cpu_start);
      if (!page.ok()) {
        std::fprintf(stderr, "search %s: %s\n", text.c_str(), page.status().ToString().c_str());
        return 1;
      }
      shape.hits += page->items.size();
      shape.micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    }
  }
  std::printf(
      "\n| query shape | wall p50 µs | wall p99 µs | CPU p50 µs | CPU p99 µs | CPU max µs | "
      "avg results |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  std::vector<double> all;
  std::vector<double> all_cpu;
  for (const Shape& shape : shapes) {
    std::printf("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.1f |\n", shape.name,
                Percentile(shape.micros, 50), Percentile(shape.micros, 99),
                Percentile(shape.cpu_micros, 50), Percentile(shape.cpu_micros, 99),
                Percentile(shape.cpu_micros, 100),
                static_cast<double>(shape.hits) / static_cast<double>(shape.micros.size()));
    all.insert(all.end(), shape.micros.begin(), shape.micros.end());
    all_cpu.insert(all_cpu.end(), shape.cpu_micros.begin(), shape.cpu_micros.end());
  }
  std::printf("| all | %.0f | %.0f | %.0f | %.0f | %.0f | |\n", Percentile(all, 50),
              Percentile(all, 99), Percentile(all_cpu, 50), Percentile(all_cpu, 99),
              Percentile(all_cpu, 100));
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
