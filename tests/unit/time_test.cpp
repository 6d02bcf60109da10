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
