// The dump file: JSON lines around the StoreTransfer record stream (schema/dump.md).
#include "pmx/store/dump_file.h"

#include <fstream>
#include <variant>

#include "dump_codec.h"

namespace pmx {
namespace {

using nlohmann::json;

std::string dumped(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Writes each record as one line as soon as the store hands it over.
class DumpWriter final : public dump::Sink {
 public:
  explicit DumpWriter(std::ostream& out) : out_(out) {}

  Result<Done> write(const dump::Record& record) override {
    out_ << dumped(dump_codec::to_json(record)) << '\n';
    if (!out_) return Error(ErrorCode::kUnavailable, "cannot write the dump (disk full?)");
    ++summary_.records;
    if (std::holds_alternative<dump::StoredSource>(record)) ++summary_.sources;
    if (std::holds_alternative<dump::StoredIncident>(record)) ++summary_.incidents;
    if (std::holds_alternative<dump::StoredRca>(record)) ++summary_.rcas;
    return Done{};
  }
  const DumpSummary& summary() const { return summary_; }

 private:
  std::ostream& out_;
  DumpSummary summary_;
};

// Reads a dump line by line and checks each line and the order of the records; every error
// names the file and the line. Holds one line (and one record) at a time.
class DumpReader final : public dump::Source {
 public:
  DumpReader(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}

  Result<std::optional<dump::Record>> next() override {
    if (ended_) return std::optional<dump::Record>();
    if (line_number_ == 0) {
      auto header = read_header();
      if (!header) return header.error();
    }
    auto line = read_line();
    if (!line) return line.error();
    if (!*line) return problem("the dump ends without its \"end\" line (truncated?)");
    const json doc = json::parse(**line, nullptr, false);
    if (doc.is_discarded()) return problem("not JSON");
    if (doc.is_object() && doc.value("type", "") == "end") return end(doc);
    auto record = dump_codec::from_json(doc);
    if (!record) return problem(record.error().message());
    auto placed = check_place(*record);
    if (!placed) return placed.error();
    ++summary_.records;
    return std::optional<dump::Record>(std::move(*record));
  }

  const DumpSummary& summary() const { return summary_; }

 private:
  Error problem(const std::string& what) const {
    return Error(ErrorCode::kInvalid,
                 name_ + " line " + std::to_string(line_number_) + ": " + what);
  }

  // The next line without its newline; nullopt at the end of the file.
  Result<std::optional<std::string>> read_line() {
    std::streambuf* buffer = in_.rdbuf();
    std::string line;
    ++line_number_;
    for (;;) {
      const int c = buffer->sbumpc();
      if (c == std::char_traits<char>::eof()) {
        if (line.empty()) return std::optional<std::string>();
        return problem("the last line has no newline (truncated?)");
      }
      if (c == '\n') return std::optional<std::string>(std::move(line));
      if (line.size() == kMaxDumpLineBytes) {
        return problem("longer than " + std::to_string(kMaxDumpLineBytes) + " bytes");
      }
      line.push_back(static_cast<char>(c));
    }
  }

  Result<Done> read_header() {
    auto line = read_line();
    if (!line) return line.error();
    if (!*line) return problem("the file is empty: not a postmortem-exporter dump");
    const json doc = json::parse(**line, nullptr, false);
    if (!doc.is_object() || doc.value("format", "") != kDumpFormat) {
      return problem(std::string("not a postmortem-exporter dump (the first line must be a ") +
                     "header with \"format\": \"" + kDumpFormat + "\")");
    }
    const auto version = doc.find("version");
    if (version == doc.end() || !version->is_number_integer() ||
        version->get<std::int64_t>() != kDumpVersion) {
      return problem("dump version " + (version == doc.end() ? "missing" : version->dump()) +
                     "; this daemon reads version " + std::to_string(kDumpVersion));
    }
    return Done{};
  }

  // The order rules of schema/dump.md, which importers rely on.
  Result<Done> check_place(const dump::Record& record) {
    const int section = dump_codec::section_of(record);
    if (section < section_) return problem("record out of order (see schema/dump.md)");
    if (summary_.records == 0 && !std::holds_alternative<dump::Counters>(record)) {
      return problem("the first record must be \"counters\"");
    }
    if (summary_.records > 0 && std::holds_alternative<dump::Counters>(record)) {
      return problem("a second \"counters\" record");
    }
    section_ = section;
    if (const auto* counters = std::get_if<dump::Counters>(&record)) {
      open_incidents_expected_ = counters->open_incidents;
    } else if (const auto* source = std::get_if<dump::StoredSource>(&record)) {
      source_id_ = source->state.key.id;
      ++summary_.sources;
    } else if (const auto* occurrences = std::get_if<dump::Occurrences>(&record)) {
      if (occurrences->source_id != source_id_) {
        return problem("occurrences of source " + occurrences->source_id +
                       " do not follow its source record");
      }
    } else if (const auto* stored = std::get_if<dump::StoredIncident>(&record)) {
      incident_id_ = stored->incident.id;
      ++summary_.incidents;
      if (stored->incident.state == IncidentState::kOpen) ++open_incidents_found_;
    } else if (const auto* records = std::get_if<dump::AlertRecords>(&record)) {
      if (records->incident_id != incident_id_) {
        return problem("alert records of " + records->incident_id + " do not follow its incident");
      }
    } else if (const auto* timeline = std::get_if<dump::Timeline>(&record)) {
      if (timeline->incident_id != incident_id_) {
        return problem("timeline of " + timeline->incident_id + " does not follow its incident");
      }
    } else if (std::holds_alternative<dump::StoredRca>(record)) {
      ++summary_.rcas;
    }
    return Done{};
  }

  Result<std::optional<dump::Record>> end(const json& doc) {
    const auto records = doc.find("records");
    if (records == doc.end() || !records->is_number_unsigned() ||
        records->get<std::uint64_t>() != summary_.records) {
      return problem("the end line counts " + (records == doc.end() ? "nothing" : records->dump()) +
                     " records, the dump has " + std::to_string(summary_.records));
    }
    if (summary_.records == 0) return problem("no \"counters\" record");
    if (open_incidents_found_ != open_incidents_expected_) {
      return problem("\"counters\" says " + std::to_string(open_incidents_expected_) +
                     " open incidents, the dump holds " + std::to_string(open_incidents_found_));
    }
    auto after = read_line();
    if (!after) return after.error();
    if (*after) return problem("a line after the end line");
    ended_ = true;
    return std::optional<dump::Record>();
  }

  std::istream& in_;
  std::string name_;
  std::uint64_t line_number_ = 0;
  DumpSummary summary_;
  int section_ = 0;
  std::string source_id_;    // of the last source record
  std::string incident_id_;  // of the last incident record
  std::uint64_t open_incidents_expected_ = 0;
  std::uint64_t open_incidents_found_ = 0;
  bool ended_ = false;
};

}  // namespace

Result<DumpSummary> export_dump(StoreTransfer& from, std::ostream& out, const DumpHeader& header) {
  json head{{"format", kDumpFormat}, {"version", kDumpVersion}, {"store", header.store}};
  if (header.exported_at != 0) head["exported_at"] = format_rfc3339(header.exported_at);
  out << dumped(head) << '\n';
  DumpWriter writer(out);
  auto exported = from.export_to(writer);
  if (!exported) return exported.error();
  out << dumped(json{{"type", "end"}, {"records", writer.summary().records}}) << '\n';
  out.flush();
  if (!out) return Error(ErrorCode::kUnavailable, "cannot write the dump (disk full?)");
  return writer.summary();
}

Result<DumpSummary> check_dump(std::istream& in, const std::string& name) {
  DumpReader reader(in, name);
  for (;;) {
    auto record = reader.next();
    if (!record) return record.error();
    if (!*record) return reader.summary();
  }
}

Result<DumpSummary> import_dump(const std::string& path, StoreTransfer& into) {
  const auto open = [&path](std::ifstream& in) -> Result<Done> {
    in.open(path, std::ios::binary);
    if (!in) return Error(ErrorCode::kInvalid, "cannot open the dump " + path);
    return Done{};
  };
  std::ifstream first;
  if (auto opened = open(first); !opened) return opened.error();
  auto checked = check_dump(first, path);
  if (!checked) return checked;
  std::ifstream second;
  if (auto opened = open(second); !opened) return opened.error();
  DumpReader reader(second, path);
  auto imported = into.import_from(reader);
  if (!imported) return imported.error();
  return reader.summary();
}

}  // namespace pmx
