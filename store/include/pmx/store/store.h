#pragma once
/// The store seam: everything the daemon keeps goes through this interface. Three
/// implementations pass one conformance suite: MemoryStore (embedded, not persisted),
/// SqliteStore (embedded, one durable database file) and RedisStore (production; several
/// daemons may share one Redis).
///
/// Thread-safety: every member may be called from any number of threads at once; a store
/// serialises what must be serialised itself (MemoryStore and SqliteStore with a mutex,
/// RedisStore with one connection per caller and atomic scripts).
///
/// Round trips: each member costs one round trip to the backend, whatever the number of
/// sources, commits or ranges it is given (pipelined), except where its comment says
/// otherwise. The ingest of a webhook is load() + commit(): two round trips.
///
/// Errors: ErrorCode::kUnavailable (the backend did not answer; retry), kCorrupt (a stored
/// document has the wrong shape; the detail names its key) and, for the compare-and-set
/// writes, kConflict.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pmx/core/error.h"
#include "pmx/core/incident.h"
#include "pmx/core/ingest_rules.h"
#include "pmx/core/kpi.h"
#include "pmx/core/rca.h"

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

/// Where a listing stopped: the last incident of a page, by the listing's order (opened_at
/// descending, then id descending). The next page starts after it.
struct IncidentPosition {
  UnixNanos opened_at = 0;
  std::string id;
};

struct IncidentFilter {
  std::optional<std::string> source_id;
  std::optional<IncidentState> state;
  std::optional<UnixNanos> opened_from;   ///< opened at or after
  std::optional<UnixNanos> opened_to;     ///< opened before
  std::optional<IncidentPosition> after;  ///< only those listed after this one
  std::size_t limit = 100;
};

/// Where a listing of sources stopped: the last source of a page, by the listing's order
/// (last_seen descending, then canonical key ascending).
struct SourcePosition {
  UnixNanos last_seen = 0;
  std::string canonical;
};

struct SourceFilter {
  /// Implicit: list_sources(10) lists the 10 most recently seen.
  SourceFilter(std::size_t limit = 100) : limit(limit) {}  // NOLINT(google-explicit-constructor)
  std::size_t limit;
  std::optional<UnixNanos> seen_from;   ///< last seen at or after
  std::optional<UnixNanos> seen_to;     ///< last seen before
  std::optional<SourcePosition> after;  ///< only those listed after this one
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

/// A member of a KPI index (kpi_index) with its time.
struct IndexMember {
  std::string member;
  UnixNanos at = 0;
  bool operator==(const IndexMember& other) const {
    return member == other.member && at == other.at;
  }
};

/// What a scrape reads: every state gauge, in one round trip.
struct KpiSnapshot {
  std::uint64_t open_incidents = 0;
  std::vector<SourceCount> top_sources;  ///< most occurrences first, ties by key
  std::map<std::string, std::int64_t> action_items;  ///< by item_count_key(); absent = 0
  KpiCounts range_counts;  ///< the count of each KpiRange asked, by its name
};

class Store {
 public:
  virtual ~Store() = default;

  /// Loads the given sources, which of their occurrence ids are already recorded, and the RCA
  /// revision. One round trip to the backend whatever the number of sources.
  virtual Result<LoadResult> load(const std::vector<SourceLoad>& sources) = 0;

  /// Applies each commit, with its KPI ops, atomically and only if its source is still at the
  /// commit's expected_version (the new version is expected_version + 1); result[i] is false
  /// when commit i lost that race and must be reloaded. The alert records in the update's
  /// incidents are written over the stored ones of the same fingerprints; the other records
  /// of those incidents stay as they are. One round trip whatever the number of commits. On
  /// error nothing of an individual source is half-written (sources are independent: some may
  /// be written, and a retry of the webhook then finds their occurrences known).
  virtual Result<std::vector<bool>> commit(const std::vector<SourceCommit>& commits) = 0;

  /// Every read of an incident (listed, fetched, or a source's current one) carries its RCA
  /// links in Incident::rcas, sorted by id.
  ///
  /// Incidents, newest first (by opened_at, then id descending), as filtered. Two round trips in
  /// RedisStore (the index, then the incidents), more when a filter skips many (pages of the
  /// index).
  virtual Result<std::vector<Incident>> list_incidents(const IncidentFilter& filter) = 0;
  /// An incident with its timeline; nullopt when there is none.
  virtual Result<std::optional<IncidentDetail>> get_incident(const std::string& id) = 0;
  /// The incidents with these ids (as list_incidents reads them: alerts and links, no
  /// timeline), in the order asked; an id that names none is left out.
  virtual Result<std::vector<Incident>> get_incidents(const std::vector<std::string>& ids) = 0;

  /// Sources, most recently seen first (ties by canonical key), as filtered. Three round trips
  /// in RedisStore (the index, the sources, their current incidents' links).
  virtual Result<std::vector<SourceState>> list_sources(const SourceFilter& filter) = 0;
  /// A source by its id (SourceKey::id); nullopt when it was never seen. Two round trips in
  /// RedisStore when it has a current incident (its links).
  virtual Result<std::optional<SourceState>> get_source(const std::string& source_id) = 0;

  /// The KPI aggregates (see pmx/core/kpi.h), kept up to date on commit, the open incidents
  /// and the top `top_sources` sources, for one scrape. The cost does not grow with history:
  /// counts of sorted ranges, no scan.
  virtual Result<KpiSnapshot> read_kpis(const std::vector<KpiRange>& ranges,
                                        std::size_t top_sources) = 0;
  /// The members of `range.index` with range.from <= time < range.to, by time then member, at
  /// most `limit`: what is behind a count, oldest first (the overdue reminders). O(log n +
  /// limit), no scan.
  virtual Result<std::vector<IndexMember>> index_members(const KpiRange& range,
                                                         std::size_t limit) = 0;

  /// Creates or replaces an RCA, if the stored one is still at `expected_version` (0: must not
  /// exist yet); else kConflict. Atomically with it: the incident→RCA links follow
  /// rca.incidents (get_incident() lists them in Incident::rcas), the RCA revision is bumped,
  /// `timeline` entries are appended to the incidents they name (RCA linked, action item
  /// changed), and the KPI aggregates follow (rca_kpi_ops of the stored RCA and this one).
  /// rca.from_file is stored as given; rca.version is not read: the stored version is
  /// expected_version + 1 (RcaWrite::version).
  virtual Result<RcaWrite> put_rca(
      const Rca& rca, std::int64_t expected_version,
      const std::map<std::string, std::vector<TimelineEvent>>& timeline) = 0;
  /// An RCA as stored, with its version; nullopt when there is none.
  virtual Result<std::optional<Rca>> get_rca(const std::string& id) = 0;
  /// Every RCA, by id. RCAs are few (one per post-mortem), so no paging.
  virtual Result<std::vector<Rca>> list_rcas() = 0;
  /// Deletes an RCA, its incident links and its part of the KPI aggregates; false when there
  /// was none.
  virtual Result<bool> delete_rca(const std::string& id) = 0;

  /// True when the backend answers; drives /-/ready. Never fails: false is the answer.
  virtual bool healthy() = 0;
};

}  // namespace pmx
