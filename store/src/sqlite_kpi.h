#pragma once
// SqliteStore's KPI aggregates: KpiOps carried out in SQL with the meaning KpiLedger
// (kpi_ledger.cpp) and redis_kpi.lua give them; the conformance suite holds the three to it.
// Tables kpi_index, kpi_item_counts, kpi_resolved and kpi_links (schema/sqlite.md).
#include <vector>

#include "pmx/core/kpi.h"
#include "sqlite_db.h"

namespace pmx::sqlite_kpi {

/// Carries out `ops` in order, inside the caller's write transaction; returns the resolution
/// times of the incidents that got their first published RCA (RcaWrite::covered_resolved_at).
std::vector<UnixNanos> apply(sqlite_db::Db& db, const std::vector<KpiOp>& ops);

/// Members of the range's index with from <= time < to. A range scan of the covering index
/// (name, at): no document is read, but unlike a Redis ZCOUNT the cost grows with the members
/// inside the range (a few ms per 100,000).
std::int64_t count(sqlite_db::Db& db, const KpiRange& range);

}  // namespace pmx::sqlite_kpi

/// Table `counters`: named integers, 0 when absent.
namespace pmx::sqlite_counters {
inline constexpr const char* kRcaRevision = "rca_revision";      ///< LoadResult::rca_revision
inline constexpr const char* kOpenIncidents = "open_incidents";  ///< KpiSnapshot::open_incidents
std::int64_t read(sqlite_db::Db& db, const char* name);
void add(sqlite_db::Db& db, const char* name, std::int64_t delta);
}  // namespace pmx::sqlite_counters
