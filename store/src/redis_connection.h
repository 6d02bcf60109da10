#pragma once
// hiredis connections and the pool RedisStore borrows them from. Private to store/.
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pmx/store/redis_store.h"
#include "redis_client.h"
#include "redis_scripts.h"

namespace pmx {

class RedisTlsChannel;  // redis_tls.h

/// One connection to a Redis server: a hiredis context, or a TLS channel for `rediss://`. Not
/// thread-safe: the pool hands it to one operation at a time. After any error from exchange()
/// the connection is unusable (hiredis keeps its error and may hold half-read replies), so the
/// pool destroys it instead of taking it back.
class RedisConnection {
 public:
  /// Connects to host:port within `timeout` (the TLS handshake included when `tls` is given),
  /// with that timeout on later reads and writes until set_timeout(); nullptr with `error`
  /// saying why ("connect: Connection refused", "TLS handshake with ...: certificate has
  /// expired").
  static std::unique_ptr<RedisConnection> open(const std::string& host, int port,
                                               const RedisTlsConfig* tls,
                                               std::chrono::milliseconds timeout,
                                               std::uint64_t generation, std::string& error);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Writes every command, then reads one reply per command: one round trip. Error replies
  /// (`-ERR ...`) are replies; nullopt means an I/O error, timeout or protocol error.
  std::optional<std::vector<RedisReply>> exchange(const std::vector<RedisCommand>& commands);
  /// The halves of exchange(), so that pipelines to several servers can be in flight at once
  /// (write to all, then read from each): send() writes every command (false on an I/O error),
  /// receive() reads `count` replies. The server buffers its replies meanwhile, so a large
  /// pipeline to one server cannot block the writes to another.
  bool send(const std::vector<RedisCommand>& commands);
  std::optional<std::vector<RedisReply>> receive(std::size_t count);
  /// What the last exchange() that failed said.
  std::string error() const;
  bool set_timeout(std::chrono::milliseconds timeout);
  std::uint64_t generation() const { return generation_; }
  /// host:port it is connected to, for the outage log.
  const std::string& address() const { return address_; }

 private:
  RedisConnection(std::uint64_t generation, std::string address);

  redisContext* context_ = nullptr;       // plain TCP, or
  std::unique_ptr<RedisTlsChannel> tls_;  // TLS
  std::uint64_t generation_;  // the pool's generation when connected; older ones are dropped
  std::string address_;
};

/// Role: owns the connections of one RedisStore (or of one node of a RedisClusterClient, which
/// has one pool per master, without sentinels) and the reconnect policy.
///
/// Thread-safety: all methods may be called concurrently. One mutex guards the idle list and
/// the backoff state; it is never held during network I/O.
///
/// Policy: an operation borrows an idle connection or opens one (connect, AUTH, SELECT,
/// SCRIPT LOAD in one round trip, bounded by the connect timeout). An I/O error on any
/// connection drops every idle one (they talk to the same, probably gone, server) and lets one
/// operation at a time probe with a fresh connect while the others fail fast. A failed connect
/// starts the backoff (initial, doubling to max): until it elapses operations fail at once,
/// so a dead Redis costs each webhook microseconds, not a connect timeout.
///
/// With Sentinel (`sentinels` not empty), where to connect is asked anew for every new
/// connection: each sentinel in turn answers `SENTINEL get-master-addr-by-name`, and the set-up
/// round trip ends with ROLE, which must say master. After a failover the old master's
/// connections fail (or answer READONLY once it is demoted), which drops every idle one; the
/// next connect follows the sentinels to the new master.
///
/// Outages: the first failure to reach Redis (a connect that fails, a connection that breaks,
/// a server that answers READONLY/LOADING/MASTERDOWN) starts one, the next pipeline that
/// succeeds ends it; config.on_availability hears of each start and end once, and in between
/// of each change of the reason (a request that fails fast, or again for the same reason, says
/// nothing). A WAIT that too few replicas acknowledged is
/// not an outage: the master answered.
///
/// With `config.wait_replicas` > 0, every script pipeline (the writes) ends with
/// `WAIT <n> <timeout>`, and fewer acknowledgements than n fail it (see run_script).
class RedisConnectionPool : public RedisClient {
 public:
  /// Why a pipeline that returned nullopt failed, for a client that may retry elsewhere.
  enum class Failure {
    kNone,
    kNotSent,  ///< no connection to the server (it is down, or the backoff runs): nothing ran
    kBroken,   ///< the connection broke, or the server cannot serve us now: some of it may have run
    kReplicas,  ///< the server answered, but fewer replicas than wait_replicas acknowledged
  };
  /// A pipeline written by send() and not yet read.
  struct Sent {
    std::unique_ptr<RedisConnection> connection;  ///< nullptr: nothing was sent (kNotSent)
    std::size_t commands = 0;                     ///< replies to read, WAIT's included
    bool waiting = false;                         ///< ends with WAIT, checked by receive()
    bool write_failed = false;
  };
  /// What receive() read. With kReplicas the replies are there (WAIT's removed): the caller
  /// decides whether anything that ran needed the replicas.
  struct Received {
    std::optional<std::vector<RedisReply>> replies;
    Failure failure = Failure::kNone;
  };

  /// Each of `scripts` is loaded (SCRIPT LOAD) on every new connection, in its set-up round
  /// trip; the server must answer each script's SHA-1.
  RedisConnectionPool(RedisEndpoint endpoint, std::vector<RedisEndpoint> sentinels,
                      const RedisConfig& config, std::vector<RedisScript> scripts);
  RedisConnectionPool(const RedisConnectionPool&) = delete;
  RedisConnectionPool& operator=(const RedisConnectionPool&) = delete;

  /// Runs one pipeline: one round trip. nullopt when Redis cannot be reached, the exchange
  /// failed, or Redis answered an error that means "this server cannot serve us now"
  /// (READONLY, LOADING, MASTERDOWN: a failover in progress); other error replies are returned
  /// for the caller to interpret.
  std::optional<std::vector<RedisReply>> run(const std::vector<RedisCommand>& commands) override;

  /// The halves of run() (of a pipeline ending with WAIT when `wait` and wait_replicas > 0),
  /// for a client with pipelines to several servers in flight at once (RedisClusterClient
  /// writes to every node, then reads from each). They count no round trip: the caller counts
  /// one per batch. receive() gives the connection back, or drops it after a failure, as run().
  Sent send(std::vector<RedisCommand> commands, bool wait);
  Received receive(Sent sent);

  /// Runs a pipeline of `EVALSHA <script.sha1> ...` commands: one round trip. Commands that
  /// answer NOSCRIPT (the server's script cache was emptied: SCRIPT FLUSH, or a failover to a
  /// replica that never saw the script on a connection we kept) ran nothing, so they are sent
  /// again after a SCRIPT LOAD, in one more round trip; their answers replace the NOSCRIPT ones.
  /// nullopt as for run(), or when that SCRIPT LOAD fails. With `wait_replicas` > 0, each of
  /// those pipelines ends with WAIT, and nullopt also when fewer replicas acknowledged it in
  /// time: the scripts may have run on the master, but the write is not durable enough to be
  /// acknowledged (a retry finds it, or, after a failover that lost it, writes it again).
  std::optional<std::vector<RedisReply>> run_script(std::vector<RedisCommand> commands,
                                                    const RedisScript& script) override;

  /// Runs `commands` followed by a write of `fence_key` and WAIT (when `wait_replicas` > 0;
  /// otherwise just `commands`): the replication stream is ordered, so replicas that
  /// acknowledge the fence also hold every write whose effect the commands read. nullopt as
  /// for run_script. The fence's and WAIT's replies are not returned.
  std::optional<std::vector<RedisReply>> run_replicated_read(std::vector<RedisCommand> commands,
                                                             const std::string& fence_key) override;

  std::uint64_t round_trips() const override {
    return round_trips_.load(std::memory_order_relaxed);
  }
  std::string last_error() const override;

 private:
  using Clock = std::chrono::steady_clock;

  std::unique_ptr<RedisConnection> acquire();
  /// A new connection; nullptr with `error` (and the `address` that failed) when none could be
  /// made.
  std::unique_ptr<RedisConnection> connect(std::uint64_t generation, std::string& error,
                                           std::string& address);
  /// Asks the sentinels for the master's address; nullopt (with `error`) when none knows it.
  std::optional<RedisEndpoint> resolve_master(std::string& error);
  /// One sentinel's answer; nullopt with `why` when it gave none.
  std::optional<RedisEndpoint> ask_sentinel(const RedisEndpoint& sentinel, std::string& why);
  /// Runs `commands` + WAIT; checks and removes WAIT's reply.
  std::optional<std::vector<RedisReply>> run_waiting(std::vector<RedisCommand> commands);
  void give_back(std::unique_ptr<RedisConnection> connection);
  void connection_failed(const std::string& address, const std::string& error);
  /// Start and end of an outage, told once each; with `mutex_` held.
  void outage_started(const std::string& address, const std::string& error);
  void outage_ended(const std::string& address);
  void note_error(const std::string& error);
  /// The TLS settings when the URL is rediss://, else nullptr (plain TCP).
  const RedisTlsConfig* tls() const { return endpoint_.tls ? &config_.tls : nullptr; }

  const RedisEndpoint endpoint_;
  const std::vector<RedisEndpoint> sentinels_;
  std::atomic<std::size_t> preferred_sentinel_{0};  // the last one that answered
  const RedisConfig config_;
  const std::vector<RedisScript> scripts_;
  std::atomic<std::uint64_t> round_trips_{0};

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  std::uint64_t generation_ = 0;
  bool failing_ = false;  // the last connect or exchange failed: one probe at a time
  bool probing_ = false;  // a thread is connecting while failing_
  Clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_;
  std::string last_error_;
  std::optional<Clock::time_point> outage_since_;  // set while an outage lasts
  std::string outage_error_;                       // its reason, as last told
};

}  // namespace pmx
