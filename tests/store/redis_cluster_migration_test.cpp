// RedisClusterClient while slots move between the masters of a real Redis Cluster, step by step
// (tests/support/redis_cluster.h): MOVED after a slot moved, ASK and TRYAGAIN in the middle of a
// migration, and counters that stay exact while their slot migrates under load.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "redis_cluster_test_helpers.h"

namespace pmx {
namespace {

using namespace std::chrono_literals;
using namespace cluster_test;

class RedisClusterMigrationTest : public SharedClusterTest<RedisClusterMigrationTest> {};

TEST_F(RedisClusterMigrationTest, FollowsMovedAfterASlotMovedThenRoutesDirectly) {
  const auto client = make_client(*cluster_);
  const int from = cluster_->master_ports()[0];
  const int to = other_master(*cluster_, from);
  const std::string key = key_on(*cluster_, "moved", from);
  const int slot = cluster_hash_slot(key);
  ASSERT_TRUE(client->run({{"SET", key, "before"}})) << client->last_error();

  cluster_->begin_migration(slot, from, to);
  cluster_->finish_migration(slot);
  ASSERT_EQ(cluster_->node_for_slot(slot), to);

  // The client's map still names `from`: MOVED, followed.
  auto replies = client->run({{"GET", key}, {"SET", key, "after"}});
  ASSERT_TRUE(replies) << client->last_error();
  EXPECT_EQ(text((*replies)[0]), "before");
  EXPECT_EQ(text((*replies)[1]), "OK");
  EXPECT_EQ(cluster_->cli(to, "GET '" + key + "'"), "after\n");

  // Then straight to `to`: one round trip, no MOVED from `from`, no new map.
  const long moved = error_count(*cluster_, from, "MOVED");
  const std::uint64_t refreshes = client->map_refreshes();
  const std::uint64_t before = client->round_trips();
  replies = client->run({{"GET", key}});
  ASSERT_TRUE(replies) << client->last_error();
  EXPECT_EQ(text(replies->front()), "after");
  EXPECT_EQ(client->round_trips() - before, 1u);
  EXPECT_EQ(error_count(*cluster_, from, "MOVED"), moved);
  EXPECT_EQ(client->map_refreshes(), refreshes);
}

TEST_F(RedisClusterMigrationTest, AskAndTryAgainInTheMiddleOfAMigration) {
  RedisConfig config;
  config.io_timeout = 10s;  // bounds the TRYAGAIN retries: the migration ends well before
  const auto client = make_client(*cluster_, config);
  const int from = cluster_->master_ports()[1];
  const int to = other_master(*cluster_, from);
  const std::string tag = key_on(*cluster_, "ask", from);
  const int slot = cluster_hash_slot(tag);
  std::vector<std::string> keys;
  std::vector<RedisCommand> writes;
  for (int i = 0; i < 8; ++i) {
    keys.push_back(tag + ":" + std::to_string(i));
    writes.push_back({"SET", keys.back(), "v" + std::to_string(i)});
  }
  ASSERT_TRUE(client->run(writes)) << client->last_error();

  cluster_->begin_migration(slot, from, to);
  ASSERT_EQ(cluster_->migrate_keys(slot, 4), 4u);
  // Which keys are still on the source.
  const std::string left =
      cluster_->cli(from, "CLUSTER GETKEYSINSLOT " + std::to_string(slot) + " 100");
  std::vector<std::string> migrated;
  std::vector<std::string> staying;
  for (const std::string& key : keys) {
    (left.find(key + "\n") == std::string::npos ? migrated : staying).push_back(key);
  }
  ASSERT_EQ(migrated.size(), 4u);

  // Reads of both kinds: the source answers what it has and ASKs for the rest.
  std::vector<RedisCommand> reads;
  for (const std::string& key : keys) reads.push_back({"GET", key});
  auto replies = client->run(reads);
  ASSERT_TRUE(replies) << client->last_error();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(text((*replies)[i]), "v" + std::to_string(i)) << keys[i];
  }
  // A script on a migrated key: ASKING + the script on the target.
  const long asks = error_count(*cluster_, from, "ASK");
  replies = client->run_script({set_all({migrated[0]}, "asked")}, kSetAll);
  ASSERT_TRUE(replies) << client->last_error();
  EXPECT_EQ(text(replies->front()), "asked");
  EXPECT_GT(error_count(*cluster_, from, "ASK"), asks);

  // A script on a migrated and a staying key: TRYAGAIN until the migration ends (done by
  // another thread once the source has answered TRYAGAIN), then it runs on the target.
  const long tryagain = error_count(*cluster_, from, "TRYAGAIN");
  std::atomic<bool> saw_tryagain{false};
  std::thread migrator([&] {
    saw_tryagain = testing::poll_until(
        [&] { return error_count(*cluster_, from, "TRYAGAIN") > tryagain; }, 5s);
    cluster_->finish_migration(slot);
  });
  replies = client->run_script({set_all({migrated[1], staying[0]}, "both")}, kSetAll);
  migrator.join();
  EXPECT_TRUE(saw_tryagain);
  ASSERT_TRUE(replies) << client->last_error();
  EXPECT_EQ(text(replies->front()), "both");
  EXPECT_EQ(cluster_->cli(to, "GET '" + staying[0] + "'"), "both\n");
  EXPECT_EQ(cluster_->cli(to, "GET '" + migrated[1] + "'"), "both\n");
}

TEST_F(RedisClusterMigrationTest, TryAgainThatOutlastsTheTimeoutFailsBounded) {
  RedisConfig config;
  config.io_timeout = 300ms;
  const auto client = make_client(*cluster_, config);
  const int from = cluster_->master_ports()[2];
  const int to = other_master(*cluster_, from);
  const std::string tag = key_on(*cluster_, "split", from);
  const int slot = cluster_hash_slot(tag);
  ASSERT_TRUE(client->run({{"SET", tag + ":a", "1"}, {"SET", tag + ":b", "2"}}));
  cluster_->begin_migration(slot, from, to);
  ASSERT_EQ(cluster_->migrate_keys(slot, 1), 1u);

  const auto began = std::chrono::steady_clock::now();
  const auto replies = client->run_script({set_all({tag + ":a", tag + ":b"}, "x")}, kSetAll);
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_FALSE(replies);
  EXPECT_NE(client->last_error().find("TRYAGAIN"), std::string::npos) << client->last_error();
  EXPECT_LT(took, 2s);
  cluster_->finish_migration(slot);
  // Nothing ran: both keys keep their values.
  const auto after = client->run({{"GET", tag + ":a"}, {"GET", tag + ":b"}});
  ASSERT_TRUE(after) << client->last_error();
  EXPECT_EQ(text((*after)[0]), "1");
  EXPECT_EQ(text((*after)[1]), "2");
}

TEST_F(RedisClusterMigrationTest, CountersStayExactWhileTheirSlotMigrates) {
  const auto client = make_client(*cluster_);
  const int from = cluster_->master_ports()[0];
  const int to = other_master(*cluster_, from);
  const std::string tag = key_on(*cluster_, "counter", from);
  const int slot = cluster_hash_slot(tag);
  std::vector<std::string> keys;
  for (int i = 0; i < 12; ++i) keys.push_back(tag + ":" + std::to_string(i));

  std::atomic<bool> stop{false};
  std::atomic<long> acknowledged{0};
  std::atomic<long> failed{0};
  std::atomic<long> during{0};  // acknowledged while the slot was migrating
  std::atomic<bool> migrating{false};
  auto writer = [&](int seed) {
    for (int n = seed; !stop; n += 5) {
      // Three counters per pipeline, some on migrated keys, some not.
      std::vector<RedisCommand> incrs;
      for (int k = 0; k < 3; ++k) incrs.push_back({"INCR", keys[(n + 4 * k) % keys.size()]});
      const auto replies = client->run(incrs);
      if (!replies) {
        ++failed;
        continue;
      }
      for (const auto& reply : *replies) {
        if (reply->type == REDIS_REPLY_INTEGER) {
          ++acknowledged;
          if (migrating) ++during;
        }
      }
    }
  };
  std::thread a(writer, 0);
  std::thread b(writer, 1);
  ASSERT_TRUE(testing::poll_until([&] { return acknowledged > 100; }));
  cluster_->begin_migration(slot, from, to);
  migrating = true;
  while (cluster_->migrate_keys(slot, 2) > 0) {
    const long now = acknowledged;
    testing::poll_until([&] { return acknowledged > now + 20; }, 2s);  // work between steps
  }
  cluster_->finish_migration(slot);
  migrating = false;
  const long now = acknowledged;
  testing::poll_until([&] { return acknowledged > now + 100; });
  stop = true;
  a.join();
  b.join();

  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(during.load(), 0);
  std::vector<RedisCommand> reads;
  for (const auto& key : keys) reads.push_back({"GET", key});
  const auto replies = client->run(reads);
  ASSERT_TRUE(replies) << client->last_error();
  long sum = 0;
  for (const auto& reply : *replies) sum += std::atol(text(reply).c_str());
  EXPECT_EQ(sum, acknowledged.load());
  EXPECT_EQ(cluster_->cli(to, "CLUSTER COUNTKEYSINSLOT " + std::to_string(slot)), "12\n");
}

}  // namespace
}  // namespace pmx
