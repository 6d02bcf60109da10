#include "pmx/core/repeat.h"

#include <gtest/gtest.h>

#include "alerts.h"
#include "calendar.h"
#include "pmx/core/ingest_rules.h"

namespace pmx {
namespace {

using unit::kDay;
constexpr UnixNanos kT0 = 1795419853 * kNanosPerSecond;

Alert firing(const std::string& fingerprint, UnixNanos starts_at) {
  Alert alert;
  alert.fingerprint = fingerprint;
  alert.starts_at = starts_at;
  alert.labels = {{"alertname", "PoolExhausted"}, {"service", "checkout"}, {"instance", "db-1"}};
  return alert;
}

using unit::resolved;

ActionItem item(const std::string& id, ActionItemType type, ActionItemStatus status,
                std::optional<UnixNanos> completed_at = std::nullopt) {
  ActionItem i;
  i.id = id;
  i.type = type;
  i.status = status;
  i.completed_at = completed_at;
  return i;
}

/// Opens incidents of one source one after another (each resolved before the next), with the
/// RCAs given, as the ingest path does.
class Story {
 public:
  Story() { state_.key = source_key_for(firing("x", 0).labels, config_.source_labels); }

  SourceUpdate open_at(UnixNanos t, const std::vector<RcaCoverage>& rcas = {}) {
    const std::string fp = "f" + std::to_string(++n_);
    SourceUpdate update = apply_alerts(state_, {firing(fp, t)}, {}, t, config_, rcas);
    state_ = unit::state_after(update);
    state_ = unit::state_after(
        apply_alerts(state_, {resolved(firing(fp, t), t + 600 * kNanosPerSecond)}, {}, t, config_));
    return update;
  }
  const SourceState& state() const { return state_; }

 private:
  IngestConfig config_;
  SourceState state_;
  int n_ = 0;
};

TEST(Repeat, FirstIncidentOfASourceIsNotARepeat) {
  Story story;
  EXPECT_FALSE(story.open_at(kT0).state.current->repeat.has_value());
}

TEST(Repeat, SecondIncidentInsideTheWindowIsARepeatWithItsOrdinal) {
  Story story;
  const auto first = story.open_at(kT0);
  story.open_at(kT0 + 10 * kDay);
  const auto third = story.open_at(kT0 + 20 * kDay);
  const auto& repeat = third.state.current->repeat;
  ASSERT_TRUE(repeat.has_value());
  EXPECT_EQ(repeat->ordinal, 3u);
  EXPECT_EQ(repeat->earlier_incidents.size(), 2u);
  EXPECT_EQ(repeat->earlier_incidents[0], first.state.current->id);
  EXPECT_EQ(third.counts.repeats_without_open_items, 1u);
  const auto& events = third.timeline.at(third.state.current->id);
  ASSERT_EQ(events.back().type, TimelineEventType::kFlaggedRepeat);
  EXPECT_EQ(events.back().detail, "3rd incident of this source in 180d");
}

TEST(Repeat, IncidentsOutsideTheWindowDoNotCount) {
  Story story;
  story.open_at(kT0);
  const auto later = story.open_at(kT0 + 181 * kDay);
  EXPECT_FALSE(later.state.current->repeat.has_value());
  EXPECT_TRUE(later.state.earlier.empty() || later.state.earlier.size() == 1u);
}

TEST(Repeat, RcaOfAnEarlierIncidentShowsItsOpenItems) {
  Story story;
  const auto first = story.open_at(kT0);
  RcaCoverage rca;
  rca.id = "rca-1";
  rca.title = "checkout pool exhaustion";
  rca.source_ids = {first.state.key.id};
  rca.action_items = {item("a1", ActionItemType::kPrevent, ActionItemStatus::kOpen),
                      item("a2", ActionItemType::kDetect, ActionItemStatus::kDone, kT0 + kDay),
                      item("a3", ActionItemType::kProcess, ActionItemStatus::kInProgress)};
  const auto second = story.open_at(kT0 + 10 * kDay, {rca});
  const auto& repeat = second.state.current->repeat;
  ASSERT_TRUE(repeat.has_value());
  ASSERT_EQ(repeat->rcas.size(), 1u);
  EXPECT_EQ(repeat->rcas[0].open_action_items, 2u);
  EXPECT_EQ(repeat->open_action_items, 2u);
  EXPECT_FALSE(repeat->ineffective_fix);
  EXPECT_EQ(second.counts.repeats_with_open_items, 1u);
  EXPECT_EQ(second.timeline.at(second.state.current->id).back().detail,
            "2nd incident of this source in 180d; RCA 'checkout pool exhaustion' has 2 of 3 "
            "action items still open");
}

TEST(Repeat, AllItemsClosedBeforeItCameBackIsAnIneffectiveFix) {
  Story story;
  const auto first = story.open_at(kT0);
  RcaCoverage rca;
  rca.id = "rca-1";
  rca.source_ids = {first.state.key.id};
  rca.action_items = {item("a1", ActionItemType::kPrevent, ActionItemStatus::kDone, kT0 + kDay),
                      item("a2", ActionItemType::kDetect, ActionItemStatus::kDone, kT0 + 2 * kDay),
                      item("a3", ActionItemType::kProcess, ActionItemStatus::kWontDo, kT0 + kDay)};
  const auto second = story.open_at(kT0 + 10 * kDay, {rca});
  const auto& repeat = second.state.current->repeat;
  ASSERT_TRUE(repeat.has_value());
  EXPECT_TRUE(repeat->ineffective_fix);
  EXPECT_EQ(repeat->fixed_types, (std::vector<std::string>{"detect", "prevent"}));
  EXPECT_EQ(second.counts.recurrences_after_fix.at("prevent"), 1u);
  EXPECT_EQ(second.counts.recurrences_after_fix.at("detect"), 1u);
  EXPECT_EQ(second.counts.recurrences_after_fix.count("process"), 0u);
}

TEST(Repeat, ItemClosedAfterTheRepeatOpenedIsNotAFixThatFailed) {
  RcaCoverage rca;
  rca.id = "rca-1";
  rca.source_ids = {"s"};
  rca.action_items = {item("a1", ActionItemType::kPrevent, ActionItemStatus::kDone, kT0 + kDay)};
  Incident opening;
  opening.id = "s-2";
  opening.source_id = "s";
  opening.opened_at = kT0;
  const auto repeat = detect_repeat(opening, {}, {rca}, 180 * kDay);
  ASSERT_TRUE(repeat.has_value());
  EXPECT_FALSE(repeat->ineffective_fix);
}

TEST(Repeat, RcaMatchersCoverAnotherSource) {
  Rca document;
  document.id = "rca-db";
  document.title = "database pools";
  document.matchers = {R"(alertname=~"Pool.*")", R"(service!="auth")"};
  const RcaCoverage rca = coverage_of(document);
  ASSERT_EQ(rca.matchers.size(), 2u);
  Story story;  // never had an incident, but the RCA's matchers match its alerts
  const auto first = story.open_at(kT0, {rca});
  ASSERT_TRUE(first.state.current->repeat.has_value());
  EXPECT_EQ(first.state.current->repeat->ordinal, 1u);
  EXPECT_EQ(first.state.current->repeat->rcas[0].id, "rca-db");
}

TEST(Repeat, OrdinalOfEveryEnding) {
  const std::pair<std::uint32_t, const char*> cases[] = {
      {1, "1st"},     {2, "2nd"},     {3, "3rd"},     {4, "4th"},    {11, "11th"},
      {12, "12th"},   {13, "13th"},   {21, "21st"},   {22, "22nd"},  {23, "23rd"},
      {101, "101st"}, {111, "111th"}, {112, "112th"}, {113, "113th"}};
  for (const auto& [n, text] : cases) EXPECT_EQ(ordinal(n), text) << n;
}

TEST(Repeat, SourceIdOfIncident) {
  EXPECT_EQ(source_id_of_incident("5586f2a41065c534-12"), "5586f2a41065c534");
  EXPECT_EQ(source_id_of_incident("nodash"), "");
}

}  // namespace
}  // namespace pmx
