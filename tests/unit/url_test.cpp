// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "http/url.h"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

using streamgate::internal::ParseQuery;
using streamgate::internal::PercentDecode;
using streamgate::internal::PercentEncode;
using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("PercentDecode decodes escapes of either case", "[http][url]") {
  CHECK(PercentDecode("/a%20b", false) == "/a b");
  CHECK(PercentDecode("%2F%2f", false) == "//");
  CHECK(PercentDecode("%e2%82%ac", false) == "\xE2\x82\xAC");
  CHECK(PercentDecode("", false) == "");
  CHECK(PercentDecode("plain", false) == "plain");
  CHECK(PercentDecode("%2e%2e/etc", false) == "../etc");
}

TEST_CASE("PercentDecode turns '+' into a space only when asked", "[http][url]") {
  CHECK(PercentDecode("a+b", false) == "a+b");
  CHECK(PercentDecode("a+b", true) == "a b");
  CHECK(PercentDecode("a%2Bb", true) == "a+b");
}

TEST_CASE("PercentDecode rejects malformed escapes and NUL", "[http][url]") {
  CHECK_FALSE(PercentDecode("%", false));
  CHECK_FALSE(PercentDecode("abc%", false));
  CHECK_FALSE(PercentDecode("%4", false));
  CHECK_FALSE(PercentDecode("%4g", false));
  CHECK_FALSE(PercentDecode("%g4", false));
  CHECK_FALSE(PercentDecode("%%41", false));
  CHECK_FALSE(PercentDecode("a%00.m3u8", false));
  CHECK_FALSE(PercentDecode(std::string("a\0b", 3), false));
}

TEST_CASE("ParseQuery splits, decodes and keeps order", "[http][url]") {
  auto q = ParseQuery("a=1&b=x%20y&flag&c=p+q&a=2");
  REQUIRE(q);
  CHECK(*q == Pairs{{"a", "1"}, {"b", "x y"}, {"flag", ""}, {"c", "p q"}, {"a", "2"}});
}

TEST_CASE("ParseQuery edge cases", "[http][url]") {
  CHECK(ParseQuery("")->empty());
  CHECK(*ParseQuery("&&a=1&") == Pairs{{"a", "1"}});
  CHECK(*ParseQuery("a=") == Pairs{{"a", ""}});
  CHECK(*ParseQuery("=v") == Pairs{{"", "v"}});
  // Only the first '=' separates key from value.
  CHECK(*ParseQuery("t=a=b") == Pairs{{"t", "a=b"}});
  CHECK(*ParseQuery("k%3D=v%26w") == Pairs{{"k=", "v&w"}});
  CHECK_FALSE(ParseQuery("a=%zz"));
  CHECK_FALSE(ParseQuery("ok=1&bad%=2"));
  CHECK_FALSE(ParseQuery("a=%00"));
}

TEST_CASE("PercentEncode keeps only unreserved characters", "[http][url]") {
  CHECK(PercentEncode("AZaz09-._~") == "AZaz09-._~");
  CHECK(PercentEncode("a b/c?d=e&f") == "a%20b%2Fc%3Fd%3De%26f");
  CHECK(PercentEncode("a b/c", true) == "a%20b/c");
  CHECK(PercentEncode("\xE2\x82\xAC") == "%E2%82%AC");
  CHECK(PercentEncode(std::string("\0\xff", 2)) == "%00%FF");
  CHECK(PercentEncode("") == "");
}

TEST_CASE("PercentEncode and PercentDecode round-trip every byte but NUL", "[http][url]") {
  std::string all;
  for (int c = 1; c < 256; ++c) all.push_back(static_cast<char>(c));
  CHECK(PercentDecode(PercentEncode(all), false) == all);
  CHECK(PercentDecode(PercentEncode(all, true), false) == all);
}
