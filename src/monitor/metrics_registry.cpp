// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The metrics registry: families keyed by name, children keyed by their label values. The hot
// path (a kept child handle) is a relaxed atomic; looking a child up takes a shared lock, and
// creating one an exclusive lock.
#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "common/log.h"
#include "streamgate/monitor.h"

namespace streamgate {
namespace {

uint64_t ToBits(double value) { return std::bit_cast<uint64_t>(value); }
double FromBits(uint64_t bits) { return std::bit_cast<double>(bits); }

// Adds to a double stored as bits: a CAS loop, lock-free.
void AtomicAdd(std::atomic<uint64_t>& bits, double amount) {
  uint64_t expected = bits.load(std::memory_order_relaxed);
  while (!bits.compare_exchange_weak(expected, ToBits(FromBits(expected) + amount),
                                     std::memory_order_relaxed)) {
  }
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A child key: the label values joined by a byte that cannot end a valid UTF-8 sequence and
// is length-prefixed anyway, so that distinct tuples never collide.
std::string JoinKey(const std::vector<std::string>& values) {
  std::string key;
  for (const std::string& value : values) {
    key += std::to_string(value.size());
    key += ':';
    key += value;
  }
  return key;
}

}  // namespace

// --- children ---------------------------------------------------------------------------------

void Counter::Add(double amount) {
  if (!(amount > 0) || !std::isfinite(amount)) return;
  // Whole amounts go to the integer cell (exact and cheap); the rest to the double cell.
  if (amount < 9007199254740992.0 && amount == std::floor(amount)) {
    whole_.fetch_add(static_cast<uint64_t>(amount), std::memory_order_relaxed);
    return;
  }
  AtomicAdd(fraction_, amount);
}

void Counter::IncreaseTo(uint64_t value) {
  uint64_t current = whole_.load(std::memory_order_relaxed);
  while (current < value &&
         !whole_.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
  }
}

double Counter::value() const {
  return static_cast<double>(whole_.load(std::memory_order_relaxed)) +
         FromBits(fraction_.load(std::memory_order_relaxed));
}

void Gauge::Set(double value) { bits_.store(ToBits(value), std::memory_order_relaxed); }
void Gauge::Add(double amount) { AtomicAdd(bits_, amount); }
double Gauge::value() const { return FromBits(bits_.load(std::memory_order_relaxed)); }

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}
Histogram::~Histogram() = default;

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  // The first bound >= value: Prometheus buckets are inclusive upper bounds ("le").
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_bits_, value);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

double Histogram::sum() const { return FromBits(sum_bits_.load(std::memory_order_relaxed)); }
uint64_t Histogram::count() const { return CumulativeCounts().back(); }

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Status ValidateMetricName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("metric name is empty");
  if (name.size() > 200) return Status::InvalidArgument("metric name longer than 200 bytes");
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return Status::InvalidArgument("metric name \"" + std::string(name) +
                                     "\" must match [a-zA-Z_:][a-zA-Z0-9_:]*");
    }
  }
  return Status::Ok();
}

Status ValidateLabelName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("label name is empty");
  if (name.size() > 100) return Status::InvalidArgument("label name longer than 100 bytes");
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return Status::InvalidArgument("label name \"" + std::string(name) +
                                     "\" must match [a-zA-Z_][a-zA-Z0-9_]*");
    }
  }
  if (name.substr(0, 2) == "__") {
    return Status::InvalidArgument("label name \"" + std::string(name) +
                                   "\" starts with \"__\", which Prometheus reserves");
  }
  return Status::Ok();
}

// --- families ---------------------------------------------------------------------------------

namespace internal {

// What the registry needs of a family whatever its child type.
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  virtual MetricFamilySnapshot Snapshot() const = 0;
  virtual MetricType type() const = 0;
  virtual const std::vector<double>& family_bounds() const = 0;
  virtual const std::string& family_name() const = 0;
  virtual const std::vector<std::string>& family_labels() const = 0;
};

template <class Child>
class FamilyImpl final : public MetricFamily<Child>, public FamilyBase {
 public:
  FamilyImpl(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names, std::vector<double> bounds,
             std::size_t max_series)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)),
        max_series_(max_series),
        detached_(MakeChild()) {
    // A family without labels has exactly one series: export it (as 0) from the start.
    if (label_names_.empty()) children_[JoinKey({})] = Entry{{}, MakeChild()};
  }

  Child& WithLabels(const std::vector<std::string>& values) override {
    if (values.size() != label_names_.size()) {
      WarnOnce("expects " + std::to_string(label_names_.size()) + " label values, got " +
               std::to_string(values.size()));
      return *detached_;
    }
    const std::string key = JoinKey(values);
    {
      std::shared_lock lock(mu_);
      const auto it = children_.find(key);
      if (it != children_.end()) return *it->second.child;
    }
    std::unique_lock lock(mu_);
    const auto it = children_.find(key);
    if (it != children_.end()) return *it->second.child;
    if (children_.size() >= max_series_) {
      WarnOnce("has reached its limit of " + std::to_string(max_series_) +
               " series; new label values are not exported");
      return *detached_;
    }
    Entry& entry = children_[key];
    entry.values = values;
    entry.child = MakeChild();
    return *entry.child;
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& label_names() const override { return label_names_; }
  MetricType type() const override { return type_; }
  const std::vector<double>& family_bounds() const override { return bounds_; }
  const std::string& family_name() const override { return name_; }
  const std::vector<std::string>& family_labels() const override { return label_names_; }
  const std::string& help() const { return help_; }

  MetricFamilySnapshot Snapshot() const override {
    MetricFamilySnapshot out;
    out.name = name_;
    out.help = help_;
    out.type = type_;
    out.label_names = label_names_;
    out.bounds = bounds_;
    std::shared_lock lock(mu_);
    out.series.reserve(children_.size());
    for (const auto& [key, entry] : children_) {
      MetricSeriesSnapshot series;
      series.label_values = entry.values;
      Fill(*entry.child, series);
      out.series.push_back(std::move(series));
    }
    lock.unlock();
    std::sort(out.series.begin(), out.series.end(),
              [](const MetricSeriesSnapshot& a, const MetricSeriesSnapshot& b) {
                return a.label_values < b.label_values;
              });
    return out;
  }

 private:
  struct Entry {
    std::vector<std::string> values;
    std::unique_ptr<Child> child;
  };

  std::unique_ptr<Child> MakeChild() const {
    if constexpr (std::is_same_v<Child, Histogram>) {
      return std::make_unique<Histogram>(bounds_);
    } else {
      return std::make_unique<Child>();
    }
  }

  static void Fill(const Child& child, MetricSeriesSnapshot& series) {
    if constexpr (std::is_same_v<Child, Histogram>) {
      series.cumulative_counts = child.CumulativeCounts();
      series.count = series.cumulative_counts.back();
      series.sum = child.sum();
    } else {
      series.value = child.value();
    }
  }

  void WarnOnce(const std::string& what) {
    if (!warned_.exchange(true)) {
      Log(LogLevel::kWarn, "metrics", "metric \"" + name_ + "\" " + what);
    }
  }

  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
  const std::size_t max_series_;
  // Records what cannot be exported (wrong arity, over the cardinality limit).
  const std::unique_ptr<Child> detached_;
  mutable std::shared_mutex mu_;
  std::map<std::string, Entry> children_;  // guarded by mu_
  std::atomic<bool> warned_{false};
};

}  // namespace internal

// --- registry ---------------------------------------------------------------------------------

struct MetricsRegistry::Impl {
  MetricsRegistryOptions options;
  mutable std::mutex mu;
  // Sorted by name, so that renderings are deterministic. Guarded by mu; families never move.
  std::map<std::string, std::unique_ptr<internal::FamilyBase>, std::less<>> families;
  std::map<int, std::function<void()>> collectors;  // guarded by collectors_mu
  mutable std::mutex collectors_mu;
  int next_collector = 1;

  // The names a family of `type` exposes samples under.
  static std::vector<std::string> SampleNames(const std::string& name, MetricType type) {
    if (type != MetricType::kHistogram) return {name};
    return {name + "_bucket", name + "_sum", name + "_count"};
  }

  Status Check(std::string_view name, std::string_view help, MetricType type,
               const std::vector<std::string>& labels) const {
    STREAMGATE_RETURN_IF_ERROR(ValidateMetricName(name));
    if (help.empty()) {
      return Status::InvalidArgument("metric \"" + std::string(name) + "\" needs help text");
    }
    if (help.size() > 1024) {
      return Status::InvalidArgument("help text of \"" + std::string(name) + "\" is too long");
    }
    const bool total = EndsWith(name, "_total");
    if (type == MetricType::kCounter && !total) {
      return Status::InvalidArgument("counter \"" + std::string(name) + "\" must end in _total");
    }
    if (type != MetricType::kCounter && total) {
      return Status::InvalidArgument("only counters end in _total: \"" + std::string(name) + "\"");
    }
    for (std::size_t i = 0; i < labels.size(); ++i) {
      STREAMGATE_RETURN_IF_ERROR(ValidateLabelName(labels[i]));
      if (type == MetricType::kHistogram && labels[i] == "le") {
        return Status::InvalidArgument("histogram \"" + std::string(name) +
                                       "\" cannot use the label \"le\"");
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (labels[j] == labels[i]) {
          return Status::InvalidArgument("label \"" + labels[i] + "\" appears twice in \"" +
                                         std::string(name) + "\"");
        }
      }
    }
    return Status::Ok();
  }

  // The existing family named `name` when its definition matches; AlreadyExists when it
  // conflicts; null when there is none and no derived series collides. Caller holds mu.
  Result<internal::FamilyBase*> FindExisting(const std::string& name, MetricType type,
                                             const std::vector<std::string>& labels,
                                             const std::vector<double>& bounds) const {
    const auto it = families.find(name);
    if (it != families.end()) {
      internal::FamilyBase& family = *it->second;
      if (family.type() != type || family.family_labels() != labels ||
          (type == MetricType::kHistogram && family.family_bounds() != bounds)) {
        return Status::AlreadyExists("metric \"" + name +
                                     "\" is already registered with another type, labels or "
                                     "buckets");
      }
      return &family;
    }
    for (const std::string& sample : SampleNames(name, type)) {
      for (const auto& [other_name, other] : families) {
        for (const std::string& other_sample : SampleNames(other_name, other->type())) {
          if (sample == other_sample) {
            return Status::AlreadyExists("metric \"" + name + "\" would expose \"" + sample +
                                         "\", which \"" + other_name + "\" already does");
          }
        }
      }
    }
    return static_cast<internal::FamilyBase*>(nullptr);
  }

  template <class Child>
  Result<MetricFamily<Child>*> Add(std::string_view name_in, std::string_view help, MetricType type,
                                   std::vector<std::string> labels, std::vector<double> bounds) {
    STREAMGATE_RETURN_IF_ERROR(Check(name_in, help, type, labels));
    const std::string name(name_in);
    std::lock_guard lock(mu);
    STREAMGATE_ASSIGN_OR_RETURN(internal::FamilyBase * existing,
                                FindExisting(name, type, labels, bounds));
    if (existing != nullptr) return static_cast<internal::FamilyImpl<Child>*>(existing);
    auto family = std::make_unique<internal::FamilyImpl<Child>>(
        name, std::string(help), type, std::move(labels), std::move(bounds),
        options.max_series_per_family);
    internal::FamilyImpl<Child>* const raw = family.get();
    families.emplace(name, std::move(family));
    return static_cast<MetricFamily<Child>*>(raw);
  }
};

MetricsRegistry::MetricsRegistry(MetricsRegistryOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  if (impl_->options.max_series_per_family == 0) impl_->options.max_series_per_family = 1;
}
MetricsRegistry::~MetricsRegistry() = default;

Result<CounterFamily*> MetricsRegistry::AddCounter(std::string_view name, std::string_view help,
                                                   std::vector<std::string> label_names) {
  return impl_->Add<Counter>(name, help, MetricType::kCounter, std::move(label_names), {});
}

Result<GaugeFamily*> MetricsRegistry::AddGauge(std::string_view name, std::string_view help,
                                               std::vector<std::string> label_names) {
  return impl_->Add<Gauge>(name, help, MetricType::kGauge, std::move(label_names), {});
}

Result<HistogramFamily*> MetricsRegistry::AddHistogram(std::string_view name, std::string_view help,
                                                       std::vector<std::string> label_names,
                                                       std::vector<double> bounds) {
  if (bounds.empty()) bounds = DefaultLatencyBuckets();
  if (bounds.size() > 100) {
    return Status::InvalidArgument("histogram \"" + std::string(name) +
                                   "\" has more than 100 buckets");
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return Status::InvalidArgument("histogram \"" + std::string(name) +
                                     "\": bucket bounds must be finite (+Inf is implicit)");
    }
    if (i > 0 && !(bounds[i] > bounds[i - 1])) {
      return Status::InvalidArgument("histogram \"" + std::string(name) +
                                     "\": bucket bounds must be strictly ascending");
    }
  }
  return impl_->Add<Histogram>(name, help, MetricType::kHistogram, std::move(label_names),
                               std::move(bounds));
}

int MetricsRegistry::AddCollector(std::function<void()> collect) {
  std::lock_guard lock(impl_->collectors_mu);
  const int id = impl_->next_collector++;
  impl_->collectors.emplace(id, std::move(collect));
  return id;
}

void MetricsRegistry::RemoveCollector(int id) {
  std::lock_guard lock(impl_->collectors_mu);
  impl_->collectors.erase(id);
}

std::vector<MetricFamilySnapshot> MetricsRegistry::Snapshot() const {
  {
    // Held while collecting: RemoveCollector then guarantees that the callback is not running.
    std::lock_guard lock(impl_->collectors_mu);
    for (const auto& [id, collect] : impl_->collectors) collect();
  }
  std::vector<const internal::FamilyBase*> families;
  {
    std::lock_guard lock(impl_->mu);
    families.reserve(impl_->families.size());
    for (const auto& [name, family] : impl_->families) families.push_back(family.get());
  }
  std::vector<MetricFamilySnapshot> out;
  out.reserve(families.size());
  for (const internal::FamilyBase* family : families) out.push_back(family->Snapshot());
  return out;
}

std::string MetricsRegistry::RenderPrometheusText() const {
  return streamgate::RenderPrometheusText(Snapshot());
}

}  // namespace streamgate
