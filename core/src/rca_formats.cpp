#include "rca_formats.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <string>

#include "calendar.h"

namespace pmx::rca_format {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads `count` ASCII digits at `pos` (JavaScript's \d is ASCII only).
bool read_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(text[i])) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// Decodes the UTF-8 code point at `pos` and moves past it. Strings from nlohmann::json are valid
// UTF-8; a stray byte of anything else decodes as itself, which no rule here accepts anyway.
char32_t next_code_point(std::string_view text, std::size_t& pos) {
  const auto lead = static_cast<unsigned char>(text[pos++]);
  const int extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  char32_t code = extra == 0 ? lead : lead & (0x3F >> extra);
  for (int i = 0; i < extra && pos < text.size(); ++i) {
    code = (code << 6) | (static_cast<unsigned char>(text[pos++]) & 0x3F);
  }
  return code;
}

// JavaScript's \s (ECMA-262 WhiteSpace and LineTerminator, the same with and without the u flag):
// what ajv-formats accepts between date and time, and what pattern "\\S" looks past.
bool is_js_space(char32_t c) {
  static constexpr char32_t kSpaces[] = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0xA0,
                                         0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF};
  if (c >= 0x2000 && c <= 0x200A) return true;
  return std::find(std::begin(kSpaces), std::end(kSpaces), c) != std::end(kSpaces);
}

struct Date {
  int year = 0, month = 0, day = 0;
};

// ajv-formats `date`: /^(\d\d\d\d)-(\d\d)-(\d\d)$/ and a day that exists in that month.
std::optional<Date> read_date(std::string_view text) {
  Date d;
  if (text.size() != 10 || !read_digits(text, 0, 4, d.year) || text[4] != '-' ||
      !read_digits(text, 5, 2, d.month) || text[7] != '-' || !read_digits(text, 8, 2, d.day)) {
    return std::nullopt;
  }
  if (!is_calendar_date(d.year, d.month, d.day)) return std::nullopt;
  return d;
}

struct Time {
  int hour = 0, minute = 0, second = 0;
  std::int64_t nanos = 0;  // fraction, truncated to nanoseconds
  int offset_seconds = 0;  // local minus UTC
};

// ajv-formats `time` with the offset required (its strictTimeZone, used by `date-time`):
// /^(\d\d):(\d\d):(\d\d(?:\.\d+)?)(z|([+-])(\d\d)(?::?(\d\d))?)?$/i, then its range checks,
// including its leap second rule, kept verbatim even where it lets odd times through.
std::optional<Time> read_time(std::string_view text) {
  Time t;
  if (!read_digits(text, 0, 2, t.hour) || text.size() < 8 || text[2] != ':' ||
      !read_digits(text, 3, 2, t.minute) || text[5] != ':' || !read_digits(text, 6, 2, t.second)) {
    return std::nullopt;
  }
  std::size_t pos = 8;
  if (pos < text.size() && text[pos] == '.') {
    int digits = 0;
    for (++pos; pos < text.size() && is_digit(text[pos]); ++pos, ++digits) {
      if (digits < 9) t.nanos = t.nanos * 10 + (text[pos] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) t.nanos *= 10;
  }
  const std::string_view seconds_text = text.substr(6, pos - 6);
  int sign = 1, tz_hours = 0, tz_minutes = 0;
  if (pos >= text.size()) return std::nullopt;
  if (text[pos] == 'z' || text[pos] == 'Z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    sign = text[pos] == '-' ? -1 : 1;
    if (!read_digits(text, pos + 1, 2, tz_hours)) return std::nullopt;
    pos += 3;
    if (pos < text.size()) {
      if (text[pos] == ':') ++pos;
      if (!read_digits(text, pos, 2, tz_minutes)) return std::nullopt;
      pos += 2;
    }
  } else {
    return std::nullopt;
  }
  if (pos != text.size() || tz_hours > 23 || tz_minutes > 59) return std::nullopt;
  // JavaScript compares the seconds as a double (`+"59.9999999999999999"` is 60): so do we.
  double second = 0;
  std::from_chars(seconds_text.data(), seconds_text.data() + seconds_text.size(), second);
  if (!(t.hour <= 23 && t.minute <= 59 && second < 60)) {
    const int utc_minute = t.minute - tz_minutes * sign;
    const int utc_hour = t.hour - tz_hours * sign - (utc_minute < 0 ? 1 : 0);
    if (!((utc_hour == 23 || utc_hour == -1) && (utc_minute == 59 || utc_minute == -1) &&
          second < 61)) {
      return std::nullopt;
    }
  }
  t.offset_seconds = sign * (tz_hours * 3600 + tz_minutes * 60);
  return t;
}

struct DateTime {
  Date date;
  Time time;
};

// ajv-formats splits on /t|\s/i and wants exactly a date and a time; as neither contains a
// separator, that is: a 10-character date, one separator, a time.
std::optional<DateTime> read_date_time(std::string_view text) {
  if (text.size() < 11) return std::nullopt;
  const auto date = read_date(text.substr(0, 10));
  if (!date) return std::nullopt;
  std::size_t pos = 10;
  const char32_t separator = next_code_point(text, pos);
  if (separator != U't' && separator != U'T' && !is_js_space(separator)) return std::nullopt;
  const auto time = read_time(text.substr(pos));
  if (!time) return std::nullopt;
  return DateTime{*date, *time};
}

bool in_range(const Date& date) { return date.year >= kMinYear && date.year <= kMaxYear; }

// Midnight UTC starting `date`; parse_rfc3339 does the calendar arithmetic.
std::optional<UnixNanos> midnight(std::string_view date) {
  return parse_rfc3339(std::string(date.substr(0, 10)) + "T00:00:00Z");
}

}  // namespace

bool is_date(std::string_view text) { return read_date(text).has_value(); }

bool is_date_time(std::string_view text) { return read_date_time(text).has_value(); }

bool is_uri(std::string_view text) {
  // ajv-formats' `uri` (http://jmrware.com/articles/2009/uri_regex/URI_regex.html), copied
  // verbatim. It is case-insensitive and has only ASCII in its classes, so anything non-ASCII
  // fails; checking that first keeps RE2's Unicode case folding (k ~ U+212A) out of play.
  static const RE2 kUri(
      R"re((?i)^(?:[a-z][a-z0-9+\-.]*:)(?:\/?\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\[(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)|(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\d*)?(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*|\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)(?:\?(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$)re");
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  // ajv-formats also requires a '/' or ':' (NOT_URI_FRAGMENT); the scheme's ':' implies it.
  return text.find_first_of("/:") != std::string_view::npos &&
         RE2::FullMatch(re2::StringPiece(text.data(), text.size()), kUri);
}

std::size_t char_length(std::string_view text) {
  std::size_t length = 0;
  for (const char c : text) length += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return length;
}

bool has_non_space(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    if (!is_js_space(next_code_point(text, pos))) return true;
  }
  return false;
}

bool is_id(std::string_view text) {
  const auto alnum = [](char c) {
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  };
  if (text.empty() || text.size() > 64 || !alnum(text[0])) return false;
  for (const char c : text.substr(1)) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool is_currency(std::string_view text) {
  if (text.size() != 3) return false;
  for (const char c : text) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

bool year_in_range(std::string_view date_or_date_time) {
  int year = 0;
  return read_digits(date_or_date_time, 0, 4, year) && year >= kMinYear && year <= kMaxYear;
}

std::optional<UnixNanos> date_time_nanos(std::string_view text) {
  const auto parts = read_date_time(text);
  if (!parts || !in_range(parts->date)) return std::nullopt;
  // Only midnight is asked of parse_rfc3339: ajv-formats lets through times it rightly refuses
  // (24:59:60+01:00 is 23:59:60Z), which plain arithmetic handles.
  const auto day_start = midnight(text);
  if (!day_start) return std::nullopt;
  const Time& t = parts->time;
  const std::int64_t seconds = t.hour * 3600 + t.minute * 60 + t.second - t.offset_seconds;
  return *day_start + seconds * kNanosPerSecond + t.nanos;
}

std::optional<UnixNanos> end_of_date_nanos(std::string_view text) {
  const auto date = read_date(text);
  if (!date || !in_range(*date)) return std::nullopt;
  const auto day_start = midnight(text);
  if (!day_start) return std::nullopt;
  return *day_start + kNanosPerDay;
}

}  // namespace pmx::rca_format
