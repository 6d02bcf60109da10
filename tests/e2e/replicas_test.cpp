// Two replicas behind one Redis, fed the same webhooks at the same time (what an HA pair of
// Alertmanagers does): every (fingerprint, startsAt) is counted exactly once across both.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "e2e.h"
#include "redis_server.h"

namespace pmx::e2e {
namespace {

using pmx::testing::GeneratedAlert;
using pmx::testing::make_webhook;
using pmx::testing::RedisServer;

/// A deterministic stream of webhooks over 4 sources x 5 instances. Per alert: fire a new
/// startsAt, re-send it a few times, resolve it, maybe re-send the resolve, fire again later;
/// like Alertmanager, startsAt only moves forward for one fingerprint.
struct Traffic {
  std::vector<std::string> bodies;
  std::map<std::string, std::set<std::pair<std::string, std::string>>> pairs_by_source;
  long long alert_messages = 0;   // alerts in all bodies
  long long resolved_pairs = 0;   // pairs that got resolved at least once
};

std::string at(int seconds) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "2026-11-24T%02d:%02d:%02d.250Z", seconds / 3600,
                seconds / 60 % 60, seconds % 60);
  return buf;
}

Traffic generate_traffic(int webhooks) {
  struct AlertState {
    int generation = -1;  // -1: never fired
    bool resolved = true;
  };
  const std::vector<std::pair<std::string, std::string>> sources{
      {"CPUHigh", "api"}, {"CPUHigh", "web"}, {"DiskSlow", "api"}, {"DiskSlow", "web"}};
  std::map<std::string, AlertState> states;
  std::mt19937 rng(20261124);
  Traffic traffic;
  for (int w = 0; w < webhooks; ++w) {
    const auto& [alertname, service] = sources[rng() % sources.size()];
    std::vector<GeneratedAlert> alerts;
    const int count = 1 + static_cast<int>(rng() % 4);
    const int first_instance = static_cast<int>(rng() % 5);
    for (int i = 0; i < count; ++i) {
      GeneratedAlert a{alertname, service, "i-" + std::to_string((first_instance + i) % 5),
                       "", "", false};
      AlertState& s = states[a.alertname + a.service + a.instance];
      const int roll = static_cast<int>(rng() % 100);
      if (s.resolved && (s.generation < 0 || roll < 50)) {
        ++s.generation;  // a new firing: a new occurrence
        s.resolved = false;
      } else if (!s.resolved && roll < 40) {
        s.resolved = true;  // the first resolve of this firing
        ++traffic.resolved_pairs;
      }  // otherwise a re-send of the current state
      a.starts_at = at(s.generation * 10);
      a.resolved = s.resolved;
      if (a.resolved) a.ends_at = at(s.generation * 10 + 1);
      traffic.pairs_by_source[pmx::testing::source_key(alertname, service)].insert(
          {a.fingerprint(), a.starts_at});
      alerts.push_back(a);
    }
    traffic.alert_messages += static_cast<long long>(alerts.size());
    traffic.bodies.push_back(make_webhook(alerts));
  }
  return traffic;
}

TEST(Replicas, ConcurrentDeliveryToTwoReplicasCountsExactlyOnce) {
  RedisServer redis;
  Daemon::Options options;
  options.redis_url = redis.url();
  Daemon a(options);
  Daemon b(options);

  Traffic traffic = generate_traffic(200);
  // The captures too, first, so the sequence also holds resolves and a refire.
  std::vector<std::string> bodies;
  for (const auto& name : pmx::testing::replay_fixture_names()) {
    bodies.push_back(pmx::testing::read_fixture(name));
  }
  bodies.push_back(pmx::testing::read_fixture(pmx::testing::kTruncatedFixture));
  bodies.insert(bodies.end(), traffic.bodies.begin(), traffic.bodies.end());
  const long long fixture_alerts = 12, fixture_pairs = 6, fixture_resolved_pairs = 3;

  struct Totals {
    long long occurrences = 0, duplicates = 0, failures = 0;
    std::string first_failure;
  };
  Totals totals[2];
  const auto deliver = [&](const Daemon& daemon, Totals& t) {
    for (const auto& body : bodies) {
      const HttpResponse r = daemon.post_webhook(body);
      if (r.status != 200) {
        if (t.failures++ == 0) t.first_failure = std::to_string(r.status) + " " + r.body;
        continue;
      }
      const auto answer = r.json();
      t.occurrences += answer.value("occurrences", 0LL);
      t.duplicates += answer.value("duplicates", 0LL);
    }
  };
  std::thread to_a(deliver, std::cref(a), std::ref(totals[0]));
  std::thread to_b(deliver, std::cref(b), std::ref(totals[1]));
  to_a.join();
  to_b.join();
  ASSERT_EQ(totals[0].failures, 0) << totals[0].first_failure << "\n" << a.log_tail();
  ASSERT_EQ(totals[1].failures, 0) << totals[1].first_failure << "\n" << b.log_tail();

  long long expected_pairs = fixture_pairs;
  for (const auto& [key, pairs] : traffic.pairs_by_source) {
    expected_pairs += static_cast<long long>(pairs.size());
    const auto want = static_cast<long long>(pairs.size());
    EXPECT_EQ(source_occurrences(a, key), want) << key;
    EXPECT_EQ(source_occurrences(b, key), want) << key;
  }
  for (const auto* daemon : {&a, &b}) {
    EXPECT_EQ(source_occurrences(*daemon, pmx::testing::kCheckoutKey), 3);
    EXPECT_EQ(source_occurrences(*daemon, pmx::testing::kAuthKey), 1);
    EXPECT_EQ(source_occurrences(*daemon, pmx::testing::kStorageKey), 2);
  }
  EXPECT_EQ(a.get_json("/api/v1/sources"), b.get_json("/api/v1/sources"))
      << "both replicas must read the same state";

  // Each answer tells the sender what was new; across both replicas that is each pair once.
  EXPECT_EQ(totals[0].occurrences + totals[1].occurrences, expected_pairs);
  EXPECT_EQ(metric_or_zero(a, "postmortem_occurrences_total") +
                metric_or_zero(b, "postmortem_occurrences_total"),
            static_cast<double>(expected_pairs));
  // Everything else was a duplicate, except each first resolve (a state change).
  const long long messages = 2 * (traffic.alert_messages + fixture_alerts);
  const long long not_duplicates =
      expected_pairs + traffic.resolved_pairs + fixture_resolved_pairs;
  EXPECT_EQ(totals[0].duplicates + totals[1].duplicates, messages - not_duplicates);
  // State gauges come from the store: equal on both replicas.
  EXPECT_EQ(a.metric("postmortem_incidents_open"), b.metric("postmortem_incidents_open"));
}

}  // namespace
}  // namespace pmx::e2e
