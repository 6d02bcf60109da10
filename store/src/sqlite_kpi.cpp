#include "sqlite_kpi.h"

#include <optional>

namespace pmx::sqlite_kpi {
namespace {

using sqlite_db::Db;

void index_put(Db& db, const std::string& name, const std::string& member, UnixNanos at) {
  db.query("INSERT OR REPLACE INTO kpi_index (name, member, at) VALUES (?1, ?2, ?3)")
      .bind(1, name)
      .bind(2, member)
      .bind(3, at)
      .run();
}

void index_erase(Db& db, const std::string& name, const std::string& member) {
  db.query("DELETE FROM kpi_index WHERE name = ?1 AND member = ?2")
      .bind(1, name)
      .bind(2, member)
      .run();
}

void count_add(Db& db, const std::string& key, std::int64_t delta) {
  db.query(
        "INSERT INTO kpi_item_counts (key, value) VALUES (?1, ?2) "
        "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value")
      .bind(1, key)
      .bind(2, delta)
      .run();
  db.query("DELETE FROM kpi_item_counts WHERE key = ?1 AND value = 0").bind(1, key).run();
}

struct Resolved {
  UnixNanos at = 0;
  UnixNanos due = 0;
};

std::optional<Resolved> resolved_of(Db& db, const std::string& incident) {
  auto& query =
      db.query("SELECT at, due FROM kpi_resolved WHERE incident_id = ?1").bind(1, incident);
  if (!query.step()) return std::nullopt;
  Resolved resolved{query.integer(0), query.integer(1)};
  query.reset();
  return resolved;
}

std::int64_t links_of(Db& db, const std::string& incident) {
  auto& query = db.query("SELECT links FROM kpi_links WHERE incident_id = ?1").bind(1, incident);
  const std::int64_t links = query.step() ? query.integer(0) : 0;
  query.reset();
  return links;
}

void resolved(Db& db, const KpiOp& op) {
  db.query("INSERT OR REPLACE INTO kpi_resolved (incident_id, at, due) VALUES (?1, ?2, ?3)")
      .bind(1, op.target)
      .bind(2, op.at)
      .bind(3, op.due)
      .run();
  index_put(db, kpi_index::kNeeded, op.target, op.at);
  if (links_of(db, op.target) > 0) {
    index_put(db, kpi_index::kCovered, op.target, op.at);
    index_erase(db, kpi_index::kAwaiting, op.target);
  } else {
    index_put(db, kpi_index::kAwaiting, op.target, op.due);
    index_erase(db, kpi_index::kCovered, op.target);
  }
}

void reopened(Db& db, const std::string& incident) {
  db.query("DELETE FROM kpi_resolved WHERE incident_id = ?1").bind(1, incident).run();
  for (const char* name : {kpi_index::kNeeded, kpi_index::kCovered, kpi_index::kAwaiting}) {
    index_erase(db, name, incident);
  }
}

void published_link(Db& db, const KpiOp& op, std::vector<UnixNanos>& covered) {
  const std::int64_t links = links_of(db, op.target) + op.delta;
  if (links <= 0) {
    db.query("DELETE FROM kpi_links WHERE incident_id = ?1").bind(1, op.target).run();
  } else {
    db.query("INSERT OR REPLACE INTO kpi_links (incident_id, links) VALUES (?1, ?2)")
        .bind(1, op.target)
        .bind(2, links)
        .run();
  }
  const auto record = resolved_of(db, op.target);
  if (!record) return;  // open, not needing one, or never seen
  if (op.delta > 0 && links == 1) {
    index_erase(db, kpi_index::kAwaiting, op.target);
    index_put(db, kpi_index::kCovered, op.target, record->at);
    covered.push_back(record->at);
  } else if (op.delta < 0 && links <= 0) {
    index_erase(db, kpi_index::kCovered, op.target);
    index_put(db, kpi_index::kAwaiting, op.target, record->due);
  }
}

}  // namespace

std::vector<UnixNanos> apply(Db& db, const std::vector<KpiOp>& ops) {
  std::vector<UnixNanos> covered;
  for (const auto& op : ops) {
    switch (op.kind) {
      case KpiOp::Kind::kCount:
        count_add(db, op.target, op.delta);
        break;
      case KpiOp::Kind::kIndexAdd:
        index_put(db, op.target, op.member, op.at);
        break;
      case KpiOp::Kind::kIndexRemove:
        index_erase(db, op.target, op.member);
        break;
      case KpiOp::Kind::kResolvedNeedingPostmortem:
        resolved(db, op);
        break;
      case KpiOp::Kind::kReopened:
        reopened(db, op.target);
        break;
      case KpiOp::Kind::kPublishedLink:
        published_link(db, op, covered);
        break;
    }
  }
  return covered;
}

std::int64_t count(Db& db, const KpiRange& range) {
  if (range.from >= range.to) return 0;
  auto& query = db.query("SELECT count(*) FROM kpi_index WHERE name = ?1 AND at >= ?2 AND at < ?3")
                    .bind(1, range.index)
                    .bind(2, range.from)
                    .bind(3, range.to);
  const std::int64_t n = query.step() ? query.integer(0) : 0;
  query.reset();
  return n;
}

}  // namespace pmx::sqlite_kpi

namespace pmx::sqlite_counters {

std::int64_t read(sqlite_db::Db& db, const char* name) {
  auto& query = db.query("SELECT value FROM counters WHERE name = ?1").bind(1, std::string(name));
  const std::int64_t value = query.step() ? query.integer(0) : 0;
  query.reset();
  return value;
}

void add(sqlite_db::Db& db, const char* name, std::int64_t delta) {
  db.query(
        "INSERT INTO counters (name, value) VALUES (?1, ?2) "
        "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value")
      .bind(1, std::string(name))
      .bind(2, delta)
      .run();
}

}  // namespace pmx::sqlite_counters
