#include "pmx/core/json_codec.h"

#include <gtest/gtest.h>

#include "alerts.h"
#include "pmx/core/ingest_rules.h"

namespace pmx {
namespace {

TEST(JsonCodec, SourceStateRoundTripsThroughStorageForm) {
  Alert alert;
  alert.fingerprint = "6bb710ed11b2b558";
  alert.starts_at = 1795419853852409315;
  alert.labels = {{"alertname", "HighLatency"}, {"service", "checkout"}};
  alert.annotations = {{"summary", "p99 latency above 2s"}};
  SourceState state;
  state.key = source_key_for(alert.labels, {"alertname", "service"});
  state.version = 7;
  const SourceState applied =
      unit::state_after(apply_alerts(state, {alert}, {}, 1795419855000000000, IngestConfig{}));

  const auto decoded = source_state_from_json(to_json(applied));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(to_json(*decoded), to_json(applied));
  EXPECT_EQ(decoded->version, 7);
  EXPECT_EQ(decoded->current->alerts.at("6bb710ed11b2b558").starts_at, 1795419853852409315);
  EXPECT_EQ(to_json(applied)["current"]["opened_at"], "2026-11-23T07:44:13.852409315Z");
}

TEST(JsonCodec, StorageFormOmitsTheAlertRecordsButKeepsTheAggregates) {
  const SourceState state = unit::state_after(unit::first_batch(
      {unit::firing("fp1", 1795419853852409315, "critical")}, 1795419855000000000));
  ASSERT_EQ(state.current->alerts.size(), 1u);

  const auto stored = to_json(state, AlertRecords::kOmit);
  EXPECT_FALSE(stored["current"].contains("alerts"));
  const auto decoded = source_state_from_json(stored);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(decoded->current->alerts.empty());
  EXPECT_EQ(decoded->current->firing_alerts, 1u);
  EXPECT_EQ(decoded->current->severities, std::set<std::string>{"critical"});
}

// Documents written before the aggregates existed carry every alert record instead: the
// aggregates are derived from them, so such a source goes on where it was.
TEST(JsonCodec, AnIncidentWithoutAggregatesDerivesThemFromItsAlerts) {
  const Alert one = unit::firing("fp1", 1795419853000000000, "critical");
  const Alert two = unit::firing("fp2", 1795419853000000000, "warning");
  const auto update = unit::first_batch(
      {one, two, unit::resolved(two, 1795419900000000000)}, 1795419901000000000);

  const Incident incident = update.incidents.back();
  auto legacy = to_json(incident);
  for (const char* field : {"firing_alerts", "last_alert_end", "severities"}) legacy.erase(field);
  const auto decoded = incident_from_json(legacy);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->alerts.size(), 2u);
  EXPECT_EQ(decoded->firing_alerts, 1u);
  EXPECT_EQ(decoded->last_alert_end, 1795419900000000000);
  EXPECT_EQ(decoded->severities, (std::set<std::string>{"critical", "warning"}));
  EXPECT_EQ(to_json(*decoded), to_json(incident));
}

TEST(JsonCodec, WrongShapeIsRejectedNotThrown) {
  EXPECT_FALSE(source_state_from_json(nlohmann::json::parse(R"({"key": 3})")).has_value());
  EXPECT_FALSE(incident_from_json(nlohmann::json::parse("[]")).has_value());
  EXPECT_FALSE(timeline_event_from_json(nlohmann::json::parse(R"({"type":"nope"})")).has_value());
}

}  // namespace
}  // namespace pmx
