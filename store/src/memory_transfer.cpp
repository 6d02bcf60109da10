// MemoryStore as a StoreTransfer: its maps and KpiLedger written out as dump records and
// filled back from them (mostly for tests, and for the record stream's own round trip).
#include <variant>

#include "pmx/core/rca_loader.h"
#include "pmx/store/memory_store.h"
#include "transfer_chunks.h"

namespace pmx {

Result<Done> MemoryStore::export_to(dump::Sink& sink) {
  std::lock_guard lock(mutex_);
  if (auto w = sink.write(dump::Counters{rca_revision_, open_incidents_}); !w) return w;
  for (const auto& [id, state] : sources_) {
    if (auto w = sink.write(dump::StoredSource{state}); !w) return w;
    const auto seen = occurrences_.find(id);
    if (seen == occurrences_.end()) continue;
    std::vector<std::string> ids(seen->second.begin(), seen->second.end());
    auto written = transfer::write_chunked(sink, std::move(ids), [&](std::vector<std::string> c) {
      return dump::Record(dump::Occurrences{id, std::move(c)});
    });
    if (!written) return written;
  }
  for (const auto& entry : incidents_by_opening_) {
    const IncidentDetail& detail = incidents_.at(entry.second);
    Incident incident = detail.incident;
    std::vector<AlertRecord> records;
    for (auto& record : incident.alerts) records.push_back(std::move(record.second));
    incident.alerts.clear();
    if (auto w = sink.write(dump::StoredIncident{std::move(incident)}); !w) return w;
    const std::string& id = entry.second;
    auto written =
        transfer::write_chunked(sink, std::move(records), [&](std::vector<AlertRecord> c) {
          return dump::Record(dump::AlertRecords{id, std::move(c)});
        });
    if (!written) return written;
    written = transfer::write_chunked(sink, detail.timeline, [&](std::vector<TimelineEvent> c) {
      return dump::Record(dump::Timeline{id, std::move(c)});
    });
    if (!written) return written;
  }
  for (const auto& [id, rca] : rcas_) {
    if (auto w = sink.write(dump::StoredRca{id, rca.version, rca.from_file, rca.document}); !w) {
      return w;
    }
  }
  for (const auto& [incident, rcas] : incident_rcas_) {
    dump::RcaLinks links{incident, std::vector<std::string>(rcas.begin(), rcas.end())};
    if (auto w = sink.write(links); !w) return w;
  }
  if (!kpis_.action_items().empty()) {
    if (auto w = sink.write(dump::KpiItemCounts{kpis_.action_items()}); !w) return w;
  }
  for (const auto& [name, index] : kpis_.indices()) {
    std::vector<std::pair<std::string, UnixNanos>> members(index.members().begin(),
                                                           index.members().end());
    auto written = transfer::write_chunked(
        sink, std::move(members), [&name = name](std::vector<std::pair<std::string, UnixNanos>> c) {
          return dump::Record(dump::KpiIndex{name, std::move(c)});
        });
    if (!written) return written;
  }
  std::vector<dump::KpiResolvedEntry> resolved;
  for (const auto& [incident, entry] : kpis_.resolved()) {
    resolved.push_back(dump::KpiResolvedEntry{incident, entry.at, entry.due});
  }
  auto written =
      transfer::write_chunked(sink, std::move(resolved), [](std::vector<dump::KpiResolvedEntry> c) {
        return dump::Record(dump::KpiResolved{std::move(c)});
      });
  if (!written) return written;
  std::vector<std::pair<std::string, std::int64_t>> links(kpis_.published_links().begin(),
                                                          kpis_.published_links().end());
  return transfer::write_chunked(sink, std::move(links),
                                 [](std::vector<std::pair<std::string, std::int64_t>> c) {
                                   return dump::Record(dump::KpiLinks{std::move(c)});
                                 });
}

bool MemoryStore::empty_locked() const {
  return sources_.empty() && occurrences_.empty() && incidents_.empty() && rcas_.empty() &&
         incident_rcas_.empty() && rca_revision_ == 0 && open_incidents_ == 0 &&
         kpis_.action_items().empty() && kpis_.indices().empty() && kpis_.resolved().empty() &&
         kpis_.published_links().empty();
}

Result<bool> MemoryStore::empty() {
  std::lock_guard lock(mutex_);
  return empty_locked();
}

Result<Done> MemoryStore::import_from(dump::Source& source) {
  std::lock_guard lock(mutex_);
  if (!empty_locked()) return transfer::not_empty("memory store", "it holds data");
  auto imported = import_locked(source);
  if (!imported) {  // back to empty, as it was
    sources_.clear();
    occurrences_.clear();
    incidents_.clear();
    incidents_by_opening_.clear();
    open_incidents_ = 0;
    rcas_.clear();
    incident_rcas_.clear();
    rca_revision_ = 0;
    kpis_ = KpiLedger();
  }
  return imported;
}

Result<Done> MemoryStore::import_locked(dump::Source& source) {
  for (;;) {
    auto next = source.next();
    if (!next) return next.error();
    if (!*next) return Done{};
    dump::Record& record = **next;
    if (auto* counters = std::get_if<dump::Counters>(&record)) {
      rca_revision_ = counters->rca_revision;
      open_incidents_ = counters->open_incidents;
    } else if (auto* stored = std::get_if<dump::StoredSource>(&record)) {
      const std::string id = stored->state.key.id;
      sources_[id] = std::move(stored->state);
    } else if (auto* occurrences = std::get_if<dump::Occurrences>(&record)) {
      occurrences_[occurrences->source_id].insert(occurrences->ids.begin(), occurrences->ids.end());
    } else if (auto* incident = std::get_if<dump::StoredIncident>(&record)) {
      incidents_by_opening_[{incident->incident.opened_at, incident->incident.id}] =
          incident->incident.id;
      incidents_[incident->incident.id].incident = std::move(incident->incident);
    } else if (auto* records = std::get_if<dump::AlertRecords>(&record)) {
      auto& alerts = incidents_[records->incident_id].incident.alerts;
      for (auto& alert : records->records) alerts[alert.fingerprint] = std::move(alert);
    } else if (auto* timeline = std::get_if<dump::Timeline>(&record)) {
      auto& events = incidents_[timeline->incident_id].timeline;
      events.insert(events.end(), timeline->events.begin(), timeline->events.end());
    } else if (auto* rca = std::get_if<dump::StoredRca>(&record)) {
      // MemoryStore keeps RCAs loaded: a document that no longer loads cannot move here.
      auto loaded = load_rca(rca->document);
      if (!loaded) {
        return Error(ErrorCode::kInvalid,
                     "RCA " + rca->id + " does not load: " + loaded.error().message());
      }
      loaded->version = rca->version;
      loaded->from_file = rca->from_file;
      rcas_[rca->id] = std::move(*loaded);
    } else if (auto* links = std::get_if<dump::RcaLinks>(&record)) {
      incident_rcas_[links->incident_id].insert(links->rca_ids.begin(), links->rca_ids.end());
    } else if (auto* items = std::get_if<dump::KpiItemCounts>(&record)) {
      for (const auto& [key, count] : items->counts) kpis_.restore_item_count(key, count);
    } else if (auto* index = std::get_if<dump::KpiIndex>(&record)) {
      for (const auto& [member, at] : index->members) {
        kpis_.restore_index_member(index->name, member, at);
      }
    } else if (auto* resolved = std::get_if<dump::KpiResolved>(&record)) {
      for (const auto& entry : resolved->entries) {
        kpis_.restore_resolved(entry.incident_id, KpiLedger::Resolved{entry.at, entry.due});
      }
    } else if (auto* published = std::get_if<dump::KpiLinks>(&record)) {
      for (const auto& [incident, count] : published->counts) {
        kpis_.restore_published_links(incident, count);
      }
    }
  }
}

}  // namespace pmx
