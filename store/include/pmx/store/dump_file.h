#pragma once
/// The dump file: a StoreTransfer record stream as JSON lines (schema/dump.md). A header line
/// {"format":"postmortem-exporter-dump","version":1,...}, one record per line with a "type",
/// and an "end" line with the number of records, so a truncated file is told from a whole one.
///
/// Streamed both ways: an export writes each record as the store produces it, an import reads
/// one line at a time (the file is read twice: once to check every line, then to import, so a
/// bad line is found before the target store is touched).
#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

#include "pmx/core/error.h"
#include "pmx/core/time.h"
#include "pmx/store/store_transfer.h"

namespace pmx {

inline constexpr const char* kDumpFormat = "postmortem-exporter-dump";
inline constexpr int kDumpVersion = 1;
/// The longest line an import accepts. Records are chunked (dump::kChunk), so a line is far
/// shorter unless one alert or RCA document is huge; the bound keeps a corrupt file (no
/// newline for gigabytes) from being read into memory.
inline constexpr std::size_t kMaxDumpLineBytes = 64u << 20;

/// Said in the header, for people reading the file; an import does not depend on it.
struct DumpHeader {
  std::string store;          ///< "sqlite", "redis", "memory"
  UnixNanos exported_at = 0;  ///< 0: left out
};

/// What a dump held.
struct DumpSummary {
  std::uint64_t records = 0;  ///< lines between the header and the end line
  std::uint64_t sources = 0;
  std::uint64_t incidents = 0;
  std::uint64_t rcas = 0;
};

/// Writes every record of `from` to `out` as a dump. kUnavailable when `out` fails (disk full).
Result<DumpSummary> export_dump(StoreTransfer& from, std::ostream& out, const DumpHeader& header);

/// Checks a whole dump: the header, every line (a JSON object of a known type with the fields
/// of that type, in the documented order, at most kMaxDumpLineBytes long) and the end line.
/// kInvalid naming `name` and the line number of the first problem.
Result<DumpSummary> check_dump(std::istream& in, const std::string& name);

/// Imports the dump file at `path` into `into`: check_dump() first, so a bad or truncated file
/// is refused before anything is written; then StoreTransfer::import_from (which refuses a
/// store that is not empty).
Result<DumpSummary> import_dump(const std::string& path, StoreTransfer& into);

}  // namespace pmx
