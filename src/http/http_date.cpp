// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Formatting and parsing by hand rather than with strftime/strptime: those follow LC_TIME, so an
// embedding application that calls setlocale() would change our Date headers. gmtime_r and timegm
// are reentrant and locale-free.
#include "http/http_date.h"

#include <array>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace streamgate::internal {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::size_t kFixdateLength = 29;  // "Sun, 06 Nov 1994 08:49:37 GMT"

void PutDigits(char* out, int value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// Writes exactly kFixdateLength characters.
bool FormatInto(std::time_t t, char* out) {
  std::tm tm{};
  // Years beyond 9999 do not fit the 4-digit grammar; negative years make no sense in HTTP.
  if (gmtime_r(&t, &tm) == nullptr || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
    return false;
  }
  const std::string_view day = kDays[static_cast<std::size_t>(tm.tm_wday)];
  const std::string_view month = kMonths[static_cast<std::size_t>(tm.tm_mon)];
  day.copy(out, 3);
  out[3] = ',';
  out[4] = ' ';
  PutDigits(out + 5, tm.tm_mday, 2);
  out[7] = ' ';
  month.copy(out + 8, 3);
  out[11] = ' ';
  PutDigits(out + 12, tm.tm_year + 1900, 4);
  out[16] = ' ';
  PutDigits(out + 17, tm.tm_hour, 2);
  out[19] = ':';
  PutDigits(out + 20, tm.tm_min, 2);
  out[22] = ':';
  PutDigits(out + 23, tm.tm_sec, 2);
  std::string_view(" GMT").copy(out + 25, 4);
  return true;
}

bool ParseDigits(std::string_view s, int* out) {
  int value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month0) {
  constexpr std::array<int, 12> kDaysIn = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month0 == 1 && IsLeapYear(year) ? 29 : kDaysIn[static_cast<std::size_t>(month0)];
}

}  // namespace

std::string FormatHttpDate(std::time_t t) {
  std::string out(kFixdateLength, ' ');
  if (!FormatInto(t, out.data())) {
    // Out of the grammar's range: the epoch is a harmless, well-formed stand-in.
    FormatInto(0, out.data());
  }
  return out;
}

std::string_view CachedHttpDateNow() {
  // Per thread, so that no lock or atomic sits on the response path; each I/O thread formats
  // at most once per second.
  thread_local std::time_t cached_second = -1;
  thread_local std::array<char, kFixdateLength> cached{};
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    if (!FormatInto(now, cached.data())) FormatInto(0, cached.data());
    cached_second = now;
  }
  return {cached.data(), cached.size()};
}

std::optional<std::time_t> ParseHttpDate(std::string_view text) {
  // Fixed positions: "Sun, 06 Nov 1994 08:49:37 GMT".
  if (text.size() != kFixdateLength) return std::nullopt;
  if (text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
      text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  bool known_day = false;
  for (std::string_view d : kDays) known_day = known_day || d == text.substr(0, 3);
  if (!known_day) return std::nullopt;

  int month = -1;
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == text.substr(8, 3)) month = static_cast<int>(i);
  }
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (month < 0 || !ParseDigits(text.substr(5, 2), &day) ||
      !ParseDigits(text.substr(12, 4), &year) || !ParseDigits(text.substr(17, 2), &hour) ||
      !ParseDigits(text.substr(20, 2), &minute) || !ParseDigits(text.substr(23, 2), &second)) {
    return std::nullopt;
  }
  // The grammar allows second 60 (a leap second); timegm folds it into the next minute.
  if (day < 1 || day > DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return timegm(&tm);
}

}  // namespace streamgate::internal
