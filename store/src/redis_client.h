#pragma once
// What RedisStore needs from "a Redis": one server (or the master Sentinel names), or a Redis
// Cluster. Private to store/.
#include <hiredis/hiredis.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "redis_scripts.h"

namespace pmx {

struct RedisReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;
/// One command as its arguments (binary-safe: sent with redisAppendCommandArgv).
using RedisCommand = std::vector<std::string>;

/// Role: runs pipelines, scripts and fenced reads on Redis, with the contract documented on
/// RedisConnectionPool (the single-server implementation); RedisClusterClient (redis_cluster.h)
/// keeps the same contract on a cluster, where one call may touch several nodes.
///
/// Thread-safety: every method may be called concurrently.
class RedisClient {
 public:
  virtual ~RedisClient() = default;
  /// One pipeline; replies in the order of `commands`; nullopt when Redis cannot serve it.
  virtual std::optional<std::vector<RedisReply>> run(const std::vector<RedisCommand>& commands) = 0;
  /// A pipeline of EVALSHA of `script`, reloaded on NOSCRIPT; with wait_replicas, acknowledged
  /// by that many replicas (WAIT) or nullopt.
  virtual std::optional<std::vector<RedisReply>> run_script(std::vector<RedisCommand> commands,
                                                            const RedisScript& script) = 0;
  /// `commands`, then (with wait_replicas) a write of a fence key and WAIT, so that what the
  /// commands read is on the replicas too. The fence's replies are not returned.
  virtual std::optional<std::vector<RedisReply>> run_replicated_read(
      std::vector<RedisCommand> commands, const std::string& fence_key) = 0;
  /// Round trips so far, connection set-up included.
  virtual std::uint64_t round_trips() const = 0;
  /// The last connection or protocol error, for logs ("" if none yet).
  virtual std::string last_error() const = 0;
};

}  // namespace pmx
