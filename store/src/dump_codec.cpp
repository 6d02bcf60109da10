#include "dump_codec.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "pmx/core/json_codec.h"
#include "pmx/core/kpi.h"
#include "redis_keys.h"

namespace pmx::dump_codec {
namespace {

using nlohmann::json;

template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

Error invalid(const std::string& what) { return Error(ErrorCode::kInvalid, what); }

// The member `name` of `line` when it has the JSON type `is` checks; nullptr otherwise.
const json* member(const json& line, const char* name, bool (json::*is)() const noexcept) {
  const auto it = line.find(name);
  if (it == line.end() || !((*it).*is)()) return nullptr;
  return &*it;
}

const json* text_member(const json& line, const char* name) {
  const json* found = member(line, name, &json::is_string);
  return found && !found->get_ref<const std::string&>().empty() ? found : nullptr;
}

bool is_int64(const json& value) {
  return value.is_number_integer() &&
         (value.is_number_unsigned() ? value.get<std::uint64_t>() <= INT64_MAX : true);
}

// Every element of `array` is a non-empty string.
std::optional<std::vector<std::string>> strings_of(const json* array) {
  if (!array || !array->is_array()) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(array->size());
  for (const auto& value : *array) {
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) return std::nullopt;
    out.push_back(value.get<std::string>());
  }
  return out;
}

// An incident id as the stores make them, `<source id>-<n>`: it becomes Redis keys.
bool valid_incident_id(const std::string& id) {
  return redis_keys::parse_incident_id(id).has_value();
}

Result<dump::Record> source_of(const json& line) {
  const json* doc = member(line, "state", &json::is_object);
  auto state = doc ? source_state_from_json(*doc) : std::nullopt;
  if (!state) return invalid("\"state\" is not a stored source");
  if (!redis_keys::valid_source_id(state->key.id)) {
    return invalid("source id '" + state->key.id + "' is not 16 lowercase hex digits");
  }
  if (state->version < 1) return invalid("source " + state->key.id + " has no stored version");
  if (state->current) {
    if (state->current->source_id != state->key.id || !valid_incident_id(state->current->id)) {
      return invalid("source " + state->key.id + ": its current incident is not one of its own");
    }
    state->current->alerts.clear();  // they travel with the incident
  }
  return dump::Record(dump::StoredSource{std::move(*state)});
}

Result<dump::Record> occurrences_of(const json& line) {
  const json* source = text_member(line, "source");
  auto ids = strings_of(member(line, "ids", &json::is_array));
  if (!source || !ids) return invalid("needs \"source\" and \"ids\" (non-empty strings)");
  return dump::Record(dump::Occurrences{source->get<std::string>(), std::move(*ids)});
}

Result<dump::Record> incident_of(const json& line) {
  const json* doc = member(line, "incident", &json::is_object);
  auto incident = doc ? incident_from_json(*doc) : std::nullopt;
  if (!incident) return invalid("\"incident\" is not a stored incident");
  const auto ref = redis_keys::parse_incident_id(incident->id);
  if (!ref || ref->source_id != incident->source_id) {
    return invalid("incident id '" + incident->id + "' is not <its source id>-<number>");
  }
  incident->alerts.clear();  // they have their own records
  return dump::Record(dump::StoredIncident{std::move(*incident)});
}

Result<dump::Record> alert_records_of(const json& line) {
  const json* incident = text_member(line, "incident");
  const json* records = member(line, "records", &json::is_array);
  if (!incident || !records) return invalid("needs \"incident\" and \"records\"");
  dump::AlertRecords out{incident->get<std::string>(), {}};
  for (const auto& doc : *records) {
    auto record = alert_record_from_json(doc);
    if (!record || record->fingerprint.empty()) {
      return invalid("record " + std::to_string(out.records.size()) + " is not an alert record");
    }
    out.records.push_back(std::move(*record));
  }
  return dump::Record(std::move(out));
}

Result<dump::Record> timeline_of(const json& line) {
  const json* incident = text_member(line, "incident");
  const json* events = member(line, "events", &json::is_array);
  if (!incident || !events) return invalid("needs \"incident\" and \"events\"");
  dump::Timeline out{incident->get<std::string>(), {}};
  for (const auto& doc : *events) {
    auto event = timeline_event_from_json(doc);
    if (!event) {
      return invalid("event " + std::to_string(out.events.size()) + " is not a timeline event");
    }
    out.events.push_back(std::move(*event));
  }
  return dump::Record(std::move(out));
}

Result<dump::Record> rca_of(const json& line) {
  const json* id = text_member(line, "id");
  const json* version = member(line, "version", &json::is_number_integer);
  const json* from_file = member(line, "from_file", &json::is_boolean);
  const json* document = member(line, "document", &json::is_object);
  if (!id || !version || !from_file || !document || !is_int64(*version) ||
      version->get<std::int64_t>() < 1) {
    return invalid("needs \"id\", \"version\" (1 or more), \"from_file\" and \"document\"");
  }
  return dump::Record(dump::StoredRca{id->get<std::string>(), version->get<std::int64_t>(),
                                      from_file->get<bool>(), *document});
}

Result<dump::Record> rca_links_of(const json& line) {
  const json* incident = text_member(line, "incident");
  auto rcas = strings_of(member(line, "rcas", &json::is_array));
  if (!incident || !rcas || rcas->empty()) {
    return invalid("needs \"incident\" and \"rcas\" (non-empty strings)");
  }
  return dump::Record(dump::RcaLinks{incident->get<std::string>(), std::move(*rcas)});
}

Result<dump::Record> counters_of(const json& line) {
  const json* revision = member(line, "rca_revision", &json::is_number_integer);
  const json* open = member(line, "open_incidents", &json::is_number_unsigned);
  if (!revision || !open || !is_int64(*revision) || revision->get<std::int64_t>() < 0) {
    return invalid("needs \"rca_revision\" and \"open_incidents\" (0 or more)");
  }
  return dump::Record(dump::Counters{revision->get<std::int64_t>(), open->get<std::uint64_t>()});
}

Result<dump::Record> kpi_items_of(const json& line) {
  const json* counts = member(line, "counts", &json::is_object);
  if (!counts) return invalid("needs \"counts\"");
  dump::KpiItemCounts out;
  for (const auto& [key, value] : counts->items()) {
    if (key.empty() || !is_int64(value) || value.get<std::int64_t>() == 0) {
      return invalid("count '" + key + "' is not a non-zero integer");
    }
    out.counts[key] = value.get<std::int64_t>();
  }
  return dump::Record(std::move(out));
}

Result<dump::Record> kpi_index_of(const json& line) {
  const json* name = text_member(line, "name");
  const json* members = member(line, "members", &json::is_array);
  if (!name || !members) return invalid("needs \"name\" and \"members\"");
  const auto& names = kpi_index_names();
  if (std::find(names.begin(), names.end(), name->get<std::string>()) == names.end()) {
    return invalid("'" + name->get<std::string>() + "' is not a KPI index");
  }
  dump::KpiIndex out{name->get<std::string>(), {}};
  for (const auto& pair : *members) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !is_int64(pair[1])) {
      return invalid("member " + std::to_string(out.members.size()) + " is not [member, time]");
    }
    out.members.emplace_back(pair[0].get<std::string>(), pair[1].get<UnixNanos>());
  }
  return dump::Record(std::move(out));
}

Result<dump::Record> kpi_resolved_of(const json& line) {
  const json* entries = member(line, "entries", &json::is_array);
  if (!entries) return invalid("needs \"entries\"");
  dump::KpiResolved out;
  for (const auto& entry : *entries) {
    if (!entry.is_array() || entry.size() != 3 || !entry[0].is_string() || !is_int64(entry[1]) ||
        !is_int64(entry[2])) {
      return invalid("entry " + std::to_string(out.entries.size()) +
                     " is not [incident, resolved at, due]");
    }
    out.entries.push_back(dump::KpiResolvedEntry{
        entry[0].get<std::string>(), entry[1].get<UnixNanos>(), entry[2].get<UnixNanos>()});
  }
  return dump::Record(std::move(out));
}

Result<dump::Record> kpi_links_of(const json& line) {
  const json* counts = member(line, "counts", &json::is_array);
  if (!counts) return invalid("needs \"counts\"");
  dump::KpiLinks out;
  for (const auto& pair : *counts) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !is_int64(pair[1]) ||
        pair[1].get<std::int64_t>() <= 0) {
      return invalid("count " + std::to_string(out.counts.size()) +
                     " is not [incident, links > 0]");
    }
    out.counts.emplace_back(pair[0].get<std::string>(), pair[1].get<std::int64_t>());
  }
  return dump::Record(std::move(out));
}

}  // namespace

const std::vector<std::string>& kpi_index_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all{kpi_index::kOpened,  kpi_index::kRepeats,  kpi_index::kNeeded,
                                 kpi_index::kCovered, kpi_index::kAwaiting, kpi_index::kReviews};
    for (const auto priority : {Priority::kP0, Priority::kP1, Priority::kP2, Priority::kP3}) {
      all.push_back(kpi_index::open_items(priority));
      all.push_back(kpi_index::done_on_time(priority));
      all.push_back(kpi_index::done_late(priority));
    }
    return all;
  }();
  return names;
}

json to_json(const dump::Record& record) {
  return std::visit(
      Overloaded{
          [](const dump::Counters& r) -> json {
            return {{"type", "counters"},
                    {"rca_revision", r.rca_revision},
                    {"open_incidents", r.open_incidents}};
          },
          [](const dump::StoredSource& r) -> json {
            return {{"type", "source"}, {"state", pmx::to_json(r.state, AlertRecords::kOmit)}};
          },
          [](const dump::Occurrences& r) -> json {
            return {{"type", "occurrences"}, {"source", r.source_id}, {"ids", r.ids}};
          },
          [](const dump::StoredIncident& r) -> json {
            return {{"type", "incident"},
                    {"incident", pmx::to_json(r.incident, AlertRecords::kOmit)}};
          },
          [](const dump::AlertRecords& r) -> json {
            json records = json::array();
            for (const auto& record : r.records) records.push_back(pmx::to_json(record));
            return {{"type", "alert_records"}, {"incident", r.incident_id}, {"records", records}};
          },
          [](const dump::Timeline& r) -> json {
            json events = json::array();
            for (const auto& event : r.events) events.push_back(pmx::to_json(event));
            return {{"type", "timeline"}, {"incident", r.incident_id}, {"events", events}};
          },
          [](const dump::StoredRca& r) -> json {
            return {{"type", "rca"},
                    {"id", r.id},
                    {"version", r.version},
                    {"from_file", r.from_file},
                    {"document", r.document}};
          },
          [](const dump::RcaLinks& r) -> json {
            return {{"type", "rca_links"}, {"incident", r.incident_id}, {"rcas", r.rca_ids}};
          },
          [](const dump::KpiItemCounts& r) -> json {
            return {{"type", "kpi_items"}, {"counts", r.counts}};
          },
          [](const dump::KpiIndex& r) -> json {
            json members = json::array();
            for (const auto& [member, at] : r.members) members.push_back({member, at});
            return {{"type", "kpi_index"}, {"name", r.name}, {"members", members}};
          },
          [](const dump::KpiResolved& r) -> json {
            json entries = json::array();
            for (const auto& e : r.entries) entries.push_back({e.incident_id, e.at, e.due});
            return {{"type", "kpi_resolved"}, {"entries", entries}};
          },
          [](const dump::KpiLinks& r) -> json {
            json counts = json::array();
            for (const auto& [incident, links] : r.counts) counts.push_back({incident, links});
            return {{"type", "kpi_links"}, {"counts", counts}};
          },
      },
      record);
}

Result<dump::Record> from_json(const json& line) {
  if (!line.is_object()) return invalid("not a JSON object");
  const json* type = member(line, "type", &json::is_string);
  if (!type) return invalid("no \"type\"");
  using Decoder = Result<dump::Record> (*)(const json&);
  static const std::map<std::string, Decoder> decoders{{"counters", counters_of},
                                                       {"source", source_of},
                                                       {"occurrences", occurrences_of},
                                                       {"incident", incident_of},
                                                       {"alert_records", alert_records_of},
                                                       {"timeline", timeline_of},
                                                       {"rca", rca_of},
                                                       {"rca_links", rca_links_of},
                                                       {"kpi_items", kpi_items_of},
                                                       {"kpi_index", kpi_index_of},
                                                       {"kpi_resolved", kpi_resolved_of},
                                                       {"kpi_links", kpi_links_of}};
  const auto decoder = decoders.find(type->get<std::string>());
  if (decoder == decoders.end()) {
    return invalid("unknown record type \"" + type->get<std::string>() + "\"");
  }
  auto record = decoder->second(line);
  if (!record)
    return Error(ErrorCode::kInvalid, type->get<std::string>() + ": " + record.error().message());
  return record;
}

int section_of(const dump::Record& record) {
  // The variant's alternatives are declared in dump order; the members of one section share it.
  static constexpr int kSections[] = {
      0,  // Counters
      1,  // Source
      1,  // Occurrences
      2,  // StoredIncident
      2,  // AlertRecords
      2,  // Timeline
      3,  // StoredRca
      4,  // RcaLinks
      5,  // KpiItemCounts
      6,  // KpiIndex
      7,  // KpiResolved
      8,  // KpiLinks
  };
  static_assert(std::size(kSections) == std::variant_size_v<dump::Record>);
  return kSections[record.index()];
}

}  // namespace pmx::dump_codec
