// Issue 7, part 1: a real Alertmanager delivers a storm of alerts while Redis, or the daemon,
// is SIGKILLed and restarted. Alertmanager's retries must bring every occurrence in exactly once.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "alertmanager.h"
#include "e2e.h"
#include "redis_server.h"

namespace pmx::e2e {
namespace {

using pmx::testing::Alertmanager;
using pmx::testing::kFixtureToken;
using pmx::testing::poll_until;
using pmx::testing::RedisServer;
using pmx::testing::rfc3339_now;

constexpr int kSources = 30;    // services: 30 Alertmanager groups, 30 sources
constexpr int kBursts = 10;     // one alert per source per burst (instance = burst number)
constexpr auto kDeliveryDeadline = std::chrono::seconds(60);  // Alertmanager's backoff caps at 60 s

std::string service(int s) { return "storm-" + std::to_string(100 + s).substr(1); }

/// The storm: one POST /api/v2/alerts per burst, each alert a new (fingerprint, startsAt).
class Storm {
 public:
  explicit Storm(const Alertmanager& am) : am_(am), starts_at_(rfc3339_now(-60'000)) {}

  void burst(int b) {
    nlohmann::json alerts = nlohmann::json::array();
    for (int s = 0; s < kSources; ++s) {
      alerts.push_back({{"labels",
                         {{"alertname", "StormAlert"},
                          {"service", service(s)},
                          {"instance", "i-" + std::to_string(b)}}},
                        {"startsAt", starts_at_}});
      ++pushed_[pmx::testing::source_key("StormAlert", service(s))];
    }
    const auto r = pmx::testing::http_post(am_.port(), "/api/v2/alerts", alerts.dump());
    ASSERT_TRUE(IsOk(r)) << "Alertmanager refused burst " << b;
  }

  int total() const {
    int n = 0;
    for (const auto& [key, count] : pushed_) n += count;
    return n;
  }
  const std::map<std::string, int>& pushed() const { return pushed_; }

 private:
  const Alertmanager& am_;
  std::string starts_at_;
  std::map<std::string, int> pushed_;
};

/// Occurrences per source key, from GET /api/v1/sources ({} when the daemon does not answer).
std::map<std::string, int> stored(const Daemon& daemon) {
  std::map<std::string, int> out;
  const auto r = daemon.get("/api/v1/sources?limit=100");
  if (r.status != 200) return out;
  const nlohmann::json body = r.json();  // not in the for: the temporary would die first
  for (const auto& source : body["sources"]) {
    out[source.value("key", "")] = source.value("occurrences", 0);
  }
  return out;
}

int stored_total(const Daemon& daemon) {
  int n = 0;
  for (const auto& [key, count] : stored(daemon)) n += count;
  return n;
}

double am_failed_notifications(const Alertmanager& am) {
  const auto r = pmx::testing::http_get(am.port(), "/metrics");
  double sum = 0;
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("alertmanager_notification_requests_failed_total{", 0) == 0 &&
        line.find("integration=\"webhook\"") != std::string::npos) {
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return sum;
}

/// Alertmanager notifies the 30 groups in parallel, each on its own keep-alive connection, and
/// every open connection holds one of the daemon's worker threads: give it enough for those and
/// for the test's own reads.
Daemon::Options daemon_options(const RedisServer& redis) {
  Daemon::Options options;
  options.redis_url = redis.url();
  options.flags = {"--web.max-connections=64"};
  return options;
}

Alertmanager::Options am_options(int daemon_port) {
  Alertmanager::Options options;
  options.webhook_url = "http://127.0.0.1:" + std::to_string(daemon_port) + "/api/v1/webhook";
  options.bearer_token = kFixtureToken;
  options.group_wait = "200ms";
  options.group_interval = "500ms";
  return options;
}

/// Waits for every pushed alert to be stored, then checks each source holds exactly its own.
void expect_every_occurrence_once(const Daemon& daemon, const Storm& storm,
                                  const std::string& diagnostics) {
  ASSERT_TRUE(poll_until([&] { return stored_total(daemon) >= storm.total(); },
                         kDeliveryDeadline))
      << "stored " << stored_total(daemon) << " of " << storm.total() << " occurrences"
      << diagnostics;
  EXPECT_EQ(stored(daemon), storm.pushed()) << "lost or double-counted occurrences";
}

TEST(StormOutage, RedisKilledMidStormEveryOccurrenceStoredOnce) {
  RedisServer redis(/*aof=*/true);  // --appendfsync always: nothing acknowledged is lost
  Daemon daemon(daemon_options(redis));
  Alertmanager am(am_options(daemon.port()));
  const auto diagnostics = [&] {
    return "\n--- daemon ---\n" + daemon.log_tail() + "\n--- alertmanager ---\n" + am.log_tail();
  };
  Storm storm(am);

  for (int b = 0; b < kBursts / 2; ++b) storm.burst(b);
  ASSERT_TRUE(poll_until([&] { return metric_or_zero(daemon, "postmortem_occurrences_total") > 0; }))
      << diagnostics();

  redis.kill();
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(poll_until([&] { return daemon.get("/-/ready").status == 503; },
                         std::chrono::seconds(1)))
      << "/-/ready still 200 a second after Redis died" << diagnostics();
  const auto not_ready_after = std::chrono::steady_clock::now() - killed;
  for (int b = kBursts / 2; b < kBursts; ++b) storm.burst(b);
  ASSERT_TRUE(poll_until(
      [&] {
        return metric_or_zero(daemon, "postmortem_webhook_requests_total", {{"code", "503"}}) > 0;
      }))
      << "no webhook answered 503 during the outage" << diagnostics();
  const double answered_503 =
      metric_or_zero(daemon, "postmortem_webhook_requests_total", {{"code", "503"}});

  // Same port and AOF directory: the data is back, the script cache is not.
  redis.restart();
  ASSERT_TRUE(poll_until([&] { return daemon.get("/-/ready").status == 200; }))
      << "not ready again after Redis came back" << diagnostics();
  const auto outage = std::chrono::steady_clock::now() - killed;
  // Forget the scripts again under connections the daemon holds: the next commits on them get
  // NOSCRIPT, and must load the script and retry. A connection made after the flush loads the
  // scripts itself, and a late failure of a pre-outage connection makes the pool drop its idle
  // ones: so flush once every alert so far has landed (the connections that stored them wait
  // idle), send a burst, and go again until a commit met NOSCRIPT.
  const auto saw_noscript = [&] {
    return redis.cli("INFO errorstats").find("errorstat_NOSCRIPT") != std::string::npos;
  };
  for (int round = 0; round < 3 && !saw_noscript(); ++round) {
    expect_every_occurrence_once(daemon, storm, diagnostics());
    ASSERT_NE(redis.cli("SCRIPT FLUSH").find("OK"), std::string::npos);
    storm.burst(kBursts + round);
  }

  expect_every_occurrence_once(daemon, storm, diagnostics());
  EXPECT_TRUE(saw_noscript()) << "the NOSCRIPT reload path was not exercised";
  RecordProperty("alerts", storm.total());
  RecordProperty("answered_503", static_cast<int>(answered_503));
  RecordProperty("not_ready_after_ms",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      not_ready_after).count()));
  RecordProperty("outage_ms", static_cast<int>(
                                  std::chrono::duration_cast<std::chrono::milliseconds>(outage)
                                      .count()));
}

TEST(StormOutage, DaemonKilledMidStormEveryOccurrenceStoredOnce) {
  RedisServer redis;
  Daemon::Options options = daemon_options(redis);
  auto daemon = std::make_unique<Daemon>(options);
  options.port = daemon->port();  // Alertmanager keeps sending to this port
  Alertmanager am(am_options(daemon->port()));
  const auto diagnostics = [&] {
    return "\n--- daemon ---\n" + daemon->log_tail() + "\n--- alertmanager ---\n" + am.log_tail();
  };
  Storm storm(am);

  for (int b = 0; b < kBursts / 2; ++b) storm.burst(b);
  ASSERT_TRUE(poll_until([&] { return stored_total(*daemon) > 0; })) << diagnostics();
  daemon->process().kill_now();  // SIGKILL mid-storm: no chance to finish anything
  for (int b = kBursts / 2; b < kBursts; ++b) storm.burst(b);
  ASSERT_TRUE(poll_until([&] { return am_failed_notifications(am) > 0; }))
      << "Alertmanager never failed to deliver to the dead daemon" << diagnostics();

  daemon = std::make_unique<Daemon>(options);
  expect_every_occurrence_once(*daemon, storm, diagnostics());
}

}  // namespace
}  // namespace pmx::e2e
