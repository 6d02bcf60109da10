// SqliteStore as a StoreTransfer: every table (schema/sqlite.md) written out as dump records
// from one read snapshot, and filled back in one write transaction.
#include <algorithm>
#include <variant>

#include "pmx/core/json_codec.h"
#include "pmx/core/json_text.h"
#include "pmx/store/sqlite_store.h"
#include "sqlite_db.h"
#include "sqlite_kpi.h"
#include "sqlite_rows.h"
#include "transfer_chunks.h"

namespace pmx {
namespace {

using nlohmann::json;
using sqlite_db::Db;
using sqlite_db::Transaction;

// The tables an import must find empty, in the order they are checked.
constexpr const char* kTables[] = {
    "sources",       "occurrences", "incidents", "alert_records",   "timeline",     "rcas",
    "incident_rcas", "counters",    "kpi_index", "kpi_item_counts", "kpi_resolved", "kpi_links"};

template <typename Decoded>
Decoded decoded_or_corrupt(Db& db, std::optional<Decoded> value, const std::string& where) {
  if (!value) sqlite_db::corrupt(db.path(), where);
  return std::move(*value);
}

Result<Done> export_sources(Db& db, dump::Sink& sink) {
  auto& rows = db.query("SELECT id, state FROM sources ORDER BY id");
  while (rows.step()) {
    const std::string id = rows.text(0);
    auto state = decoded_or_corrupt(
        db, source_state_from_json(json::parse(rows.text(1), nullptr, false)), "sources row " + id);
    if (state.current) state.current->alerts.clear();
    if (auto w = sink.write(dump::StoredSource{std::move(state)}); !w) return w;
    auto chunks = transfer::chunker<std::string>(sink, [&id](std::vector<std::string> ids) {
      return dump::Record(dump::Occurrences{id, std::move(ids)});
    });
    auto& occurrences =
        db.query("SELECT occurrence FROM occurrences WHERE source_id = ?1").bind(1, id);
    while (occurrences.step()) {
      if (auto w = chunks.add(occurrences.text(0)); !w) return w;
    }
    if (auto w = chunks.flush(); !w) return w;
  }
  return Done{};
}

Result<Done> export_incident_parts(Db& db, dump::Sink& sink, const std::string& id) {
  auto records = transfer::chunker<AlertRecord>(sink, [&id](std::vector<AlertRecord> chunk) {
    return dump::Record(dump::AlertRecords{id, std::move(chunk)});
  });
  auto& alerts =
      db.query("SELECT fingerprint, record FROM alert_records WHERE incident_id = ?1").bind(1, id);
  while (alerts.step()) {
    auto record =
        decoded_or_corrupt(db, alert_record_from_json(json::parse(alerts.text(1), nullptr, false)),
                           "alert_records row " + id + " " + alerts.text(0));
    if (auto w = records.add(std::move(record)); !w) return w;
  }
  if (auto w = records.flush(); !w) return w;
  auto events = transfer::chunker<TimelineEvent>(sink, [&id](std::vector<TimelineEvent> chunk) {
    return dump::Record(dump::Timeline{id, std::move(chunk)});
  });
  auto& timeline =
      db.query("SELECT seq, event FROM timeline WHERE incident_id = ?1 ORDER BY seq").bind(1, id);
  while (timeline.step()) {
    auto event = decoded_or_corrupt(
        db, timeline_event_from_json(json::parse(timeline.text(1), nullptr, false)),
        "timeline row " + id + " " + std::to_string(timeline.integer(0)));
    if (auto w = events.add(std::move(event)); !w) return w;
  }
  return events.flush();
}

Result<Done> export_incidents(Db& db, dump::Sink& sink) {
  auto& rows = db.query("SELECT id, document FROM incidents ORDER BY opened_at, id");
  while (rows.step()) {
    const std::string id = rows.text(0);
    auto incident = decoded_or_corrupt(
        db, incident_from_json(json::parse(rows.text(1), nullptr, false)), "incidents row " + id);
    incident.alerts.clear();
    if (auto w = sink.write(dump::StoredIncident{std::move(incident)}); !w) return w;
    if (auto w = export_incident_parts(db, sink, id); !w) return w;
  }
  return Done{};
}

Result<Done> export_rcas(Db& db, dump::Sink& sink) {
  auto& rows = db.query("SELECT id, version, from_file, document FROM rcas ORDER BY id");
  while (rows.step()) {
    const std::string id = rows.text(0);
    json document = json::parse(rows.text(3), nullptr, false);
    if (!document.is_object()) sqlite_db::corrupt(db.path(), "rcas row " + id);
    dump::StoredRca rca{id, rows.integer(1), rows.integer(2) != 0, std::move(document)};
    if (auto w = sink.write(rca); !w) return w;
  }
  auto& links =
      db.query("SELECT incident_id, rca_id FROM incident_rcas ORDER BY incident_id, rca_id");
  std::optional<dump::RcaLinks> pending;
  while (links.step()) {
    const std::string incident = links.text(0);
    if (pending && pending->incident_id != incident) {
      if (auto w = sink.write(*pending); !w) return w;
      pending.reset();
    }
    if (!pending) pending = dump::RcaLinks{incident, {}};
    pending->rca_ids.push_back(links.text(1));
  }
  if (pending) return sink.write(*pending);
  return Done{};
}

Result<Done> export_kpis(Db& db, dump::Sink& sink) {
  dump::KpiItemCounts items;
  auto& counts = db.query("SELECT key, value FROM kpi_item_counts WHERE value != 0 ORDER BY key");
  while (counts.step()) items.counts[counts.text(0)] = counts.integer(1);
  if (!items.counts.empty()) {
    if (auto w = sink.write(items); !w) return w;
  }
  using Member = std::pair<std::string, UnixNanos>;
  std::string name;
  std::vector<Member> members;
  const auto flush_index = [&]() -> Result<Done> {
    if (members.empty()) return Done{};
    std::vector<Member> chunk;
    chunk.swap(members);
    return sink.write(dump::KpiIndex{name, std::move(chunk)});
  };
  auto& index = db.query("SELECT name, member, at FROM kpi_index ORDER BY name, member");
  while (index.step()) {
    if (index.text(0) != name || members.size() == dump::kChunk) {
      if (auto w = flush_index(); !w) return w;
      name = index.text(0);
    }
    members.emplace_back(index.text(1), index.integer(2));
  }
  if (auto w = flush_index(); !w) return w;
  auto resolved = transfer::chunker<dump::KpiResolvedEntry>(
      sink, [](std::vector<dump::KpiResolvedEntry> chunk) {
        return dump::Record(dump::KpiResolved{std::move(chunk)});
      });
  auto& resolved_rows =
      db.query("SELECT incident_id, at, due FROM kpi_resolved ORDER BY incident_id");
  while (resolved_rows.step()) {
    dump::KpiResolvedEntry entry{resolved_rows.text(0), resolved_rows.integer(1),
                                 resolved_rows.integer(2)};
    if (auto w = resolved.add(std::move(entry)); !w) return w;
  }
  if (auto w = resolved.flush(); !w) return w;
  auto links = transfer::chunker<std::pair<std::string, std::int64_t>>(
      sink, [](std::vector<std::pair<std::string, std::int64_t>> chunk) {
        return dump::Record(dump::KpiLinks{std::move(chunk)});
      });
  auto& link_rows =
      db.query("SELECT incident_id, links FROM kpi_links WHERE links > 0 ORDER BY incident_id");
  while (link_rows.step()) {
    if (auto w = links.add({link_rows.text(0), link_rows.integer(1)}); !w) return w;
  }
  return links.flush();
}

void set_counter(Db& db, const char* name, std::int64_t value) {
  if (value == 0) return;  // absent = 0
  db.query("INSERT OR REPLACE INTO counters (name, value) VALUES (?1, ?2)")
      .bind(1, std::string(name))
      .bind(2, value)
      .run();
}

void import_kpis(Db& db, const dump::Record& record) {
  if (const auto* items = std::get_if<dump::KpiItemCounts>(&record)) {
    for (const auto& [key, value] : items->counts) {
      db.query("INSERT OR REPLACE INTO kpi_item_counts (key, value) VALUES (?1, ?2)")
          .bind(1, key)
          .bind(2, value)
          .run();
    }
  } else if (const auto* index = std::get_if<dump::KpiIndex>(&record)) {
    for (const auto& [member, at] : index->members) {
      db.query("INSERT OR REPLACE INTO kpi_index (name, member, at) VALUES (?1, ?2, ?3)")
          .bind(1, index->name)
          .bind(2, member)
          .bind(3, at)
          .run();
    }
  } else if (const auto* resolved = std::get_if<dump::KpiResolved>(&record)) {
    for (const auto& entry : resolved->entries) {
      db.query("INSERT OR REPLACE INTO kpi_resolved (incident_id, at, due) VALUES (?1, ?2, ?3)")
          .bind(1, entry.incident_id)
          .bind(2, entry.at)
          .bind(3, entry.due)
          .run();
    }
  } else if (const auto* links = std::get_if<dump::KpiLinks>(&record)) {
    for (const auto& [incident, count] : links->counts) {
      db.query("INSERT OR REPLACE INTO kpi_links (incident_id, links) VALUES (?1, ?2)")
          .bind(1, incident)
          .bind(2, count)
          .run();
    }
  }
}

}  // namespace

Result<Done> SqliteStore::export_to(dump::Sink& sink) {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<Done> {
    Transaction snapshot(*reader_, Transaction::Mode::kRead);
    const dump::Counters counters{
        sqlite_counters::read(*reader_, sqlite_counters::kRcaRevision),
        static_cast<std::uint64_t>(std::max<std::int64_t>(
            0, sqlite_counters::read(*reader_, sqlite_counters::kOpenIncidents)))};
    if (auto w = sink.write(counters); !w) return w;
    if (auto w = export_sources(*reader_, sink); !w) return w;
    if (auto w = export_incidents(*reader_, sink); !w) return w;
    if (auto w = export_rcas(*reader_, sink); !w) return w;
    if (auto w = export_kpis(*reader_, sink); !w) return w;
    snapshot.commit();
    return Done{};
  });
}

std::optional<std::string> SqliteStore::first_nonempty_table(sqlite_db::Db& db) {
  for (const char* table : kTables) {
    const std::string sql = std::string("SELECT EXISTS (SELECT 1 FROM ") + table + ")";
    if (db.integer(sql.c_str()) != 0) return std::string(table);
  }
  return std::nullopt;
}

Result<bool> SqliteStore::empty() {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<bool> { return !first_nonempty_table(*reader_); });
}

Result<Done> SqliteStore::import_from(dump::Source& source) {
  auto imported = import_rows(source);
  // The import sets the RCA revision to the dump's: a listing cached before it must not stay,
  // even if the two revisions are equal.
  std::lock_guard lock(read_mutex_);
  listed_rcas_.reset();
  return imported;
}

Result<Done> SqliteStore::import_rows(dump::Source& source) {
  std::lock_guard lock(write_mutex_);
  return sqlite_db::guarded([&]() -> Result<Done> {
    Transaction transaction(*writer_, Transaction::Mode::kWrite);  // all or nothing
    if (const auto table = first_nonempty_table(*writer_)) {
      return transfer::not_empty("SQLite database " + config_.path,
                                 "table " + *table + " has rows");
    }
    std::int64_t next_seq = 0;  // of the timeline of the last incident record
    for (;;) {
      auto next = source.next();
      if (!next) return next.error();
      if (!*next) break;
      const dump::Record& record = **next;
      if (const auto* counters = std::get_if<dump::Counters>(&record)) {
        set_counter(*writer_, sqlite_counters::kRcaRevision, counters->rca_revision);
        set_counter(*writer_, sqlite_counters::kOpenIncidents,
                    static_cast<std::int64_t>(counters->open_incidents));
      } else if (const auto* stored = std::get_if<dump::StoredSource>(&record)) {
        sqlite_rows::write_source(*writer_, stored->state);
      } else if (const auto* occurrences = std::get_if<dump::Occurrences>(&record)) {
        for (const auto& id : occurrences->ids) {
          writer_
              ->query("INSERT OR IGNORE INTO occurrences (source_id, occurrence) VALUES (?1, ?2)")
              .bind(1, occurrences->source_id)
              .bind(2, id)
              .run();
        }
      } else if (const auto* incident = std::get_if<dump::StoredIncident>(&record)) {
        sqlite_rows::write_incident(*writer_, incident->incident);
        next_seq = 0;
      } else if (const auto* records = std::get_if<dump::AlertRecords>(&record)) {
        for (const auto& alert : records->records) {
          writer_
              ->query(
                  "INSERT OR REPLACE INTO alert_records (incident_id, fingerprint, record) "
                  "VALUES (?1, ?2, ?3)")
              .bind(1, records->incident_id)
              .bind(2, alert.fingerprint)
              .bind(3, alert_record_text(alert))
              .run();
        }
      } else if (const auto* timeline = std::get_if<dump::Timeline>(&record)) {
        for (const auto& event : timeline->events) {
          writer_->query("INSERT INTO timeline (incident_id, seq, event) VALUES (?1, ?2, ?3)")
              .bind(1, timeline->incident_id)
              .bind(2, ++next_seq)
              .bind(3, timeline_event_text(event))
              .run();
        }
      } else if (const auto* rca = std::get_if<dump::StoredRca>(&record)) {
        writer_
            ->query(
                "INSERT OR REPLACE INTO rcas (id, version, from_file, document) "
                "VALUES (?1, ?2, ?3, ?4)")
            .bind(1, rca->id)
            .bind(2, rca->version)
            .bind(3, std::int64_t{rca->from_file ? 1 : 0})
            .bind(4, sqlite_db::dump(rca->document))
            .run();
      } else if (const auto* links = std::get_if<dump::RcaLinks>(&record)) {
        for (const auto& rca_id : links->rca_ids) {
          writer_
              ->query("INSERT OR IGNORE INTO incident_rcas (incident_id, rca_id) VALUES (?1, ?2)")
              .bind(1, links->incident_id)
              .bind(2, rca_id)
              .run();
        }
      } else {
        import_kpis(*writer_, record);
      }
    }
    transaction.commit();
    return Done{};
  });
}

}  // namespace pmx
