// RedisClusterClient when the cluster fails (a cluster of its own per test): a CLUSTER FAILOVER
// followed, with WAIT; a master killed, its replica promoted and followed; a cluster down
// (CLUSTERDOWN) retried and bounded; every node gone.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "redis_cluster_test_helpers.h"

namespace pmx {
namespace {

using namespace std::chrono_literals;
using namespace cluster_test;

/// A cluster of its own: the test breaks it.
class RedisClusterFailureTest : public ::testing::Test {
 protected:
  RedisCluster cluster_;
};

TEST_F(RedisClusterFailureTest, FollowsAFailoverAndWaitsForTheNewReplica) {
  RedisConfig config;
  config.wait_replicas = 1;
  config.wait_timeout = 1000ms;
  const auto waiting = make_client(cluster_, config);
  const auto plain = make_client(cluster_);
  const int old_master = cluster_.master_ports()[0];
  const std::string key = key_on(cluster_, "failover", old_master);
  ASSERT_TRUE(waiting->run_script({set_all({key}, "0")}, kSetAll)) << waiting->last_error();

  // Counters written throughout the failover, without WAIT.
  std::atomic<bool> stop{false};
  std::atomic<long> acknowledged{0};
  std::atomic<long> failed{0};
  std::thread writer([&] {
    while (!stop) {
      const auto replies = plain->run({{"INCR", key}});
      (replies && (*replies)[0]->type == REDIS_REPLY_INTEGER ? acknowledged : failed)++;
    }
  });
  ASSERT_TRUE(testing::poll_until([&] { return acknowledged > 50; }));
  cluster_.failover(0);
  const long at_failover = acknowledged;
  ASSERT_TRUE(testing::poll_until([&] { return acknowledged > at_failover + 50; }))
      << "writes resume after the failover: " << plain->last_error();
  stop = true;
  writer.join();
  ASSERT_NE(cluster_.master_ports()[0], old_master);

  // Nothing acknowledged was lost (a manual failover waits for the replica to catch up); a
  // write that failed may or may not have run.
  const auto count = plain->run({{"GET", key}});
  ASSERT_TRUE(count) << plain->last_error();
  const long value = std::atol(text(count->front()).c_str());
  EXPECT_GE(value, acknowledged.load());
  EXPECT_LE(value, acknowledged + failed);

  // The WAIT client's map still names the old master: MOVED, followed, and WAIT is answered by
  // the new master's replica (the old master, in sync: the fixture waited for it).
  const std::uint64_t refreshes = waiting->map_refreshes();
  const auto replies = waiting->run_script({set_all({key}, "after")}, kSetAll);
  ASSERT_TRUE(replies) << waiting->last_error();
  EXPECT_EQ(text(replies->front()), "after");
  EXPECT_GT(waiting->map_refreshes(), refreshes);
  EXPECT_EQ(cluster_.cli(cluster_.master_ports()[0], "GET '" + key + "'"), "after\n");
}

TEST_F(RedisClusterFailureTest, FollowsTheReplicaPromotedWhenAMasterDies) {
  const auto client = make_client(cluster_);
  const int dead = cluster_.master_ports()[1];
  const std::string key = key_on(cluster_, "killed", dead);
  const std::string elsewhere = key_on(cluster_, "alive", other_master(cluster_, dead));
  ASSERT_TRUE(client->run({{"SET", key, "kept"}, {"SET", elsewhere, "1"}})) << client->last_error();
  // What a replica holds when its master dies is what reached it: wait for it.
  ASSERT_TRUE(client->run({{"WAIT", "1", "2000"}})) << client->last_error();

  cluster_.kill_node(dead);
  // Until a replica is promoted (node timeout 2 s, then the election), calls fail, fast;
  // then the client's map names the replica and the key is there.
  const auto began = std::chrono::steady_clock::now();
  std::optional<std::vector<RedisReply>> replies;
  int failures = 0;
  ASSERT_TRUE(testing::poll_until(
      [&] {
        const auto attempt = std::chrono::steady_clock::now();
        replies = client->run({{"GET", key}});
        EXPECT_LT(std::chrono::steady_clock::now() - attempt, 1500ms) << "bounded by io_timeout";
        failures += replies ? 0 : 1;
        return replies.has_value();
      },
      20s))
      << client->last_error() << cluster_.logs();
  EXPECT_GT(failures, 0) << "the master was gone for a while";
  EXPECT_EQ(text(replies->front()), "kept");
  EXPECT_LT(std::chrono::steady_clock::now() - began, 20s);
  const int promoted = cluster_.node_for_slot(cluster_hash_slot(key));
  EXPECT_NE(promoted, dead);
  EXPECT_EQ(cluster_.info_field(promoted, "replication", "role"), "master");
  // And it takes writes.
  const auto written = client->run({{"SET", key, "after"}, {"GET", elsewhere}});
  ASSERT_TRUE(written) << client->last_error();
  EXPECT_EQ(text((*written)[0]), "OK");
  EXPECT_EQ(text((*written)[1]), "1");
}

TEST_F(RedisClusterFailureTest, AClusterThatIsGoneFailsFastAndSaysWhy) {
  std::vector<RedisAvailability> told;
  std::mutex told_mutex;
  RedisConfig config;
  config.on_availability = [&](const RedisAvailability& change) {
    std::lock_guard lock(told_mutex);
    told.push_back(change);
  };
  const auto client = make_client(cluster_, config);
  ASSERT_TRUE(client->run({{"SET", "gone", "1"}})) << client->last_error();
  cluster_.kill_all();

  for (int i = 0; i < 5; ++i) {
    const auto began = std::chrono::steady_clock::now();
    EXPECT_FALSE(client->run({{"GET", "gone"}}));
    EXPECT_LT(std::chrono::steady_clock::now() - began, 1500ms) << i;
  }
  const std::string error = client->last_error();
  EXPECT_NE(error.find("127.0.0.1:"), std::string::npos) << error;
  EXPECT_NE(error.find("refused"), std::string::npos) << error;
  {
    std::lock_guard lock(told_mutex);
    ASSERT_FALSE(told.empty());
    EXPECT_FALSE(told.front().available);
    EXPECT_NE(told.front().address.find("127.0.0.1:"), std::string::npos) << "names the node";
    EXPECT_LE(told.size(), 3u) << "told once, and again only when the reason changed";
  }

  // A client that never saw it: no node gives the slot map.
  const auto fresh = make_client(cluster_);
  EXPECT_FALSE(fresh->run({{"GET", "gone"}}));
  EXPECT_NE(fresh->last_error().find("no node gave the slot map"), std::string::npos)
      << fresh->last_error();
}

TEST(RedisClusterDownTest, ClusterDownIsRetriedThenFailsBoundedAsAnOutage) {
  RedisCluster::Options options;
  options.replicas = 0;  // a master that dies takes its slots down with it
  RedisCluster cluster(options);
  std::vector<RedisAvailability> told;
  std::mutex told_mutex;
  RedisConfig config;
  config.io_timeout = 500ms;
  config.on_availability = [&](const RedisAvailability& change) {
    std::lock_guard lock(told_mutex);
    told.push_back(change);
  };
  const auto client = make_client(cluster, config);
  const int alive = cluster.master_ports()[1];
  const std::string key = key_on(cluster, "down", alive);
  ASSERT_TRUE(client->run({{"SET", key, "1"}})) << client->last_error();

  cluster.kill_node(cluster.master_ports()[0]);
  // Once the others mark it failed, the cluster is down for every slot (full coverage).
  ASSERT_TRUE(testing::poll_until([&] {
    return cluster.cli(alive, "CLUSTER INFO").find("cluster_state:fail") != std::string::npos;
  })) << cluster.logs();
  const auto began = std::chrono::steady_clock::now();
  EXPECT_FALSE(client->run({{"GET", key}}));
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_GE(took, 300ms) << "retried with a back-off before it gave up";
  EXPECT_LT(took, 1500ms) << "bounded by io_timeout";
  EXPECT_NE(client->last_error().find("CLUSTERDOWN"), std::string::npos) << client->last_error();
  std::lock_guard lock(told_mutex);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_FALSE(told.front().available);
  EXPECT_NE(told.front().error.find("CLUSTERDOWN"), std::string::npos) << told.front().error;
}

}  // namespace
}  // namespace pmx
