// RedisStore's import: dump records become the keys of schema/redis.md, written with plain
// commands in pipelines of many records (not the Lua scripts: there is nothing to compare and
// set in an empty Redis, and one EVALSHA per record would be one round trip each).
#include <unordered_map>
#include <variant>

#include "dump_codec.h"
#include "pmx/core/json_codec.h"
#include "pmx/core/json_text.h"
#include "pmx/store/redis_store.h"
#include "redis_alert_records.h"
#include "redis_keys.h"
#include "redis_kpi_ops.h"
#include "redis_transfer.h"
#include "transfer_chunks.h"

namespace pmx {
namespace {

namespace keys = redis_keys;
namespace replies = redis_replies;

// Commands queued and sent in one round trip once enough are held: a large dump costs about
// one round trip per thousand keys written.
class Pipeline {
 public:
  explicit Pipeline(RedisClient& pool) : pool_(pool) {}

  Result<Done> add(RedisCommand command) {
    for (const auto& argument : command) bytes_ += argument.size();
    commands_.push_back(std::move(command));
    if (commands_.size() < kMaxCommands && bytes_ < kMaxBytes) return Done{};
    return flush();
  }

  Result<Done> flush() {
    if (commands_.empty()) return Done{};
    std::vector<RedisCommand> commands;
    commands.swap(commands_);
    bytes_ = 0;
    const auto answers = pool_.run(commands);
    if (!answers) return redis_transfer::unreachable(pool_);
    for (std::size_t i = 0; i < commands.size(); ++i) {
      if ((*answers)[i]->type == REDIS_REPLY_ERROR) {
        return replies::error_for((*answers)[i].get(), commands[i][1]);
      }
    }
    return Done{};
  }

 private:
  static constexpr std::size_t kMaxCommands = 1000;
  static constexpr std::size_t kMaxBytes = 8u << 20;
  RedisClient& pool_;
  std::vector<RedisCommand> commands_;
  std::size_t bytes_ = 0;
};

// A state as the commit script stores it: the source's JSON with its version, its current
// incident without alert records.
std::string state_text(const SourceState& state) {
  return replies::dump(to_json(state, AlertRecords::kOmit));
}

std::string negated(std::uint64_t value) { return "-" + std::to_string(value); }

// Writes the records of one dump; remembers each source's current incident, whose alert
// records also go to the source's hash (what load() reads for a batch).
class Importer {
 public:
  explicit Importer(RedisClient& pool) : pipeline_(pool) {}

  Result<Done> write(const dump::Record& record) {
    return std::visit([this](const auto& r) { return put(r); }, record);
  }
  Result<Done> finish() { return pipeline_.flush(); }

 private:
  Result<Done> put(const dump::Counters& counters) {
    // The open incident count is the size of {pm}:v2:incidents:open, filled from the incidents
    // (check_dump made sure the two agree).
    if (counters.rca_revision == 0) return Done{};
    return pipeline_.add({"SET", keys::kRcaRevision, std::to_string(counters.rca_revision)});
  }

  Result<Done> put(const dump::StoredSource& source) {
    const SourceState& state = source.state;
    const std::string& id = state.key.id;
    if (state.current) current_incident_[id] = state.current->id;
    for (RedisCommand command : {
             RedisCommand{"SET", keys::state(id), state_text(state)},
             RedisCommand{"SET", keys::version(id), std::to_string(state.version)},
             RedisCommand{"ZADD", keys::kSourcesBySeen, std::to_string(-state.last_seen),
                          state.key.canonical},
             RedisCommand{"ZADD", keys::kSourcesByOccurrences, negated(state.occurrences),
                          state.key.canonical},
         }) {
      if (auto added = pipeline_.add(std::move(command)); !added) return added;
    }
    return Done{};
  }

  Result<Done> put(const dump::Occurrences& occurrences) {
    if (occurrences.ids.empty()) return Done{};
    RedisCommand command{"SADD", keys::occurrences(occurrences.source_id)};
    command.insert(command.end(), occurrences.ids.begin(), occurrences.ids.end());
    return pipeline_.add(std::move(command));
  }

  Result<Done> put(const dump::StoredIncident& stored) {
    const Incident& incident = stored.incident;
    const auto ref = keys::parse_incident_id(incident.id);  // checked by the dump's reader
    if (!ref) return Error(ErrorCode::kInvalid, "incident id " + incident.id);
    const std::string opened_at = std::to_string(incident.opened_at);
    std::vector<RedisCommand> commands{
        {"SET", keys::incident(ref->source_id, ref->number),
         replies::dump(to_json(incident, AlertRecords::kOmit))},
        {"ZADD", keys::kIncidents, opened_at, incident.id},
        {"ZADD", keys::source_incidents(ref->source_id), opened_at, incident.id}};
    if (incident.state == IncidentState::kOpen) {
      commands.push_back({"ZADD", keys::kOpenIncidents, opened_at, incident.id});
    }
    const auto current = current_incident_.find(incident.source_id);
    is_current_ = current != current_incident_.end() && current->second == incident.id;
    incident_number_ = incident.number;
    for (auto& command : commands) {
      if (auto added = pipeline_.add(std::move(command)); !added) return added;
    }
    return Done{};
  }

  Result<Done> put(const dump::AlertRecords& records) {
    if (records.records.empty()) return Done{};
    const auto ref = keys::parse_incident_id(records.incident_id);
    if (!ref) return Error(ErrorCode::kInvalid, "incident id " + records.incident_id);
    RedisCommand command{"HSET", keys::incident_alerts(ref->source_id, ref->number)};
    for (const auto& record : records.records) {
      command.push_back(record.fingerprint);
      command.push_back(redis_alert_records::value(record, incident_number_));
    }
    if (is_current_) {
      RedisCommand source_hash = command;
      source_hash[1] = keys::source_alerts(ref->source_id);
      if (auto added = pipeline_.add(std::move(source_hash)); !added) return added;
    }
    return pipeline_.add(std::move(command));
  }

  Result<Done> put(const dump::Timeline& timeline) {
    if (timeline.events.empty()) return Done{};
    const auto ref = keys::parse_incident_id(timeline.incident_id);
    if (!ref) return Error(ErrorCode::kInvalid, "incident id " + timeline.incident_id);
    RedisCommand command{"RPUSH", keys::timeline(ref->source_id, ref->number)};
    for (const auto& event : timeline.events) command.push_back(timeline_event_text(event));
    return pipeline_.add(std::move(command));
  }

  Result<Done> put(const dump::StoredRca& rca) {
    const nlohmann::json record{
        {"version", rca.version}, {"from_file", rca.from_file}, {"document", rca.document}};
    return pipeline_.add({"HSET", keys::kRcas, rca.id, replies::dump(record)});
  }

  Result<Done> put(const dump::RcaLinks& links) {
    // An id of another shape (`inc-…` from another system) names no incident: in Redis it
    // links nothing, as the RCA scripts do.
    const auto ref = keys::parse_incident_id(links.incident_id);
    if (!ref) return Done{};
    RedisCommand command{"SADD", keys::incident_rcas(ref->source_id, ref->number)};
    command.insert(command.end(), links.rca_ids.begin(), links.rca_ids.end());
    return pipeline_.add(std::move(command));
  }

  Result<Done> put(const dump::KpiItemCounts& items) {
    if (items.counts.empty()) return Done{};
    RedisCommand command{"HSET", redis_kpi::kItems};
    for (const auto& [key, count] : items.counts) {
      command.push_back(key);
      command.push_back(std::to_string(count));
    }
    return pipeline_.add(std::move(command));
  }

  Result<Done> put(const dump::KpiIndex& index) {
    if (index.members.empty()) return Done{};
    RedisCommand command{"ZADD", redis_kpi::key(index.name)};
    for (const auto& [member, at] : index.members) {
      command.push_back(std::to_string(at));
      command.push_back(member);
    }
    return pipeline_.add(std::move(command));
  }

  Result<Done> put(const dump::KpiResolved& resolved) {
    if (resolved.entries.empty()) return Done{};
    RedisCommand command{"HSET", redis_kpi::kResolved};
    for (const auto& entry : resolved.entries) {
      command.push_back(entry.incident_id);
      command.push_back(std::to_string(entry.at) + " " + std::to_string(entry.due));
    }
    return pipeline_.add(std::move(command));
  }

  Result<Done> put(const dump::KpiLinks& links) {
    if (links.counts.empty()) return Done{};
    RedisCommand command{"HSET", redis_kpi::kPublishedLinks};
    for (const auto& [incident, count] : links.counts) {
      command.push_back(incident);
      command.push_back(std::to_string(count));
    }
    return pipeline_.add(std::move(command));
  }

  Pipeline pipeline_;
  std::unordered_map<std::string, std::string> current_incident_;  // source id -> incident id
  std::uint64_t incident_number_ = 0;
  bool is_current_ = false;  // the last incident record is its source's current incident
};

// A key of ours, if Redis holds any: one of those every write leaves (a commit the source
// indices, an RCA write the RCA hash and revision, an import the revision first), or a KPI
// aggregate. One round trip, and no SCAN (which Redis Cluster would answer per node).
Result<std::optional<std::string>> first_key(RedisClient& pool) {
  std::vector<std::string> names{keys::kIncidents,
                                 keys::kOpenIncidents,
                                 keys::kSourcesBySeen,
                                 keys::kSourcesByOccurrences,
                                 keys::kRcas,
                                 keys::kRcaRevision,
                                 redis_kpi::kItems,
                                 redis_kpi::kResolved,
                                 redis_kpi::kPublishedLinks};
  for (const auto& index : dump_codec::kpi_index_names()) names.push_back(redis_kpi::key(index));
  std::vector<RedisCommand> commands;
  for (const auto& name : names) commands.push_back({"EXISTS", name});
  const auto answers = pool.run(commands);
  if (!answers) return redis_transfer::unreachable(pool);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const redisReply* reply = (*answers)[i].get();
    if (reply->type != REDIS_REPLY_INTEGER) return replies::error_for(reply, names[i]);
    if (reply->integer > 0) return std::optional<std::string>(names[i]);
  }
  return std::optional<std::string>();
}

}  // namespace

Result<bool> RedisStore::empty() {
  if (auto ready = layout_ready(); !ready) return ready.error();
  auto found = first_key(*pool_);
  if (!found) return found.error();
  return !*found;
}

Result<Done> RedisStore::import_from(dump::Source& source) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  auto found = first_key(*pool_);
  if (!found) return found.error();
  if (*found) return transfer::not_empty("Redis", "it has the key " + **found);
  Importer importer(*pool_);
  for (;;) {
    auto next = source.next();
    if (!next) return next.error();
    if (!*next) return importer.finish();
    if (auto written = importer.write(**next); !written) return written;
  }
}

}  // namespace pmx
