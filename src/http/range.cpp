// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "http/range.h"

#include <cstdint>
#include <limits>
#include <string_view>

namespace streamgate::internal {
namespace {

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWithBytesUnit(std::string_view s) {
  // Range units are case-insensitive tokens (RFC 9110 §14.1).
  constexpr std::string_view kUnit = "bytes=";
  if (s.size() < kUnit.size()) return false;
  for (std::size_t i = 0; i < kUnit.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != kUnit[i]) return false;
  }
  return true;
}

// A decimal position. Values beyond uint64_t are syntactically valid and saturate: they are
// larger than any representation, which is all the caller needs to know — except when comparing
// two of them, hence `digits`.
struct Position {
  uint64_t value = 0;
  std::string_view digits;  // without leading zeros
  bool saturated = false;
};

bool ParsePosition(std::string_view s, Position* out) {
  if (s.empty()) return false;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  Position p;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (p.value > (kMax - digit) / 10) {
      p.saturated = true;
      p.value = kMax;
    } else if (!p.saturated) {
      p.value = p.value * 10 + digit;
    }
  }
  const std::size_t nonzero = s.find_first_not_of('0');
  p.digits = nonzero == std::string_view::npos ? std::string_view() : s.substr(nonzero);
  *out = p;
  return true;
}

bool Less(const Position& a, const Position& b) {
  if (!a.saturated && !b.saturated) return a.value < b.value;
  if (a.digits.size() != b.digits.size()) return a.digits.size() < b.digits.size();
  return a.digits < b.digits;
}

}  // namespace

ByteRange ParseRange(std::string_view header, uint64_t size) {
  ByteRange none;  // kNone: serve the whole representation
  std::string_view value = TrimOws(header);
  if (!StartsWithBytesUnit(value)) return none;
  value = TrimOws(value.substr(6));
  // Several ranges are legal, but answering them needs multipart/byteranges; the whole
  // representation (200) is an allowed answer and every player copes with it.
  if (value.empty() || value.find(',') != std::string_view::npos) return none;

  const std::size_t dash = value.find('-');
  if (dash == std::string_view::npos) return none;
  const std::string_view first_text = value.substr(0, dash);
  const std::string_view last_text = value.substr(dash + 1);

  ByteRange unsatisfiable;
  unsatisfiable.kind = ByteRange::Kind::kUnsatisfiable;

  if (first_text.empty()) {
    // Suffix range "-n": the last n bytes.
    Position suffix;
    if (!ParsePosition(last_text, &suffix)) return none;
    // A zero-length suffix selects nothing, and nothing can be selected from an empty body.
    if (suffix.value == 0 || size == 0) return unsatisfiable;
    ByteRange range;
    range.kind = ByteRange::Kind::kSatisfiable;
    range.first = suffix.value >= size ? 0 : size - suffix.value;
    range.last = size - 1;
    return range;
  }

  Position first;
  if (!ParsePosition(first_text, &first)) return none;
  Position last;
  const bool has_last = !last_text.empty();
  if (has_last) {
    if (!ParsePosition(last_text, &last)) return none;
    // last < first makes the range-spec invalid, and an invalid Range is ignored (§14.2).
    if (Less(last, first)) return none;
  }
  if (size == 0 || first.value >= size) return unsatisfiable;

  ByteRange range;
  range.kind = ByteRange::Kind::kSatisfiable;
  range.first = first.value;
  range.last = (has_last && last.value < size) ? last.value : size - 1;
  return range;
}

}  // namespace streamgate::internal
