#include "pmx/core/rca_draft.h"

#include <gtest/gtest.h>

#include "pmx/core/rca_loader.h"

namespace pmx {
namespace {

UnixNanos at(const char* rfc3339) { return parse_rfc3339(rfc3339).value(); }

Incident checkout_incident() {
  Incident incident;
  incident.id = "9f1c2b3a4d5e6f70-3";
  incident.source = "alertname=\"HighLatency\",service=\"checkout\"";
  incident.opened_at = at("2026-05-01T10:00:00.123456789Z");
  incident.severities = {"critical"};
  AlertRecord& alert = incident.alerts["fp-1"];
  alert.fingerprint = "fp-1";
  alert.labels = {{"alertname", "HighLatency"}, {"service", "checkout"}, {"instance", "web-1"}};
  return incident;
}

TEST(RcaDraft, StartsFromWhatTheIncidentKnowsAndIsAValidRca) {
  const Incident incident = checkout_incident();
  const UnixNanos t = incident.opened_at;
  const std::vector<TimelineEvent> timeline = {
      {TimelineEventType::kOpened, t, t, "", ""},
      {TimelineEventType::kAlertFired, t, t, "fp-1", ""},
      {TimelineEventType::kResolved, t + 90 * kNanosPerSecond, t, "", ""}};
  const auto doc = new_rca_document(incident, timeline);

  EXPECT_EQ(doc["id"], "pm-9f1c2b3a4d5e6f70-3");
  EXPECT_EQ(doc["title"], "HighLatency on checkout");
  EXPECT_EQ(doc["status"], "draft");
  EXPECT_EQ(doc["incidents"], nlohmann::json::array({incident.id}));
  EXPECT_EQ(doc["severity"], "critical");
  EXPECT_EQ(doc["impact_started_at"], "2026-05-01T10:00:00Z") << "to the second, for a form";
  ASSERT_EQ(doc["timeline"].size(), 3u);
  EXPECT_EQ(doc["timeline"][1]["event"], "alert fired: web-1");
  EXPECT_EQ(doc["timeline"][2]["time"], "2026-05-01T10:01:30Z");
  const auto loaded = load_rca(doc);
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(loaded->incidents, std::vector<std::string>{incident.id});
}

TEST(RcaDraft, TheIdIsValidWhateverTheIncidentIdHolds) {
  Incident incident = checkout_incident();
  incident.id = std::string("a b/<c>") + std::string(100, 'x');
  const std::string id = new_rca_id(incident);
  EXPECT_EQ(id.substr(0, 10), "pm-a-b--c-");
  EXPECT_EQ(id.size(), 64u);
  nlohmann::json doc = new_rca_document(incident, {});
  EXPECT_FALSE(doc.contains("timeline")) << "no empty list to fill in";
  EXPECT_TRUE(load_rca(doc)) << "an id the schema accepts";
}

}  // namespace
}  // namespace pmx
