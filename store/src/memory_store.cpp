#include "pmx/store/memory_store.h"

#include <algorithm>

namespace pmx {

Result<LoadResult> MemoryStore::load(const std::vector<SourceLoad>& sources) {
  std::lock_guard lock(mutex_);
  LoadResult result;
  result.rca_revision = rca_revision_;
  result.sources.reserve(sources.size());
  for (const auto& request : sources) {
    LoadedSource loaded;
    const auto it = sources_.find(request.key.id);
    if (it != sources_.end()) {
      loaded.state = it->second;  // stored without alert records: copy those asked for
      const auto incident = loaded.state.current ? incidents_.find(loaded.state.current->id)
                                                 : incidents_.end();
      if (incident != incidents_.end()) {
        const auto& stored = incident->second.incident.alerts;
        for (const auto& fingerprint : request.fingerprints) {
          const auto record = stored.find(fingerprint);
          if (record != stored.end()) loaded.state.current->alerts.insert(*record);
        }
      }
    } else {
      loaded.state.key = request.key;
    }
    const auto seen = occurrences_.find(request.key.id);
    if (seen != occurrences_.end()) {
      for (const auto& id : request.occurrence_ids) {
        if (seen->second.count(id)) loaded.known_occurrences.insert(id);
      }
    }
    result.sources.push_back(std::move(loaded));
  }
  return result;
}

Result<std::vector<bool>> MemoryStore::commit(const std::vector<SourceCommit>& commits) {
  std::lock_guard lock(mutex_);
  std::vector<bool> applied;
  applied.reserve(commits.size());
  for (const auto& commit : commits) {
    const SourceState& next = commit.update.state;
    const auto it = sources_.find(next.key.id);
    const std::int64_t current_version = it == sources_.end() ? 0 : it->second.version;
    if (current_version != commit.expected_version) {
      applied.push_back(false);
      continue;
    }
    const bool was_open = it != sources_.end() && it->second.current &&
                          it->second.current->state == IncidentState::kOpen;
    const bool is_open = next.current && next.current->state == IncidentState::kOpen;
    open_incidents_ = open_incidents_ + (is_open ? 1 : 0) - (was_open ? 1 : 0);
    SourceState stored = next;
    stored.version = commit.expected_version + 1;
    if (stored.current) stored.current->alerts.clear();  // they live in incidents_ only
    sources_[next.key.id] = std::move(stored);
    auto& seen = occurrences_[next.key.id];
    seen.insert(commit.update.new_occurrences.begin(), commit.update.new_occurrences.end());
    for (const auto& incident : commit.update.incidents) {
      IncidentDetail& detail = incidents_[incident.id];
      if (detail.incident.id.empty()) {
        incidents_by_opening_[{incident.opened_at, incident.id}] = incident.id;
      }
      // The update carries the records it loaded or changed: the others stand.
      auto alerts = std::move(detail.incident.alerts);
      for (const auto& record : incident.alerts) alerts[record.first] = record.second;
      detail.incident = incident;
      detail.incident.alerts = std::move(alerts);
    }
    for (const auto& [incident_id, events] : commit.update.timeline) {
      auto& timeline = incidents_[incident_id].timeline;
      timeline.insert(timeline.end(), events.begin(), events.end());
    }
    kpis_.apply(commit.update.kpi_ops);
    applied.push_back(true);
  }
  return applied;
}

Incident MemoryStore::linked(Incident incident) const {
  const auto links = incident_rcas_.find(incident.id);
  if (links != incident_rcas_.end()) incident.rcas.assign(links->second.begin(), links->second.end());
  return incident;
}

SourceState MemoryStore::linked(SourceState source) const {
  if (source.current) source.current = linked(std::move(*source.current));
  return source;
}

Result<std::vector<Incident>> MemoryStore::list_incidents(const IncidentFilter& filter) {
  std::lock_guard lock(mutex_);
  // Walk down from below the tighter of `opened_to` and the position, to `opened_from`.
  std::optional<std::pair<UnixNanos, std::string>> below;
  if (filter.opened_to) below.emplace(*filter.opened_to, "");
  if (filter.after) {
    std::pair<UnixNanos, std::string> position{filter.after->opened_at, filter.after->id};
    if (!below || position < *below) below = std::move(position);
  }
  const auto start =
      below ? incidents_by_opening_.lower_bound(*below) : incidents_by_opening_.end();
  std::vector<Incident> result;
  for (auto it = std::make_reverse_iterator(start);
       it != incidents_by_opening_.rend() && result.size() < filter.limit; ++it) {
    if (filter.opened_from && it->first.first < *filter.opened_from) break;
    const Incident& incident = incidents_.at(it->second).incident;
    if (filter.source_id && incident.source_id != *filter.source_id) continue;
    if (filter.state && incident.state != *filter.state) continue;
    result.push_back(linked(incident));
  }
  return result;
}

Result<std::optional<IncidentDetail>> MemoryStore::get_incident(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = incidents_.find(id);
  if (it == incidents_.end()) return std::optional<IncidentDetail>();
  IncidentDetail detail = it->second;
  detail.incident = linked(detail.incident);
  return std::optional<IncidentDetail>(std::move(detail));
}

Result<std::vector<Incident>> MemoryStore::get_incidents(const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  std::vector<Incident> result;
  for (const auto& id : ids) {
    const auto it = incidents_.find(id);
    if (it != incidents_.end()) result.push_back(linked(it->second.incident));
  }
  return result;
}

Result<std::vector<SourceState>> MemoryStore::list_sources(const SourceFilter& filter) {
  std::lock_guard lock(mutex_);
  const auto listed_before = [](UnixNanos seen_a, const std::string& key_a, UnixNanos seen_b,
                                const std::string& key_b) {
    return seen_a != seen_b ? seen_a > seen_b : key_a < key_b;
  };
  std::vector<SourceState> result;
  for (const auto& entry : sources_) {
    const SourceState& source = entry.second;
    if (filter.seen_from && source.last_seen < *filter.seen_from) continue;
    if (filter.seen_to && source.last_seen >= *filter.seen_to) continue;
    if (filter.after && !listed_before(filter.after->last_seen, filter.after->canonical,
                                       source.last_seen, source.key.canonical)) {
      continue;
    }
    result.push_back(source);
  }
  std::sort(result.begin(), result.end(), [&](const SourceState& a, const SourceState& b) {
    return listed_before(a.last_seen, a.key.canonical, b.last_seen, b.key.canonical);
  });
  if (result.size() > filter.limit) result.resize(filter.limit);
  for (auto& source : result) source = linked(source);
  return result;
}

Result<std::optional<SourceState>> MemoryStore::get_source(const std::string& source_id) {
  std::lock_guard lock(mutex_);
  const auto it = sources_.find(source_id);
  if (it == sources_.end()) return std::optional<SourceState>();
  return std::optional<SourceState>(linked(it->second));
}

Result<KpiSnapshot> MemoryStore::read_kpis(const std::vector<KpiRange>& ranges,
                                           std::size_t top_sources) {
  std::lock_guard lock(mutex_);
  KpiSnapshot snapshot;
  snapshot.open_incidents = open_incidents_;
  snapshot.top_sources = top_sources_locked(top_sources);
  snapshot.action_items = kpis_.action_items();
  for (const auto& range : ranges) snapshot.range_counts[range.name] = kpis_.count(range);
  return snapshot;
}

Result<std::vector<IndexMember>> MemoryStore::index_members(const KpiRange& range,
                                                            std::size_t limit) {
  std::lock_guard lock(mutex_);
  return kpis_.members(range, limit);
}

std::vector<SourceCount> MemoryStore::top_sources_locked(std::size_t limit) const {
  std::vector<SourceCount> counts;
  counts.reserve(sources_.size());
  for (const auto& entry : sources_) {
    counts.push_back(SourceCount{entry.second.key.canonical, entry.second.occurrences});
  }
  const auto by_count = [](const SourceCount& a, const SourceCount& b) {
    return a.occurrences != b.occurrences ? a.occurrences > b.occurrences : a.source < b.source;
  };
  const std::size_t n = std::min(limit, counts.size());
  std::partial_sort(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(n), counts.end(),
                    by_count);
  counts.resize(n);
  return counts;
}

}  // namespace pmx

namespace pmx {

void MemoryStore::unlink(const Rca& rca) {
  for (const auto& incident : rca.incidents) {
    auto links = incident_rcas_.find(incident);
    if (links == incident_rcas_.end()) continue;
    links->second.erase(rca.id);
    if (links->second.empty()) incident_rcas_.erase(links);
  }
}

Result<RcaWrite> MemoryStore::put_rca(
    const Rca& rca, std::int64_t expected_version,
    const std::map<std::string, std::vector<TimelineEvent>>& timeline) {
  std::lock_guard lock(mutex_);
  const auto existing = rcas_.find(rca.id);
  const bool created = existing == rcas_.end();
  const std::int64_t current = created ? 0 : existing->second.version;
  if (current != expected_version) return ErrorCode::kConflict;
  Rca stored = rca;
  stored.version = expected_version + 1;
  RcaWrite write{created, stored.version, {}};
  write.covered_resolved_at =
      kpis_.apply(rca_kpi_ops(created ? nullptr : &existing->second, &stored));
  if (!created) unlink(existing->second);
  for (const auto& incident : stored.incidents) incident_rcas_[incident].insert(stored.id);
  rcas_[stored.id] = stored;
  ++rca_revision_;
  for (const auto& [incident_id, events] : timeline) {
    const auto it = incidents_.find(incident_id);
    if (it == incidents_.end()) continue;
    it->second.timeline.insert(it->second.timeline.end(), events.begin(), events.end());
  }
  return write;
}

Result<std::optional<Rca>> MemoryStore::get_rca(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = rcas_.find(id);
  if (it == rcas_.end()) return std::optional<Rca>();
  return std::optional<Rca>(it->second);
}

Result<std::vector<Rca>> MemoryStore::list_rcas() {
  std::lock_guard lock(mutex_);
  std::vector<Rca> result;
  result.reserve(rcas_.size());
  for (const auto& entry : rcas_) result.push_back(entry.second);
  return result;
}

Result<bool> MemoryStore::delete_rca(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = rcas_.find(id);
  if (it == rcas_.end()) return false;
  kpis_.apply(rca_kpi_ops(&it->second, nullptr));
  unlink(it->second);
  rcas_.erase(it);
  ++rca_revision_;
  return true;
}

}  // namespace pmx
