#pragma once
/// The durable embedded store: one SQLite database file (Debian's libsqlite3), for a daemon
/// that runs on one machine with a disk and no Redis. The tables are documented in
/// schema/sqlite.md.
///
/// Durability: WAL journal; every put_rca() and delete_rca() is one transaction (BEGIN
/// IMMEDIATE, compare-and-set on the versions inside it, all or nothing). Concurrent commit()
/// calls are group-committed: the calls that arrive while a transaction is written go into the
/// next one together, each in a savepoint of its own (all or nothing per call), so one fsync
/// acknowledges every webhook in flight. With
/// SqliteSync::kFull (the default) a transaction is on disk when the call returns; with kNormal
/// it survives a crash of the process, but the last transactions may be lost on an OS crash or
/// power loss.
///
/// Thread-safety: every member may be called from any thread. Two connections, each guarded by
/// its mutex: the writer (commits, RCA writes, import) and the reader (load and every read).
/// In WAL mode a read sees the last commit and does not wait for the one being written, so the
/// webhooks that arrive during a commit's fsync load their sources meanwhile and join the next
/// group, and a scrape or an API read is not held up behind a storm's writes. A load may see a
/// source one commit old; the commit's compare-and-set on the version catches that.
///
/// Exclusivity: the constructor takes an exclusive flock on `<path>.lock` for the store's
/// lifetime, so a second daemon on the same file fails at start-up instead of writing beside
/// the first. Not SQLite's locking_mode=EXCLUSIVE: that would also keep `sqlite3 <path>
/// ".backup …"` out while the daemon runs.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pmx/store/store.h"
#include "pmx/store/store_transfer.h"

namespace pmx {

namespace sqlite_db {
class Db;
}
class GroupCommit;
struct CommitRequest;

enum class SqliteSync {
  kFull,    ///< PRAGMA synchronous=FULL: fsync at every commit
  kNormal,  ///< PRAGMA synchronous=NORMAL: survives a process crash, not always an OS crash
};

struct SqliteConfig {
  std::string path;  ///< the database file; created with its schema if absent
  SqliteSync sync = SqliteSync::kFull;
  /// How long a statement waits for a lock held by another connection (a backup, the sqlite3
  /// shell) before the call fails with kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
  /// The WAL is checkpointed into the file once it holds this many pages (of 4 KiB). Large,
  /// because a checkpoint writes each page once however often it changed (schema/sqlite.md).
  int wal_autocheckpoint_pages = 16000;
};

class SqliteStore final : public Store, public StoreTransfer {
 public:
  /// The schema version this code writes (PRAGMA user_version).
  static constexpr int kSchemaVersion = 1;

  /// Opens or creates the database. Throws std::runtime_error, naming the file, when it cannot
  /// be opened or created (unwritable directory), is not a database or not ours, has a newer
  /// schema, or is locked by another process.
  explicit SqliteStore(SqliteConfig config);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<LoadResult> load(const std::vector<SourceLoad>& sources) override;
  Result<std::vector<bool>> commit(const std::vector<SourceCommit>& commits) override;
  Result<std::vector<Incident>> list_incidents(const IncidentFilter& filter) override;
  Result<std::optional<IncidentDetail>> get_incident(const std::string& id) override;
  Result<std::vector<Incident>> get_incidents(const std::vector<std::string>& ids) override;
  Result<std::vector<SourceState>> list_sources(const SourceFilter& filter) override;
  Result<std::optional<SourceState>> get_source(const std::string& source_id) override;
  Result<KpiSnapshot> read_kpis(const std::vector<KpiRange>& ranges,
                                std::size_t top_sources) override;
  Result<std::vector<IndexMember>> index_members(const KpiRange& range, std::size_t limit) override;
  Result<RcaWrite> put_rca(
      const Rca& rca, std::int64_t expected_version,
      const std::map<std::string, std::vector<TimelineEvent>>& timeline) override;
  Result<std::optional<Rca>> get_rca(const std::string& id) override;
  Result<std::vector<Rca>> list_rcas() override;
  Result<bool> delete_rca(const std::string& id) override;
  bool healthy() override;

  // StoreTransfer (sqlite_transfer.cpp): export reads one snapshot (a read transaction);
  // import writes one transaction, so a failed import leaves the database empty.
  Result<Done> export_to(dump::Sink& sink) override;
  Result<bool> empty() override;
  Result<Done> import_from(dump::Source& source) override;

 private:
  SqliteConfig config_;
  int lock_fd_ = -1;
  std::mutex write_mutex_;
  std::unique_ptr<sqlite_db::Db> writer_;  // guarded by write_mutex_
  std::mutex read_mutex_;
  std::unique_ptr<sqlite_db::Db> reader_;  // guarded by read_mutex_
  /// What list_rcas last read, and the RCA revision (bumped by every RCA write) it was read
  /// at; guarded by read_mutex_. Pages that show post-mortems list all of them: decoding 1,000
  /// documents on every request was a quarter of the web UI's time.
  struct ListedRcas {
    std::int64_t revision = 0;
    std::vector<Rca> rcas;
  };
  std::optional<ListedRcas> listed_rcas_;
  std::unique_ptr<GroupCommit> group_commit_;

  /// import_from, but for the cached RCA listing.
  Result<Done> import_rows(dump::Source& source);
  /// Writes the commits of every request of a group in one transaction (GroupCommit).
  void write_group(const std::vector<CommitRequest*>& group);
  /// One request's commits, inside the group's transaction; throws sqlite_db::Failure.
  std::vector<bool> apply_commits(const std::vector<SourceCommit>& commits);

  // Helpers (sqlite_store*.cpp), called inside a transaction: the reads' ones on reader_
  // with read_mutex_ held, append_timeline on writer_ with write_mutex_ held.
  Incident linked(Incident incident);
  SourceState linked(SourceState source);
  void fill_alerts(Incident& incident);
  std::vector<TimelineEvent> timeline_of(const std::string& incident_id);
  void append_timeline(const std::string& incident_id, const std::vector<TimelineEvent>& events);
  static std::optional<std::string> first_nonempty_table(sqlite_db::Db& db);
  /// The RCA of a stored row; nullopt when its document does not load (any more).
  static std::optional<Rca> decode_rca(std::int64_t version, bool from_file,
                                       const std::string& document);
};

}  // namespace pmx
