// Issue 7, part 2: Redis Sentinel. A master, two replicas and three sentinels on loopback; the
// daemon finds the master through the sentinels. The master is SIGKILLed under load: the daemon
// follows the failover, and every webhook it answered 200 is stored exactly once on the new
// master (--redis.wait-replicas=1: nothing is acknowledged before a replica has it).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "e2e.h"
#include "redis_sentinel.h"
#include "redis_server.h"

namespace pmx::e2e {
namespace {

using pmx::testing::GeneratedAlert;
using pmx::testing::poll_until;
using pmx::testing::RedisSentinel;
using pmx::testing::RedisServer;

constexpr int kSources = 10;
constexpr int kWebhooks = 300;  // each with two new alerts of one source
constexpr int kKillAfterAccepted = 60;

struct Webhook {
  std::string source_key;
  std::string body;
};

Webhook make_webhook(int i) {
  const std::string service = "sentinel-" + std::to_string(i % kSources);
  const std::string starts_at = pmx::testing::rfc3339_now(-10'000);
  std::vector<GeneratedAlert> alerts;
  for (const char* suffix : {"a", "b"}) {
    GeneratedAlert alert;
    alert.alertname = "FailoverLoad";
    alert.service = service;
    alert.instance = "w" + std::to_string(i) + suffix;
    alert.starts_at = starts_at;
    alerts.push_back(alert);
  }
  return {pmx::testing::source_key("FailoverLoad", service), pmx::testing::make_webhook(alerts)};
}

TEST(SentinelFailover, MasterKilledUnderLoadNothingAcceptedIsLost) {
  RedisServer master;
  const std::string replica_of = std::to_string(master.port());
  RedisServer replica_a(false, {"--replicaof", "127.0.0.1", replica_of});
  RedisServer replica_b(false, {"--replicaof", "127.0.0.1", replica_of});
  std::vector<std::unique_ptr<RedisSentinel>> sentinels;
  std::string addresses;
  for (int i = 0; i < 3; ++i) {
    RedisSentinel::Options options;
    options.master_port = master.port();
    sentinels.push_back(std::make_unique<RedisSentinel>(options));
    addresses += (i ? "," : "") + sentinels.back()->address();
  }
  const auto sentinel_logs = [&] {
    std::string logs;
    for (const auto& s : sentinels) logs += "\n--- sentinel " + s->address() + " ---\n" + s->log_tail();
    return logs;
  };
  // A failover needs a quorum of sentinels that know each other (hello messages, every 2 s)
  // and know the replicas.
  ASSERT_TRUE(poll_until(
      [&] {
        for (const auto& s : sentinels) {
          if (s->master_field("num-other-sentinels") != "2" || s->master_field("num-slaves") != "2") {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(20)))
      << "the sentinels did not discover each other and the replicas" << sentinel_logs();

  Daemon::Options options;
  options.flags = {"--redis.sentinel=" + addresses, "--redis.sentinel-master=pmx",
                   "--redis.wait-replicas=1", "--redis.wait-timeout=500ms"};
  Daemon daemon(options);
  const auto diagnostics = [&] { return "\n--- daemon ---\n" + daemon.log_tail() + sentinel_logs(); };

  // The load: webhooks posted back to back by this thread, while another SIGKILLs the master
  // once enough were accepted. Alertmanager retries what got anything but 200: so does this test.
  std::atomic<int> accepted{0};
  std::thread killer([&] {
    poll_until([&] { return accepted.load() >= kKillAfterAccepted; }, std::chrono::seconds(30));
    master.kill();
  });
  std::map<std::string, int> expected;  // occurrences per source, from answers 200
  std::vector<Webhook> pending;
  int failed_during_load = 0;
  for (int i = 0; i < kWebhooks; ++i) {
    Webhook webhook = make_webhook(i);
    const HttpResponse r = daemon.post_webhook(webhook.body);
    if (r.status == 200) {
      // Its alerts are stored: count them, not its new occurrences (a retry of a webhook that
      // was written but refused, e.g. the master died before WAIT, finds them already there).
      expected[webhook.source_key] += r.json().value("alerts", 0);
      ++accepted;
    } else {
      ++failed_during_load;
      pending.push_back(std::move(webhook));
    }
  }
  killer.join();
  ASSERT_EQ(master.pid(), -1) << "the master was never killed";

  // Retry what was refused until the daemon has followed the failover and accepts it all.
  ASSERT_TRUE(poll_until(
      [&] {
        std::vector<Webhook> still;
        for (auto& webhook : pending) {
          const HttpResponse r = daemon.post_webhook(webhook.body);
          if (r.status == 200) {
            expected[webhook.source_key] += r.json().value("alerts", 0);
          } else {
            still.push_back(std::move(webhook));
          }
        }
        pending.swap(still);
        return pending.empty();
      },
      std::chrono::seconds(45)))
      << pending.size() << " webhooks still refused after the failover" << diagnostics();

  const int new_master = sentinels.front()->master_port();
  EXPECT_TRUE(new_master == replica_a.port() || new_master == replica_b.port())
      << "the sentinels name " << new_master << diagnostics();
  int total = 0;
  for (const auto& [key, count] : expected) {
    EXPECT_EQ(count, 2 * (kWebhooks / kSources)) << key << ": every webhook was accepted";
    EXPECT_EQ(source_occurrences(daemon, key), count)
        << key << ": accepted alerts lost or counted twice" << diagnostics();
    total += count;
  }
  EXPECT_EQ(total, 2 * kWebhooks);
  EXPECT_GT(failed_during_load, 0) << "the failover went unnoticed: was the master killed?";
  RecordProperty("refused_during_failover", failed_during_load);
}

}  // namespace
}  // namespace pmx::e2e
