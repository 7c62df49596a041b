// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "http/range.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>

using streamgate::internal::ByteRange;
using streamgate::internal::ParseRange;
using Kind = ByteRange::Kind;

namespace {

void CheckRange(const ByteRange& r, uint64_t first, uint64_t last) {
  REQUIRE(r.kind == Kind::kSatisfiable);
  CHECK(r.first == first);
  CHECK(r.last == last);
  CHECK(r.length() == last - first + 1);
}

}  // namespace

TEST_CASE("ParseRange: first-last", "[http][range]") {
  CheckRange(ParseRange("bytes=0-499", 1000), 0, 499);
  CheckRange(ParseRange("bytes=500-999", 1000), 500, 999);
  CheckRange(ParseRange("bytes=0-0", 1000), 0, 0);
  CheckRange(ParseRange("bytes=999-999", 1000), 999, 999);
  CheckRange(ParseRange("bytes=0-0", 1), 0, 0);
  // last beyond the end is clamped.
  CheckRange(ParseRange("bytes=500-5000", 1000), 500, 999);
}

TEST_CASE("ParseRange: open-ended and suffix", "[http][range]") {
  CheckRange(ParseRange("bytes=100-", 1000), 100, 999);
  CheckRange(ParseRange("bytes=0-", 1), 0, 0);
  CheckRange(ParseRange("bytes=-1", 1000), 999, 999);
  CheckRange(ParseRange("bytes=-500", 1000), 500, 999);
  // A suffix longer than the representation selects all of it.
  CheckRange(ParseRange("bytes=-1000", 1000), 0, 999);
  CheckRange(ParseRange("bytes=-5000", 1000), 0, 999);
}

TEST_CASE("ParseRange: unsatisfiable", "[http][range]") {
  CHECK(ParseRange("bytes=1000-", 1000).kind == Kind::kUnsatisfiable);
  CHECK(ParseRange("bytes=1000-2000", 1000).kind == Kind::kUnsatisfiable);
  CHECK(ParseRange("bytes=5000-", 1000).kind == Kind::kUnsatisfiable);
  CHECK(ParseRange("bytes=-0", 1000).kind == Kind::kUnsatisfiable);
  // An empty representation satisfies no range at all.
  CHECK(ParseRange("bytes=0-", 0).kind == Kind::kUnsatisfiable);
  CHECK(ParseRange("bytes=0-0", 0).kind == Kind::kUnsatisfiable);
  CHECK(ParseRange("bytes=-1", 0).kind == Kind::kUnsatisfiable);
}

TEST_CASE("ParseRange: ignored (serve the whole representation)", "[http][range]") {
  for (const char* header : {
           "",
           "bytes",
           "bytes=",
           "bytes=-",
           "items=0-1",
           "bytes 0-1",
           "bytes=a-b",
           "bytes=1-a",
           "bytes=+1-2",
           "bytes=-+2",
           "bytes=--1",
           "bytes=1--2",
           "bytes=0x10-",
           "bytes=1-2-3",
           "bytes=0-1,2-3",  // multi-range: 200 is allowed
           "bytes=0-1, 5-6",
           "bytes=500-100",  // last < first: invalid, hence ignored
           "bytes=1 -2",
       }) {
    INFO(header);
    CHECK(ParseRange(header, 1000).kind == Kind::kNone);
  }
}

TEST_CASE("ParseRange: unit is case-insensitive, surrounding whitespace tolerated",
          "[http][range]") {
  CheckRange(ParseRange("Bytes=1-2", 10), 1, 2);
  CheckRange(ParseRange("BYTES=1-2", 10), 1, 2);
  CheckRange(ParseRange("  bytes=1-2 \t", 10), 1, 2);
  CheckRange(ParseRange("bytes= 1-2", 10), 1, 2);
}

TEST_CASE("ParseRange: huge numbers neither overflow nor wrap", "[http][range]") {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  CheckRange(ParseRange("bytes=0-18446744073709551615", 1000), 0, 999);
  CheckRange(ParseRange("bytes=0-99999999999999999999999999", 1000), 0, 999);
  CheckRange(ParseRange("bytes=-99999999999999999999999999", 1000), 0, 999);
  CHECK(ParseRange("bytes=99999999999999999999999999-", 1000).kind == Kind::kUnsatisfiable);
  CHECK(ParseRange("bytes=18446744073709551616-18446744073709551617", 1000).kind ==
        Kind::kUnsatisfiable);
  // Both ends saturate, yet last < first is still detected.
  CHECK(ParseRange("bytes=18446744073709551617-18446744073709551616", 1000).kind == Kind::kNone);
  // Leading zeros do not change the value.
  CheckRange(ParseRange("bytes=0000000000000000000000001-0000000000000000000000002", 10), 1, 2);
  // The largest possible representation.
  CheckRange(ParseRange("bytes=18446744073709551614-", max), max - 1, max - 1);
  CheckRange(ParseRange("bytes=-1", max), max - 1, max - 1);
}
