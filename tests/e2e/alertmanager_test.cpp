// A real Alertmanager 0.25 delivering to the real daemon on a real Redis: alerts injected with
// amtool fire, are re-sent, resolve and refire, and each firing is counted exactly once.
#include <gtest/gtest.h>

#include "alertmanager.h"
#include "e2e.h"
#include "redis_server.h"

namespace pmx::e2e {
namespace {

using pmx::testing::Alertmanager;
using pmx::testing::kCheckoutKey;
using pmx::testing::kFixtureToken;
using pmx::testing::poll_until;
using pmx::testing::RedisServer;
using pmx::testing::rfc3339_now;

constexpr auto kDeliveryDeadline = std::chrono::seconds(15);

std::string webhook_url(const Daemon& daemon) {
  return "http://127.0.0.1:" + std::to_string(daemon.port()) + "/api/v1/webhook";
}

/// The newest incident of the checkout source, or {} while the source is unknown.
nlohmann::json newest_checkout_incident(const Daemon& daemon) {
  const auto source = daemon.source(kCheckoutKey);
  if (!source || source->value("incidents", nlohmann::json::array()).empty()) {
    return nlohmann::json::object();
  }
  return (*source)["incidents"][0];
}

TEST(AlertmanagerEndToEnd, FiringResendResolveRefireCountedExactlyOnce) {
  RedisServer redis;
  Daemon::Options options;
  options.redis_url = redis.url();
  Daemon daemon(options);
  Alertmanager::Options am_options;
  am_options.webhook_url = webhook_url(daemon);
  am_options.bearer_token = kFixtureToken;
  am_options.repeat_interval = "2s";  // so a re-send of the same firing happens during the test
  Alertmanager am(am_options);
  const auto diagnostics = [&] {
    return "\n--- daemon ---\n" + daemon.log_tail() + "\n--- alertmanager ---\n" + am.log_tail();
  };
  const std::map<std::string, std::string> web1{
      {"alertname", "HighLatency"}, {"service", "checkout"}, {"instance", "web-1"}};

  // Fires: one open incident, one occurrence.
  const std::string first_start = rfc3339_now(-1000);
  am.add_alert(web1, first_start);
  ASSERT_TRUE(poll_until(
      [&] {
        const auto incident = newest_checkout_incident(daemon);
        return incident.value("state", "") == "open";
      },
      kDeliveryDeadline))
      << "no open incident after the first firing" << diagnostics();
  EXPECT_EQ(source_occurrences(daemon, kCheckoutKey), 1);

  // repeat_interval re-sends the same (fingerprint, startsAt): a duplicate, not an occurrence.
  ASSERT_TRUE(poll_until(
      [&] { return metric_or_zero(daemon, "postmortem_alerts_duplicate_total") >= 1; },
      kDeliveryDeadline))
      << "Alertmanager's re-send never arrived" << diagnostics();
  EXPECT_EQ(source_occurrences(daemon, kCheckoutKey), 1);

  // Resolves: the incident resolves.
  am.add_alert(web1, first_start, rfc3339_now());
  ASSERT_TRUE(poll_until(
      [&] { return newest_checkout_incident(daemon).value("state", "") == "resolved"; },
      kDeliveryDeadline))
      << "the incident did not resolve" << diagnostics();
  EXPECT_FALSE(newest_checkout_incident(daemon)["resolved_at"].is_null());

  // Refires with a new startsAt within the default 5m reopen window: the incident reopens.
  am.add_alert(web1, rfc3339_now(100));
  ASSERT_TRUE(poll_until(
      [&] {
        const auto incident = newest_checkout_incident(daemon);
        return incident.value("state", "") == "open" && incident.value("reopened", 0) == 1;
      },
      kDeliveryDeadline))
      << "the incident did not reopen: " << newest_checkout_incident(daemon).dump()
      << diagnostics();

  // Wait for one more re-send of the refire, then the totals must be exact.
  const double dups = metric_or_zero(daemon, "postmortem_alerts_duplicate_total");
  ASSERT_TRUE(poll_until(
      [&] { return metric_or_zero(daemon, "postmortem_alerts_duplicate_total") > dups; },
      kDeliveryDeadline))
      << "no re-send of the refire arrived" << diagnostics();
  const auto source = daemon.source(kCheckoutKey);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->value("occurrences", -1), 2) << source->dump(1);
  EXPECT_EQ(source->value("incident_count", -1), 1);
  const auto& incident = (*source)["incidents"][0];
  EXPECT_EQ(incident.value("occurrences", -1), 2);
  ASSERT_EQ(incident.value("alerts", nlohmann::json::array()).size(), 1u);
  EXPECT_EQ(incident["alerts"][0]["labels"].value("instance", ""), "web-1");
  EXPECT_EQ(daemon.metric("postmortem_occurrences_total"), 2.0);
  EXPECT_EQ(metric_or_zero(daemon, "postmortem_webhook_requests_total", {{"code", "401"}}), 0.0);
}

TEST(AlertmanagerEndToEnd, WrongTokenIsRejectedAndNothingStored) {
  RedisServer redis;
  Daemon::Options options;
  options.redis_url = redis.url();
  Daemon daemon(options);
  Alertmanager::Options am_options;
  am_options.webhook_url = webhook_url(daemon);
  am_options.bearer_token = "not-the-token";
  Alertmanager am(am_options);

  am.add_alert({{"alertname", "HighLatency"}, {"service", "checkout"}, {"instance", "web-1"}},
               rfc3339_now(-1000));
  ASSERT_TRUE(poll_until(
      [&] {
        return metric_or_zero(daemon, "postmortem_webhook_requests_total", {{"code", "401"}}) >= 1;
      },
      kDeliveryDeadline))
      << "no 401 counted\n" << daemon.log_tail() << "\n" << am.log_tail();
  EXPECT_TRUE(daemon.get_json("/api/v1/sources")["sources"].empty());
  EXPECT_TRUE(daemon.get_json("/api/v1/incidents")["incidents"].empty());
  EXPECT_EQ(metric_or_zero(daemon, "postmortem_occurrences_total"), 0.0);
  EXPECT_EQ(metric_or_zero(daemon, "postmortem_webhook_requests_total", {{"code", "200"}}), 0.0);
}

}  // namespace
}  // namespace pmx::e2e
