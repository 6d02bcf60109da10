#pragma once
/// The one check of calendar dates, shared by RFC 3339 timestamps (webhooks) and the RCA
/// document's `date` and `date-time` formats. Private to core.

namespace pmx {

/// Whether `day` exists in `month` (1-12) of `year` in the proleptic Gregorian calendar:
/// February has 29 days in years divisible by 4, except centuries not divisible by 400.
inline bool is_calendar_date(int year, int month, int day) {
  static constexpr int kDaysInMonth[] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  return day <= (month == 2 && leap ? 29 : kDaysInMonth[month]);
}

}  // namespace pmx
