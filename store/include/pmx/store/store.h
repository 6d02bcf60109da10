#pragma once
/// The store seam: everything the daemon keeps goes through this interface. Two
/// implementations pass one conformance suite: MemoryStore (embedded, not persisted) and
/// RedisStore (production; several daemons may share one Redis).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pmx/core/incident.h"
#include "pmx/core/ingest_rules.h"
#include "pmx/core/kpi.h"
#include "pmx/core/rca.h"
#include "pmx/store/result.h"

namespace pmx {

/// A source to load, with the occurrence ids of the batch to check against what is recorded
/// and the fingerprints whose records of the current incident the ingest rules need.
struct SourceLoad {
  SourceKey key;
  std::vector<std::string> occurrence_ids;
  std::vector<std::string> fingerprints;
};

/// A source as stored. A source never seen has version 0 and its key filled in. Its current
/// incident holds the alert records of the asked fingerprints only (those it has).
struct LoadedSource {
  SourceState state;
  std::set<std::string> known_occurrences;  ///< the subset of the asked ids already recorded
};

/// What load() read: the sources, and the revision of the RCA set (bumped on every RCA write)
/// so the Ingestor can tell whether its copy of the RCAs is current without another round trip.
struct LoadResult {
  std::vector<LoadedSource> sources;
  std::int64_t rca_revision = 0;
};

/// What put_rca() did.
struct RcaWrite {
  bool created = false;
  std::int64_t version = 0;  ///< the RCA's new version
  /// When each resolved incident that this write gave its first published RCA had resolved:
  /// the start of its time to post-mortem.
  std::vector<UnixNanos> covered_resolved_at;
};

/// One source's update, to be applied only if the source is still at `expected_version`.
struct SourceCommit {
  std::int64_t expected_version = 0;
  SourceUpdate update;
};

struct IncidentFilter {
  std::optional<std::string> source_id;
  std::optional<IncidentState> state;
  std::size_t limit = 100;
};

struct IncidentDetail {
  Incident incident;
  std::vector<TimelineEvent> timeline;
};

/// Occurrences of one source, for the top-sources gauge.
struct SourceCount {
  std::string source;  ///< canonical key
  std::uint64_t occurrences = 0;
};

/// What a scrape reads: every state gauge, in one round trip.
struct KpiSnapshot {
  std::uint64_t open_incidents = 0;
  std::vector<SourceCount> top_sources;  ///< most occurrences first, ties by key
  std::map<std::string, std::int64_t> action_items;  ///< by item_count_key(); absent = 0
  std::vector<std::int64_t> range_counts;           ///< one per KpiRange asked, in order
};

class Store {
 public:
  virtual ~Store() = default;

  /// Loads the given sources, which of their occurrence ids are already recorded, and the RCA
  /// revision. One round trip to the backend whatever the number of sources.
  virtual StoreResult<LoadResult> load(const std::vector<SourceLoad>& sources) = 0;

  /// Applies each commit (with its KPI ops) atomically. The alert records in the update's
  /// incidents are written over the stored ones of the same fingerprints; the other records
  /// of those incidents stay as they are. if its source is still at the expected
  /// version (the new version is expected_version + 1). result[i] is false when commit i lost a race and must be
  /// reloaded. One round trip whatever the number of commits. On error nothing of an individual
  /// source is half-written (sources are independent: some may be written, and a retry of the
  /// webhook then finds their occurrences known).
  virtual StoreResult<std::vector<bool>> commit(const std::vector<SourceCommit>& commits) = 0;

  /// Incidents, newest first (by opened_at).
  virtual StoreResult<std::vector<Incident>> list_incidents(const IncidentFilter& filter) = 0;
  virtual StoreResult<std::optional<IncidentDetail>> get_incident(const std::string& id) = 0;

  /// Sources, most recently seen first.
  virtual StoreResult<std::vector<SourceState>> list_sources(std::size_t limit) = 0;
  virtual StoreResult<std::optional<SourceState>> get_source(const std::string& source_id) = 0;

  /// Aggregates kept up to date on commit, for /metrics: no scan of history.
  virtual StoreResult<std::uint64_t> count_open_incidents() = 0;
  virtual StoreResult<std::vector<SourceCount>> top_sources(std::size_t limit) = 0;
  /// The KPI aggregates (see pmx/core/kpi.h), the open incidents and the top `top_sources`
  /// sources, for one scrape. The cost does not grow with history: counts of sorted ranges.
  virtual StoreResult<KpiSnapshot> read_kpis(const std::vector<KpiRange>& ranges,
                                             std::size_t top_sources) = 0;

  /// Creates or replaces an RCA, if the stored one is still at `expected_version` (0: must not
  /// exist yet); else kConflict. Atomically with it: the incident→RCA links follow
  /// rca.incidents (get_incident() lists them in Incident::rcas), the RCA revision is bumped,
  /// `timeline` entries are appended to the incidents they name (RCA linked, action item
  /// changed), and the KPI aggregates follow (rca_kpi_ops of the stored RCA and this one).
  /// rca.version and rca.from_file are stored as given, except that the version
  /// becomes expected_version + 1.
  virtual StoreResult<RcaWrite> put_rca(
      const Rca& rca, std::int64_t expected_version,
      const std::map<std::string, std::vector<TimelineEvent>>& timeline) = 0;
  virtual StoreResult<std::optional<Rca>> get_rca(const std::string& id) = 0;
  /// Every RCA, by id. RCAs are few (one per post-mortem), so no paging.
  virtual StoreResult<std::vector<Rca>> list_rcas() = 0;
  /// Deletes an RCA, its incident links and its part of the KPI aggregates; false when there
  /// was none.
  virtual StoreResult<bool> delete_rca(const std::string& id) = 0;

  /// True when the backend answers; drives /-/ready and postmortem_store_up.
  virtual bool healthy() = 0;
};

}  // namespace pmx
