// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "http/url.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamgate::internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    // Most paths have no escape at all: copy each plain run in one append, not byte by byte.
    std::size_t run_end = i;
    while (run_end < in.size() && in[run_end] != '%' && in[run_end] != '\0' &&
           !(plus_is_space && in[run_end] == '+')) {
      ++run_end;
    }
    out.append(in.data() + i, run_end - i);
    i = run_end;
    if (i == in.size()) break;

    const char c = in[i];
    if (c == '\0') return std::nullopt;  // a raw NUL is as dangerous as an encoded one
    if (c == '+') {
      out.push_back(' ');
      ++i;
      continue;
    }
    if (in.size() - i < 3) return std::nullopt;  // truncated escape: "%", "%4"
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const char decoded = static_cast<char>(hi * 16 + lo);
    // An encoded NUL would truncate the string at the first C API (open(2), realpath(3)) and
    // so let "a%00.m3u8" mean "a": no legitimate path or parameter contains one.
    if (decoded == '\0') return std::nullopt;
    out.push_back(decoded);
    i += 3;
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view piece = query.substr(pos, end - pos);
    pos = end + 1;
    // "a=1&&b=2" and a trailing '&' are common in hand-written URLs and mean nothing.
    if (piece.empty()) continue;
    const std::size_t eq = piece.find('=');
    const std::string_view raw_key = piece.substr(0, eq);
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    auto key = PercentDecode(raw_key, /*plus_is_space=*/true);
    auto value = PercentDecode(raw_value, /*plus_is_space=*/true);
    if (!key || !value) return std::nullopt;
    params.emplace_back(std::move(*key), std::move(*value));
  }
  return params;
}

std::string PercentEncode(std::string_view in, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

}  // namespace streamgate::internal
