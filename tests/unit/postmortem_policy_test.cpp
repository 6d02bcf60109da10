#include "pmx/core/postmortem_policy.h"

#include <gtest/gtest.h>

#include <string>

#include "alerts.h"
#include "calendar.h"

namespace pmx {
namespace {

using unit::at;
using unit::kDay;
using unit::kHour;
using unit::kSecond;

Incident incident_with_severities(const std::vector<std::string>& severities) {
  Incident incident;
  incident.id = "checkout-1";
  // As the ingest rules keep them: the severity label values of its alerts ("" = no label).
  for (const auto& severity : severities) {
    if (!severity.empty()) incident.severities.insert(severity);
  }
  return incident;
}

// --- parse_postmortem_due ------------------------------------------------------------------

TEST(PostmortemPolicyParse, BusinessDays) {
  const auto five = parse_postmortem_due("5bd");
  ASSERT_TRUE(five.has_value());
  EXPECT_EQ(five->business_days, 5);
  EXPECT_FALSE(five->calendar.has_value());

  const auto zero = parse_postmortem_due("0bd");
  ASSERT_TRUE(zero.has_value());
  EXPECT_EQ(zero->business_days, 0);
  EXPECT_FALSE(zero->calendar.has_value());

  const auto largest = parse_postmortem_due("3650bd");  // ten years of business days: the cap
  ASSERT_TRUE(largest.has_value());
  EXPECT_EQ(largest->business_days, 3650);
}

TEST(PostmortemPolicyParse, PrometheusDurationsAreCalendarTime) {
  const auto hours = parse_postmortem_due("72h");
  ASSERT_TRUE(hours.has_value());
  ASSERT_TRUE(hours->calendar.has_value());
  EXPECT_EQ(*hours->calendar, 72 * kHour);  // 72 * 3600 s = 259200 s

  const auto days = parse_postmortem_due("7d");
  ASSERT_TRUE(days.has_value());
  ASSERT_TRUE(days->calendar.has_value());
  EXPECT_EQ(*days->calendar, 7 * kDay);  // 7 * 86400 s = 604800 s

  const auto week = parse_postmortem_due("1w");
  ASSERT_TRUE(week.has_value());
  EXPECT_EQ(week->calendar, 7 * kDay);

  const auto mixed = parse_postmortem_due("1h30m");
  ASSERT_TRUE(mixed.has_value());
  EXPECT_EQ(mixed->calendar, 90 * 60 * kSecond);  // 5400 s
}

TEST(PostmortemPolicyParse, RejectsWhatIsNeitherBusinessDaysNorADuration) {
  for (const char* text : {"",        // nothing
                           "5",       // a number without a unit
                           "bd",      // a unit without a number
                           "-1bd",    // negative
                           "+1bd",    // a sign is not a digit
                           "x",       // not a duration
                           "5bdd",    // trailing garbage after the unit
                           "5 bd",    // space inside
                           " 5bd",    // leading space
                           "1.5bd",   // fractions of a business day
                           "3651bd",  // above the 3650 cap
                           "99999999999bd",  // does not fit an int
                           "5d4bd"}) {       // a duration glued to business days
    EXPECT_FALSE(parse_postmortem_due(text).has_value()) << '"' << text << '"';
  }
}

TEST(PostmortemPolicyParse, ToStringNamesTheKind) {
  EXPECT_EQ(to_string(PostmortemDue{}), "5 business days");  // the default
  EXPECT_EQ(to_string(*parse_postmortem_due("2bd")), "2 business days");
  EXPECT_EQ(to_string(*parse_postmortem_due("72h")), "259200s");  // 72 * 3600
  EXPECT_EQ(to_string(*parse_postmortem_due("1500ms")), "1500ms");  // not cut to whole seconds
}

// --- add_business_days ----------------------------------------------------------------------

TEST(BusinessDays, EpochAnchorThursdayFirstOfJanuary1970) {
  // 1970-01-01 (day 0) was a Thursday: +1 business day is the end of Thursday (Friday
  // 1970-01-02 00:00), +2 the end of Friday: Saturday 1970-01-03 00:00 = day 2 = 172800 s.
  EXPECT_EQ(add_business_days(0, 1), 1 * kDay);
  EXPECT_EQ(add_business_days(0, 2), 2 * kDay);
  EXPECT_EQ(add_business_days(0, 2), 172800 * kSecond);
  EXPECT_EQ(add_business_days(0, 3), 5 * kDay) << "Monday whole: Tuesday 00:00";
  // Saturday 1970-01-03 00:00 (day 2) + 0 business days: the next Monday, day 4.
  EXPECT_EQ(add_business_days(2 * kDay, 0), 4 * kDay);
}

TEST(BusinessDays, FridayAfternoonPlusOneIsMondayAfternoon) {
  // Friday 2026-11-27 15:00 + 1bd: Saturday and Sunday do not count -> Monday 2026-11-30 15:00.
  EXPECT_EQ(add_business_days(at("2026-11-27T15:00:00Z"), 1), at("2026-11-30T15:00:00Z"));
  // The time of day is kept to the nanosecond.
  EXPECT_EQ(add_business_days(at("2026-11-27T15:00:00.123456789Z"), 1),
            at("2026-11-30T15:00:00.123456789Z"));
  // Friday 23:59:59 + 1bd -> Monday 2026-11-30 23:59:59.
  EXPECT_EQ(add_business_days(at("2026-11-27T23:59:59Z"), 1), at("2026-11-30T23:59:59Z"));
}

TEST(BusinessDays, WeekendStartCountsFromMondayMidnight) {
  // Saturday 2026-11-28 10:00: the weekend hours do not count, Monday 2026-11-30 counts whole,
  // so + 1bd is Tuesday 2026-12-01 00:00.
  EXPECT_EQ(add_business_days(at("2026-11-28T10:00:00Z"), 1), at("2026-12-01T00:00:00Z"));
  // Same from Saturday 00:00 and from the last second of Sunday 2026-11-29.
  EXPECT_EQ(add_business_days(at("2026-11-28T00:00:00Z"), 1), at("2026-12-01T00:00:00Z"));
  EXPECT_EQ(add_business_days(at("2026-11-29T23:59:59Z"), 1), at("2026-12-01T00:00:00Z"));
  // Sunday 2026-11-29 12:00 + 5bd: Monday 00:00 + Mon, Tue, Wed, Thu, Fri -> the end of Friday,
  // Saturday 2026-12-05 00:00 (not the Monday after: 48 h late).
  EXPECT_EQ(add_business_days(at("2026-11-29T12:00:00Z"), 5), at("2026-12-05T00:00:00Z"));
  // The case: resolved Saturday 2026-11-28 10:00, due at the end of Friday 2026-12-04;
  // overdue on the Sunday eight days later.
  const UnixNanos due = add_business_days(at("2026-11-28T10:00:00Z"), 5);
  EXPECT_EQ(due, at("2026-12-05T00:00:00Z"));
  EXPECT_LT(due, at("2026-12-06T10:00:00Z"));
}

/// The reference: steps through the hours from `from` (on a whole hour), counting only those of
/// Monday to Friday, until `days` * 24 of them have passed.
UnixNanos by_the_hour(UnixNanos from, int days) {
  constexpr UnixNanos kHour = 3600 * kSecond;
  UnixNanos t = from;
  int hours = days * 24;
  // A weekend start waits for Monday 00:00 (the whole Monday counts).
  const auto weekday = [](UnixNanos at) { return ((at / kDay) + 3) % 7; };  // Monday = 0
  while (weekday(t) >= 5) t = (t / kDay + 1) * kDay;
  while (hours > 0) {
    if (weekday(t) < 5) --hours;
    t += kHour;
  }
  return t;
}

// Every day of the week, resolved at midnight, at 10:00 and at 23:00, plus 1, 2, 5 and 10
// business days, against the hour-by-hour count. Fixed dates: nothing depends on today.
TEST(BusinessDays, EveryDayOfTheWeekAtMidnightAndDuringTheDayMatchesTheHourByHourCount) {
  const UnixNanos monday = at("2026-11-23T00:00:00Z");
  for (int d = 0; d < 7; ++d) {
    for (const int hour : {0, 10, 23}) {
      const UnixNanos from = monday + d * kDay + hour * 3600 * kSecond;
      for (const int days : {1, 2, 5, 10}) {
        EXPECT_EQ(add_business_days(from, days), by_the_hour(from, days))
            << format_rfc3339(from) << " + " << days << "bd";
      }
    }
  }
  // The weekend's ends, both ways: Friday 00:00 + 1 is the end of Friday, Saturday 00:00 + 5
  // the end of the next Friday.
  EXPECT_EQ(add_business_days(at("2026-11-27T00:00:00Z"), 1), at("2026-11-28T00:00:00Z"));
  EXPECT_EQ(add_business_days(at("2026-11-28T00:00:00Z"), 5), at("2026-12-05T00:00:00Z"));
  EXPECT_EQ(add_business_days(at("2026-11-23T00:00:00Z"), 5), at("2026-11-28T00:00:00Z"));
}

TEST(BusinessDays, MondayMidnightIsAWeekdayAlready) {
  // Monday 2026-11-30 00:00 + 1bd -> Tuesday 2026-12-01 00:00 (no weekend skip at the start).
  EXPECT_EQ(add_business_days(at("2026-11-30T00:00:00Z"), 1), at("2026-12-01T00:00:00Z"));
}

TEST(BusinessDays, FiveBusinessDaysOverAWeekend) {
  // Monday 2026-11-23 07:44:13 + 5bd: Tue 24, Wed 25, Thu 26, Fri 27, (Sat, Sun), Mon 30
  // -> Monday 2026-11-30 07:44:13, i.e. exactly 7 calendar days later.
  EXPECT_EQ(add_business_days(at("2026-11-23T07:44:13Z"), 5), at("2026-11-30T07:44:13Z"));
  EXPECT_EQ(add_business_days(at("2026-11-23T07:44:13Z"), 5), at("2026-11-23T07:44:13Z") + 7 * kDay);
  // Wednesday 2026-11-25 12:00 + 5bd: Thu, Fri, Mon, Tue, Wed -> Wednesday 2026-12-02 12:00.
  EXPECT_EQ(add_business_days(at("2026-11-25T12:00:00Z"), 5), at("2026-12-02T12:00:00Z"));
  // Friday 2026-11-27 15:00 + 5bd: Mon, Tue, Wed, Thu, Fri -> Friday 2026-12-04 15:00.
  EXPECT_EQ(add_business_days(at("2026-11-27T15:00:00Z"), 5), at("2026-12-04T15:00:00Z"));
  // Thursday 2026-11-26 09:00 + 2bd: Fri, Mon -> Monday 2026-11-30 09:00.
  EXPECT_EQ(add_business_days(at("2026-11-26T09:00:00Z"), 2), at("2026-11-30T09:00:00Z"));
}

TEST(BusinessDays, TenBusinessDaysCrossTwoWeekends) {
  // Friday 2026-11-27 15:00 + 10bd -> Friday 2026-12-11 15:00 (14 calendar days).
  EXPECT_EQ(add_business_days(at("2026-11-27T15:00:00Z"), 10), at("2026-12-11T15:00:00Z"));
}

TEST(BusinessDays, HolidaysAreNotKnownOnlyWeekends) {
  // Thursday 2026-12-31 18:00 + 1bd -> Friday 2027-01-01 18:00 (New Year is a weekday here).
  EXPECT_EQ(add_business_days(at("2026-12-31T18:00:00Z"), 1), at("2027-01-01T18:00:00Z"));
}

TEST(BusinessDays, ZeroDaysOnAWeekdayIsTheSameInstant) {
  // Wednesday 2026-11-25 12:34:56.789 + 0bd -> unchanged.
  const UnixNanos wednesday = at("2026-11-25T12:34:56.789Z");
  EXPECT_EQ(add_business_days(wednesday, 0), wednesday);
  // Friday 2026-11-27 23:59:59 + 0bd -> unchanged.
  EXPECT_EQ(add_business_days(at("2026-11-27T23:59:59Z"), 0), at("2026-11-27T23:59:59Z"));
}

TEST(BusinessDays, ZeroDaysOnAWeekendIsTheNextMondayMidnight) {
  // Saturday 2026-11-28 10:00 and Sunday 2026-11-29 22:00 + 0bd -> Monday 2026-11-30 00:00.
  EXPECT_EQ(add_business_days(at("2026-11-28T10:00:00Z"), 0), at("2026-11-30T00:00:00Z"));
  EXPECT_EQ(add_business_days(at("2026-11-29T22:00:00Z"), 0), at("2026-11-30T00:00:00Z"));
}

// --- postmortem_deadline --------------------------------------------------------------------

TEST(PostmortemPolicyDeadline, BusinessDaysSkipTheWeekend) {
  // Default policy (5bd): resolved Friday 2026-11-27 15:00 -> due Friday 2026-12-04 15:00.
  EXPECT_EQ(postmortem_deadline(at("2026-11-27T15:00:00Z"), PostmortemDue{}),
            at("2026-12-04T15:00:00Z"));
  // 1bd: resolved Saturday 2026-11-28 10:00 -> due Tuesday 2026-12-01 00:00.
  EXPECT_EQ(postmortem_deadline(at("2026-11-28T10:00:00Z"), *parse_postmortem_due("1bd")),
            at("2026-12-01T00:00:00Z"));
}

TEST(PostmortemPolicyDeadline, CalendarDurationsCountTheWeekend) {
  const UnixNanos friday = at("2026-11-27T15:00:00Z");
  // 24h from Friday 15:00 is Saturday 2026-11-28 15:00 (where 1bd would be Monday).
  EXPECT_EQ(postmortem_deadline(friday, *parse_postmortem_due("24h")), at("2026-11-28T15:00:00Z"));
  // 72h from Friday 15:00 is Monday 2026-11-30 15:00.
  EXPECT_EQ(postmortem_deadline(friday, *parse_postmortem_due("72h")), at("2026-11-30T15:00:00Z"));
  // A calendar duration of zero: due when it resolved, even on a Saturday.
  const UnixNanos saturday = at("2026-11-28T10:00:00Z");
  EXPECT_EQ(postmortem_deadline(saturday, *parse_postmortem_due("0s")), saturday);
  // The calendar duration wins over business_days when both are set.
  PostmortemDue both;
  both.business_days = 5;
  both.calendar = 2 * kHour;
  EXPECT_EQ(postmortem_deadline(friday, both), at("2026-11-27T17:00:00Z"));
}

// --- needs_postmortem -----------------------------------------------------------------------

TEST(PostmortemPolicyNeeds, AlertWithARequiredSeverity) {
  const PostmortemPolicy policy;  // required: {"critical"}
  EXPECT_TRUE(needs_postmortem(incident_with_severities({"critical"}), policy));
  // One critical alert among others is enough.
  EXPECT_TRUE(needs_postmortem(incident_with_severities({"warning", "critical", ""}), policy));
}

TEST(PostmortemPolicyNeeds, NoSeverityLabelOrAnotherSeverity) {
  const PostmortemPolicy policy;
  EXPECT_FALSE(needs_postmortem(incident_with_severities({""}), policy));  // no label at all
  EXPECT_FALSE(needs_postmortem(incident_with_severities({"warning"}), policy));
  EXPECT_FALSE(needs_postmortem(incident_with_severities({"warning", "info"}), policy));
  // Values are compared exactly: "Critical" is not "critical".
  EXPECT_FALSE(needs_postmortem(incident_with_severities({"Critical"}), policy));
  // An incident without alerts (and not a repeat) needs none.
  EXPECT_FALSE(needs_postmortem(incident_with_severities({}), policy));
}

TEST(PostmortemPolicyNeeds, OnlyTheSeverityLabelCounts) {
  // The ingest rules collect the severities: a "critical" elsewhere than in the severity label
  // does not make one.
  Alert alert = unit::firing("f1", at("2026-11-27T15:00:00Z"));
  alert.labels["priority"] = "critical";
  alert.annotations = {{"severity", "critical"}};
  const auto update = unit::first_batch({alert}, alert.starts_at);
  EXPECT_TRUE(update.state.current->severities.empty());
  EXPECT_FALSE(needs_postmortem(*update.state.current, PostmortemPolicy{}));
}

TEST(PostmortemPolicyNeeds, SeveralRequiredSeverities) {
  PostmortemPolicy policy;
  policy.required_severities = {"page", "critical"};
  EXPECT_TRUE(needs_postmortem(incident_with_severities({"page"}), policy));
  EXPECT_TRUE(needs_postmortem(incident_with_severities({"critical"}), policy));
  EXPECT_FALSE(needs_postmortem(incident_with_severities({"warning"}), policy));
}

TEST(PostmortemPolicyNeeds, EmptyRequiredSetNeedsNoneForSeverity) {
  PostmortemPolicy policy;
  policy.required_severities.clear();
  EXPECT_FALSE(needs_postmortem(incident_with_severities({"critical"}), policy));
  EXPECT_FALSE(needs_postmortem(incident_with_severities({""}), policy));
}

TEST(PostmortemPolicyNeeds, ARepeatNeedsOneByDefault) {
  PostmortemPolicy policy;
  Incident repeat = incident_with_severities({"warning"});
  repeat.repeat = RepeatInfo{};
  EXPECT_TRUE(needs_postmortem(repeat, policy));
  // ... even with no alerts and no required severity at all.
  policy.required_severities.clear();
  Incident bare;
  bare.repeat = RepeatInfo{};
  EXPECT_TRUE(needs_postmortem(bare, policy));
}

// --no-postmortem.require-repeats: a flapping warning is no longer forced into a post-mortem;
// a repeat with a required severity still needs one, for its severity.
TEST(PostmortemPolicyNeeds, RepeatsNeedNoneOfTheirOwnWithoutRequireRepeats) {
  PostmortemPolicy policy;
  policy.require_repeats = false;
  Incident warning = incident_with_severities({"warning"});
  warning.repeat = RepeatInfo{};
  EXPECT_FALSE(needs_postmortem(warning, policy));
  Incident critical = incident_with_severities({"critical"});
  critical.repeat = RepeatInfo{};
  EXPECT_TRUE(needs_postmortem(critical, policy));
}

}  // namespace
}  // namespace pmx
