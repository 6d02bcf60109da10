#pragma once
/// The embedded store: everything in process memory, lost on restart. The default when no
/// --redis.url is given, and the fake that core and receiver tests run against.
/// Thread-safe: one mutex around all state (the daemon's request rate does not need more).
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "pmx/store/kpi_ledger.h"
#include "pmx/store/store.h"
#include "pmx/store/store_transfer.h"

namespace pmx {

class MemoryStore final : public Store, public StoreTransfer {
 public:
  MemoryStore() = default;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

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
  bool healthy() override { return true; }

  // StoreTransfer (memory_transfer.cpp).
  Result<Done> export_to(dump::Sink& sink) override;
  Result<bool> empty() override;
  Result<Done> import_from(dump::Source& source) override;

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, SourceState> sources_;  // by source id
  std::unordered_map<std::string, std::unordered_set<std::string>> occurrences_;  // by source id
  std::unordered_map<std::string, IncidentDetail> incidents_;  // by incident id
  std::map<std::pair<UnixNanos, std::string>, std::string> incidents_by_opening_;  // -> id
  std::uint64_t open_incidents_ = 0;
  std::map<std::string, Rca> rcas_;  // by id
  std::unordered_map<std::string, std::set<std::string>> incident_rcas_;  // incident id -> RCA ids
  std::int64_t rca_revision_ = 0;
  KpiLedger kpis_;

  void unlink(const Rca& rca);
  /// The incident (or the source's current one) with its RCA links, which are kept apart.
  Incident linked(Incident incident) const;
  SourceState linked(SourceState source) const;
  std::vector<SourceCount> top_sources_locked(std::size_t limit) const;
  bool empty_locked() const;
  Result<Done> import_locked(dump::Source& source);
};

}  // namespace pmx
