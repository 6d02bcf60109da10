#include "pmx/core/json_codec.h"

#include <gtest/gtest.h>

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
  const auto update = apply_alerts(state, {alert}, {}, 1795419855000000000, IngestConfig{});

  const auto decoded = source_state_from_json(to_json(update.state));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(to_json(*decoded), to_json(update.state));
  EXPECT_EQ(decoded->version, 7);
  EXPECT_EQ(decoded->current->alerts.at("6bb710ed11b2b558").starts_at, 1795419853852409315);
  EXPECT_EQ(to_json(update.state)["current"]["opened_at"], "2026-11-23T07:44:13.852409315Z");
}

TEST(JsonCodec, WrongShapeIsRejectedNotThrown) {
  EXPECT_FALSE(source_state_from_json(nlohmann::json::parse(R"({"key": 3})")).has_value());
  EXPECT_FALSE(incident_from_json(nlohmann::json::parse("[]")).has_value());
  EXPECT_FALSE(timeline_event_from_json(nlohmann::json::parse(R"({"type":"nope"})")).has_value());
}

}  // namespace
}  // namespace pmx
