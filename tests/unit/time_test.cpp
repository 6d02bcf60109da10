#include "pmx/core/time.h"

#include <gtest/gtest.h>

namespace pmx {
namespace {

TEST(Rfc3339, ParsesAlertmanagerTimestampsWithNanoseconds) {
  // 2026-11-23T07:44:13Z = 1795419853 s since the epoch (date -u -d ... +%s).
  EXPECT_EQ(parse_rfc3339("2026-11-23T07:44:13.852409315Z"), 1795419853852409315);
  EXPECT_EQ(parse_rfc3339("2026-11-23T07:44:13Z"), 1795419853000000000);
  EXPECT_EQ(parse_rfc3339("2026-11-23T08:44:13.5+01:00"), 1795419853500000000);
}

TEST(Rfc3339, GoZeroTimeMeansUnset) {
  EXPECT_EQ(parse_rfc3339("0001-01-01T00:00:00Z"), 0);
}

TEST(Rfc3339, RejectsWhatIsNotATimestamp) {
  for (const char* bad : {"", "yesterday", "2026-11-23", "2026-13-01T00:00:00Z",
                          "2026-11-23T07:44:13", "2026-11-23T07:44:13.Z", "2026-11-23T07:44:13Zjunk"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

// A day that is not in its month is not a timestamp: 2026-02-30 once read as 2026-03-02.
TEST(Rfc3339, RejectsDaysTheMonthDoesNotHave) {
  for (const char* bad : {"2026-02-29T10:00:00Z", "2026-02-30T10:00:00Z", "2100-02-29T10:00:00Z",
                          "2026-04-31T10:00:00Z", "2026-06-31T10:00:00Z", "2026-09-31T10:00:00Z",
                          "2026-11-31T10:00:00Z", "2026-01-32T10:00:00Z", "2026-01-00T10:00:00Z",
                          "0001-02-30T00:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
  // Leap years: divisible by 4, but not by 100 unless by 400.
  EXPECT_EQ(parse_rfc3339("2028-02-29T00:00:00Z"),
            parse_rfc3339("2028-03-01T00:00:00Z").value() - kNanosPerDay);
  EXPECT_TRUE(parse_rfc3339("2000-02-29T00:00:00Z").has_value());
  EXPECT_TRUE(parse_rfc3339("2024-02-29T23:59:59Z").has_value());
  for (const char* last : {"2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z",
                           "2026-04-30T00:00:00Z", "2026-12-31T00:00:00Z"}) {
    EXPECT_TRUE(parse_rfc3339(last).has_value()) << last;
  }
}

TEST(Rfc3339, FormatRoundTrips) {
  for (UnixNanos t : {UnixNanos{1795419853852409315}, UnixNanos{1795419853000000000},
                      UnixNanos{1795419853120000000}}) {
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
  }
  EXPECT_EQ(format_rfc3339(1795419853000000000), "2026-11-23T07:44:13Z");
  EXPECT_EQ(format_rfc3339(1795419853120000000), "2026-11-23T07:44:13.120Z");
}

}  // namespace
}  // namespace pmx

namespace pmx {
namespace {

// Every domain day is 86,400 s (Unix time has no leap seconds); durations and due dates rely on it.
static_assert(kNanosPerDay == 86'400'000'000'000);

TEST(Duration, ParsesPrometheusDurations) {
  EXPECT_EQ(parse_duration("5m"), 300 * kNanosPerSecond);
  EXPECT_EQ(parse_duration("0s"), 0);
  EXPECT_EQ(parse_duration("0"), 0);
  EXPECT_EQ(parse_duration("1h30m"), 5400 * kNanosPerSecond);
  EXPECT_EQ(parse_duration("180d"), 180 * kNanosPerDay);
  EXPECT_EQ(parse_duration("1w2d"), 9 * kNanosPerDay);
  EXPECT_EQ(parse_duration("1s500ms"), 1'500'000'000);
}

TEST(Duration, RejectsInvalidDurations) {
  for (const char* bad : {"", "5", "m", "5x", "-5m", "30m1h", "1h1h", "1.5h", "5 m"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace pmx
