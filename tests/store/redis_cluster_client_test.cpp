// RedisClusterClient against a real Redis Cluster (tests/support/redis_cluster.h: 3 masters with
// a replica each): routing and hash slots as the server computes them, one round trip per
// pipeline over every master, scripts and NOSCRIPT per node, MOVED after a slot moved, ASK and
// TRYAGAIN in the middle of a migration, exact counters while a slot migrates under load, a
// CLUSTER FAILOVER followed, and a cluster that is gone.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "../support/redis_cluster.h"  // the test cluster: same name as the client's header
#include "pmx/store/redis_store.h"
#include "redis_cluster.h"  // the client (store/src/)
#include "redis_cluster_slots.h"
#include "tls_certificates.h"

namespace pmx {
namespace {

using namespace std::chrono_literals;
using testing::RedisCluster;

std::string text(const RedisReply& reply) {
  return reply && reply->str ? std::string(reply->str, reply->len) : std::string();
}

std::string sha1_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha1(), nullptr);
  static const char* const kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

// Sets every key to ARGV[1] and answers the first key's value: a multi-key write in one script.
const std::string kSetAllText =
    "for _, key in ipairs(KEYS) do redis.call('SET', key, ARGV[1]) end "
    "return redis.call('GET', KEYS[1])";
const std::string kSetAllSha = sha1_hex(kSetAllText);
const RedisScript kSetAll{kSetAllText, kSetAllSha};

RedisCommand set_all(std::vector<std::string> keys, const std::string& value) {
  RedisCommand command{"EVALSHA", kSetAllSha, std::to_string(keys.size())};
  command.insert(command.end(), keys.begin(), keys.end());
  command.push_back(value);
  return command;
}

// The count of `errorstat_<name>` in INFO errorstats ("count=3,..."), 0 when none yet.
long error_count(const RedisCluster& cluster, int port, const std::string& name) {
  const std::string field = cluster.info_field(port, "errorstats", "errorstat_" + name);
  return field.empty() ? 0 : std::atol(field.c_str() + field.find('=') + 1);
}

// SETs the node has run ("calls=12,usec=..." in INFO commandstats).
long set_calls(const RedisCluster& cluster, int port) {
  const std::string field = cluster.info_field(port, "commandstats", "cmdstat_set");
  return field.empty() ? 0 : std::atol(field.c_str() + field.find('=') + 1);
}

std::unique_ptr<RedisClusterClient> make_client(const RedisCluster& cluster,
                                                RedisConfig config = {}) {
  std::string error;
  auto seeds = parse_cluster_addresses(cluster.seeds(), &error);
  EXPECT_TRUE(seeds) << error;
  config.url = "redis://";
  return std::make_unique<RedisClusterClient>(*seeds, config, std::vector<RedisScript>{kSetAll});
}

// A key named `prefix...` whose slot master `port` serves now.
std::string key_on(const RedisCluster& cluster, const std::string& prefix, int port) {
  for (int n = 0; n < 1000; ++n) {
    std::string key = prefix + "{" + prefix + std::to_string(n) + "}";
    if (cluster.node_for_slot(cluster_hash_slot(key)) == port) return key;
  }
  throw std::runtime_error("no key of " + prefix + " on the master on port " +
                           std::to_string(port));
}

// A master other than `port`.
int other_master(const RedisCluster& cluster, int port) {
  for (const int master : cluster.master_ports()) {
    if (master != port) return master;
  }
  return 0;
}

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

/// One cluster for the suite (its tests use their own keys, and finish the migrations they
/// start); ctest runs each test in its own process, so there each makes its own.
class RedisClusterClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new RedisCluster(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  static RedisCluster* cluster_;
};
RedisCluster* RedisClusterClientTest::cluster_ = nullptr;

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

TEST_F(RedisClusterClientTest, FollowsMovedAfterASlotMovedThenRoutesDirectly) {
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

TEST_F(RedisClusterClientTest, AskAndTryAgainInTheMiddleOfAMigration) {
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

TEST_F(RedisClusterClientTest, TryAgainThatOutlastsTheTimeoutFailsBounded) {
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

TEST_F(RedisClusterClientTest, CountersStayExactWhileTheirSlotMigrates) {
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
    EXPECT_LE(told.size(), 3u) << "told once, and again only when the reason changed";
  }

  // A client that never saw it: no node gives the slot map.
  const auto fresh = make_client(cluster_);
  EXPECT_FALSE(fresh->run({{"GET", "gone"}}));
  EXPECT_NE(fresh->last_error().find("no node gave the slot map"), std::string::npos)
      << fresh->last_error();
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
