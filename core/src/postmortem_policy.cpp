#include "pmx/core/postmortem_policy.h"

#include <algorithm>
#include <charconv>

namespace pmx {
namespace {

// 1970-01-01 was a Thursday: day 0 has weekday 3 counting Monday as 0.
int weekday_of_day(std::int64_t day) {
  const std::int64_t weekday = (day + 3) % 7;
  return static_cast<int>(weekday < 0 ? weekday + 7 : weekday);
}

/// The day number of `t`, rounding down before the epoch too.
std::int64_t day_of(UnixNanos t) {
  return t >= 0 ? t / kNanosPerDay : -((-t + kNanosPerDay - 1) / kNanosPerDay);
}

bool is_weekend(std::int64_t day) { return weekday_of_day(day) >= 5; }

}  // namespace

std::optional<PostmortemDue> parse_postmortem_due(std::string_view text) {
  if (text.size() > 2 && text.substr(text.size() - 2) == "bd") {
    int days = 0;
    const auto digits = text.substr(0, text.size() - 2);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), days);
    if (error != std::errc() || end != digits.data() + digits.size() || days < 0 || days > 3650) {
      return std::nullopt;
    }
    return PostmortemDue{days, std::nullopt};
  }
  const auto duration = parse_duration(text);
  if (!duration) return std::nullopt;
  return PostmortemDue{0, *duration};
}

std::string to_string(const PostmortemDue& due) {
  if (!due.calendar) return std::to_string(due.business_days) + " business days";
  constexpr UnixNanos kMilli = kNanosPerSecond / 1000;
  if (*due.calendar % kNanosPerSecond == 0) return std::to_string(*due.calendar / kNanosPerSecond) + "s";
  return std::to_string(*due.calendar / kMilli) + "ms";
}

UnixNanos add_business_days(UnixNanos from, int days) {
  // Weekend time does not count: from a weekend, the count starts on Monday 00:00.
  UnixNanos t = from;
  while (is_weekend(day_of(t))) t = (day_of(t) + 1) * kNanosPerDay;
  // Then `days` days of weekday time, passing over each weekend. The count may end at a
  // midnight that begins a weekend: Friday 00:00 plus one is Saturday 00:00, the end of
  // Friday (counting whole days and moving on to Monday made it 48 h late).
  UnixNanos left = static_cast<UnixNanos>(days) * kNanosPerDay;
  while (left > 0) {
    const std::int64_t day = day_of(t);
    const UnixNanos day_end = (day + 1) * kNanosPerDay;
    if (!is_weekend(day)) {
      const UnixNanos step = std::min(left, day_end - t);
      left -= step;
      if (left == 0) return t + step;
    }
    t = day_end;
  }
  return t;
}

UnixNanos postmortem_deadline(UnixNanos resolved_at, const PostmortemDue& due) {
  if (due.calendar) return resolved_at + *due.calendar;
  return add_business_days(resolved_at, due.business_days);
}

bool needs_postmortem(const Incident& incident, const PostmortemPolicy& policy) {
  if (incident.repeat && policy.require_repeats) return true;
  return std::any_of(incident.severities.begin(), incident.severities.end(),
                     [&](const std::string& severity) { return policy.required_severities.count(severity) > 0; });
}

}  // namespace pmx
