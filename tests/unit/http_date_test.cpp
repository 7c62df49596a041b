// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "http/http_date.h"

#include <catch2/catch.hpp>
#include <clocale>
#include <ctime>
#include <set>
#include <string>
#include <thread>
#include <vector>

using streamgate::internal::CachedHttpDateNow;
using streamgate::internal::FormatHttpDate;
using streamgate::internal::ParseHttpDate;

TEST_CASE("FormatHttpDate writes IMF-fixdate", "[http][date]") {
  CHECK(FormatHttpDate(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  CHECK(FormatHttpDate(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(FormatHttpDate(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT");
  CHECK(FormatHttpDate(4102444799) == "Thu, 31 Dec 2099 23:59:59 GMT");
}

TEST_CASE("FormatHttpDate ignores the process locale", "[http][date]") {
  // Whatever locale is installed, day and month names must stay English.
  const char* previous = std::setlocale(LC_ALL, nullptr);
  const std::string saved = previous ? previous : "C";
  std::setlocale(LC_ALL, "");
  std::setlocale(LC_TIME, "de_DE.UTF-8");
  CHECK(FormatHttpDate(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  std::setlocale(LC_ALL, saved.c_str());
}

TEST_CASE("ParseHttpDate reads IMF-fixdate", "[http][date]") {
  CHECK(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT") == std::time_t{784111777});
  CHECK(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT") == std::time_t{0});
  CHECK(ParseHttpDate("Tue, 29 Feb 2000 00:00:00 GMT") == std::time_t{951782400});
  // A leap second folds into the next minute.
  CHECK(ParseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT") == std::time_t{1483228800});
}

TEST_CASE("ParseHttpDate round-trips FormatHttpDate", "[http][date]") {
  for (std::time_t t : {std::time_t{0}, std::time_t{1}, std::time_t{86399}, std::time_t{1700000000},
                        std::time_t{2147483648}, std::time_t{253402300799}}) {
    INFO(t);
    CHECK(ParseHttpDate(FormatHttpDate(t)) == t);
  }
}

TEST_CASE("ParseHttpDate rejects everything else", "[http][date]") {
  for (const char* text : {
           "",
           "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850, obsolete
           "Sun Nov  6 08:49:37 1994",        // asctime, obsolete
           "Sun, 06 Nov 1994 08:49:37 UTC",
           "Sun, 06 Nov 1994 08:49:37 GMT ",
           "Sun, 6 Nov 1994 08:49:37 GMT",
           "Xyz, 06 Nov 1994 08:49:37 GMT",
           "Sun, 06 Foo 1994 08:49:37 GMT",
           "Sun, 06 nov 1994 08:49:37 GMT",
           "Sun, 00 Nov 1994 08:49:37 GMT",
           "Sun, 31 Nov 1994 08:49:37 GMT",
           "Sun, 29 Feb 1900 08:49:37 GMT",
           "Sun, 06 Nov 1994 24:00:00 GMT",
           "Sun, 06 Nov 1994 08:60:00 GMT",
           "Sun, 06 Nov 1994 08:49:61 GMT",
           "Sun, 06 Nov 19x4 08:49:37 GMT",
           "Sun, 06 Nov 1994 08-49-37 GMT",
           "Sun, -6 Nov 1994 08:49:37 GMT",
       }) {
    INFO(text);
    CHECK_FALSE(ParseHttpDate(text));
  }
}

TEST_CASE("CachedHttpDateNow is the current time and per-thread safe", "[http][date]") {
  const std::time_t before = std::time(nullptr);
  const std::string now(CachedHttpDateNow());
  const std::time_t after = std::time(nullptr);
  auto parsed = ParseHttpDate(now);
  REQUIRE(parsed);
  CHECK(*parsed >= before);
  CHECK(*parsed <= after);

  std::vector<std::thread> threads;
  std::vector<std::string> results(8);
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&results, i] {
      for (int n = 0; n < 1000; ++n) results[i] = std::string(CachedHttpDateNow());
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& r : results) {
    auto p = ParseHttpDate(r);
    REQUIRE(p);
    CHECK(*p >= before);
  }
}
