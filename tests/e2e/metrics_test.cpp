// What Prometheus scrapes: a live /metrics that `promtool check metrics` accepts without a
// single complaint, with the metric families and types of the contract in DESIGN.md.
#include <gtest/gtest.h>

#include "command.h"
#include "e2e.h"
#include "metrics_text.h"

namespace pmx::e2e {
namespace {

using pmx::testing::metric_type;
using pmx::testing::metric_value;

TEST(Metrics, LiveScrapePassesPromtoolAndFollowsTheContract) {
  Daemon daemon;
  post_fixtures(daemon, pmx::testing::replay_fixture_names());
  post_fixtures(daemon, {pmx::testing::kTruncatedFixture});
  EXPECT_TRUE(IsStatus(daemon.post_webhook("{", pmx::testing::kFixtureToken), 400));
  EXPECT_TRUE(IsStatus(daemon.post_webhook("{}", "wrong"), 401));

  const HttpResponse scrape = daemon.get("/metrics");
  ASSERT_TRUE(IsOk(scrape));
  EXPECT_EQ(scrape.content_type.rfind("text/plain", 0), 0u) << scrape.content_type;
  EXPECT_NE(scrape.content_type.find("version=0.0.4"), std::string::npos) << scrape.content_type;

  const auto check = pmx::testing::run_command({"promtool", "check", "metrics"}, scrape.body);
  EXPECT_TRUE(check.succeeded()) << "promtool exit status " << check.status << ":\n"
                                 << check.output;
  EXPECT_EQ(check.output, "") << "promtool reported problems";

  const std::vector<std::pair<std::string, std::string>> families{
      {"postmortem_webhook_requests_total", "counter"},
      {"postmortem_alerts_received_total", "counter"},
      {"postmortem_alerts_duplicate_total", "counter"},
      {"postmortem_occurrences_total", "counter"},
      {"postmortem_incidents_opened_total", "counter"},
      {"postmortem_incidents_resolved_total", "counter"},
      {"postmortem_incidents_reopened_total", "counter"},
      {"postmortem_incidents_open", "gauge"},
      {"postmortem_source_occurrences", "gauge"},
      {"postmortem_store_up", "gauge"},
      {"postmortem_build_info", "gauge"},
      {"postmortem_repeat_incidents_total", "counter"},
      {"postmortem_recurrences_after_fix_total", "counter"},
      {"postmortem_action_items", "gauge"},
      {"postmortem_action_items_overdue", "gauge"},
      {"postmortem_action_items_on_time_ratio", "gauge"},
      {"postmortem_repeat_incident_ratio", "gauge"},
      {"postmortem_incidents_awaiting_postmortem", "gauge"},
      {"postmortem_coverage_ratio", "gauge"},
      {"postmortem_followup_reviews_due", "gauge"},
      {"postmortem_action_item_warnings", "gauge"},
      {"postmortem_incident_duration_seconds", "histogram"},
      {"postmortem_time_to_postmortem_seconds", "histogram"},
      {"postmortem_action_items_per_postmortem", "histogram"},
  };
  for (const auto& [name, type] : families) {
    // prometheus-cpp declares counters by their full name (`# TYPE x_total counter`); the
    // OpenMetrics style drops `_total`. Accept either.
    std::string declared = metric_type(scrape.body, name);
    const std::string base = name.size() > 6 && name.substr(name.size() - 6) == "_total"
                                 ? name.substr(0, name.size() - 6)
                                 : name;
    if (declared.empty()) declared = metric_type(scrape.body, base);
    EXPECT_EQ(declared, type) << "# TYPE of " << name;
  }
  const std::string& m = scrape.body;
  EXPECT_EQ(metric_value(m, "postmortem_webhook_requests_total", {{"code", "200"}}), 8.0);
  EXPECT_EQ(metric_value(m, "postmortem_webhook_requests_total", {{"code", "400"}}), 1.0);
  EXPECT_EQ(metric_value(m, "postmortem_webhook_requests_total", {{"code", "401"}}), 1.0);
  EXPECT_EQ(metric_value(m, "postmortem_occurrences_total"), 6.0);
  EXPECT_EQ(metric_value(m, "postmortem_store_up"), 1.0);
  EXPECT_EQ(metric_value(m, "postmortem_build_info"), 1.0);
  EXPECT_EQ(metric_value(m, "postmortem_incidents_open"), 2.0) << "checkout and storage";
  EXPECT_EQ(metric_value(m, "postmortem_action_item_warnings", {{"kind", "no_ticket"}}), 0.0)
      << "every kind, 0 included";
  EXPECT_EQ(metric_value(m, "postmortem_source_occurrences",
                         {{"source", pmx::testing::kStorageKey}}),
            2.0);
}

TEST(Metrics, HealthAndReadinessAnswer) {
  Daemon daemon;
  EXPECT_TRUE(IsOk(daemon.get("/-/healthy")));
  EXPECT_TRUE(IsOk(daemon.get("/-/ready")));
  const auto custom = Daemon(Daemon::Options{"", "", {"--web.telemetry-path=/internal/metrics"}})
                          .get("/internal/metrics");
  EXPECT_TRUE(IsOk(custom));
  EXPECT_NE(custom.body.find("postmortem_build_info"), std::string::npos);
}

}  // namespace
}  // namespace pmx::e2e
