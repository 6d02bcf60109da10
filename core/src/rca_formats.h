#pragma once
/// The string formats and patterns schema/rca.schema.json uses, checked the way the reference
/// validator checks them (ajv 8 with ajv-formats 3 in its default "full" mode, pinned in
/// tools/schema-check), so that the daemon and `ajv validate` accept exactly the same
/// documents. tests/schema/ajv_agrees_test.sh runs both on the examples and on
/// tests/schema/format_cases.json and fails on any disagreement.
///
/// Private to core: the loader (rca_loader.cpp) is the only user. Pure functions, thread-safe.
#include <cstddef>
#include <optional>
#include <string_view>

#include "pmx/core/time.h"

namespace pmx::rca_format {

/// `format: "date"`: YYYY-MM-DD with a real month and day (leap years counted).
bool is_date(std::string_view text);

/// `format: "date-time"` as ajv-formats checks it, which is a little wider than RFC 3339's
/// grammar: the separator may be `T`, `t` or any JavaScript white space (a space, but also a tab
/// or U+00A0); the offset may be `Z`, `z`, `+hh`, `+hhmm` or `+hh:mm`; any number of fraction
/// digits; a leap second only where it is 23:59:60 in UTC. Days per month are checked as in
/// parse_rfc3339 (calendar.h), the rest differs, hence this separate check.
bool is_date_time(std::string_view text);

/// `format: "uri"`: an absolute URI (scheme required) per RFC 3986, ASCII only.
bool is_uri(std::string_view text);

/// Length as `minLength`/`maxLength` count it: Unicode code points (text is valid UTF-8).
std::size_t char_length(std::string_view text);

/// `pattern: "\\S"`: contains a character that is not JavaScript white space.
bool has_non_space(std::string_view text);

/// `pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"` (RCA and action item ids).
bool is_id(std::string_view text);

/// `pattern: "^[A-Z]{3}$"` (ISO 4217 currency code).
bool is_currency(std::string_view text);

/// Loader rule beyond the schema: dates and date-times must have a year from kMinYear to
/// kMaxYear. The daemon keeps instants as int64 nanoseconds since 1970 (good until 2262);
/// a year outside this range in a post-mortem is a typo, not a plan.
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 2200;

/// Whether a text that passed is_date or is_date_time has a year in [kMinYear, kMaxYear].
bool year_in_range(std::string_view date_or_date_time);

/// The instant a date-time denotes (offset applied, fraction truncated to nanoseconds).
/// nullopt unless is_date_time and year_in_range.
std::optional<UnixNanos> date_time_nanos(std::string_view text);

/// The end of a date: the next midnight UTC. nullopt unless is_date and year_in_range.
std::optional<UnixNanos> end_of_date_nanos(std::string_view text);

}  // namespace pmx::rca_format
