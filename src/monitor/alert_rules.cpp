// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The alert rule language, parsed strictly by a hand-written scanner:
//   rules   := rule (';' rule)* [';']
//   rule    := name ':' metric ['{' matcher (',' matcher)* '}'] op number ['for' duration]
//   matcher := label '=' '"' value '"'        (value escapes: \" \\ \n)
//   op      := '>' | '>=' | '<' | '<=' | '==' | '!='
//   duration:= digits ('ms' | 's' | 'm' | 'h')
// and the evaluation of one rule against a registry snapshot.
#include "monitor/alert_rules.h"

#include <charconv>
#include <cmath>
#include <set>

namespace streamgate {
namespace {

constexpr std::size_t kMaxRulesText = 64 * 1024;
constexpr std::size_t kMaxRules = 100;
constexpr int64_t kMaxForMs = int64_t{7} * 24 * 60 * 60 * 1000;  // a week

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class RuleScanner {
 public:
  explicit RuleScanner(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Consume(std::string_view token) {
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  // [A-Za-z_][A-Za-z0-9_<extra>]*
  std::string_view Identifier(std::string_view extra) {
    const std::size_t start = pos_;
    if (AtEnd() || !IsAlpha(text_[pos_])) return {};
    ++pos_;
    while (!AtEnd() && (IsAlpha(text_[pos_]) || IsDigit(text_[pos_]) ||
                        extra.find(text_[pos_]) != std::string_view::npos)) {
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }
  std::string_view Rest() const { return text_.substr(pos_); }
  void Advance(std::size_t n) { pos_ += n; }
  std::size_t pos() const { return pos_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

Status RuleError(std::size_t index, std::string_view text, const std::string& what) {
  std::string shown(text.substr(0, 80));
  return Status::InvalidArgument("alert rule " + std::to_string(index + 1) + " (\"" + shown +
                                 "\"): " + what);
}

Result<AlertRule> ParseRule(std::string_view text, std::size_t index) {
  AlertRule rule;
  RuleScanner s(text);
  s.SkipSpace();
  rule.name = std::string(s.Identifier("-"));
  if (rule.name.empty())
    return RuleError(index, text, "expected a rule name ([A-Za-z_][A-Za-z0-9_-]*)");
  if (rule.name.size() > 100) return RuleError(index, text, "rule name longer than 100 bytes");
  s.SkipSpace();
  if (!s.Consume(":")) return RuleError(index, text, "expected ':' after the rule name");
  s.SkipSpace();
  rule.metric = std::string(s.Identifier(":"));
  if (rule.metric.empty()) return RuleError(index, text, "expected a metric name");
  if (!ValidateMetricName(rule.metric).ok()) {
    return RuleError(index, text, "invalid metric name \"" + rule.metric + "\"");
  }
  s.SkipSpace();
  if (s.Consume("{")) {
    s.SkipSpace();
    if (!s.Consume("}")) {
      while (true) {
        s.SkipSpace();
        const std::string label(s.Identifier(""));
        if (label.empty() || !ValidateLabelName(label).ok()) {
          return RuleError(index, text, "expected a label name in the matchers");
        }
        for (const auto& [existing, value] : rule.matchers) {
          if (existing == label)
            return RuleError(index, text, "label \"" + label + "\" matched twice");
        }
        s.SkipSpace();
        if (!s.Consume("="))
          return RuleError(index, text, "expected '=' after label \"" + label + "\"");
        s.SkipSpace();
        if (!s.Consume("\"")) return RuleError(index, text, "expected a double-quoted label value");
        std::string value;
        bool closed = false;
        while (!s.AtEnd()) {
          const char c = s.Peek();
          s.Advance(1);
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            const char next = s.Peek();
            if (next == '"' || next == '\\') {
              value += next;
            } else if (next == 'n') {
              value += '\n';
            } else {
              return RuleError(index, text, "unknown escape in a label value");
            }
            s.Advance(1);
            continue;
          }
          value += c;
        }
        if (!closed) return RuleError(index, text, "unterminated label value");
        rule.matchers.emplace_back(label, std::move(value));
        s.SkipSpace();
        if (s.Consume("}")) break;
        if (!s.Consume(",")) return RuleError(index, text, "expected ',' or '}' in the matchers");
      }
    }
    s.SkipSpace();
  }
  if (s.Consume(">=")) {
    rule.comparison = AlertComparison::kGreaterEqual;
  } else if (s.Consume("<=")) {
    rule.comparison = AlertComparison::kLessEqual;
  } else if (s.Consume("==")) {
    rule.comparison = AlertComparison::kEqual;
  } else if (s.Consume("!=")) {
    rule.comparison = AlertComparison::kNotEqual;
  } else if (s.Consume(">")) {
    rule.comparison = AlertComparison::kGreater;
  } else if (s.Consume("<")) {
    rule.comparison = AlertComparison::kLess;
  } else {
    return RuleError(index, text, "expected an operator (> >= < <= == !=)");
  }
  s.SkipSpace();
  {
    // A plain decimal number: optional '-', digits, optional fraction and exponent.
    std::string_view rest = s.Rest();
    std::size_t length = 0;
    while (length < rest.size() && !IsSpace(rest[length])) ++length;
    const std::string_view token = rest.substr(0, length);
    double threshold = 0;
    const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), threshold,
                                           std::chars_format::general);
    if (token.empty() || ec != std::errc() || ptr != token.data() + token.size() ||
        !std::isfinite(threshold)) {
      return RuleError(index, text, "expected a finite number as the threshold");
    }
    rule.threshold = threshold;
    s.Advance(length);
  }
  s.SkipSpace();
  if (s.Consume("for")) {
    if (!IsSpace(s.Peek())) return RuleError(index, text, "expected a space after 'for'");
    s.SkipSpace();
    std::string_view rest = s.Rest();
    std::size_t digits = 0;
    while (digits < rest.size() && IsDigit(rest[digits])) ++digits;
    int64_t amount = 0;
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + digits, amount);
    if (digits == 0 || digits > 12 || ec != std::errc() || ptr != rest.data() + digits) {
      return RuleError(index, text, "expected a duration such as 30s after 'for'");
    }
    s.Advance(digits);
    int64_t scale = 0;
    if (s.Consume("ms")) {
      scale = 1;
    } else if (s.Consume("s")) {
      scale = 1000;
    } else if (s.Consume("m")) {
      scale = 60 * 1000;
    } else if (s.Consume("h")) {
      scale = 60 * 60 * 1000;
    } else {
      return RuleError(index, text, "expected a duration unit (ms, s, m or h)");
    }
    if (amount > kMaxForMs / scale) return RuleError(index, text, "'for' longer than a week");
    rule.for_duration = std::chrono::milliseconds(amount * scale);
    s.SkipSpace();
  }
  if (!s.AtEnd()) {
    return RuleError(index, text, "unexpected \"" + std::string(s.Rest().substr(0, 20)) + "\"");
  }
  // Trimmed source text, for display.
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && IsSpace(text[begin])) ++begin;
  while (end > begin && IsSpace(text[end - 1])) --end;
  rule.text = std::string(text.substr(begin, end - begin));
  return rule;
}

}  // namespace

Result<std::vector<AlertRule>> ParseAlertRules(std::string_view text) {
  if (text.size() > kMaxRulesText) {
    return Status::InvalidArgument("alert rules longer than 64 KiB");
  }
  std::vector<std::string_view> parts;
  // ';' inside a quoted label value does not split rules.
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (quoted && text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && text[i] == ';') {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  std::vector<AlertRule> rules;
  std::set<std::string> names;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool blank = parts[i].find_first_not_of(" \t\r\n") == std::string_view::npos;
    if (blank) {
      // Allowed: an empty setting, and one trailing ';'.
      if (parts.size() == 1 || i + 1 == parts.size()) continue;
      return RuleError(i, parts[i], "empty rule (two ';' in a row?)");
    }
    STREAMGATE_ASSIGN_OR_RETURN(AlertRule rule, ParseRule(parts[i], i));
    if (!names.insert(rule.name).second) {
      return RuleError(i, parts[i], "another rule is named \"" + rule.name + "\"");
    }
    rules.push_back(std::move(rule));
    if (rules.size() > kMaxRules) return Status::InvalidArgument("more than 100 alert rules");
  }
  return rules;
}

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
  }
  return "unknown";
}

namespace internal {

std::optional<double> AlertValue(const AlertRule& rule,
                                 const std::vector<MetricFamilySnapshot>& families) {
  // A histogram is addressed through its derived series: name_count or name_sum.
  for (const MetricFamilySnapshot& family : families) {
    bool use_count = false;
    bool use_sum = false;
    if (family.name != rule.metric) {
      if (family.type != MetricType::kHistogram) continue;
      use_count = rule.metric == family.name + "_count";
      use_sum = rule.metric == family.name + "_sum";
      if (!use_count && !use_sum) continue;
    } else if (family.type == MetricType::kHistogram) {
      return std::nullopt;  // a histogram itself has no single value
    }
    std::optional<double> total;
    for (const MetricSeriesSnapshot& series : family.series) {
      bool matches = true;
      for (const auto& [label, value] : rule.matchers) {
        bool found = false;
        for (std::size_t i = 0; i < family.label_names.size(); ++i) {
          if (family.label_names[i] == label) {
            found = series.label_values[i] == value;
            break;
          }
        }
        if (!found) {
          matches = false;
          break;
        }
      }
      if (!matches) continue;
      const double value = use_count ? static_cast<double>(series.count)
                           : use_sum ? series.sum
                                     : series.value;
      total = total.value_or(0) + value;
    }
    return total;
  }
  return std::nullopt;
}

bool AlertConditionHolds(const AlertRule& rule, double value) {
  switch (rule.comparison) {
    case AlertComparison::kGreater:
      return value > rule.threshold;
    case AlertComparison::kGreaterEqual:
      return value >= rule.threshold;
    case AlertComparison::kLess:
      return value < rule.threshold;
    case AlertComparison::kLessEqual:
      return value <= rule.threshold;
    case AlertComparison::kEqual:
      return value == rule.threshold;
    case AlertComparison::kNotEqual:
      return value != rule.threshold;
  }
  return false;
}

bool AdvanceAlert(AlertStatus& status, std::optional<double> value,
                  std::chrono::system_clock::time_point now) {
  const AlertState before = status.state;
  status.value = value;
  status.evaluated_at = now;
  // No matching series means no data: the condition does not hold.
  const bool holds = value.has_value() && AlertConditionHolds(status.rule, *value);
  if (holds) {
    if (status.state == AlertState::kInactive || status.state == AlertState::kResolved) {
      status.state = AlertState::kPending;
      status.active_since = now;
    }
    if (status.state == AlertState::kPending &&
        now - status.active_since >= status.rule.for_duration) {
      status.state = AlertState::kFiring;
      status.fired_at = now;
    }
  } else if (status.state == AlertState::kFiring) {
    status.state = AlertState::kResolved;
    status.resolved_at = now;
  } else if (status.state == AlertState::kPending) {
    status.state = AlertState::kInactive;  // never fired: nothing to resolve
  }
  return status.state != before;
}

}  // namespace internal
}  // namespace streamgate
