// SqliteStore's reads: incidents (with their alert records, timeline and RCA links), sources
// and the KPI aggregates of a scrape. Each read is one read transaction (one snapshot) on the
// reader connection, so it never waits for a commit being written.
#include <algorithm>
#include <limits>

#include "pmx/core/json_codec.h"
#include "pmx/store/sqlite_store.h"
#include "sqlite_db.h"
#include "sqlite_kpi.h"

namespace pmx {
namespace {

using nlohmann::json;
using sqlite_db::Transaction;

Incident decode_incident(sqlite_db::Db& db, const std::string& text, const std::string& id) {
  auto incident = incident_from_json(json::parse(text, nullptr, false));
  if (!incident) sqlite_db::corrupt(db.path(), "incidents row " + id);
  return std::move(*incident);
}

SourceState decode_source(sqlite_db::Db& db, const std::string& text) {
  const auto doc = json::parse(text, nullptr, false);
  auto state = source_state_from_json(doc);
  if (!state) {
    sqlite_db::corrupt(db.path(), "sources row " + (doc.is_object() ? doc.value("id", "?") : "?"));
  }
  return std::move(*state);
}

}  // namespace

Incident SqliteStore::linked(Incident incident) {
  auto& links =
      reader_->query("SELECT rca_id FROM incident_rcas WHERE incident_id = ?1 ORDER BY rca_id")
          .bind(1, incident.id);
  std::vector<std::string> rcas;
  while (links.step()) rcas.push_back(links.text(0));
  if (!rcas.empty()) incident.rcas = std::move(rcas);  // as MemoryStore: links win when present
  return incident;
}

SourceState SqliteStore::linked(SourceState source) {
  if (source.current) source.current = linked(std::move(*source.current));
  return source;
}

void SqliteStore::fill_alerts(Incident& incident) {
  auto& records =
      reader_->query("SELECT fingerprint, record FROM alert_records WHERE incident_id = ?1")
          .bind(1, incident.id);
  incident.alerts.clear();
  while (records.step()) {
    auto record = alert_record_from_json(json::parse(records.text(1), nullptr, false));
    if (!record) {
      sqlite_db::corrupt(reader_->path(),
                         "alert_records row " + incident.id + " " + records.text(0));
    }
    incident.alerts.emplace(records.text(0), std::move(*record));
  }
}

std::vector<TimelineEvent> SqliteStore::timeline_of(const std::string& incident_id) {
  auto& rows = reader_->query("SELECT seq, event FROM timeline WHERE incident_id = ?1 ORDER BY seq")
                   .bind(1, incident_id);
  std::vector<TimelineEvent> events;
  while (rows.step()) {
    auto event = timeline_event_from_json(json::parse(rows.text(1), nullptr, false));
    if (!event) {
      sqlite_db::corrupt(reader_->path(),
                         "timeline row " + incident_id + " " + std::to_string(rows.integer(0)));
    }
    events.push_back(std::move(*event));
  }
  return events;
}

Result<std::vector<Incident>> SqliteStore::list_incidents(const IncidentFilter& filter) {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<std::vector<Incident>> {
    Transaction transaction(*reader_, Transaction::Mode::kRead);
    // The upper bound of the walk as a row value (opened_at, id): the tighter of `opened_to`
    // (every id sorts after "") and the position, so that an index walks it downwards.
    std::pair<std::int64_t, std::string> below{std::numeric_limits<std::int64_t>::max(), ""};
    if (filter.opened_to) below = {*filter.opened_to, ""};
    if (filter.after && std::make_pair(filter.after->opened_at, filter.after->id) < below) {
      below = {filter.after->opened_at, filter.after->id};
    }
    // Two texts, so that each has its own plan: a source's incidents by incidents_of_source.
    auto& rows = reader_->query(
        filter.source_id
            ? "SELECT id, document FROM incidents "
              "WHERE source_id = ?1 AND (?2 IS NULL OR state = ?2) AND (opened_at, id) < (?4, ?5) "
              "AND opened_at >= ?6 ORDER BY opened_at DESC, id DESC LIMIT ?3"
            : "SELECT id, document FROM incidents "
              "WHERE (?2 IS NULL OR state = ?2) AND (opened_at, id) < (?4, ?5) "
              "AND opened_at >= ?6 ORDER BY opened_at DESC, id DESC LIMIT ?3");
    if (filter.source_id) rows.bind(1, *filter.source_id);
    if (filter.state) rows.bind(2, std::string(to_string(*filter.state)));
    rows.bind(3, static_cast<std::int64_t>(std::min<std::size_t>(
                     filter.limit, std::numeric_limits<std::int64_t>::max())));
    rows.bind(4, below.first);
    rows.bind(5, below.second);
    rows.bind(6, filter.opened_from.value_or(std::numeric_limits<std::int64_t>::min()));
    std::vector<std::pair<std::string, std::string>> found;  // read first: the rows cursor
    while (rows.step()) found.emplace_back(rows.text(0), rows.text(1));
    std::vector<Incident> result;
    result.reserve(found.size());
    for (const auto& [id, document] : found) {
      Incident incident = decode_incident(*reader_, document, id);
      fill_alerts(incident);
      result.push_back(linked(std::move(incident)));
    }
    transaction.commit();
    return result;
  });
}

Result<std::optional<IncidentDetail>> SqliteStore::get_incident(const std::string& id) {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<std::optional<IncidentDetail>> {
    Transaction transaction(*reader_, Transaction::Mode::kRead);
    auto& row = reader_->query("SELECT document FROM incidents WHERE id = ?1").bind(1, id);
    if (!row.step()) return std::optional<IncidentDetail>();
    IncidentDetail detail;
    detail.incident = decode_incident(*reader_, row.text(0), id);
    row.reset();
    fill_alerts(detail.incident);
    detail.incident = linked(std::move(detail.incident));
    detail.timeline = timeline_of(id);
    transaction.commit();
    return std::optional<IncidentDetail>(std::move(detail));
  });
}

Result<std::vector<Incident>> SqliteStore::get_incidents(const std::vector<std::string>& ids) {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<std::vector<Incident>> {
    Transaction transaction(*reader_, Transaction::Mode::kRead);
    std::vector<Incident> result;
    for (const auto& id : ids) {
      auto& row = reader_->query("SELECT document FROM incidents WHERE id = ?1").bind(1, id);
      if (!row.step()) continue;
      Incident incident = decode_incident(*reader_, row.text(0), id);
      row.reset();
      fill_alerts(incident);
      result.push_back(linked(std::move(incident)));
    }
    transaction.commit();
    return result;
  });
}

Result<std::vector<SourceState>> SqliteStore::list_sources(const SourceFilter& filter) {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<std::vector<SourceState>> {
    Transaction transaction(*reader_, Transaction::Mode::kRead);
    // Ordered by last_seen descending then canonical ascending. One upper bound on last_seen,
    // so that sources_by_seen is entered there: the position's (inclusive, its ties then
    // after its key) when it is below `seen_to`, else `seen_to` (exclusive). An OR of both
    // bounds made SQLite walk the index from its top (20 ms with 1,000 sources of 100
    // incidents, for none listed).
    std::int64_t top = filter.seen_to.value_or(std::numeric_limits<std::int64_t>::max());
    const bool at_position = filter.after && filter.after->last_seen < top;
    if (at_position) top = filter.after->last_seen;
    auto& rows = reader_->query(
        "SELECT state FROM sources WHERE last_seen >= ?2 AND last_seen <= ?3 "
        "AND (last_seen < ?3 OR canonical > ?4) "
        "ORDER BY last_seen DESC, canonical ASC LIMIT ?1");
    rows.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(
                     filter.limit, std::numeric_limits<std::int64_t>::max())));
    rows.bind(2, filter.seen_from.value_or(std::numeric_limits<std::int64_t>::min()));
    rows.bind(3, top);
    // No position: nothing at `top` (canonical > NULL is never true).
    if (at_position) rows.bind(4, filter.after->canonical);
    std::vector<std::string> found;
    while (rows.step()) found.push_back(rows.text(0));
    std::vector<SourceState> result;
    result.reserve(found.size());
    for (const auto& text : found) result.push_back(linked(decode_source(*reader_, text)));
    transaction.commit();
    return result;
  });
}

Result<std::optional<SourceState>> SqliteStore::get_source(const std::string& source_id) {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<std::optional<SourceState>> {
    Transaction transaction(*reader_, Transaction::Mode::kRead);
    auto& row = reader_->query("SELECT state FROM sources WHERE id = ?1").bind(1, source_id);
    if (!row.step()) return std::optional<SourceState>();
    const std::string text = row.text(0);
    row.reset();
    auto state = linked(decode_source(*reader_, text));
    transaction.commit();
    return std::optional<SourceState>(std::move(state));
  });
}

Result<KpiSnapshot> SqliteStore::read_kpis(const std::vector<KpiRange>& ranges,
                                           std::size_t top_sources) {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<KpiSnapshot> {
    Transaction transaction(*reader_, Transaction::Mode::kRead);
    KpiSnapshot snapshot;
    snapshot.open_incidents = static_cast<std::uint64_t>(std::max<std::int64_t>(
        0, sqlite_counters::read(*reader_, sqlite_counters::kOpenIncidents)));
    auto& top = reader_
                    ->query(
                        "SELECT canonical, occurrences FROM sources "
                        "ORDER BY occurrences DESC, canonical ASC LIMIT ?1")
                    .bind(1, static_cast<std::int64_t>(std::min<std::size_t>(
                                 top_sources, std::numeric_limits<std::int64_t>::max())));
    while (top.step()) {
      snapshot.top_sources.push_back(
          SourceCount{top.text(0), static_cast<std::uint64_t>(top.integer(1))});
    }
    auto& items = reader_->query("SELECT key, value FROM kpi_item_counts");
    while (items.step()) snapshot.action_items[items.text(0)] = items.integer(1);
    for (const auto& range : ranges) {
      snapshot.range_counts[range.name] = sqlite_kpi::count(*reader_, range);
    }
    transaction.commit();
    return snapshot;
  });
}

Result<std::vector<IndexMember>> SqliteStore::index_members(const KpiRange& range,
                                                            std::size_t limit) {
  std::lock_guard lock(read_mutex_);
  return sqlite_db::guarded([&]() -> Result<std::vector<IndexMember>> {
    Transaction transaction(*reader_, Transaction::Mode::kRead);
    auto& rows =
        reader_
            ->query(
                "SELECT member, at FROM kpi_index WHERE name = ?1 AND at >= ?2 AND at < ?3 "
                "ORDER BY at, member LIMIT ?4")
            .bind(1, range.index)
            .bind(2, range.from)
            .bind(3, range.to)
            .bind(4, static_cast<std::int64_t>(
                         std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max())));
    std::vector<IndexMember> members;
    while (rows.step()) members.push_back({rows.text(0), rows.integer(1)});
    transaction.commit();
    return members;
  });
}

}  // namespace pmx
