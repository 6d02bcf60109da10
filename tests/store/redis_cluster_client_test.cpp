// RedisClusterClient against a real Redis Cluster (tests/support/redis_cluster.h: 3 masters with
// a replica each): hash slots as the spec and the server compute them, one round trip per
// pipeline over every master with the replies in order, scripts and NOSCRIPT per node, fences of
// replicated reads, TLS. Migrations: redis_cluster_migration_test.cpp; failures:
// redis_cluster_failure_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "redis_cluster_test_helpers.h"
#include "tls_certificates.h"

namespace pmx {
namespace {

using namespace std::chrono_literals;
using namespace cluster_test;

TEST(ClusterHashSlot, ValuesOfTheClusterSpecification) {
  // CRC16/XMODEM's check value is 0x31C3 for "123456789": 12739 (< 16384, so the slot).
  EXPECT_EQ(cluster_hash_slot("123456789"), 0x31C3);
  EXPECT_EQ(cluster_hash_slot("{user1000}.following"), cluster_hash_slot("{user1000}.followers"));
  EXPECT_EQ(cluster_hash_slot("{user1000}.following"), cluster_hash_slot("user1000"));
  EXPECT_EQ(cluster_hashed_part("foo{}{bar}"), "foo{}{bar}");  // empty tag: the whole key
  EXPECT_EQ(cluster_hashed_part("foo{{bar}}zap"), "{bar");
  EXPECT_EQ(cluster_hashed_part("foo{bar}{zap}"), "bar");
  EXPECT_EQ(cluster_hashed_part("foo{bar"), "foo{bar");
  for (const std::uint16_t slot : {0, 1, 5460, 5461, 12739, 16383}) {
    EXPECT_EQ(cluster_hash_slot("fence{" + cluster_slot_tag(slot) + "}"), slot);
  }
}

TEST(ClusterHashSlot, TheKeyACommandIsRoutedBy) {
  EXPECT_EQ(cluster_key_index({"GET", "k"}), 1u);
  EXPECT_EQ(cluster_key_index({"evalsha", "sha", "2", "a", "b", "v"}), 3u);
  EXPECT_EQ(cluster_key_index({"EVAL", "return 1", "0"}), std::nullopt);
  for (const RedisCommand& keyless : std::vector<RedisCommand>{{"PING"},
                                                               {"WAIT", "1", "0"},
                                                               {"SCRIPT", "LOAD", "x"},
                                                               {"INFO", "server"},
                                                               {"ROLE"},
                                                               {"CLUSTER", "KEYSLOT", "k"}}) {
    EXPECT_EQ(cluster_key_index(keyless), std::nullopt) << keyless[0];
  }
}

TEST(ClusterAddresses, HostPortListWithDefaultPort) {
  std::string error;
  const auto parsed = parse_cluster_addresses("10.0.0.1:7000, node-b ,[::1]:7001", &error);
  ASSERT_TRUE(parsed) << error;
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].port, 7000);
  EXPECT_EQ((*parsed)[1].host, "node-b");
  EXPECT_EQ((*parsed)[1].port, 6379);
  EXPECT_EQ((*parsed)[2].host, "::1");
  EXPECT_FALSE(parse_cluster_addresses("a:1,,b", &error));
  EXPECT_FALSE(parse_cluster_addresses("", &error));
}

class RedisClusterClientTest : public SharedClusterTest<RedisClusterClientTest> {};

TEST_F(RedisClusterClientTest, SlotsAsTheServerComputesThem) {
  const auto client = make_client(*cluster_);
  std::vector<RedisCommand> commands;
  std::vector<std::string> keys{"123456789",
                                "{user1000}.following",
                                "foo{}{bar}",
                                "foo{{bar}}zap",
                                "foo{bar}{zap}",
                                "",
                                "{",
                                "}{",
                                "a{b}c{d}e"};
  for (int i = 0; i < 100; ++i) keys.push_back("key:" + std::to_string(i * 7919));
  for (const std::string& key : keys) commands.push_back({"CLUSTER", "KEYSLOT", key});
  const auto replies = client->run(commands);
  ASSERT_TRUE(replies) << client->last_error();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ((*replies)[i]->integer, cluster_hash_slot(keys[i])) << keys[i];
  }
}

TEST_F(RedisClusterClientTest, PipelineOverEveryMasterInOrderInOneRoundTrip) {
  const auto client = make_client(*cluster_);
  std::vector<std::string> keys;
  for (const int master : cluster_->master_ports()) {
    for (int i = 0; i < 2; ++i)
      keys.push_back(key_on(*cluster_, "pipe" + std::to_string(i), master));
  }
  // Connections to every master first: set-up round trips are not the pipeline's.
  std::vector<RedisCommand> warm;
  for (const auto& key : keys) warm.push_back({"DEL", key});
  ASSERT_TRUE(client->run(warm)) << client->last_error();

  std::vector<RedisCommand> pipeline;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    pipeline.push_back({"SET", keys[i], "v" + std::to_string(i)});
    pipeline.push_back({"GET", keys[(i + 1) % keys.size()]});  // set later, or earlier
    pipeline.push_back({"PING"});
  }
  const std::uint64_t before = client->round_trips();
  const auto replies = client->run(pipeline);
  ASSERT_TRUE(replies) << client->last_error();
  EXPECT_EQ(client->round_trips() - before, 1u);
  ASSERT_EQ(replies->size(), pipeline.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(text((*replies)[3 * i]), "OK");
    // GET of the next key: set by this pipeline only if it came earlier.
    const std::size_t next = (i + 1) % keys.size();
    EXPECT_EQ(text((*replies)[3 * i + 1]), next < i ? "v" + std::to_string(next) : "") << i;
    EXPECT_EQ(text((*replies)[3 * i + 2]), "PONG");
  }
  // Stored on the master that serves each key.
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const int master = cluster_->node_for_slot(cluster_hash_slot(keys[i]));
    EXPECT_EQ(cluster_->cli(master, "GET '" + keys[i] + "'"), "v" + std::to_string(i) + "\n");
  }
}

TEST_F(RedisClusterClientTest, ScriptsOnOneHashTagAndNoscriptAfterFlush) {
  const auto client = make_client(*cluster_);
  const std::vector<std::string> keys{"{script1}.a", "{script1}.b"};
  auto replies = client->run_script({set_all(keys, "one")}, kSetAll);
  ASSERT_TRUE(replies) << client->last_error();
  EXPECT_EQ(text(replies->front()), "one");

  const int master = cluster_->node_for_slot(cluster_hash_slot(keys[0]));
  ASSERT_EQ(cluster_->cli(master, "SCRIPT FLUSH"), "OK\n");
  const long noscript = error_count(*cluster_, master, "NOSCRIPT");
  replies = client->run_script({set_all(keys, "two")}, kSetAll);
  ASSERT_TRUE(replies) << client->last_error();
  EXPECT_EQ(text(replies->front()), "two");
  EXPECT_EQ(error_count(*cluster_, master, "NOSCRIPT"), noscript + 1) << "it did meet NOSCRIPT";
  EXPECT_EQ(cluster_->cli(master, "GET {script1}.b"), "two\n");

  // Keys in two slots: the caller's mistake, answered as the server's error.
  replies = client->run_script({set_all({"{script1}.a", "{script2}.a"}, "x")}, kSetAll);
  ASSERT_TRUE(replies) << client->last_error();
  EXPECT_EQ(replies->front()->type, REDIS_REPLY_ERROR);
  EXPECT_EQ(text(replies->front()).substr(0, 9), "CROSSSLOT");
}

TEST_F(RedisClusterClientTest, ReplicatedReadWritesAFenceOnEveryNodeItRead) {
  RedisConfig config;
  config.wait_replicas = 1;
  config.wait_timeout = 2000ms;
  const auto client = make_client(*cluster_, config);
  std::vector<RedisCommand> reads;
  for (const int master : cluster_->master_ports()) {
    reads.push_back({"GET", key_on(*cluster_, "fenced", master)});
  }
  std::vector<long> sets;
  for (const int master : cluster_->master_ports()) sets.push_back(set_calls(*cluster_, master));
  const auto replies = client->run_replicated_read(reads, "pm:v1:fence");
  ASSERT_TRUE(replies) << client->last_error();
  EXPECT_EQ(replies->size(), reads.size());
  const auto masters = cluster_->master_ports();
  for (std::size_t i = 0; i < masters.size(); ++i) {
    EXPECT_EQ(set_calls(*cluster_, masters[i]), sets[i] + 1) << "one fence on " << masters[i];
  }
}

TEST(RedisClusterTlsTest, RedissToEveryNodeWithTheTestCa) {
  const testing::TestCertificates certificates;
  RedisCluster::Options options;
  options.tls = &certificates;
  RedisCluster cluster(options);
  RedisConfig config;
  config.tls.ca_file = certificates.ca();
  std::string error;
  const auto seeds = parse_cluster_addresses(cluster.seeds(), &error);
  ASSERT_TRUE(seeds) << error;
  config.url = "rediss://";
  RedisClusterClient client(*seeds, config, {kSetAll});

  // Every master over TLS: the slot map names the nodes' TLS ports.
  std::vector<RedisCommand> pipeline;
  std::vector<std::string> keys;
  for (const int master : cluster.master_ports()) {
    keys.push_back(key_on(cluster, "tls", master));
    pipeline.push_back({"SET", keys.back(), "over-tls"});
  }
  for (const auto& key : keys) pipeline.push_back(set_all({key}, "script-over-tls"));
  const auto replies = client.run(pipeline);
  ASSERT_TRUE(replies) << client.last_error();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(text((*replies)[i]), "OK");
    EXPECT_EQ(text((*replies)[keys.size() + i]), "script-over-tls");
  }

  // The wrong CA: refused, and said so.
  config.tls.ca_file = certificates.other_ca();
  RedisClusterClient untrusting(*seeds, config, {kSetAll});
  EXPECT_FALSE(untrusting.run({{"GET", keys[0]}}));
  EXPECT_NE(untrusting.last_error().find("certificate"), std::string::npos)
      << untrusting.last_error();
}

}  // namespace
}  // namespace pmx
