#pragma once
// The rows of a source and of an incident, written the one way both the commit path
// (sqlite_store.cpp) and the import of a dump (sqlite_transfer.cpp) write them: the columns
// the reads index on, and the document (alert records apart, in alert_records).
#include "pmx/core/json_codec.h"
#include "sqlite_db.h"

namespace pmx::sqlite_rows {

/// `state` as stored, at state.version.
/// Rows are updated in place (an upsert, not INSERT OR REPLACE, which deletes the row and every
/// index entry and inserts them again): an update rewrites only the indices of the columns it
/// sets. A source's `canonical` and an incident's `source_id` and `opened_at` never change, so
/// an incident's update leaves both of its indices alone (two of the ten or so pages an alert
/// dirtied).
inline void write_source(sqlite_db::Db& db, const SourceState& state) {
  const bool open = state.current && state.current->state == IncidentState::kOpen;
  db.query(
        "INSERT INTO sources "
        "(id, canonical, version, last_seen, occurrences, current_open, state) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
        "last_seen = excluded.last_seen, occurrences = excluded.occurrences, "
        "current_open = excluded.current_open, state = excluded.state")
      .bind(1, state.key.id)
      .bind(2, state.key.canonical)
      .bind(3, state.version)
      .bind(4, state.last_seen)
      .bind(5, static_cast<std::int64_t>(state.occurrences))
      .bind(6, std::int64_t{open ? 1 : 0})
      .bind(7, sqlite_db::dump(to_json(state, AlertRecords::kOmit)))
      .run();
}

inline void write_incident(sqlite_db::Db& db, const Incident& incident) {
  db.query(
        "INSERT INTO incidents (id, source_id, opened_at, state, document) "
        "VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (id) DO UPDATE SET state = excluded.state, document = excluded.document")
      .bind(1, incident.id)
      .bind(2, incident.source_id)
      .bind(3, incident.opened_at)
      .bind(4, std::string(to_string(incident.state)))
      .bind(5, sqlite_db::dump(to_json(incident, AlertRecords::kOmit)))
      .run();
}

}  // namespace pmx::sqlite_rows
