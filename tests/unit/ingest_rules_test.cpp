#include "pmx/core/ingest_rules.h"

#include <gtest/gtest.h>

#include "alerts.h"

namespace pmx {
namespace {

using unit::firing;
using unit::resolved;

constexpr UnixNanos kSecond = kNanosPerSecond;
constexpr UnixNanos kT0 = 1795419853 * kSecond;

/// Applies batches in order, carrying state and the recorded occurrences between them, as
/// the Ingestor and a store do.
class SourceHistory {
 public:
  explicit SourceHistory(IngestConfig config = {}) : config_(std::move(config)) {
    state_.key = source_key_for(firing("x", 0).labels, config_.source_labels);
  }

  SourceUpdate apply(const std::vector<Alert>& alerts, UnixNanos received_at) {
    std::set<std::string> known;
    for (const auto& alert : alerts) {
      if (recorded_.count(occurrence_id(alert))) known.insert(occurrence_id(alert));
    }
    SourceUpdate update = apply_alerts(state_, alerts, known, received_at, config_);
    state_ = unit::state_after(update);
    recorded_.insert(update.new_occurrences.begin(), update.new_occurrences.end());
    return update;
  }

  const SourceState& state() const { return state_; }

 private:
  IngestConfig config_;
  SourceState state_;
  std::set<std::string> recorded_;
};

std::vector<TimelineEventType> types(const std::vector<TimelineEvent>& events) {
  std::vector<TimelineEventType> result;
  for (const auto& e : events) result.push_back(e.type);
  return result;
}

TEST(IngestRules, FirstFiringOpensAnIncident) {
  SourceHistory history;
  const auto update = history.apply({firing("f1", kT0), firing("f2", kT0 + 1)}, kT0 + 2 * kSecond);
  ASSERT_TRUE(update.changed);
  ASSERT_TRUE(update.state.current.has_value());
  const Incident& incident = *update.state.current;
  EXPECT_EQ(incident.state, IncidentState::kOpen);
  EXPECT_EQ(incident.number, 1u);
  EXPECT_EQ(incident.id, update.state.key.id + "-1");
  EXPECT_EQ(incident.opened_at, kT0);
  EXPECT_EQ(incident.opened_received_at, kT0 + 2 * kSecond);
  EXPECT_EQ(incident.occurrences, 2u);
  EXPECT_EQ(update.state.occurrences, 2u);
  EXPECT_EQ(update.counts.opened, 1u);
  EXPECT_EQ(update.counts.occurrences, 2u);
  EXPECT_EQ(update.counts.firing_received, 2u);
  EXPECT_EQ(update.new_occurrences.size(), 2u);
  ASSERT_EQ(update.incidents.size(), 1u);
  EXPECT_EQ(types(update.timeline.at(incident.id)),
            (std::vector{TimelineEventType::kOpened, TimelineEventType::kAlertFired,
                         TimelineEventType::kAlertFired}));
}

TEST(IngestRules, ResendsAndDuplicatesChangeNothing) {
  SourceHistory history;
  history.apply({firing("f1", kT0)}, kT0);
  const auto resend = history.apply({firing("f1", kT0), firing("f1", kT0)}, kT0 + 8 * kSecond);
  EXPECT_FALSE(resend.changed);
  EXPECT_EQ(resend.counts.duplicates, 2u);
  EXPECT_EQ(resend.counts.occurrences, 0u);
  EXPECT_EQ(resend.state.occurrences, 1u);
  EXPECT_TRUE(resend.timeline.empty());
}

TEST(IngestRules, SamePairTwiceInOneBatchCountsOnce) {
  SourceHistory history;
  const auto update = history.apply({firing("f1", kT0), firing("f1", kT0)}, kT0);
  EXPECT_EQ(update.state.occurrences, 1u);
  EXPECT_EQ(update.counts.duplicates, 1u);
}

TEST(IngestRules, IncidentResolvesWhenEveryAlertHasResolved) {
  SourceHistory history;
  history.apply({firing("f1", kT0), firing("f2", kT0)}, kT0);
  const auto partial = history.apply({resolved(firing("f1", kT0), kT0 + 60 * kSecond)}, kT0);
  EXPECT_EQ(partial.state.current->state, IncidentState::kOpen);
  EXPECT_EQ(partial.counts.resolved, 0u);

  const auto all = history.apply({resolved(firing("f2", kT0), kT0 + 90 * kSecond)}, kT0);
  EXPECT_EQ(all.state.current->state, IncidentState::kResolved);
  EXPECT_EQ(all.state.current->resolved_at, kT0 + 90 * kSecond);
  EXPECT_EQ(all.counts.resolved, 1u);
  EXPECT_EQ(types(all.timeline.at(all.state.current->id)),
            (std::vector{TimelineEventType::kAlertResolved, TimelineEventType::kResolved}));

  const auto resend = history.apply({resolved(firing("f2", kT0), kT0 + 90 * kSecond)}, kT0);
  EXPECT_FALSE(resend.changed);
  EXPECT_EQ(resend.counts.duplicates, 1u);
}

TEST(IngestRules, RefireInsideReopenWindowReopens) {
  SourceHistory history;  // default window: 5 minutes
  history.apply({firing("f1", kT0)}, kT0);
  history.apply({resolved(firing("f1", kT0), kT0 + 60 * kSecond)}, kT0);
  const auto refire = history.apply({firing("f1", kT0 + 66 * kSecond)}, kT0 + 67 * kSecond);
  const Incident& incident = *refire.state.current;
  EXPECT_EQ(incident.number, 1u);
  EXPECT_EQ(incident.state, IncidentState::kOpen);
  EXPECT_EQ(incident.reopened, 1u);
  EXPECT_FALSE(incident.resolved_at.has_value());
  EXPECT_EQ(incident.occurrences, 2u);
  EXPECT_EQ(refire.state.occurrences, 2u);
  EXPECT_EQ(refire.counts.reopened, 1u);
  EXPECT_EQ(refire.counts.opened, 0u);
  EXPECT_EQ(types(refire.timeline.at(incident.id)),
            (std::vector{TimelineEventType::kReopened, TimelineEventType::kAlertFired}));
}

TEST(IngestRules, RefireAfterReopenWindowOpensTheNextIncident) {
  IngestConfig config;
  config.reopen_window = 0;
  SourceHistory history(config);
  history.apply({firing("f1", kT0)}, kT0);
  history.apply({resolved(firing("f1", kT0), kT0 + 60 * kSecond)}, kT0);
  const auto refire = history.apply({firing("f1", kT0 + 66 * kSecond)}, kT0 + 67 * kSecond);
  EXPECT_EQ(refire.state.current->number, 2u);
  EXPECT_EQ(refire.state.current->id, refire.state.key.id + "-2");
  EXPECT_EQ(refire.state.incident_count, 2u);
  EXPECT_EQ(refire.counts.opened, 1u);
  EXPECT_EQ(refire.state.occurrences, 2u);
  EXPECT_EQ(refire.state.first_seen, kT0);
  EXPECT_EQ(refire.state.last_seen, kT0 + 66 * kSecond);
}

TEST(IngestRules, ResolveOfAnUnseenFiringCountsItAndResolves) {
  SourceHistory history;
  const auto update = history.apply({resolved(firing("f1", kT0), kT0 + 30 * kSecond)}, kT0 + 31 * kSecond);
  EXPECT_EQ(update.state.occurrences, 1u);
  EXPECT_EQ(update.counts.opened, 1u);
  EXPECT_EQ(update.counts.resolved, 1u);
  EXPECT_EQ(update.state.current->state, IncidentState::kResolved);
}

TEST(IngestRules, StaleResolveOfAnEarlierFiringIsIgnored) {
  SourceHistory history;
  history.apply({firing("f1", kT0)}, kT0);
  history.apply({resolved(firing("f1", kT0), kT0 + 10 * kSecond)}, kT0);
  history.apply({firing("f1", kT0 + 20 * kSecond)}, kT0);  // reopens
  const auto stale = history.apply({resolved(firing("f1", kT0), kT0 + 10 * kSecond)}, kT0);
  EXPECT_FALSE(stale.changed);
  EXPECT_EQ(stale.state.current->state, IncidentState::kOpen);
}

TEST(IngestRules, OneBatchCanCloseAnIncidentAndOpenTheNext) {
  IngestConfig config;
  config.reopen_window = 0;
  SourceHistory history(config);
  const auto update = history.apply(
      {resolved(firing("f1", kT0), kT0 + 10 * kSecond), firing("f1", kT0 + 20 * kSecond)}, kT0);
  ASSERT_EQ(update.incidents.size(), 2u);
  EXPECT_EQ(update.incidents[0].number, 1u);
  EXPECT_EQ(update.incidents[0].state, IncidentState::kResolved);
  EXPECT_EQ(update.incidents[1].number, 2u);
  EXPECT_EQ(update.incidents[1].state, IncidentState::kOpen);
}

TEST(GroupBySource, SplitsAWebhookBySourceKeepingOrder) {
  Alert other = firing("f3", kT0);
  other.labels["service"] = "auth";
  const auto groups = group_by_source({firing("f1", kT0), other, firing("f2", kT0)},
                                      {"alertname", "service"});
  ASSERT_EQ(groups.size(), 2u);
  const auto& checkout = groups.at(source_key_for(firing("x", 0).labels, {"alertname", "service"}));
  ASSERT_EQ(checkout.size(), 2u);
  EXPECT_EQ(checkout[0].fingerprint, "f1");
  EXPECT_EQ(checkout[1].fingerprint, "f2");
}

}  // namespace
}  // namespace pmx
