#pragma once
// The Redis Cluster client: RedisClient on a cluster of masters that share the 16384 hash slots.
// Private to store/; not used by RedisStore yet (its keys must first be cluster-safe).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pmx/store/redis_store.h"
#include "redis_client.h"
#include "redis_cluster_slots.h"
#include "redis_connection.h"

namespace pmx {

/// Role: runs RedisStore's pipelines on a Redis Cluster, with RedisConnectionPool's contract
/// (redis_client.h): replies in the caller's order, nullopt when the cluster cannot serve it.
///
/// Routing: each command goes to the master of its first key's hash slot
/// (cluster_key_index, cluster_hash_slot); commands without a key go with the pipeline's first
/// node. A pipeline is split per node and the per-node pipelines are all written before any is
/// read, so it costs one round trip (one counted) whatever the number of nodes.
///
/// Slot map: CLUSTER SLOTS, asked of the seeds in turn and then of the masters already known,
/// at the first call and again after MOVED (once per call), CLUSTERDOWN, or a node that cannot
/// be reached. It is a snapshot behind a mutex that is never held during I/O; concurrent
/// refreshes may both ask, the last answer wins (both are fresh).
///
/// Redirections, per command: MOVED follows the address given (and refreshes the map), ASK sends
/// ASKING + the command to the importing node (no map change), both at most 5 times per
/// command; TRYAGAIN (a multi-key command or script whose keys a migration split) and
/// CLUSTERDOWN are retried after 10 ms, doubling, until io_timeout has passed since the call
/// began, then nullopt. NOSCRIPT in run_script: SCRIPT LOAD on that node in front of the resent
/// commands, once per node and call. CROSSSLOT and other errors are the caller's replies.
///
/// Nodes: one RedisConnectionPool per master address (reconnect, backoff and fail-fast as for a
/// single server; WAIT per node pipeline). A node that cannot be reached makes the client
/// refresh the map from the others (a replica may have been promoted) and retry once: commands
/// that were never sent, or that the new map sends to another node (a failover: the write is
/// a compare-and-set the caller may repeat, as after a 503); else nullopt.
///
/// Outages: one for the cluster as a whole. The per-node pools tell nobody; the client tells
/// config.on_availability once when a call fails because a node or the slot map cannot be
/// reached (or the cluster stays down), again only when the reason changes, and once when a
/// call succeeds again. The address told is the node that failed, or the seed list when no node
/// can be named (no slot map, and the end of an outage). Too few replicas (WAIT), a migration
/// that outlasts io_timeout and too many redirections fail the call but are no outage.
///
/// Known limits: SCAN, FLUSHALL, DBSIZE and the like reach one node (any master), not the
/// cluster; MULTI/EXEC across a pipeline is not kept on one node; a pool made for an address
/// (a node that left, a MOVED to a new address) stays until the client is destroyed; during an
/// outage each failing call asks the seeds for the map again (fail-fast by their pools'
/// back-off, so cheap, but one CLUSTER SLOTS per call once a seed answers).
///
/// Thread-safety: every method may be called concurrently. Lifetime: owns its pools; does not
/// connect in the constructor.
class RedisClusterClient final : public RedisClient {
 public:
  /// `seeds`: nodes to ask for the slot map (parse_cluster_addresses). `config.url` gives user,
  /// password and TLS (rediss://: `config.tls` applies to every node); its host is not used.
  /// Throws std::invalid_argument when the URL is bad, names a db other than 0, or `seeds` is
  /// empty (start-up errors).
  RedisClusterClient(std::vector<RedisEndpoint> seeds, const RedisConfig& config,
                     std::vector<RedisScript> scripts);
  ~RedisClusterClient() override;
  RedisClusterClient(const RedisClusterClient&) = delete;
  RedisClusterClient& operator=(const RedisClusterClient&) = delete;

  std::optional<std::vector<RedisReply>> run(const std::vector<RedisCommand>& commands) override;
  /// With wait_replicas > 0, every node's pipeline ends with WAIT on that node.
  std::optional<std::vector<RedisReply>> run_script(std::vector<RedisCommand> commands,
                                                    const RedisScript& script) override;
  /// With wait_replicas > 0, each node the commands were read from also gets a write of
  /// `fence_key + "{" + tag + "}"` (and WAIT), where the tag hashes to the slot of the first
  /// command sent to that node, so the fence is in a slot that node serves (after ASKING when
  /// that command needed it). A fence a node refuses (the slot moved meanwhile) sends that
  /// node's reads again with a new fence.
  std::optional<std::vector<RedisReply>> run_replicated_read(std::vector<RedisCommand> commands,
                                                             const std::string& fence_key) override;
  /// Pipelines (one per parallel batch), slot-map requests and connection set-ups.
  std::uint64_t round_trips() const override;
  std::string last_error() const override;
  /// Slot-map requests answered so far (for tests: a client that routes right asks no more).
  std::uint64_t map_refreshes() const { return map_refreshes_.load(std::memory_order_relaxed); }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Mode { kPlain, kScript, kFence };
  struct Job;
  struct Batch;
  struct Call;
  struct Round;
  /// Why a call failed; `outage` when that is one (see the class comment).
  struct Failure {
    std::string address;
    std::string error;
    bool outage = false;
  };

  // One call, in rounds until every command has its answer (redis_cluster_call.cpp).
  std::optional<std::vector<RedisReply>> execute(std::vector<RedisCommand> commands, Mode mode,
                                                 const RedisScript* script,
                                                 const std::string& fence_key);
  /// The node of each pending command, then one pipeline per node.
  std::map<std::string, Batch> make_batches(Call& call, const ClusterSlotMap& map);
  /// Takes one node's answers: the callers' replies, and in `round` what to send again.
  void take_answers(Call& call, const std::string& node, Batch& batch,
                    RedisConnectionPool::Received received, Round& round);
  /// Gets the next round ready (a new map, a retry after an unreachable node, a back-off);
  /// the failure that ends the call instead, if any.
  std::optional<Failure> prepare_next_round(Call& call, Round& round,
                                            std::shared_ptr<const ClusterSlotMap>& map);
  /// The node `command` goes to by `map`; a command without a key goes to `keyless_node`
  /// (any master when "").
  std::string route(const ClusterSlotMap& map, const RedisCommand& command,
                    const std::string& keyless_node) const;

  // The slot map, the pools and the outages (redis_cluster.cpp).
  std::shared_ptr<const ClusterSlotMap> slot_map() const;
  /// Asks for the map and installs it; false with `error` when no node answered.
  bool refresh(std::string& error);
  std::shared_ptr<RedisConnectionPool> pool_for(const std::string& address);
  std::optional<std::vector<RedisReply>> fail(const Failure& failure);
  void succeeded();

  const std::vector<RedisEndpoint> seeds_;
  std::vector<std::string> seed_addresses_;  // "host:port" of each seed
  std::string seed_list_;      // "host:port,host:port...", where an outage has no one node
  RedisEndpoint credentials_;  // user, password and tls of config.url
  RedisConfig pool_config_;    // config without on_availability: outages are the client's
  const std::function<void(const RedisAvailability&)> on_availability_;
  const std::vector<RedisScript> scripts_;
  std::atomic<std::uint64_t> round_trips_{0};
  std::atomic<std::uint64_t> map_refreshes_{0};

  mutable std::mutex mutex_;
  std::shared_ptr<const ClusterSlotMap> map_;  // nullptr until the first refresh
  std::map<std::string, std::shared_ptr<RedisConnectionPool>> pools_;  // by "host:port"
  std::string last_error_;
  std::optional<Clock::time_point> outage_since_;
  std::string outage_error_;
};

}  // namespace pmx
