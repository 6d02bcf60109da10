// RedisStore: construction, the write path (load + commit: one round trip each) and health.
// The read path is in redis_store_reads.cpp.
#include "pmx/store/redis_store.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>

#include "pmx/core/json_text.h"
#include "redis_alert_records.h"
#include "redis_cluster.h"
#include "redis_connection.h"
#include "redis_keys.h"
#include "redis_kpi_ops.h"
#include "redis_layout.h"
#include "redis_replies.h"
#include "redis_scripts.h"
#include "redis_tls.h"

namespace pmx {
namespace {

using nlohmann::json;
namespace keys = redis_keys;
namespace replies = redis_replies;
namespace alert_records = redis_alert_records;

// With Sentinel or a Cluster the URL only gives credentials, db and whether to use TLS, and may
// be empty or have no host.
RedisEndpoint endpoint_or_throw(const RedisConfig& config) {
  const bool host_elsewhere = !config.sentinels.empty() || !config.cluster.empty();
  std::string error;
  auto endpoint = host_elsewhere && config.url.empty()
                      ? RedisEndpoint{}
                      : parse_redis_url(config.url, &error, !host_elsewhere);
  if (!endpoint) throw std::invalid_argument("bad Redis URL: " + error);
  const RedisTlsConfig& tls = config.tls;
  if (!endpoint->tls && !(tls.ca_file + tls.cert_file + tls.key_file + tls.server_name).empty()) {
    throw std::invalid_argument(
        "the TLS settings (CA file, client certificate, server name) need a rediss:// URL");
  }
  // Unreadable certificates are a start-up error, not a failure at every connect.
  if (endpoint->tls) error = check_tls_files(tls);
  if (!error.empty()) throw std::invalid_argument("Redis " + error);
  return *endpoint;
}

std::vector<RedisEndpoint> sentinels_or_throw(const RedisConfig& config) {
  if (config.sentinels.empty()) return {};
  if (config.sentinel_master.empty()) {
    throw std::invalid_argument("Redis Sentinel needs the name of the master");
  }
  std::string error;
  auto sentinels = parse_sentinel_addresses(config.sentinels, &error);
  if (!sentinels) throw std::invalid_argument("bad Sentinel addresses: " + error);
  return *sentinels;
}

// Scores for ZADD, passed as text: Redis stores them as doubles (see schema/redis.md on the
// precision of nanosecond scores). The source indices hold negated scores so that ZRANGE lists
// them in API order with ties by canonical key ascending, as MemoryStore orders them.
std::string score(std::int64_t value) { return std::to_string(value); }
std::string negated_score(std::int64_t value) { return std::to_string(-value); }
std::string negated_score(std::uint64_t value) { return "-" + std::to_string(value); }

// Whether the entries include an incident opening, resolving or reopening: only those move it
// in the incident indices.
bool changes_lifecycle(const std::vector<TimelineEvent>& events) {
  return std::any_of(events.begin(), events.end(), [](const TimelineEvent& event) {
    return event.type == TimelineEventType::kOpened || event.type == TimelineEventType::kResolved ||
           event.type == TimelineEventType::kReopened;
  });
}

// The state's document at `version`. It embeds the current incident, whose own document the
// same commit writes too: given that document's text (`current`), the incident is serialised
// once and the text put in both places (JSON encoding is the largest part of a commit's CPU).
std::string state_text(const SourceState& state, std::int64_t version, const std::string* current) {
  json doc = to_json_without_current(state);
  doc["version"] = version;
  std::string text = replies::dump(doc);
  if (!state.current) return text;
  // Keys are unique, and inside a JSON string every quote is escaped: this is the key's slot.
  static const std::string kSlot = "\"current\":null";
  const std::size_t slot = text.find(kSlot);
  text.replace(slot + kSlot.size() - 4, 4,
               current ? *current : replies::dump(to_json(*state.current, AlertRecords::kOmit)));
  return text;
}

// A source id that is not SourceKey's 16 hex digits cannot become a key: a bug upstream.
Error invalid_source_id(const std::string& id) {
  return Error{
      ErrorCode::kCorrupt, "source id '" + id + "' is not 16 lowercase hex digits", {}, {}};
}

// The EVALSHA of the commit script for every source update of a batch, KEYS and ARGV as
// documented at the top of redis_commit.lua.
class CommitCommand {
 public:
  CommitCommand()
      : keys_{keys::kIncidents, keys::kOpenIncidents, keys::kSourcesBySeen,
              keys::kSourcesByOccurrences},
        args_{"0"} {}

  // False if the update names an incident whose id is not `<this source id>-<n>` (a bug
  // upstream: refuse rather than write another source's incident).
  bool add(const SourceCommit& commit);

  RedisCommand take() {
    keys_.insert(keys_.end(), kpi_keys_.begin(), kpi_keys_.end());
    args_[0] = std::to_string(sources_);
    RedisCommand command{"EVALSHA", std::string(kCommitScript.sha1), std::to_string(keys_.size())};
    command.insert(command.end(), std::make_move_iterator(keys_.begin()),
                   std::make_move_iterator(keys_.end()));
    command.insert(command.end(), std::make_move_iterator(args_.begin()),
                   std::make_move_iterator(args_.end()));
    return command;
  }

 private:
  RedisCommand keys_;
  RedisCommand args_;
  std::set<std::string> kpi_keys_;
  std::size_t sources_ = 0;
};

bool CommitCommand::add(const SourceCommit& commit) {
  const SourceUpdate& update = commit.update;
  const std::string& source_id = update.state.key.id;

  // Incidents in update order, then any that only gained timeline entries.
  std::vector<std::pair<std::string, const Incident*>> incidents;
  std::map<std::string, std::size_t> position;
  for (const auto& incident : update.incidents) {
    const auto [it, inserted] = position.emplace(incident.id, incidents.size());
    if (inserted) {
      incidents.emplace_back(incident.id, &incident);
    } else {
      incidents[it->second].second = &incident;  // the later form wins
    }
  }
  for (const auto& entry : update.timeline) {
    if (position.emplace(entry.first, incidents.size()).second) {
      incidents.emplace_back(entry.first, nullptr);
    }
  }
  std::vector<std::string> numbers;  // of each incident, in order
  for (const auto& [id, incident] : incidents) {
    const auto ref = keys::parse_incident_id(id);
    if (!ref || ref->source_id != source_id) return false;
    numbers.push_back(ref->number);
  }

  keys_.insert(keys_.end(),
               {keys::state(source_id), keys::version(source_id), keys::occurrences(source_id),
                keys::source_incidents(source_id), keys::source_alerts(source_id)});
  const std::size_t state_arg =
      args_.size() + 1;  // filled once its current incident's text is known
  args_.insert(args_.end(),
               {std::to_string(commit.expected_version), std::string(), update.state.key.canonical,
                negated_score(update.state.last_seen), negated_score(update.state.occurrences),
                std::to_string(update.new_occurrences.size()), std::to_string(incidents.size())});
  args_.insert(args_.end(), update.new_occurrences.begin(), update.new_occurrences.end());
  std::optional<std::size_t> current_text;  // where in args_ the current incident's text is
  for (std::size_t i = 0; i < incidents.size(); ++i) {
    const auto& [id, incident] = incidents[i];
    keys_.push_back(keys::incident(source_id, numbers[i]));
    keys_.push_back(keys::timeline(source_id, numbers[i]));
    keys_.push_back(keys::incident_alerts(source_id, numbers[i]));
    args_.push_back(id);
    if (incident && update.state.current && id == update.state.current->id) {
      current_text = args_.size();
    }
    args_.push_back(incident ? replies::dump(to_json(*incident, AlertRecords::kOmit))
                             : std::string());
    args_.push_back(incident ? score(incident->opened_at) : std::string("0"));
    const auto events = update.timeline.find(id);
    const std::size_t count = events == update.timeline.end() ? 0 : events->second.size();
    args_.push_back(incident && count > 0 && changes_lifecycle(events->second)
                        ? (incident->state == IncidentState::kOpen ? "1" : "0")
                        : "");
    args_.push_back(std::to_string(count));
    for (std::size_t e = 0; e < count; ++e) args_.push_back(timeline_event_text(events->second[e]));
    // The records the update loaded or changed: those of the batch's fingerprints.
    args_.push_back(std::to_string(incident ? incident->alerts.size() : 0));
    if (!incident) continue;
    for (const auto& [fingerprint, record] : incident->alerts) {
      args_.push_back(fingerprint);
      args_.push_back(alert_records::value(record, incident->number));
    }
  }
  redis_kpi::append_ops(args_, update.kpi_ops);
  redis_kpi::add_touched_keys(kpi_keys_, update.kpi_ops);
  args_[state_arg] = state_text(update.state, commit.expected_version + 1,
                                current_text ? &args_[*current_text] : nullptr);
  ++sources_;
  return true;
}

std::vector<RedisEndpoint> cluster_seeds_or_throw(const RedisConfig& config) {
  if (!config.sentinels.empty()) {
    throw std::invalid_argument("Redis Cluster and Redis Sentinel exclude each other");
  }
  std::string error;
  auto seeds = parse_cluster_addresses(config.cluster, &error);
  if (!seeds) throw std::invalid_argument("bad Redis Cluster addresses: " + error);
  return *seeds;
}

std::unique_ptr<RedisClient> client_for(const RedisConfig& config) {
  std::vector<RedisScript> scripts(std::begin(kAllScripts), std::end(kAllScripts));
  const RedisEndpoint endpoint = endpoint_or_throw(config);
  if (config.cluster.empty()) {
    return std::make_unique<RedisConnectionPool>(endpoint, sentinels_or_throw(config), config,
                                                 std::move(scripts));
  }
  RedisConfig cluster = config;
  if (cluster.url.empty()) cluster.url = "redis://";
  return std::make_unique<RedisClusterClient>(cluster_seeds_or_throw(config), cluster,
                                              std::move(scripts));
}

}  // namespace

RedisStore::RedisStore(RedisConfig config)
    : pool_(client_for(config)),
      // No daemon of the pm:v1 layout ran on a cluster (its scripts were cross-slot).
      layout_ready_(!config.cluster.empty()) {}

RedisStore::~RedisStore() = default;

Result<Done> RedisStore::layout_ready() {
  if (layout_ready_.load(std::memory_order_acquire)) return Done{};
  auto migrated = redis_layout::migrate_from_v1(*pool_);
  if (migrated) layout_ready_.store(true, std::memory_order_release);
  return migrated;
}

std::uint64_t RedisStore::round_trips() const { return pool_->round_trips(); }

std::string RedisStore::last_error() const { return pool_->last_error(); }

bool RedisStore::healthy() {
  if (!layout_ready()) return false;
  const auto answer = pool_->run({{"PING"}});
  return answer && replies::text(answer->front().get()) == "PONG";
}

// Every source's state, occurrence check and alert records of the batch's fingerprints, and
// the RCA revision, in one pipeline.
Result<LoadResult> RedisStore::load(const std::vector<SourceLoad>& sources) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  std::vector<RedisCommand> commands;
  commands.reserve(sources.size() * 3 + 1);
  for (const auto& source : sources) {
    if (!keys::valid_source_id(source.key.id)) return invalid_source_id(source.key.id);
    commands.push_back({"GET", keys::state(source.key.id)});
    // SMISMEMBER and HMGET need at least one member or field.
    if (!source.occurrence_ids.empty()) {
      RedisCommand ask{"SMISMEMBER", keys::occurrences(source.key.id)};
      ask.insert(ask.end(), source.occurrence_ids.begin(), source.occurrence_ids.end());
      commands.push_back(std::move(ask));
    }
    if (!source.fingerprints.empty()) {
      RedisCommand ask{"HMGET", keys::source_alerts(source.key.id)};
      ask.insert(ask.end(), source.fingerprints.begin(), source.fingerprints.end());
      commands.push_back(std::move(ask));
    }
  }
  commands.push_back({"GET", keys::kRcaRevision});
  // With --redis.wait-replicas, what this read saw must be on the replicas too: a re-send of
  // an occurrence whose first commit was refused for want of acknowledgements is answered 200
  // without a commit, so its WAIT is here (schema/redis.md, "Replication").
  const auto answers = pool_->run_replicated_read(std::move(commands), keys::kReplicationFence);
  if (!answers) return ErrorCode::kUnavailable;

  LoadResult loaded;
  loaded.sources.reserve(sources.size());
  std::size_t next = 0;
  for (const auto& source : sources) {
    LoadedSource result;
    const redisReply* state = (*answers)[next++].get();
    if (state->type == REDIS_REPLY_NIL) {
      result.state.key = source.key;
    } else if (state->type == REDIS_REPLY_STRING) {
      auto decoded = replies::decode(state, source_state_from_json);
      if (!decoded) return replies::corrupt(keys::state(source.key.id));
      result.state = std::move(*decoded);
    } else {
      return replies::error_for(state, keys::state(source.key.id));
    }
    if (!source.occurrence_ids.empty()) {
      const redisReply* known = (*answers)[next++].get();
      if (known->type != REDIS_REPLY_ARRAY || known->elements != source.occurrence_ids.size()) {
        return replies::error_for(known, keys::occurrences(source.key.id));
      }
      for (std::size_t i = 0; i < known->elements; ++i) {
        const redisReply* member = known->element[i];
        if (member->type == REDIS_REPLY_INTEGER && member->integer == 1) {
          result.known_occurrences.insert(source.occurrence_ids[i]);
        }
      }
    }
    if (!source.fingerprints.empty()) {
      const redisReply* records = (*answers)[next++].get();
      if (records->type != REDIS_REPLY_ARRAY || records->elements != source.fingerprints.size()) {
        return replies::error_for(records, keys::source_alerts(source.key.id));
      }
      // Records of earlier incidents are skipped; a state written before the hashes existed
      // has the current incident's records in it already.
      if (result.state.current) {
        for (std::size_t i = 0; i < records->elements; ++i) {
          if (!alert_records::add_if_of(*result.state.current, records->element[i])) {
            return replies::corrupt(keys::source_alerts(source.key.id),
                                    "an alert record is not one");
          }
        }
      }
    }
    loaded.sources.push_back(std::move(result));
  }
  const auto revision = replies::counter(answers->back().get(), keys::kRcaRevision);
  if (!revision) return revision.error();
  loaded.rca_revision = *revision;
  return loaded;
}

Result<std::vector<bool>> RedisStore::commit(const std::vector<SourceCommit>& commits) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  std::vector<bool> applied(commits.size(), false);
  if (commits.empty()) return applied;
  CommitCommand command;
  for (const auto& commit : commits) {
    const std::string& id = commit.update.state.key.id;
    if (!keys::valid_source_id(id) || !command.add(commit)) return invalid_source_id(id);
  }

  // NOSCRIPT costs one more round trip (see run_script).
  const auto answers = pool_->run_script({command.take()}, kCommitScript);
  if (!answers) return ErrorCode::kUnavailable;
  const redisReply* reply = answers->front().get();
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != commits.size()) {
    return replies::error_for(reply, keys::state(commits.front().update.state.key.id));
  }
  for (std::size_t i = 0; i < commits.size(); ++i) {
    const redisReply* flag = reply->element[i];
    if (flag->type != REDIS_REPLY_INTEGER) {
      return replies::error_for(flag, keys::state(commits[i].update.state.key.id));
    }
    applied[i] = flag->integer == 1;
  }
  return applied;
}

}  // namespace pmx
