#include "pmx/core/time.h"

#include <cstdio>
#include <ctime>

#include "calendar.h"

namespace pmx {
namespace {

bool read_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil),
// so parsing needs neither timegm nor the process time zone.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<UnixNanos> parse_rfc3339(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (text.size() < 20 || !read_digits(text, 0, 4, year) || text[4] != '-' ||
      !read_digits(text, 5, 2, month) || text[7] != '-' || !read_digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !read_digits(text, 11, 2, hour) || text[13] != ':' || !read_digits(text, 14, 2, minute) ||
      text[16] != ':' || !read_digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (!is_calendar_date(year, month, day) || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) fraction = fraction * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 9; ++i) fraction *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!read_digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !read_digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_seconds = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  // Alertmanager marks "unset" with Go's zero time; anything before the epoch means the same.
  if (year < 1970) return UnixNanos{0};
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds =
      days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset_seconds;
  if (seconds > 9'000'000'000) return std::nullopt;  // beyond int64 nanoseconds (year 2262)
  // The same for an instant before the epoch written in 1970 with an offset (`00:30+01:00`):
  // it reads as 0 like its UTC form (`1969-12-31T23:30:00Z`) does, never as a negative time.
  if (seconds < 0) return UnixNanos{0};
  return seconds * kNanosPerSecond + fraction;
}

std::string format_rfc3339(UnixNanos t) {
  std::time_t seconds = static_cast<std::time_t>(t / kNanosPerSecond);
  std::int64_t nanos = t % kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[48];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (nanos != 0 && nanos % 1'000'000 == 0) {
    n += static_cast<std::size_t>(
        std::snprintf(buf + n, sizeof buf - n, ".%03lld", static_cast<long long>(nanos / 1'000'000)));
  } else if (nanos != 0) {
    n += static_cast<std::size_t>(
        std::snprintf(buf + n, sizeof buf - n, ".%09lld", static_cast<long long>(nanos)));
  }
  return std::string(buf, n) + "Z";
}

std::string format_rfc3339_seconds(UnixNanos t) {
  UnixNanos whole = t - t % kNanosPerSecond;
  if (t < 0 && t % kNanosPerSecond != 0) whole -= kNanosPerSecond;
  return format_rfc3339(whole);
}

std::string format_date(UnixNanos t) { return format_rfc3339(t).substr(0, 10); }

}  // namespace pmx

namespace pmx {

std::optional<UnixNanos> parse_duration(std::string_view text) {
  // Units in the order Prometheus requires them (largest first), each at most once.
  static constexpr std::pair<std::string_view, UnixNanos> kUnits[] = {
      {"y", 365 * kNanosPerDay},
      {"w", 7 * kNanosPerDay},
      {"d", kNanosPerDay},
      {"h", 3600LL * kNanosPerSecond},
      {"m", 60LL * kNanosPerSecond},
      {"s", kNanosPerSecond},
      {"ms", 1'000'000LL}};
  if (text.empty()) return std::nullopt;
  if (text == "0") return UnixNanos{0};
  UnixNanos total = 0;
  std::size_t next_unit = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t number = 0;
    const std::size_t digits_start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      number = number * 10 + (text[pos++] - '0');
      if (number > 1'000'000'000) return std::nullopt;
    }
    if (pos == digits_start) return std::nullopt;
    std::size_t unit_end = pos;
    while (unit_end < text.size() && (text[unit_end] < '0' || text[unit_end] > '9')) ++unit_end;
    const std::string_view unit = text.substr(pos, unit_end - pos);
    bool matched = false;
    for (std::size_t u = next_unit; u < std::size(kUnits); ++u) {
      if (kUnits[u].first == unit) {
        if (number > INT64_MAX / kUnits[u].second - total / kUnits[u].second) return std::nullopt;
        total += number * kUnits[u].second;
        next_unit = u + 1;
        matched = true;
        break;
      }
    }
    if (!matched) return std::nullopt;
    pos = unit_end;
  }
  return total;
}

}  // namespace pmx
