#pragma once
// What the RedisClusterClient tests share: a script, the client made for a test cluster, keys on
// a given master, and counters read from the nodes' INFO.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../support/redis_cluster.h"  // the test cluster: same name as the client's header
#include "pmx/store/redis_store.h"
#include "redis_cluster.h"  // the client (store/src/)
#include "redis_cluster_slots.h"

namespace pmx::cluster_test {

using testing::RedisCluster;

inline std::string text(const RedisReply& reply) {
  return reply && reply->str ? std::string(reply->str, reply->len) : std::string();
}

inline std::string sha1_hex(std::string_view data) {
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
inline const std::string kSetAllText =
    "for _, key in ipairs(KEYS) do redis.call('SET', key, ARGV[1]) end "
    "return redis.call('GET', KEYS[1])";
inline const std::string kSetAllSha = sha1_hex(kSetAllText);
inline const RedisScript kSetAll{kSetAllText, kSetAllSha};

inline RedisCommand set_all(std::vector<std::string> keys, const std::string& value) {
  RedisCommand command{"EVALSHA", kSetAllSha, std::to_string(keys.size())};
  command.insert(command.end(), keys.begin(), keys.end());
  command.push_back(value);
  return command;
}

// The count of `errorstat_<name>` in INFO errorstats ("count=3,..."), 0 when none yet.
inline long error_count(const RedisCluster& cluster, int port, const std::string& name) {
  const std::string field = cluster.info_field(port, "errorstats", "errorstat_" + name);
  return field.empty() ? 0 : std::atol(field.c_str() + field.find('=') + 1);
}

// SETs the node has run ("calls=12,usec=..." in INFO commandstats).
inline long set_calls(const RedisCluster& cluster, int port) {
  const std::string field = cluster.info_field(port, "commandstats", "cmdstat_set");
  return field.empty() ? 0 : std::atol(field.c_str() + field.find('=') + 1);
}

inline std::unique_ptr<RedisClusterClient> make_client(const RedisCluster& cluster,
                                                       RedisConfig config = {}) {
  std::string error;
  auto seeds = parse_cluster_addresses(cluster.seeds(), &error);
  EXPECT_TRUE(seeds) << error;
  config.url = "redis://";
  return std::make_unique<RedisClusterClient>(*seeds, config, std::vector<RedisScript>{kSetAll});
}

// A key named `prefix...` whose slot master `port` serves now.
inline std::string key_on(const RedisCluster& cluster, const std::string& prefix, int port) {
  for (int n = 0; n < 1000; ++n) {
    std::string key = prefix + "{" + prefix + std::to_string(n) + "}";
    if (cluster.node_for_slot(cluster_hash_slot(key)) == port) return key;
  }
  throw std::runtime_error("no key of " + prefix + " on the master on port " +
                           std::to_string(port));
}

// A master other than `port`.
inline int other_master(const RedisCluster& cluster, int port) {
  for (const int master : cluster.master_ports()) {
    if (master != port) return master;
  }
  return 0;
}

/// A test fixture with one cluster for its suite (its tests use their own keys and slots, and
/// finish the migrations they start). ctest runs such a suite in one process
/// (store.cluster_client in tests/CMakeLists.txt), so its tests share the cluster there too.
/// `Suite` only keeps each suite's cluster apart.
template <typename Suite>
class SharedClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new RedisCluster(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  static inline RedisCluster* cluster_ = nullptr;
};

}  // namespace pmx::cluster_test
