// SqliteStore: opening (lock, pragmas, schema, the two connections), the write path (load, and
// commits written in groups: one transaction for the webhooks in flight) and health. Reads are in
// sqlite_store_reads.cpp, RCAs in sqlite_store_rcas.cpp; the tables in schema/sqlite.md.
#include "pmx/store/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "group_commit.h"
#include "pmx/core/json_codec.h"
#include "pmx/core/json_text.h"
#include "sqlite_db.h"
#include "sqlite_kpi.h"
#include "sqlite_rows.h"

namespace pmx {
namespace {

using sqlite_db::Db;
using sqlite_db::Transaction;

// Schema version 1 (PRAGMA user_version = 1). A change gets version 2 and a migration from 1
// in open_schema(), never an edit of this text. Times are Unix nanoseconds; documents are the
// JSON of core/json_codec, as RedisStore stores them.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE sources (
  id TEXT PRIMARY KEY,
  canonical TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  occurrences INTEGER NOT NULL,
  current_open INTEGER NOT NULL,
  state TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sources_by_seen ON sources (last_seen DESC, canonical);
CREATE INDEX sources_by_occurrences ON sources (occurrences DESC, canonical);
CREATE TABLE occurrences (
  source_id TEXT NOT NULL,
  occurrence TEXT NOT NULL,
  PRIMARY KEY (source_id, occurrence)
) WITHOUT ROWID;
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  source_id TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  document TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX incidents_by_opening ON incidents (opened_at, id);
CREATE INDEX incidents_of_source ON incidents (source_id, opened_at, id);
CREATE TABLE alert_records (
  incident_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (incident_id, fingerprint)
) WITHOUT ROWID;
CREATE TABLE timeline (
  incident_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (incident_id, seq)
) WITHOUT ROWID;
CREATE TABLE rcas (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  from_file INTEGER NOT NULL,
  document TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE incident_rcas (
  incident_id TEXT NOT NULL,
  rca_id TEXT NOT NULL,
  PRIMARY KEY (incident_id, rca_id)
) WITHOUT ROWID;
CREATE INDEX incident_rcas_by_rca ON incident_rcas (rca_id);
CREATE TABLE counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE kpi_index (
  name TEXT NOT NULL,
  member TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (name, member)
) WITHOUT ROWID;
CREATE INDEX kpi_index_by_time ON kpi_index (name, at);
CREATE TABLE kpi_item_counts (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE kpi_resolved (
  incident_id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  due INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE kpi_links (
  incident_id TEXT PRIMARY KEY,
  links INTEGER NOT NULL
) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql";

// The exclusive lock on `<path>.lock`, held (by its descriptor) as long as the store lives.
int lock_or_throw(const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::runtime_error("cannot open SQLite database " + path +
                             ": cannot create its lock file " + lock_path + ": " +
                             std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      throw std::runtime_error("SQLite database " + path +
                               " is in use by another process (it holds the lock on " + lock_path +
                               "); two daemons cannot share one database");
    }
    throw std::runtime_error("cannot lock SQLite database " + path + " (" + lock_path +
                             "): " + std::strerror(error));
  }
  return fd;
}

// Temporary tables and indices in memory: in a container the root filesystem, where SQLite
// would put its temporary files, is read-only; only --storage.path is writable.
void set_temp_store(Db& db) { db.exec("PRAGMA temp_store = MEMORY"); }

// The schema is checked before anything is written: a file that is not ours is left as it was.
// Then the pragmas, then the schema is created in an empty file. (No race between the check
// and the creation: the lock file keeps other daemons out.)
void open_schema(Db& db, const SqliteConfig& config) {
  sqlite3_busy_timeout(db.handle(), static_cast<int>(config.busy_timeout.count()));
  // The first statement that reads the file: a file that is not a database fails here.
  const std::int64_t version = db.integer("PRAGMA user_version");
  if (version == 0 && db.integer("SELECT count(*) FROM sqlite_schema") != 0) {
    throw sqlite_db::Failure("SQLite database " + db.path() +
                                 " has tables but no schema version: not a postmortem-exporter "
                                 "database",
                             false);
  }
  if (version != 0 && version != SqliteStore::kSchemaVersion) {
    throw sqlite_db::Failure("SQLite database " + db.path() + " has schema version " +
                                 std::to_string(version) + "; this daemon knows version " +
                                 std::to_string(SqliteStore::kSchemaVersion),
                             false);
  }
  const std::string mode = db.text("PRAGMA journal_mode = WAL");
  if (mode != "wal") {
    throw sqlite_db::Failure(
        "SQLite database " + db.path() + ": cannot use WAL mode (journal mode " + mode + ")",
        false);
  }
  db.exec(config.sync == SqliteSync::kFull ? "PRAGMA synchronous = FULL"
                                           : "PRAGMA synchronous = NORMAL");
  set_temp_store(db);
  // A webhook of 100 alerts over 100 sources dirties about ten scattered pages per alert. With
  // SQLite's default 2 MB cache those spilled to the WAL mid-transaction and were read back
  // (2.3 GB read in 10 s of the benchmark). 24 MiB holds a group's pages and the interior pages
  // of every tree and keeps the daemon under its 64 MB of RSS (64 MiB measured no faster). The
  // reader keeps SQLite's default: its cache is dropped whenever the writer has committed since
  // its last read anyway.
  db.exec("PRAGMA cache_size = -24576");
  // Checkpoints every 16,000 pages (a 64 MB WAL; SqliteConfig) instead of 1,000: a checkpoint
  // writes each page once however often it changed, and the hot pages change in every commit.
  // Batched ingest went from 2,100 to 3,200 alerts/s. The -wal file stays at about 64 MB.
  db.exec(
      ("PRAGMA wal_autocheckpoint = " + std::to_string(config.wal_autocheckpoint_pages)).c_str());
  if (version == 0) {
    Transaction transaction(db, Transaction::Mode::kWrite);
    db.exec(kSchemaV1);
    transaction.commit();
  }
}

}  // namespace

SqliteStore::SqliteStore(SqliteConfig config)
    : config_(std::move(config)),
      group_commit_(std::make_unique<GroupCommit>(
          [this](const std::vector<CommitRequest*>& group) { write_group(group); })) {
  lock_fd_ = lock_or_throw(config_.path);
  try {
    writer_ = std::make_unique<Db>(config_.path);
    open_schema(*writer_, config_);
    reader_ = std::make_unique<Db>(config_.path);
    sqlite3_busy_timeout(reader_->handle(), static_cast<int>(config_.busy_timeout.count()));
    set_temp_store(*reader_);
  } catch (const std::exception& error) {
    reader_.reset();
    writer_.reset();
    ::close(lock_fd_);
    throw std::runtime_error(error.what());
  }
}

SqliteStore::~SqliteStore() {
  // Closed (the last one checkpoints the WAL) before another process may take the lock.
  reader_.reset();
  writer_.reset();
  ::close(lock_fd_);
}

bool SqliteStore::healthy() {
  std::lock_guard lock(read_mutex_);
  try {
    return reader_->integer("SELECT 1") == 1;
  } catch (const sqlite_db::Failure&) {
    return false;
  }
}

Result<LoadResult> SqliteStore::load(const std::vector<SourceLoad>& sources) {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<LoadResult> {
    Transaction transaction(*reader_, Transaction::Mode::kRead);  // one snapshot for the batch
    LoadResult result;
    result.rca_revision = sqlite_counters::read(*reader_, sqlite_counters::kRcaRevision);
    result.sources.reserve(sources.size());
    for (const auto& request : sources) {
      LoadedSource loaded;
      auto& state =
          reader_->query("SELECT state FROM sources WHERE id = ?1").bind(1, request.key.id);
      if (state.step()) {
        const auto doc = nlohmann::json::parse(state.text(0), nullptr, false);
        auto decoded = source_state_from_json(doc);
        if (!decoded) sqlite_db::corrupt(reader_->path(), "sources row " + request.key.id);
        loaded.state = std::move(*decoded);
        if (loaded.state.current) {
          loaded.state.current->alerts.clear();
          for (const auto& fingerprint : request.fingerprints) {
            auto& record = reader_
                               ->query(
                                   "SELECT record FROM alert_records "
                                   "WHERE incident_id = ?1 AND fingerprint = ?2")
                               .bind(1, loaded.state.current->id)
                               .bind(2, fingerprint);
            if (!record.step()) continue;
            auto alert =
                alert_record_from_json(nlohmann::json::parse(record.text(0), nullptr, false));
            if (!alert) {
              sqlite_db::corrupt(reader_->path(), "alert_records row " + loaded.state.current->id +
                                                      " " + fingerprint);
            }
            loaded.state.current->alerts.emplace(fingerprint, std::move(*alert));
          }
        }
      } else {
        loaded.state.key = request.key;
      }
      for (const auto& id : request.occurrence_ids) {
        auto& known =
            reader_->query("SELECT 1 FROM occurrences WHERE source_id = ?1 AND occurrence = ?2")
                .bind(1, request.key.id)
                .bind(2, id);
        if (known.step()) loaded.known_occurrences.insert(id);
      }
      result.sources.push_back(std::move(loaded));
    }
    transaction.commit();
    return result;
  });
}

Result<std::vector<bool>> SqliteStore::commit(const std::vector<SourceCommit>& commits) {
  if (commits.empty()) return std::vector<bool>{};
  return group_commit_->submit(commits);
}

// One transaction, one fsync, for every webhook in the group. Each webhook's commits are a
// savepoint: all or nothing, and one that fails (a document too large, a constraint) does not
// take the others with it. An error that ends the transaction fails the whole group.
void SqliteStore::write_group(const std::vector<CommitRequest*>& group) {
  std::lock_guard lock(write_mutex_);
  std::vector<std::optional<std::vector<bool>>> applied(group.size());
  try {
    Transaction transaction(*writer_, Transaction::Mode::kWrite);
    for (std::size_t i = 0; i < group.size(); ++i) {
      try {
        sqlite_db::Savepoint part(*writer_);
        applied[i] = apply_commits(*group[i]->commits);
        part.release();
      } catch (const sqlite_db::Failure& failure) {
        if (!writer_->in_transaction()) throw;
        group[i]->result = sqlite_db::to_error(failure);
      }
    }
    transaction.commit();
  } catch (const sqlite_db::Failure& failure) {
    for (auto* request : group) {
      if (!request->result) request->result = sqlite_db::to_error(failure);
    }
    return;
  }
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (applied[i]) group[i]->result = std::move(*applied[i]);
  }
}

std::vector<bool> SqliteStore::apply_commits(const std::vector<SourceCommit>& commits) {
  std::vector<bool> applied;
  applied.reserve(commits.size());
  for (const auto& commit : commits) {
    const SourceState& next = commit.update.state;
    auto& stored_row = writer_->query("SELECT version, current_open FROM sources WHERE id = ?1")
                           .bind(1, next.key.id);
    const bool exists = stored_row.step();
    const std::int64_t current_version = exists ? stored_row.integer(0) : 0;
    const bool was_open = exists && stored_row.integer(1) != 0;
    stored_row.reset();
    if (current_version != commit.expected_version) {
      applied.push_back(false);
      continue;
    }
    const bool is_open = next.current && next.current->state == IncidentState::kOpen;
    if (is_open != was_open) {
      sqlite_counters::add(*writer_, sqlite_counters::kOpenIncidents, is_open ? 1 : -1);
    }

    SourceState stored = next;
    stored.version = commit.expected_version + 1;
    sqlite_rows::write_source(*writer_, stored);
    for (const auto& occurrence : commit.update.new_occurrences) {
      writer_->query("INSERT OR IGNORE INTO occurrences (source_id, occurrence) VALUES (?1, ?2)")
          .bind(1, next.key.id)
          .bind(2, occurrence)
          .run();
    }
    for (const auto& incident : commit.update.incidents) {
      sqlite_rows::write_incident(*writer_, incident);
      // The update carries the records it loaded or changed: the others stand.
      for (const auto& [fingerprint, record] : incident.alerts) {
        writer_
            ->query(
                "INSERT OR REPLACE INTO alert_records (incident_id, fingerprint, record) "
                "VALUES (?1, ?2, ?3)")
            .bind(1, incident.id)
            .bind(2, fingerprint)
            .bind(3, alert_record_text(record))
            .run();
      }
    }
    for (const auto& [incident_id, events] : commit.update.timeline) {
      append_timeline(incident_id, events);
    }
    sqlite_kpi::apply(*writer_, commit.update.kpi_ops);
    applied.push_back(true);
  }
  return applied;
}

void SqliteStore::append_timeline(const std::string& incident_id,
                                  const std::vector<TimelineEvent>& events) {
  if (events.empty()) return;
  auto& last = writer_->query("SELECT coalesce(max(seq), 0) FROM timeline WHERE incident_id = ?1")
                   .bind(1, incident_id);
  std::int64_t seq = last.step() ? last.integer(0) : 0;
  last.reset();
  for (const auto& event : events) {
    writer_->query("INSERT INTO timeline (incident_id, seq, event) VALUES (?1, ?2, ?3)")
        .bind(1, incident_id)
        .bind(2, ++seq)
        .bind(3, timeline_event_text(event))
        .run();
  }
}

}  // namespace pmx
