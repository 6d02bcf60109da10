// RedisStore's read path: the API listings and the /metrics aggregates. Every read is an index
// lookup (a zset range or count) plus one pipelined GET of the documents it names:
// no KEYS, no SCAN, nothing proportional to history except a `state=resolved` listing that has
// to skip open incidents.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

#include "pmx/core/source_ids.h"
#include "pmx/store/redis_store.h"
#include "redis_alert_records.h"
#include "redis_connection.h"
#include "redis_keys.h"
#include "redis_kpi_ops.h"
#include "redis_replies.h"

namespace pmx {
namespace {

namespace keys = redis_keys;
namespace replies = redis_replies;
namespace alert_records = redis_alert_records;

// The inclusive stop index of a range of `count` elements from `start`, for Z(REV)RANGE.
std::string range_stop(std::size_t start, std::size_t count) {
  constexpr std::size_t kHuge = std::size_t{1} << 40;  // "all of it"
  if (count >= kHuge) return "-1";
  return std::to_string(start + count - 1);
}

// ZRANGEBYSCORE's LIMIT count is a signed 64-bit integer: a larger limit means "all of them".
constexpr std::size_t kMaxListed = std::size_t{1} << 40;

// Scores are -occurrences: ZRANGE gives the most occurrences first, ties by canonical key.
RedisCommand top_sources_command(std::size_t limit) {
  return {"ZRANGE", keys::kSourcesByOccurrences, "0", range_stop(0, limit), "WITHSCORES"};
}

Result<std::vector<SourceCount>> source_counts_of(const redisReply* reply) {
  const auto flat = replies::strings_of(reply);
  if (!flat) return replies::error_for(reply, keys::kSourcesByOccurrences);
  if (flat->size() % 2 != 0) return replies::corrupt(keys::kSourcesByOccurrences);
  std::vector<SourceCount> counts;
  for (std::size_t i = 0; i < flat->size(); i += 2) {
    const double score = std::strtod((*flat)[i + 1].c_str(), nullptr);
    if (!(score <= 0) || -score > static_cast<double>(std::numeric_limits<std::int64_t>::max())) {
      return replies::corrupt(keys::kSourcesByOccurrences, "a score is not minus a count");
    }
    counts.push_back(SourceCount{(*flat)[i], static_cast<std::uint64_t>(std::llround(-score))});
  }
  return counts;
}

// Runs one command that answers an array of strings.
Result<std::vector<std::string>> run_strings(RedisClient& pool, RedisCommand command) {
  const std::string key = command.at(1);
  const auto answer = pool.run({std::move(command)});
  if (!answer) return ErrorCode::kUnavailable;
  auto strings = replies::strings_of(answer->front().get());
  if (!strings) return replies::error_for(answer->front().get(), key);
  return std::move(*strings);
}

// A member of a zset with its score, as Redis orders them (score, then member).
struct Scored {
  std::string member;
  double score = 0;
};

// Runs a Z*RANGEBYSCORE ... WITHSCORES.
Result<std::vector<Scored>> run_scored(RedisClient& pool, RedisCommand command) {
  const std::string key = command.at(1);
  auto flat = run_strings(pool, std::move(command));
  if (!flat) return flat.error();
  if (flat->size() % 2 != 0) return replies::corrupt(key);
  std::vector<Scored> scored;
  for (std::size_t i = 0; i < flat->size(); i += 2) {
    char* end = nullptr;
    const double score = std::strtod((*flat)[i + 1].c_str(), &end);
    if (end == nullptr || *end != '\0') return replies::corrupt(key, "a score is not a number");
    scored.push_back({std::move((*flat)[i]), score});
  }
  return scored;
}

// A time as Redis keeps it in a score (a double: see schema/redis.md), for comparing positions.
double as_score(UnixNanos t) { return static_cast<double>(t); }

// The RCA ids of an SMEMBERS reply of incident `ref`'s links, sorted, into `incident`. The
// links live beside the document (an RCA write must not rewrite the incident, which belongs to
// its source's compare-and-set); a set of RCA ids, few per incident.
Result<Done> set_links(Incident& incident, const keys::IncidentRef& ref, const redisReply* links) {
  auto rcas = replies::strings_of(links);
  if (!rcas) return replies::error_for(links, keys::incident_rcas(ref.source_id, ref.number));
  if (!rcas->empty()) {
    std::sort(rcas->begin(), rcas->end());
    incident.rcas = std::move(*rcas);
  }
  return Done{};
}

// Incident `ref` from the replies to ask_incident()'s GET of its document, HGETALL of its alert
// records and SMEMBERS of its RCA links; nullopt when there is no document.
Result<std::optional<Incident>> incident_of(const keys::IncidentRef& ref, const redisReply* document,
                                            const redisReply* records, const redisReply* links) {
  const std::string key = keys::incident(ref.source_id, ref.number);
  if (document->type == REDIS_REPLY_NIL) return std::optional<Incident>();
  if (document->type != REDIS_REPLY_STRING) return replies::error_for(document, key);
  auto incident = replies::decode(document, incident_from_json);
  if (!incident) return replies::corrupt(key);
  const auto added =
      alert_records::add_all(*incident, records, keys::incident_alerts(ref.source_id, ref.number));
  if (!added) return added.error();
  const auto linked = set_links(*incident, ref, links);
  if (!linked) return linked.error();
  return incident;
}

// The commands that incident_of() reads, for incident `ref`.
constexpr std::size_t kIncidentCommands = 3;
void ask_incident(std::vector<RedisCommand>& commands, const keys::IncidentRef& ref) {
  commands.push_back({"GET", keys::incident(ref.source_id, ref.number)});
  commands.push_back({"HGETALL", keys::incident_alerts(ref.source_id, ref.number)});
  commands.push_back({"SMEMBERS", keys::incident_rcas(ref.source_id, ref.number)});
}

// Puts the RCA links of each source's current incident into it, in one round trip (none when
// no source has a current incident): the state documents carry no links.
Result<Done> link_current_incidents(RedisClient& pool, std::vector<SourceState*> sources) {
  std::vector<std::pair<Incident*, keys::IncidentRef>> currents;
  std::vector<RedisCommand> commands;
  for (SourceState* source : sources) {
    if (!source->current) continue;
    auto ref = keys::parse_incident_id(source->current->id);
    if (!ref) continue;  // no incident has an id of another shape
    commands.push_back({"SMEMBERS", keys::incident_rcas(ref->source_id, ref->number)});
    currents.emplace_back(&*source->current, std::move(*ref));
  }
  if (commands.empty()) return Done{};
  const auto answers = pool.run(commands);
  if (!answers) return ErrorCode::kUnavailable;
  for (std::size_t i = 0; i < currents.size(); ++i) {
    const auto linked = set_links(*currents[i].first, currents[i].second, (*answers)[i].get());
    if (!linked) return linked.error();
  }
  return Done{};
}

// The incidents with these ids, in the same order, in one round trip. Ids that name nothing
// (or are not incident ids) are left out.
Result<std::vector<Incident>> fetch_incidents(RedisClient& pool,
                                              const std::vector<std::string>& ids) {
  std::vector<Incident> incidents;
  std::vector<RedisCommand> commands;
  std::vector<keys::IncidentRef> refs;
  for (const auto& id : ids) {
    if (auto ref = keys::parse_incident_id(id)) {
      ask_incident(commands, *ref);
      refs.push_back(std::move(*ref));
    }
  }
  if (commands.empty()) return incidents;
  const auto answers = pool.run(commands);
  if (!answers) return ErrorCode::kUnavailable;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const RedisReply* answer = &(*answers)[i * kIncidentCommands];
    auto incident = incident_of(refs[i], answer[0].get(), answer[1].get(), answer[2].get());
    if (!incident) return incident.error();
    if (*incident) incidents.push_back(std::move(**incident));
  }
  return incidents;
}

// The sources with these canonical keys, in their order. The indices hold only the canonical
// form: a source's id is the first of its candidate ids (pmx/core/source_ids.h) whose state
// holds that key. One round trip, and one more per further candidate for the rare keys whose first
// id is another source's (a hash collision).
Result<std::vector<SourceState>> fetch_sources(RedisClient& pool,
                                               const std::vector<std::string>& canonicals) {
  std::vector<std::optional<SourceState>> found(canonicals.size());
  std::vector<std::size_t> wanted(canonicals.size());
  for (std::size_t i = 0; i < wanted.size(); ++i) wanted[i] = i;
  for (unsigned attempt = 0; attempt < kSourceIdCandidates && !wanted.empty(); ++attempt) {
    std::vector<RedisCommand> commands;
    for (const std::size_t i : wanted) {
      commands.push_back({"GET", keys::state(source_id_candidate(canonicals[i], attempt))});
    }
    const auto answers = pool.run(commands);
    if (!answers) return ErrorCode::kUnavailable;
    std::vector<std::size_t> elsewhere;
    for (std::size_t a = 0; a < answers->size(); ++a) {
      const redisReply* answer = (*answers)[a].get();
      if (answer->type == REDIS_REPLY_NIL) continue;
      if (answer->type != REDIS_REPLY_STRING) return replies::error_for(answer, commands[a][1]);
      auto state = replies::decode(answer, source_state_from_json);
      if (!state) return replies::corrupt(commands[a][1]);
      if (state->key.canonical == canonicals[wanted[a]]) {
        found[wanted[a]] = std::move(*state);
      } else {
        elsewhere.push_back(wanted[a]);
      }
    }
    wanted = std::move(elsewhere);
  }
  std::vector<SourceState> sources;
  for (auto& source : found) {
    if (source) sources.push_back(std::move(*source));
  }
  std::vector<SourceState*> all;
  for (auto& source : sources) all.push_back(&source);
  const auto linked = link_current_incidents(pool, all);
  if (!linked) return linked.error();
  return sources;
}

}  // namespace

Result<std::vector<Incident>> RedisStore::list_incidents(const IncidentFilter& filter) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  std::vector<Incident> result;
  if (filter.limit == 0) return result;
  if (filter.source_id && !keys::valid_source_id(*filter.source_id)) return result;
  const auto wanted = [&](const Incident& incident) {
    return (!filter.source_id || incident.source_id == *filter.source_id) &&
           (!filter.state || incident.state == *filter.state) &&
           (!filter.opened_from || incident.opened_at >= *filter.opened_from) &&
           (!filter.opened_to || incident.opened_at < *filter.opened_to);
  };
  // Listed after the position in Redis' order: the score (opened_at to 256 ns), then the member.
  const auto after_position = [&](const Scored& entry) {
    if (!filter.after) return true;
    const double position = as_score(filter.after->opened_at);
    return entry.score < position || (entry.score == position && entry.member < filter.after->id);
  };

  // Walk the narrowest index newest first: the source's incidents, else the open ones, else
  // all, between the scores of the time bounds and the position (inclusive: the documents'
  // exact times decide). When the index holds exactly what is asked for, the first page is the
  // answer; else (a state within a source, or resolved among all) pages are larger to skip
  // what is not.
  const std::string index = filter.source_id ? keys::source_incidents(*filter.source_id)
                            : filter.state == IncidentState::kOpen ? keys::kOpenIncidents
                                                                   : keys::kIncidents;
  std::optional<UnixNanos> top = filter.opened_to;
  if (filter.after && (!top || filter.after->opened_at < *top)) top = filter.after->opened_at;
  const std::string max = top ? std::to_string(*top) : "+inf";
  const std::string min = filter.opened_from ? std::to_string(*filter.opened_from) : "-inf";
  const bool exact = !filter.state || (!filter.source_id && filter.state == IncidentState::kOpen);
  const std::size_t page =
      exact ? std::min<std::size_t>(filter.limit, kMaxListed) + (filter.after ? 1 : 0)
            : std::max<std::size_t>(std::min<std::size_t>(filter.limit, 10000) * 2, 100);
  for (std::size_t offset = 0;; offset += page) {
    auto entries = run_scored(*pool_, {"ZREVRANGEBYSCORE", index, max, min, "WITHSCORES", "LIMIT",
                                       std::to_string(offset), std::to_string(page)});
    if (!entries) return entries.error();
    std::vector<std::string> ids;
    for (auto& entry : *entries) {
      if (after_position(entry)) ids.push_back(std::move(entry.member));
    }
    auto incidents = fetch_incidents(*pool_, ids);
    if (!incidents) return incidents.error();
    for (auto& incident : *incidents) {
      // Checked even on an exact index: an incident may have resolved between the two reads.
      if (!wanted(incident)) continue;
      result.push_back(std::move(incident));
      if (result.size() == filter.limit) return result;
    }
    if (entries->size() < page) return result;
  }
}

Result<std::optional<IncidentDetail>> RedisStore::get_incident(const std::string& id) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  const auto ref = keys::parse_incident_id(id);
  if (!ref) return std::optional<IncidentDetail>();
  std::vector<RedisCommand> commands;
  ask_incident(commands, *ref);
  commands.push_back({"LRANGE", keys::timeline(ref->source_id, ref->number), "0", "-1"});
  const auto answers = pool_->run(commands);
  if (!answers) return ErrorCode::kUnavailable;
  auto incident = incident_of(*ref, (*answers)[0].get(), (*answers)[1].get(), (*answers)[2].get());
  if (!incident) return incident.error();
  if (!*incident) return std::optional<IncidentDetail>();
  const std::string timeline_key = keys::timeline(ref->source_id, ref->number);
  const redisReply* events = (*answers)[kIncidentCommands].get();
  if (events->type != REDIS_REPLY_ARRAY) return replies::error_for(events, timeline_key);

  IncidentDetail detail;
  detail.incident = std::move(**incident);
  detail.timeline.reserve(events->elements);
  for (std::size_t i = 0; i < events->elements; ++i) {
    auto event = replies::decode(events->element[i], timeline_event_from_json);
    if (!event)
      return replies::corrupt(timeline_key,
                              "entry " + std::to_string(i) + " is not a timeline event");
    detail.timeline.push_back(std::move(*event));
  }
  return std::optional<IncidentDetail>(std::move(detail));
}

Result<std::vector<Incident>> RedisStore::get_incidents(const std::vector<std::string>& ids) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  return fetch_incidents(*pool_, ids);
}

Result<std::vector<SourceState>> RedisStore::list_sources(const SourceFilter& filter) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  std::vector<SourceState> result;
  if (filter.limit == 0) return result;
  const auto wanted = [&](const SourceState& source) {
    return (!filter.seen_from || source.last_seen >= *filter.seen_from) &&
           (!filter.seen_to || source.last_seen < *filter.seen_to);
  };
  // Scores are -last_seen: ascending is the API's order. Listed after the position in Redis'
  // order: the score, then the member.
  const auto after_position = [&](const Scored& entry) {
    if (!filter.after) return true;
    const double position = -as_score(filter.after->last_seen);
    return entry.score > position ||
           (entry.score == position && entry.member > filter.after->canonical);
  };
  std::optional<UnixNanos> top = filter.seen_to;
  if (filter.after && (!top || filter.after->last_seen < *top)) top = filter.after->last_seen;
  const std::string min = top ? std::to_string(-*top) : "-inf";
  const std::string max = filter.seen_from ? std::to_string(-*filter.seen_from) : "+inf";
  const std::size_t page = std::min<std::size_t>(filter.limit, kMaxListed) + 1;
  for (std::size_t offset = 0;; offset += page) {
    auto entries =
        run_scored(*pool_, {"ZRANGEBYSCORE", keys::kSourcesBySeen, min, max, "WITHSCORES", "LIMIT",
                            std::to_string(offset), std::to_string(page)});
    if (!entries) return entries.error();
    std::vector<std::string> canonicals;
    for (auto& entry : *entries) {
      if (after_position(entry)) canonicals.push_back(std::move(entry.member));
    }
    auto sources = fetch_sources(*pool_, canonicals);
    if (!sources) return sources.error();
    for (auto& source : *sources) {
      if (wanted(source) && result.size() < filter.limit) result.push_back(std::move(source));
    }
    if (result.size() == filter.limit || entries->size() < page) break;
  }
  // A source may have been seen again between the two round trips: order by what was read.
  std::sort(result.begin(), result.end(), [](const SourceState& a, const SourceState& b) {
    return a.last_seen != b.last_seen ? a.last_seen > b.last_seen
                                      : a.key.canonical < b.key.canonical;
  });
  return result;
}

Result<std::optional<SourceState>> RedisStore::get_source(const std::string& source_id) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  if (!keys::valid_source_id(source_id)) return std::optional<SourceState>();
  const auto answer = pool_->run({{"GET", keys::state(source_id)}});
  if (!answer) return ErrorCode::kUnavailable;
  const redisReply* document = answer->front().get();
  if (document->type == REDIS_REPLY_NIL) return std::optional<SourceState>();
  if (document->type != REDIS_REPLY_STRING)
    return replies::error_for(document, keys::state(source_id));
  auto state = replies::decode(document, source_state_from_json);
  if (!state) return replies::corrupt(keys::state(source_id));
  const auto linked = link_current_incidents(*pool_, {&*state});
  if (!linked) return linked.error();
  return std::optional<SourceState>(std::move(*state));
}

// Scores are Unix nanoseconds as doubles: a time comes back to within 256 ns (2^-52 of ~2^60),
// plenty for what is listed (overdue reminders count seconds). Ties come by member, as Redis
// orders equal scores.
Result<std::vector<IndexMember>> RedisStore::index_members(const KpiRange& range,
                                                           std::size_t limit) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  if (limit == 0 || range.from >= range.to) return std::vector<IndexMember>();
  const std::string key = redis_kpi::key(range.index);
  auto flat = run_strings(
      *pool_,
      {"ZRANGEBYSCORE", key, range.from == kMinusInfinity ? "-inf" : std::to_string(range.from),
       range.to == kPlusInfinity ? "+inf" : "(" + std::to_string(range.to), "WITHSCORES", "LIMIT",
       "0", std::to_string(std::min<std::size_t>(limit, kMaxListed))});
  if (!flat) return flat.error();
  if (flat->size() % 2 != 0) return replies::corrupt(key);
  std::vector<IndexMember> members;
  for (std::size_t i = 0; i < flat->size(); i += 2) {
    char* end = nullptr;
    const double at = std::strtod((*flat)[i + 1].c_str(), &end);
    if (end == nullptr || *end != '\0' || !(std::fabs(at) < 9.2e18)) {
      return replies::corrupt(key, "a score is not a time");
    }
    members.push_back({std::move((*flat)[i]), static_cast<UnixNanos>(std::llround(at))});
  }
  return members;
}

// Everything in one pipeline: the open incidents, the top sources, the action item counts and
// one ZCOUNT per range. O(log n) each: the cost does not grow with history.
Result<KpiSnapshot> RedisStore::read_kpis(const std::vector<KpiRange>& ranges,
                                          std::size_t top_sources) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  std::vector<RedisCommand> commands{{"ZCARD", keys::kOpenIncidents},
                                     {"HGETALL", redis_kpi::kItems}};
  if (top_sources > 0) commands.push_back(top_sources_command(top_sources));
  for (const auto& range : ranges) {
    commands.push_back({"ZCOUNT", redis_kpi::key(range.index),
                        range.from == kMinusInfinity ? "-inf" : std::to_string(range.from),
                        range.to == kPlusInfinity ? "+inf" : "(" + std::to_string(range.to)});
  }
  const auto answers = pool_->run(commands);
  if (!answers) return ErrorCode::kUnavailable;

  KpiSnapshot snapshot;
  const auto integer = [&](std::size_t i) -> Result<std::int64_t> {
    const redisReply* reply = (*answers)[i].get();
    if (reply->type != REDIS_REPLY_INTEGER || reply->integer < 0) {
      return replies::error_for(reply, commands[i][1]);
    }
    return static_cast<std::int64_t>(reply->integer);
  };
  const auto open = integer(0);
  if (!open) return open.error();
  snapshot.open_incidents = static_cast<std::uint64_t>(*open);

  const auto items = replies::strings_of((*answers)[1].get());
  if (!items || items->size() % 2 != 0)
    return replies::error_for((*answers)[1].get(), redis_kpi::kItems);
  for (std::size_t i = 0; i < items->size(); i += 2) {
    char* end = nullptr;
    const long long count = std::strtoll((*items)[i + 1].c_str(), &end, 10);
    if (end == nullptr || *end != '\0')
      return replies::corrupt(redis_kpi::kItems, "a count is not an integer");
    snapshot.action_items[(*items)[i]] = count;
  }

  std::size_t next = 2;
  if (top_sources > 0) {
    auto top = source_counts_of((*answers)[next++].get());
    if (!top) return top.error();
    snapshot.top_sources = std::move(*top);
  }
  for (const auto& range : ranges) {
    const auto count = integer(next++);
    if (!count) return count.error();
    snapshot.range_counts[range.name] = *count;
  }
  return snapshot;
}

}  // namespace pmx
