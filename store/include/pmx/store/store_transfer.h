#pragma once
/// Moving everything a store holds into another store (of any kind): the store writes itself as
/// a stream of neutral records (export_to), and an empty store reads such a stream back
/// (import_from). The records are what the Store interface means, not how a backend keeps it,
/// so SqliteStore -> RedisStore, RedisStore -> SqliteStore and MemoryStore (tests) all use one
/// stream. pmx/store/dump_file.h turns the stream into JSON lines (schema/dump.md).
///
/// "Everything" is what makes every read, every KPI and the ingest after the move equal to
/// before: sources with their compare-and-set versions, every occurrence id ever recorded (the
/// dedupe set: a re-sent alert must not count again after the move), incidents with all their
/// alert records and timelines, RCAs as stored (version, from_file, the document as given),
/// incident->RCA links, the RCA revision and open incident count, and the raw KPI aggregates
/// (pmx/core/kpi.h: indices, action item counts, resolved incidents needing a post-mortem,
/// published-link counts).
///
/// Neither side is atomic with respect to a running daemon: export and import are meant for a
/// stopped daemon (SqliteStore cannot be opened beside a running one anyway).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pmx/core/error.h"
#include "pmx/core/incident.h"

namespace pmx {
namespace dump {

/// The RCA revision (LoadResult::rca_revision) and the open incident count
/// (KpiSnapshot::open_incidents). Exactly one, before everything else.
struct Counters {
  std::int64_t rca_revision = 0;
  std::uint64_t open_incidents = 0;
};

/// A source as stored: its compare-and-set `version`, and its current incident without alert
/// records (those come with the incident). Followed by the Occurrences records of the source.
struct StoredSource {
  SourceState state;
};

/// Occurrence ids `<fingerprint>@<startsAt ns>` recorded for the source of the StoredSource record
/// just before (a source with many occurrences has several of these).
struct Occurrences {
  std::string source_id;
  std::vector<std::string> ids;
};

/// An incident as stored: without alert records, `rcas` as in its document (the links are
/// their own records). Followed by its AlertRecords and Timeline records.
struct StoredIncident {
  Incident incident;
};

/// Alert records of the incident of the StoredIncident record just before.
struct AlertRecords {
  std::string incident_id;
  std::vector<AlertRecord> records;
};

/// Timeline entries of the incident just before, oldest first; several records append.
struct Timeline {
  std::string incident_id;
  std::vector<TimelineEvent> events;
};

/// An RCA as stored: the document exactly as given (it is not re-validated, so a document an
/// older daemon accepted moves too), its version and whether it came from --rca.dir.
struct StoredRca {
  std::string id;
  std::int64_t version = 0;
  bool from_file = false;
  nlohmann::json document;
};

/// The RCAs linked to an incident (Incident::rcas as reads show it). The incident may not exist.
struct RcaLinks {
  std::string incident_id;
  std::vector<std::string> rca_ids;
};

/// Action item counts by item_count_key() ("open|P0|prevent"); no zero counts.
struct KpiItemCounts {
  std::map<std::string, std::int64_t> counts;
};

/// Members of one KPI index (kpi_index names in pmx/core/kpi.h) with their times.
struct KpiIndex {
  std::string name;
  std::vector<std::pair<std::string, UnixNanos>> members;
};

/// Resolved incidents that need a post-mortem: when they resolved and when it is due.
struct KpiResolvedEntry {
  std::string incident_id;
  UnixNanos at = 0;
  UnixNanos due = 0;
};
struct KpiResolved {
  std::vector<KpiResolvedEntry> entries;
};

/// How many published (or waived) RCAs name each incident; no zero counts.
struct KpiLinks {
  std::vector<std::pair<std::string, std::int64_t>> counts;
};

using Record =
    std::variant<Counters, StoredSource, Occurrences, StoredIncident, AlertRecords, Timeline,
                 StoredRca, RcaLinks, KpiItemCounts, KpiIndex, KpiResolved, KpiLinks>;

/// Records of one kind are sent in chunks of at most this many entries, so that no line of a
/// dump (and no batch of an import) grows with history.
inline constexpr std::size_t kChunk = 500;

/// Where an export writes. An error stops the export and is its result.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual Result<Done> write(const Record& record) = 0;
};

/// What an import reads: the records in the order an export writes them (schema/dump.md),
/// nullopt after the last.
class Source {
 public:
  virtual ~Source() = default;
  virtual Result<std::optional<Record>> next() = 0;
};

}  // namespace dump

/// A store that can write all it holds as records and fill itself, while empty, from them.
/// Not meant to run beside daemons writing to the same store (nothing is locked against them).
class StoreTransfer {
 public:
  virtual ~StoreTransfer() = default;

  /// Writes every record, in the order of schema/dump.md. A store that holds nothing writes
  /// just the Counters record.
  virtual Result<Done> export_to(dump::Sink& sink) = 0;

  /// True when the store holds nothing at all (no source, incident, RCA, link or aggregate).
  virtual Result<bool> empty() = 0;

  /// Fills an empty store from `source`; kConflict (naming what it found) and nothing written
  /// when the store is not empty: an import never merges. Batched: RedisStore pipelines many
  /// records per round trip, SqliteStore writes one transaction. An error part-way leaves
  /// SqliteStore and MemoryStore as they were and RedisStore part-filled (empty it before
  /// trying again: the next import refuses it).
  virtual Result<Done> import_from(dump::Source& source) = 0;
};

}  // namespace pmx
