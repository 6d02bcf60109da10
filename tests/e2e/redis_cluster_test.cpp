// The daemon on a real Redis Cluster (--redis.cluster): Alertmanager's webhooks stored and read
// back through the slot map, counted once when re-sent, ready only while the cluster serves;
// and the flags that cannot go together refused at start.
#include "redis_cluster.h"

#include <gtest/gtest.h>

#include "e2e.h"
#include "process.h"

namespace pmx::e2e {
namespace {

using pmx::testing::poll_until;
using pmx::testing::RedisCluster;
using pmx::testing::replay_fixture_names;

TEST(RedisClusterDaemon, WebhooksAreStoredOnTheClusterAndCountedOnce) {
  RedisCluster::Options options;
  options.replicas = 0;
  RedisCluster cluster(options);
  Daemon::Options daemon_options;
  daemon_options.flags = {"--redis.cluster=" + cluster.seeds()};
  Daemon d(daemon_options);
  ASSERT_TRUE(poll_until([&] { return d.get("/-/ready").status == 200; })) << d.log_tail();
  EXPECT_NE(d.log_tail().find("Redis Cluster"), std::string::npos) << d.log_tail();

  const auto& names = replay_fixture_names();
  post_fixtures(d, {names[0], names[0]});  // the second is Alertmanager's re-send
  const auto incidents = d.get_json("/api/v1/incidents")["incidents"];
  ASSERT_EQ(incidents.size(), 1u);
  const auto sources = d.get_json("/api/v1/sources")["sources"];
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0]["occurrences"], incidents[0]["occurrences"]);
  EXPECT_GT(incidents[0]["occurrences"].get<int>(), 0);

  // Every key is on the master of the {pm} slot, none elsewhere.
  const int slot = std::stoi(cluster.cli(cluster.master_ports()[0], "CLUSTER KEYSLOT {pm}"));
  const int owner = cluster.node_for_slot(slot);
  for (const int port : cluster.master_ports()) {
    const int keys = std::stoi(cluster.cli(port, "DBSIZE"));
    if (port == owner) {
      EXPECT_GT(keys, 5) << port;
    } else {
      EXPECT_EQ(keys, 0) << port;
    }
  }

  // A cluster that is gone makes the daemon unready.
  cluster.kill_all();
  EXPECT_TRUE(poll_until([&] { return d.get("/-/ready").status == 503; })) << d.log_tail();
}

TEST(RedisClusterDaemon, FlagsThatCannotGoTogetherAreRefusedAtStart) {
  expect_start_up_error({"--redis.cluster=127.0.0.1:7000", "--redis.sentinel=127.0.0.1:26379",
                         "--redis.sentinel-master=m"},
                        "excludes");
  expect_start_up_error({"--redis.cluster=127.0.0.1:notaport"}, "bad Redis Cluster addresses");
  expect_start_up_error({"--redis.cluster=127.0.0.1:7000", "--redis.url=redis://h/2"}, "db");
}

}  // namespace
}  // namespace pmx::e2e
