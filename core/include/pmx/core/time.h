#pragma once
/// Time in the domain: nanoseconds since the Unix epoch, as Alertmanager sends them
/// (RFC 3339 with nanoseconds). Core never reads the clock; callers pass time in.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pmx {

using UnixNanos = std::int64_t;

constexpr UnixNanos kNanosPerSecond = 1'000'000'000;
/// A day as Unix time counts it: UTC, no leap seconds, so every calendar day is this long.
constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr UnixNanos kNanosPerDay = kSecondsPerDay * kNanosPerSecond;

/// Parses RFC 3339 (`2026-11-23T07:44:13.852409315Z`, or with a `+hh:mm` offset).
/// Alertmanager's "zero" time (`0001-01-01T00:00:00Z`, an unset endsAt) parses as 0.
/// Returns nullopt when the text is not RFC 3339.
std::optional<UnixNanos> parse_rfc3339(std::string_view text);

/// Formats as RFC 3339 in UTC with the fractional digits needed (none, ms or ns).
std::string format_rfc3339(UnixNanos t);

/// As format_rfc3339, cut to the whole second: times a person reads or edits.
std::string format_rfc3339_seconds(UnixNanos t);

/// The UTC calendar date of `t`: "2026-03-14".
std::string format_date(UnixNanos t);

}  // namespace pmx

namespace pmx {

/// Parses a Prometheus duration (`5m`, `0s`, `1h30m`, `180d`, `1w`, `500ms`); nullopt if invalid.
std::optional<UnixNanos> parse_duration(std::string_view text);

}  // namespace pmx
