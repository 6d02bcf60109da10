// SqliteStore's RCAs: table rcas (the document as given, its version and from_file), the
// incident links in incident_rcas and the revision in counters, changed together in one
// transaction with the KPI aggregates and the timeline entries.
#include "pmx/core/json_codec.h"
#include "pmx/core/rca_loader.h"
#include "pmx/store/sqlite_store.h"
#include "sqlite_db.h"
#include "sqlite_kpi.h"

namespace pmx {
namespace {

using sqlite_db::Transaction;

// A stored row: its version (0: none), and the RCA when its document still loads (one written
// by an older daemon may not; it can be replaced or deleted, and its part of the KPI
// aggregates, which cannot be read from it, stays as it is: as in RedisStore).
struct StoredRow {
  std::int64_t version = 0;
  std::optional<Rca> rca;
};

}  // namespace

std::optional<Rca> SqliteStore::decode_rca(std::int64_t version, bool from_file,
                                           const std::string& document) {
  const auto doc = nlohmann::json::parse(document, nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  auto rca = load_rca(doc);
  if (!rca) return std::nullopt;
  rca->version = version;
  rca->from_file = from_file;
  return std::move(*rca);
}

Result<RcaWrite> SqliteStore::put_rca(
    const Rca& rca, std::int64_t expected_version,
    const std::map<std::string, std::vector<TimelineEvent>>& timeline) {
  // A document that is not an object could never be read back: a bug upstream, refused
  // before anything is written (as RedisStore does).
  if (!rca.document.is_object()) {
    return Error(ErrorCode::kCorrupt,
                 "rcas row " + rca.id + ": the document to write is not an object");
  }
  std::lock_guard lock(write_mutex_);
  return sqlite_db::guarded([&]() -> Result<RcaWrite> {
    Transaction transaction(*writer_, Transaction::Mode::kWrite);
    auto& row = writer_->query("SELECT version, from_file, document FROM rcas WHERE id = ?1")
                    .bind(1, rca.id);
    StoredRow stored;
    if (row.step()) {
      stored.version = row.integer(0);
      stored.rca = decode_rca(stored.version, row.integer(1) != 0, row.text(2));
    }
    row.reset();
    if (stored.version != expected_version) return ErrorCode::kConflict;  // rolled back

    Rca next = rca;
    next.version = expected_version + 1;
    RcaWrite write{stored.version == 0, next.version, {}};
    write.covered_resolved_at =
        sqlite_kpi::apply(*writer_, rca_kpi_ops(stored.rca ? &*stored.rca : nullptr, &next));
    writer_->query("DELETE FROM incident_rcas WHERE rca_id = ?1").bind(1, rca.id).run();
    for (const auto& incident : next.incidents) {
      writer_->query("INSERT OR IGNORE INTO incident_rcas (incident_id, rca_id) VALUES (?1, ?2)")
          .bind(1, incident)
          .bind(2, rca.id)
          .run();
    }
    writer_
        ->query(
            "INSERT OR REPLACE INTO rcas (id, version, from_file, document) VALUES (?1, ?2, ?3, "
            "?4)")
        .bind(1, rca.id)
        .bind(2, next.version)
        .bind(3, std::int64_t{rca.from_file ? 1 : 0})
        .bind(4, sqlite_db::dump(rca.document))
        .run();
    sqlite_counters::add(*writer_, sqlite_counters::kRcaRevision, 1);
    for (const auto& [incident_id, events] : timeline) {
      auto& exists = writer_->query("SELECT 1 FROM incidents WHERE id = ?1").bind(1, incident_id);
      const bool found = exists.step();
      exists.reset();
      if (found) append_timeline(incident_id, events);
    }
    transaction.commit();
    return write;
  });
}

Result<std::optional<Rca>> SqliteStore::get_rca(const std::string& id) {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<std::optional<Rca>> {
    Transaction transaction(*reader_, Transaction::Mode::kRead);
    auto& row =
        reader_->query("SELECT version, from_file, document FROM rcas WHERE id = ?1").bind(1, id);
    if (!row.step()) return std::optional<Rca>();
    auto rca = decode_rca(row.integer(0), row.integer(1) != 0, row.text(2));
    row.reset();
    if (!rca) sqlite_db::corrupt(reader_->path(), "rcas row " + id + " (not an RCA that loads)");
    return std::optional<Rca>(std::move(*rca));
  });
}

Result<std::vector<Rca>> SqliteStore::list_rcas() {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<std::vector<Rca>> {
    Transaction transaction(*reader_, Transaction::Mode::kRead);
    const std::int64_t revision = sqlite_counters::read(*reader_, sqlite_counters::kRcaRevision);
    if (listed_rcas_ && listed_rcas_->revision == revision) return listed_rcas_->rcas;
    listed_rcas_.reset();
    auto& rows = reader_->query("SELECT id, version, from_file, document FROM rcas ORDER BY id");
    std::vector<Rca> rcas;
    while (rows.step()) {
      const std::string id = rows.text(0);
      auto rca = decode_rca(rows.integer(1), rows.integer(2) != 0, rows.text(3));
      if (!rca) {
        rows.reset();
        sqlite_db::corrupt(reader_->path(), "rcas row " + id + " (not an RCA that loads)");
      }
      rcas.push_back(std::move(*rca));
    }
    listed_rcas_ = ListedRcas{revision, rcas};
    return rcas;
  });
}

Result<bool> SqliteStore::delete_rca(const std::string& id) {
  std::lock_guard lock(write_mutex_);
  return sqlite_db::guarded([&]() -> Result<bool> {
    Transaction transaction(*writer_, Transaction::Mode::kWrite);
    auto& row =
        writer_->query("SELECT version, from_file, document FROM rcas WHERE id = ?1").bind(1, id);
    if (!row.step()) return false;
    const auto stored = decode_rca(row.integer(0), row.integer(1) != 0, row.text(2));
    row.reset();
    if (stored) sqlite_kpi::apply(*writer_, rca_kpi_ops(&*stored, nullptr));
    writer_->query("DELETE FROM incident_rcas WHERE rca_id = ?1").bind(1, id).run();
    writer_->query("DELETE FROM rcas WHERE id = ?1").bind(1, id).run();
    sqlite_counters::add(*writer_, sqlite_counters::kRcaRevision, 1);
    transaction.commit();
    return true;
  });
}

}  // namespace pmx
