#pragma once
/// Test support: a real Redis Cluster (redis-server --cluster-enabled, made into a cluster by
/// the commands `redis-cli --cluster create` sends, without its fixed sleeps) on free loopback
/// ports, with the steps of a slot migration and a failover, so a test can interleave its own
/// work with them.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "process.h"
#include "tls_certificates.h"

namespace pmx::testing {

class RedisCluster {
 public:
  struct Options {
    int masters = 3;
    int replicas = 1;  ///< per master
    /// cluster-node-timeout: how long before a node that stopped answering counts as failed.
    int node_timeout_ms = 2000;
    /// TLS: every node also answers TLS on its own port, the cluster bus and replication use
    /// TLS, and the slot map names the TLS ports (the plain ports stay, for redis-cli).
    const TestCertificates* tls = nullptr;
  };

  /// Starts the nodes in fresh directories, creates the cluster and waits (20 s) until every
  /// node says cluster_state:ok, every slot is covered, the nodes agree and every replica is
  /// in sync. Throws with the nodes' logs otherwise.
  explicit RedisCluster(Options options);
  RedisCluster() : RedisCluster(Options{}) {}
  /// Kills every node and removes the directories.
  ~RedisCluster();
  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  /// "127.0.0.1:p1,127.0.0.1:p2,...": every node, masters first (the ports clients use: the
  /// TLS ones with TLS).
  std::string seeds() const;
  /// Ports clients use, of the masters and replicas as the cluster has them now (in the order
  /// of creation; after failover(i) master_ports()[i] is the promoted replica).
  std::vector<int> master_ports() const;
  std::vector<int> replica_ports() const;
  /// The client port of the master serving `slot` now, as that node sees it.
  int node_for_slot(int slot) const;
  /// `redis-cli` on the node with client port `port` (its plain port), stdout and stderr.
  std::string cli(int port, const std::string& args) const;
  /// The value of `field` in `INFO <section>` of the node (e.g. errorstat_MOVED).
  std::string info_field(int port, const std::string& section, const std::string& field) const;

  /// Step 1 of moving `slot` from master `from` to master `to` (client ports): IMPORTING on
  /// `to`, then MIGRATING on `from`, as redis-cli --cluster reshard does.
  void begin_migration(int slot, int from, int to);
  /// Step 2: moves up to `count` of the slot's keys (CLUSTER GETKEYSINSLOT + MIGRATE ... KEYS);
  /// returns how many moved.
  std::size_t migrate_keys(int slot, std::size_t count);
  /// Step 3: moves the keys left, then assigns the slot to the target on every master (the
  /// target first). Returns when every master names the target for it.
  void finish_migration(int slot);

  /// CLUSTER FAILOVER on the replica of master_ports()[index]; returns when the roles have
  /// swapped, the cluster is ok, and the old master replicates from the new one.
  void failover(std::size_t index);
  /// SIGKILL the node with client port `port`: after node_timeout_ms the others mark it
  /// failed and, if it was a master, its replica takes over. The cluster stays one node short.
  void kill_node(int port);
  /// SIGKILL every node (an outage of the whole cluster).
  void kill_all();
  /// The tail of every node's log, for failure messages.
  std::string logs() const;
  /// FLUSHALL on every master, then waits (WAIT, 1 s) until each of its replicas has processed
  /// it: a test starting after flush() sees no key of an earlier one, on any node. Throws when a
  /// replica does not acknowledge.
  void flush();

 private:
  struct Node {
    int port = 0;      // plain, for redis-cli
    int tls_port = 0;  // 0 without TLS
    int bus_port = 0;
    std::string dir;
    std::unique_ptr<ChildProcess> process;
    int client_port() const { return tls_port != 0 ? tls_port : port; }
  };
  struct Migration {
    int slot = 0;
    int from = 0;
    int to = 0;
  };
  /// Starts the node's redis-server on fresh ports (it may still be starting on return).
  void launch(Node& node);
  /// Waits until the started node answers on its ports; false when it exited (a port taken).
  bool started(Node& node);
  /// Makes the started nodes one cluster: slots, epochs, MEET, then the replicas.
  void create();
  const Node& node(int client_port) const;
  std::string id_of(int client_port) const;
  /// The client port of the master of `slot` in the CLUSTER NODES of node `view` (0: none).
  int owner_seen_by(int view, int slot) const;
  /// Every node ok, all slots covered, the nodes agreeing, the replicas in sync.
  bool healthy() const;
  void wait_healthy(const std::string& what) const;

  Options options_;
  std::vector<Node> nodes_;
  std::vector<int> masters_;   // client ports, by creation index
  std::vector<int> replicas_;  // client ports
  std::vector<Migration> migrations_;
};

}  // namespace pmx::testing
