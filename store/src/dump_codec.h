#pragma once
// The JSON form of each dump record (schema/dump.md), and the rules every record must keep
// whatever store it goes to: ids that can become Redis keys, known KPI index names, no zero
// counts. Private to store/: dump_file.cpp is its only user.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pmx/core/error.h"
#include "pmx/store/store_transfer.h"

namespace pmx::dump_codec {

nlohmann::json to_json(const dump::Record& record);

/// The record of one line; kInvalid saying what is wrong (the caller adds the line number).
Result<dump::Record> from_json(const nlohmann::json& line);

/// Where a record may stand in a dump: sections in this order, never back (schema/dump.md).
/// Occurrences share their source's section, alert records and timelines their incident's.
int section_of(const dump::Record& record);

/// Every KPI index name core writes (pmx/core/kpi.h), the names a dump may hold.
const std::vector<std::string>& kpi_index_names();

}  // namespace pmx::dump_codec
