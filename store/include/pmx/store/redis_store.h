#pragma once
/// The production store: Redis through hiredis, shared by any number of daemons. The key layout,
/// the commit script and the round-trip budget are documented in schema/redis.md.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmx/store/store.h"
#include "pmx/store/store_transfer.h"

namespace pmx {

/// Where Redis is and how to log in, from `redis[s]://[[user]:password@]host[:port][/db]`.
struct RedisEndpoint {
  std::string host;
  int port = 6379;
  std::string user;      ///< empty: the default user (AUTH with the password only)
  std::string password;  ///< empty: no AUTH
  int db = 0;
  bool tls = false;  ///< rediss://
};

/// Parses a Redis URL, `redis://` or `rediss://` (TLS). User and password may be
/// percent-encoded (`%40` for `@`). Returns nullopt and, if `error` is given, says why when the
/// URL is not of that form. With `host_required` false a URL without host is accepted (with
/// Sentinel, where the sentinels name the host: `rediss://:password@/2`).
std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string* error = nullptr,
                                             bool host_required = true);

/// What a TLS connection (`rediss://`) checks and presents. The files are read at every new
/// connection, so certificates rotated on disk are picked up without a restart.
struct RedisTlsConfig {
  std::string ca_file;      ///< PEM of the CAs to trust; "" for the system's
  std::string cert_file;    ///< PEM client certificate, for servers that ask one; "" for none
  std::string key_file;     ///< its private key
  std::string server_name;  ///< checked against the certificate (and sent as SNI); "" = the host
};

/// Parses a comma-separated list of Sentinel addresses, `host[:port]` each (port 26379 when
/// omitted; `[::1]:26379` for IPv6). Only host and port of each endpoint are set. Returns nullopt
/// and says why when the list is empty or an address is malformed.
std::optional<std::vector<RedisEndpoint>> parse_sentinel_addresses(std::string_view list,
                                                                   std::string* error = nullptr);

/// Parses a comma-separated list of Redis Cluster seed nodes, `host[:port]` each (port 6379 when
/// omitted), as parse_sentinel_addresses does.
std::optional<std::vector<RedisEndpoint>> parse_cluster_addresses(std::string_view list,
                                                                  std::string* error = nullptr);

/// A change in whether Redis can be reached, as RedisConfig::on_availability hears of it.
struct RedisAvailability {
  bool available = false;  ///< false: an outage starts; true: it ended
  /// host:port of the server that failed or answered again (with Sentinel, the sentinels'
  /// addresses when none of them could name the master).
  std::string address;
  std::string error;  ///< what failed (never a password), when an outage starts or goes on
  std::chrono::milliseconds outage{0};  ///< how long it lasted, when it ended
  /// The outage goes on, for another reason than last told (`error`): e.g. a dropped
  /// connection first, then reconnects refused for an expired certificate.
  bool ongoing = false;
};

struct RedisConfig {
  std::string url = "redis://127.0.0.1:6379";
  /// Bounds a TCP connect (and the AUTH/SELECT/SCRIPT LOAD that follow it).
  std::chrono::milliseconds connect_timeout{1000};
  /// Bounds every read and write on a connection: a frozen Redis fails a request, never hangs it.
  std::chrono::milliseconds io_timeout{1000};
  /// After a failed connect, operations fail fast with kUnavailable until the backoff elapses;
  /// it starts at backoff_initial and doubles up to backoff_max while connects keep failing.
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  /// Connections kept open between operations; more may be open while many threads are busy.
  std::size_t max_idle_connections = 16;

  /// Redis Sentinel, as `host:port[,host:port...]`; empty: connect to the host and port of `url`.
  /// When set, the host and port of `url` are ignored (its user, password and db still apply,
  /// and `url` may be empty): every new connection asks the sentinels in turn (starting with
  /// the last one that answered) for the address of `sentinel_master`, connects there and
  /// checks with ROLE that it is the master, so a demoted master is never written to. The
  /// sentinels themselves are reached without AUTH.
  std::string sentinels;
  std::string sentinel_master;
  /// Redis Cluster seed nodes, `host:port[,host:port...]` (parse_cluster_addresses); empty: not
  /// a cluster. Any reachable node of the cluster will do: the client asks the seeds in turn for
  /// the slot map (CLUSTER SLOTS) and then talks to the masters it names. The user, password and
  /// TLS of `url` apply to every node (its host and port are not used); a cluster has no db but
  /// 0. Every key of the store is in one slot (schema/redis.md, "Redis Cluster"). Excludes
  /// `sentinels`.
  std::string cluster;
  /// Used when `url` is `rediss://`: then the server, and the sentinels too, are reached over
  /// TLS (TLS 1.2 or later, the certificate checked against `tls.ca_file` and the name).
  RedisTlsConfig tls;
  /// Replicas that must acknowledge every write (WAIT) before it counts as stored; 0: do not
  /// wait (asynchronous replication: a write acknowledged just before its master dies can be
  /// lost in a failover). With N > 0, a write that fewer than N replicas acknowledged within
  /// `wait_timeout` is kUnavailable (the webhook answers 503 and is retried), and load() first
  /// makes sure what it read is on N replicas too (see schema/redis.md, "Replication").
  int wait_replicas = 0;
  std::chrono::milliseconds wait_timeout{500};
  /// Told once when an outage starts (the first operation that cannot reach Redis: a failed
  /// connect, a broken connection, a server that cannot serve us) and once when it ends (the
  /// first operation that succeeds again), and in between only when the reason changes,
  /// however many operations fail: the log gets a few lines per outage, not one per request. Called
  /// with the store's connection lock held (so the two calls of one outage cannot swap places): it
  /// must be quick and must not call the store. Empty: nobody is told.
  std::function<void(const RedisAvailability&)> on_availability;
};

class RedisClient;  // store/src/redis_client.h

/// Role: the Store on Redis. Per-source state is updated with a Lua compare-and-set that also
/// records occurrences, incidents, timelines and the /metrics indices, so several daemons can
/// share one Redis and counts stay exact. load() and commit() cost one round trip each whatever
/// the batch size (two per webhook); the NOSCRIPT retry after a Redis restart costs one more.
/// RCAs are written by their own compare-and-set script, which keeps the incident links and
/// the RCA revision (read by load() in the same round trip) in step.
///
/// Thread-safety: every method may be called from any number of threads. Each operation borrows
/// its own hiredis connection from an internal pool (hiredis contexts are not thread-safe).
///
/// Lifetime: owns its connections; closes them on destruction. The constructor does not connect
/// (Redis may come up after the daemon): the first operation, or healthy(), does. Errors never
/// escape as exceptions from operations: they are ErrorCode values (kUnavailable when Redis
/// cannot be reached, answers an error or times out; kCorrupt when a stored document does not
/// decode).
class RedisStore final : public Store, public StoreTransfer {
 public:
  /// Throws std::invalid_argument when `config.url` is not a valid Redis URL (start-up error).
  explicit RedisStore(RedisConfig config);
  ~RedisStore() override;
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;
  RedisStore(RedisStore&&) = delete;
  RedisStore& operator=(RedisStore&&) = delete;

  Result<LoadResult> load(const std::vector<SourceLoad>& sources) override;
  Result<std::vector<bool>> commit(const std::vector<SourceCommit>& commits) override;
  Result<std::vector<Incident>> list_incidents(const IncidentFilter& filter) override;
  Result<std::optional<IncidentDetail>> get_incident(const std::string& id) override;
  Result<std::vector<Incident>> get_incidents(const std::vector<std::string>& ids) override;
  Result<std::vector<SourceState>> list_sources(const SourceFilter& filter) override;
  Result<std::optional<SourceState>> get_source(const std::string& source_id) override;
  /// One round trip.
  Result<KpiSnapshot> read_kpis(const std::vector<KpiRange>& ranges,
                                std::size_t top_sources) override;
  Result<std::vector<IndexMember>> index_members(const KpiRange& range, std::size_t limit) override;
  /// Two round trips (three after NOSCRIPT): the stored RCA is read (the KPI ops take out its
  /// part), then a Lua script writes the record, the incident links, the revision, the
  /// timeline entries and the KPI aggregates at once. Incident ids that are not `<source id>-<n>`
  /// are kept in the document but link nothing (no incident can have them).
  Result<RcaWrite> put_rca(
      const Rca& rca, std::int64_t expected_version,
      const std::map<std::string, std::vector<TimelineEvent>>& timeline) override;
  /// One round trip. kCorrupt when the stored document no longer passes load_rca.
  Result<std::optional<Rca>> get_rca(const std::string& id) override;
  /// One round trip (every RCA is one field of one hash).
  Result<std::vector<Rca>> list_rcas() override;
  /// Two round trips (three after NOSCRIPT): read, then delete if still at that version.
  Result<bool> delete_rca(const std::string& id) override;
  /// PINGs Redis (connecting first if needed and the backoff allows it). False while Redis is
  /// unreachable; during the backoff it answers false at once.
  bool healthy() override;

  /// StoreTransfer (redis_transfer_*.cpp), for a Redis no daemon writes to meanwhile. Export
  /// walks the indices (and SSCAN/HSCAN/ZSCAN of the sets it finds there: never KEYS);
  /// import pipelines many records per round trip and writes the keys the scripts would
  /// have written, without running them. empty() asks whether any of the keys that every
  /// write leaves (the source index, the RCA hash and revision, the KPI aggregates) exists.
  Result<Done> export_to(dump::Sink& sink) override;
  Result<bool> empty() override;
  Result<Done> import_from(dump::Source& source) override;

  /// Round trips made so far (one per pipeline written and read back, including connection
  /// set-up), so tests and benchmarks can check the budget per webhook.
  std::uint64_t round_trips() const;
  /// The last connection or protocol error, for logs ("" if none yet).
  std::string last_error() const;

 private:
  /// Moves pm:v1 data to the current layout (schema/redis.md, "Layout versions") before the
  /// first operation that succeeds; every public method calls it first, so no operation sees
  /// half of the data. One round trip until it succeeds, nothing after.
  Result<Done> layout_ready();

  std::unique_ptr<RedisClient> pool_;
  std::atomic<bool> layout_ready_;
};

}  // namespace pmx
