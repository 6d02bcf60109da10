// Replaying the captured Alertmanager 0.25 webhooks against the real binary, on the embedded
// store and on Redis: each (fingerprint, startsAt) counts once, re-sends add nothing, and the
// reopen window decides between a reopened incident and a new one.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "e2e.h"
#include "metrics_text.h"
#include "redis_server.h"

namespace pmx::e2e {
namespace {

using pmx::testing::kAuthKey;
using pmx::testing::kCheckoutKey;
using pmx::testing::kStorageKey;
using pmx::testing::read_fixture;
using pmx::testing::RedisServer;
using pmx::testing::replay_fixture_names;

enum class StoreKind { kEmbedded, kRedis };
void PrintTo(StoreKind kind, std::ostream* os) {
  *os << (kind == StoreKind::kRedis ? "Redis" : "Embedded");
}

class FixtureReplay : public ::testing::TestWithParam<StoreKind> {
 protected:
  std::unique_ptr<Daemon> start_daemon(std::vector<std::string> flags = {}) {
    Daemon::Options options;
    options.flags = std::move(flags);
    if (GetParam() == StoreKind::kRedis) {
      redis_ = std::make_unique<RedisServer>();
      options.redis_url = redis_->url();
    }
    return std::make_unique<Daemon>(options);
  }

 private:
  std::unique_ptr<RedisServer> redis_;  // outlives the daemon, which tests hold locally
};

// What each of 01..07 must be answered with on a fresh daemon.
const std::vector<WebhookCounts> kFirstPass{
    {2, 2, 0},  // 01 checkout fires on web-1 and web-2
    {1, 1, 0},  // 02 auth fires
    {2, 0, 2},  // 03 checkout re-sent
    {1, 0, 1},  // 04 auth re-sent
    {2, 0, 0},  // 05 checkout resolved: a state change, not a duplicate
    {1, 0, 0},  // 06 auth resolved
    {1, 1, 0},  // 07 web-1 refires with a new startsAt: a new occurrence
};

TEST_P(FixtureReplay, CountsEachOccurrenceOnceAndReopensWithinWindow) {
  auto daemon = start_daemon();
  const auto answers = post_fixtures(*daemon, replay_fixture_names());
  ASSERT_EQ(answers.size(), kFirstPass.size());
  for (std::size_t i = 0; i < answers.size(); ++i) {
    expect_answer(answers[i], kFirstPass[i], replay_fixture_names()[i]);
  }

  const auto checkout = daemon->source(kCheckoutKey);
  ASSERT_TRUE(checkout) << "source " << kCheckoutKey << " unknown\n" << daemon->log_tail();
  EXPECT_EQ(checkout->value("occurrences", -1), 3);
  EXPECT_EQ(checkout->value("incident_count", -1), 1);
  ASSERT_EQ(checkout->value("incidents", nlohmann::json::array()).size(), 1u) << checkout->dump();
  const auto& incident = (*checkout)["incidents"][0];
  EXPECT_EQ(incident.value("state", ""), "open") << incident.dump();
  EXPECT_EQ(incident.value("reopened", -1), 1);
  EXPECT_EQ(incident.value("occurrences", -1), 3);
  EXPECT_EQ(incident.value("number", -1), 1);
  EXPECT_EQ(incident.value("source", ""), kCheckoutKey);
  EXPECT_EQ(incident.value("id", ""), checkout->value("id", "?") + "-1");
  EXPECT_EQ(incident.value("alerts", nlohmann::json::array()).size(), 2u)
      << "web-1 and web-2, whatever their number of firings";
  EXPECT_EQ(incident.value("opened_at", "").rfind("2026-11-23T07:44:13", 0), 0u)
      << "opened_at is Alertmanager's startsAt: " << incident.dump();

  const auto auth = daemon->source(kAuthKey);
  ASSERT_TRUE(auth) << daemon->log_tail();
  EXPECT_EQ(auth->value("occurrences", -1), 1);
  EXPECT_EQ(auth->value("incident_count", -1), 1);
  ASSERT_FALSE((*auth)["incidents"].empty());
  EXPECT_EQ((*auth)["incidents"][0].value("state", ""), "resolved");

  // The metrics say the same as the API.
  const std::string metrics = daemon->metrics();
  using pmx::testing::metric_value;
  EXPECT_EQ(metric_value(metrics, "postmortem_occurrences_total"), 4.0);
  EXPECT_EQ(metric_value(metrics, "postmortem_alerts_duplicate_total"), 3.0);
  EXPECT_EQ(metric_value(metrics, "postmortem_alerts_received_total", {{"status", "firing"}}), 7.0);
  EXPECT_EQ(metric_value(metrics, "postmortem_alerts_received_total", {{"status", "resolved"}}),
            3.0);
  EXPECT_EQ(metric_value(metrics, "postmortem_incidents_opened_total"), 2.0);
  EXPECT_EQ(metric_value(metrics, "postmortem_incidents_resolved_total"), 2.0);
  EXPECT_EQ(metric_value(metrics, "postmortem_incidents_reopened_total"), 1.0);
  EXPECT_EQ(metric_value(metrics, "postmortem_incidents_open"), 1.0);
  EXPECT_EQ(metric_value(metrics, "postmortem_source_occurrences", {{"source", kCheckoutKey}}), 3.0);
  EXPECT_EQ(metric_value(metrics, "postmortem_source_occurrences", {{"source", kAuthKey}}), 1.0);
  EXPECT_EQ(metric_value(metrics, "postmortem_webhook_requests_total", {{"code", "200"}}), 7.0);

  // Alertmanager re-sending everything (retries, an HA peer): nothing changes.
  const auto resent = post_fixtures(*daemon, replay_fixture_names());
  for (std::size_t i = 0; i < resent.size(); ++i) {
    expect_answer(resent[i], {kFirstPass[i].alerts, 0, kFirstPass[i].alerts},
                  "re-sent " + replay_fixture_names()[i]);
  }
  EXPECT_EQ(source_occurrences(*daemon, kCheckoutKey), 3);
  EXPECT_EQ(source_occurrences(*daemon, kAuthKey), 1);
  const auto after = daemon->source(kCheckoutKey);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->value("incident_count", -1), 1);
  EXPECT_EQ((*after)["incidents"][0].value("state", ""), "open");
  EXPECT_EQ((*after)["incidents"][0].value("reopened", -1), 1);
  EXPECT_EQ(daemon->metric("postmortem_alerts_duplicate_total"), 13.0);
  EXPECT_EQ(daemon->metric("postmortem_occurrences_total"), 4.0);
}

TEST_P(FixtureReplay, IncidentTimelineShowsOpenResolveReopen) {
  auto daemon = start_daemon();
  post_fixtures(*daemon, replay_fixture_names());
  const auto checkout = daemon->source(kCheckoutKey);
  ASSERT_TRUE(checkout && !(*checkout)["incidents"].empty()) << daemon->log_tail();
  const std::string id = (*checkout)["incidents"][0].value("id", "");

  const auto incident = daemon->get_json("/api/v1/incidents/" + id);
  EXPECT_EQ(incident.value("id", ""), id);
  const auto types = timeline_types(incident);
  const auto at = [&](const std::string& type) {
    return std::find(types.begin(), types.end(), type) - types.begin();
  };
  ASSERT_LT(at("opened"), static_cast<long>(types.size())) << incident.dump(1);
  ASSERT_LT(at("resolved"), static_cast<long>(types.size())) << incident.dump(1);
  ASSERT_LT(at("reopened"), static_cast<long>(types.size())) << incident.dump(1);
  EXPECT_LT(at("opened"), at("resolved"));
  EXPECT_LT(at("resolved"), at("reopened"));
  EXPECT_EQ(std::count(types.begin(), types.end(), "alert_fired"), 3) << incident.dump(1);
  EXPECT_EQ(std::count(types.begin(), types.end(), "alert_resolved"), 2) << incident.dump(1);
  for (const auto& entry : incident["timeline"]) {
    EXPECT_TRUE(entry.contains("at") && entry.contains("received_at")) << entry.dump();
  }

  EXPECT_TRUE(IsStatus(daemon->get("/api/v1/incidents/" + id + "0"), 404));
  const auto unknown = daemon->get("/api/v1/incidents/0000000000000000-1");
  EXPECT_TRUE(IsStatus(unknown, 404));
  EXPECT_TRUE(unknown.json().contains("error")) << unknown.body;
}

TEST_P(FixtureReplay, IncidentListFiltersBySourceAndState) {
  auto daemon = start_daemon();
  post_fixtures(*daemon, replay_fixture_names());
  const auto checkout = daemon->source(kCheckoutKey);
  ASSERT_TRUE(checkout) << daemon->log_tail();
  const std::string checkout_id = checkout->value("id", "");

  const auto all = daemon->get_json("/api/v1/incidents")["incidents"];
  EXPECT_EQ(all.size(), 2u) << all.dump();
  const auto open = daemon->get_json("/api/v1/incidents?state=open")["incidents"];
  ASSERT_EQ(open.size(), 1u) << open.dump();
  EXPECT_EQ(open[0].value("source_id", ""), checkout_id);
  const auto resolved = daemon->get_json("/api/v1/incidents?state=resolved")["incidents"];
  ASSERT_EQ(resolved.size(), 1u) << resolved.dump();
  EXPECT_EQ(resolved[0].value("source", ""), kAuthKey);
  const auto by_id = daemon->get_json("/api/v1/incidents?source=" + checkout_id)["incidents"];
  ASSERT_EQ(by_id.size(), 1u) << by_id.dump();
  const auto by_key = daemon->get_json("/api/v1/incidents?source=" +
                                       pmx::testing::url_encode(kAuthKey))["incidents"];
  ASSERT_EQ(by_key.size(), 1u) << by_key.dump();
  EXPECT_EQ(by_key[0].value("source", ""), kAuthKey);

  const auto sources = daemon->get_json("/api/v1/sources")["sources"];
  EXPECT_EQ(sources.size(), 2u) << sources.dump();
  // The id works in place of the key, and an unknown source is a 404.
  const auto by_source_id = daemon->get_json("/api/v1/sources/" + checkout_id);
  EXPECT_EQ(by_source_id.value("key", ""), kCheckoutKey);
  EXPECT_EQ(by_source_id["labels"], (nlohmann::json{{"alertname", "HighLatency"},
                                                    {"service", "checkout"}}));
  EXPECT_FALSE(daemon->source(R"(alertname="Nope",service="none")"));
}

TEST_P(FixtureReplay, ZeroReopenWindowOpensASecondIncident) {
  auto daemon = start_daemon({"--incident.reopen-window=0s"});
  post_fixtures(*daemon, replay_fixture_names());
  const auto checkout = daemon->source(kCheckoutKey);
  ASSERT_TRUE(checkout) << daemon->log_tail();
  EXPECT_EQ(checkout->value("occurrences", -1), 3);
  EXPECT_EQ(checkout->value("incident_count", -1), 2);
  const auto incidents = (*checkout)["incidents"];
  ASSERT_EQ(incidents.size(), 2u) << checkout->dump();
  // Newest first.
  EXPECT_EQ(incidents[0].value("number", -1), 2);
  EXPECT_EQ(incidents[0].value("state", ""), "open");
  EXPECT_EQ(incidents[0].value("occurrences", -1), 1);
  EXPECT_EQ(incidents[0].value("reopened", -1), 0);
  EXPECT_EQ(incidents[1].value("number", -1), 1);
  EXPECT_EQ(incidents[1].value("state", ""), "resolved");
  EXPECT_EQ(incidents[1].value("occurrences", -1), 2);
  EXPECT_FALSE(incidents[1]["resolved_at"].is_null());
  EXPECT_EQ(daemon->metric("postmortem_incidents_reopened_total").value_or(0), 0.0);
  EXPECT_EQ(daemon->metric("postmortem_incidents_opened_total"), 3.0);
  EXPECT_EQ(source_occurrences(*daemon, kAuthKey), 1);
}

TEST_P(FixtureReplay, TruncatedWebhookIsAcceptedAndItsAlertsCounted) {
  auto daemon = start_daemon();
  const auto answers = post_fixtures(*daemon, {pmx::testing::kTruncatedFixture});
  ASSERT_EQ(answers.size(), 1u);
  expect_answer(answers[0], {2, 2, 0}, "08 (truncatedAlerts: 3)");
  EXPECT_EQ(source_occurrences(*daemon, kStorageKey), 2);
}

INSTANTIATE_TEST_SUITE_P(Stores, FixtureReplay,
                         ::testing::Values(StoreKind::kEmbedded, StoreKind::kRedis),
                         [](const auto& info) {
                           return info.param == StoreKind::kRedis ? "Redis" : "Embedded";
                         });

}  // namespace
}  // namespace pmx::e2e
