// RedisStore's export: every key of schema/redis.md reached from the indices (never KEYS), read
// in pages of one pipeline each and written as dump records. Not a snapshot: stop the daemons
// writing to this Redis first.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "dump_codec.h"
#include "pmx/core/json_codec.h"
#include "pmx/core/source_ids.h"
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
using nlohmann::json;
using redis_transfer::scan;

Result<std::vector<RedisReply>> run(RedisClient& pool, const std::vector<RedisCommand>& commands) {
  auto answers = pool.run(commands);
  if (!answers) return redis_transfer::unreachable(pool);
  return std::move(*answers);
}

std::optional<std::int64_t> integer_of(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0) return std::nullopt;
  return value;
}

// A zset score (a double: nanosecond times are exact to 256 ns, schema/redis.md) as a time.
std::optional<UnixNanos> time_of(const std::string& score) {
  char* end = nullptr;
  const double value = std::strtod(score.c_str(), &end);
  if (score.empty() || *end != '\0' || !std::isfinite(value) || std::fabs(value) > 9.2e18) {
    return std::nullopt;
  }
  return static_cast<UnixNanos>(std::llround(value));
}

Result<Done> export_counters(RedisClient& pool, dump::Sink& sink) {
  auto answers = run(pool, {{"GET", keys::kRcaRevision}, {"ZCARD", keys::kOpenIncidents}});
  if (!answers) return answers.error();
  const auto revision = replies::counter((*answers)[0].get(), keys::kRcaRevision);
  if (!revision) return revision.error();
  const redisReply* open = (*answers)[1].get();
  if (open->type != REDIS_REPLY_INTEGER) return replies::error_for(open, keys::kOpenIncidents);
  return sink.write(dump::Counters{*revision, static_cast<std::uint64_t>(open->integer)});
}

// The states of these canonical keys: each under the first of its candidate ids whose state
// holds that key (pmx/core/source_ids.h), as RedisStore's reads find them.
Result<std::vector<SourceState>> states_of(RedisClient& pool,
                                           const std::vector<std::string>& canonicals) {
  std::vector<SourceState> found;
  std::vector<std::string> wanted = canonicals;
  for (unsigned attempt = 0; attempt < kSourceIdCandidates && !wanted.empty(); ++attempt) {
    std::vector<RedisCommand> commands;
    for (const auto& canonical : wanted) {
      commands.push_back({"GET", keys::state(source_id_candidate(canonical, attempt))});
    }
    auto answers = run(pool, commands);
    if (!answers) return answers.error();
    std::vector<std::string> elsewhere;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      const redisReply* answer = (*answers)[i].get();
      if (answer->type == REDIS_REPLY_NIL) continue;
      auto state = replies::decode(answer, source_state_from_json);
      if (!state) return replies::corrupt(commands[i][1]);
      if (state->key.canonical == wanted[i]) {
        found.push_back(std::move(*state));
      } else {
        elsewhere.push_back(wanted[i]);
      }
    }
    wanted = std::move(elsewhere);
  }
  return found;
}

Result<Done> export_sources(RedisClient& pool, dump::Sink& sink) {
  return scan(pool, {"ZSCAN", keys::kSourcesBySeen}, [&](const std::vector<std::string>& page) {
    std::vector<std::string> canonicals;
    for (std::size_t i = 0; i < page.size(); i += 2) canonicals.push_back(page[i]);
    auto states = states_of(pool, canonicals);
    if (!states) return Result<Done>(states.error());
    for (auto& state : *states) {
      const std::string id = state.key.id;
      if (state.current) state.current->alerts.clear();  // they travel with the incident
      if (auto w = sink.write(dump::StoredSource{std::move(state)}); !w) return w;
      auto chunks = transfer::chunker<std::string>(sink, [&id](std::vector<std::string> ids) {
        return dump::Record(dump::Occurrences{id, std::move(ids)});
      });
      auto scanned = scan(pool, {"SSCAN", keys::occurrences(id)},
                          [&chunks](const std::vector<std::string>& ids) -> Result<Done> {
                            for (const auto& occurrence : ids) {
                              if (auto w = chunks.add(occurrence); !w) return w;
                            }
                            return Done{};
                          });
      if (!scanned) return scanned;
      if (auto w = chunks.flush(); !w) return w;
    }
    return Result<Done>(Done{});
  });
}

// The records of an incident as dump records, from the `incident` line on.
class IncidentWriter {
 public:
  IncidentWriter(dump::Sink& sink, std::string id)
      : id_(std::move(id)),
        records_(transfer::chunker<AlertRecord>(sink, Records{id_})),
        events_(transfer::chunker<TimelineEvent>(sink, Events{id_})) {}

  Result<Done> add(AlertRecord record) { return records_.add(std::move(record)); }
  Result<Done> end_records() { return records_.flush(); }
  Result<Done> add(TimelineEvent event) { return events_.add(std::move(event)); }
  Result<Done> end_events() { return events_.flush(); }

 private:
  struct Records {
    std::string id;
    dump::Record operator()(std::vector<AlertRecord> chunk) const {
      return dump::AlertRecords{id, std::move(chunk)};
    }
  };
  struct Events {
    std::string id;
    dump::Record operator()(std::vector<TimelineEvent> chunk) const {
      return dump::Timeline{id, std::move(chunk)};
    }
  };
  std::string id_;
  transfer::Chunker<AlertRecord, Records> records_;
  transfer::Chunker<TimelineEvent, Events> events_;
};

// Writes the `incident` line of a document; the alert records inline in a document of an older
// daemon go first (the hash's records, written after them, win on import).
Result<std::optional<IncidentWriter>> start_incident(dump::Sink& sink, const keys::IncidentRef& ref,
                                                     const redisReply* document) {
  if (document->type == REDIS_REPLY_NIL) return std::optional<IncidentWriter>();  // indexed only
  auto incident = replies::decode(document, incident_from_json);
  if (!incident) return replies::corrupt(keys::incident(ref.source_id, ref.number));
  std::vector<AlertRecord> inline_records;
  for (auto& entry : incident->alerts) inline_records.push_back(std::move(entry.second));
  incident->alerts.clear();
  IncidentWriter writer(sink, incident->id);
  if (auto w = sink.write(dump::StoredIncident{std::move(*incident)}); !w) return w.error();
  for (auto& record : inline_records) {
    if (auto w = writer.add(std::move(record)); !w) return w.error();
  }
  return std::optional<IncidentWriter>(std::move(writer));
}

Result<Done> add_records(IncidentWriter& writer, const std::vector<std::string>& flat,
                         const std::string& key) {
  for (std::size_t i = 1; i < flat.size(); i += 2) {
    auto record = alert_record_from_json(json::parse(flat[i], nullptr, false));
    if (!record) return replies::corrupt(key, "field " + flat[i - 1] + " is not an alert record");
    if (auto w = writer.add(std::move(*record)); !w) return w;
  }
  return writer.end_records();
}

Result<Done> add_events(IncidentWriter& writer, const std::vector<std::string>& events,
                        const std::string& key) {
  for (const auto& text : events) {
    auto event = timeline_event_from_json(json::parse(text, nullptr, false));
    if (!event) return replies::corrupt(key, "an entry is not a timeline event");
    if (auto w = writer.add(std::move(*event)); !w) return w;
  }
  return Done{};
}

// Incidents up to a few thousand records and entries: their hashes and lists in one pipeline
// for many of them.
Result<Done> export_small(
    RedisClient& pool, dump::Sink& sink,
    const std::vector<std::pair<keys::IncidentRef, const redisReply*>>& batch) {
  if (batch.empty()) return Done{};
  std::vector<RedisCommand> commands;
  for (const auto& [ref, document] : batch) {
    commands.push_back({"HGETALL", keys::incident_alerts(ref.source_id, ref.number)});
    commands.push_back({"LRANGE", keys::timeline(ref.source_id, ref.number), "0", "-1"});
  }
  auto answers = run(pool, commands);
  if (!answers) return answers.error();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto writer = start_incident(sink, batch[i].first, batch[i].second);
    if (!writer) return writer.error();
    if (!*writer) continue;
    for (std::size_t part = 0; part < 2; ++part) {
      const redisReply* reply = (*answers)[2 * i + part].get();
      const auto strings = replies::strings_of(reply);
      if (!strings) return replies::error_for(reply, commands[2 * i + part][1]);
      auto added = part == 0 ? add_records(**writer, *strings, commands[2 * i][1])
                             : add_events(**writer, *strings, commands[2 * i + 1][1]);
      if (!added) return added;
    }
    if (auto w = (*writer)->end_events(); !w) return w;
  }
  return Done{};
}

// A large incident, streamed: its hash by HSCAN and its timeline by LRANGE pages, so that an
// incident with a million alerts is never held whole.
Result<Done> export_large(RedisClient& pool, dump::Sink& sink, const keys::IncidentRef& ref,
                          const redisReply* document) {
  auto writer = start_incident(sink, ref, document);
  if (!writer || !*writer) return writer ? Result<Done>(Done{}) : Result<Done>(writer.error());
  const std::string alerts_key = keys::incident_alerts(ref.source_id, ref.number);
  auto scanned = scan(pool, {"HSCAN", alerts_key}, [&](const std::vector<std::string>& page) {
    for (std::size_t i = 1; i < page.size(); i += 2) {
      auto record = alert_record_from_json(json::parse(page[i], nullptr, false));
      if (!record) return Result<Done>(replies::corrupt(alerts_key, "field " + page[i - 1]));
      if (auto w = (*writer)->add(std::move(*record)); !w) return w;
    }
    return Result<Done>(Done{});
  });
  if (!scanned) return scanned;
  if (auto w = (*writer)->end_records(); !w) return w;
  const std::string timeline_key = keys::timeline(ref.source_id, ref.number);
  for (std::size_t start = 0;; start += dump::kChunk) {
    auto page = run(pool, {{"LRANGE", timeline_key, std::to_string(start),
                            std::to_string(start + dump::kChunk - 1)}});
    if (!page) return page.error();
    const auto events = replies::strings_of(page->front().get());
    if (!events) return replies::error_for(page->front().get(), timeline_key);
    if (auto added = add_events(**writer, *events, timeline_key); !added) return added;
    if (events->size() < dump::kChunk) break;
  }
  return (*writer)->end_events();
}

// In pages of the incident index: the documents and the sizes of their hashes and lists in one
// pipeline; then small incidents together, large ones streamed one by one.
Result<Done> export_incidents(RedisClient& pool, dump::Sink& sink) {
  constexpr long long kLarge = 2000;                // records or timeline entries
  constexpr long long kEntriesPerPipeline = 20000;  // what export_small holds at once
  return scan(pool, {"ZSCAN", keys::kIncidents}, [&](const std::vector<std::string>& page) {
    std::vector<RedisCommand> commands;
    std::vector<keys::IncidentRef> refs;
    for (std::size_t i = 0; i < page.size(); i += 2) {
      auto ref = keys::parse_incident_id(page[i]);
      if (!ref) return Result<Done>(replies::corrupt(keys::kIncidents, "member " + page[i]));
      commands.push_back({"GET", keys::incident(ref->source_id, ref->number)});
      commands.push_back({"HLEN", keys::incident_alerts(ref->source_id, ref->number)});
      commands.push_back({"LLEN", keys::timeline(ref->source_id, ref->number)});
      refs.push_back(std::move(*ref));
    }
    if (commands.empty()) return Result<Done>(Done{});
    auto answers = run(pool, commands);
    if (!answers) return Result<Done>(answers.error());
    std::vector<std::pair<keys::IncidentRef, const redisReply*>> small;
    long long held = 0;
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const redisReply* document = (*answers)[3 * i].get();
      long long sizes[2] = {0, 0};
      for (std::size_t part = 0; part < 2; ++part) {
        const redisReply* size = (*answers)[3 * i + 1 + part].get();
        if (size->type != REDIS_REPLY_INTEGER) {
          return Result<Done>(replies::error_for(size, commands[3 * i + 1 + part][1]));
        }
        sizes[part] = size->integer;
      }
      if (sizes[0] > kLarge || sizes[1] > kLarge) {
        if (auto w = export_large(pool, sink, refs[i], document); !w) return w;
        continue;
      }
      small.emplace_back(refs[i], document);
      held += sizes[0] + sizes[1];
      if (held >= kEntriesPerPipeline) {
        if (auto w = export_small(pool, sink, small); !w) return w;
        small.clear();
        held = 0;
      }
    }
    return export_small(pool, sink, small);
  });
}

Result<Done> export_rcas(RedisClient& pool, dump::Sink& sink) {
  auto answers = run(pool, {{"HGETALL", keys::kRcas}});
  if (!answers) return answers.error();
  const auto fields = replies::strings_of(answers->front().get());
  if (!fields) return replies::error_for(answers->front().get(), keys::kRcas);
  std::map<std::string, dump::StoredRca> rcas;  // by id, as list_rcas orders them
  std::set<std::string> named;                  // incidents their documents name
  for (std::size_t i = 0; i + 1 < fields->size(); i += 2) {
    const std::string& id = (*fields)[i];
    const json record = json::parse((*fields)[i + 1], nullptr, false);
    const std::string where = std::string(keys::kRcas) + " field " + id;
    if (!record.is_object() || !record.contains("version") ||
        !record["version"].is_number_integer() || !record.contains("from_file") ||
        !record["from_file"].is_boolean() || !record.contains("document") ||
        !record["document"].is_object()) {
      return replies::corrupt(where, "not an RCA record");
    }
    const json& document = record["document"];
    if (document.contains("incidents") && document["incidents"].is_array()) {
      for (const auto& incident : document["incidents"]) {
        if (incident.is_string()) named.insert(incident.get<std::string>());
      }
    }
    rcas[id] = dump::StoredRca{id, record["version"].get<std::int64_t>(),
                               record["from_file"].get<bool>(), document};
  }
  for (const auto& entry : rcas) {
    if (auto w = sink.write(entry.second); !w) return w;
  }
  // The link sets are those of the incidents the RCA documents name (the scripts keep them so).
  std::vector<std::string> incidents(named.begin(), named.end());
  for (std::size_t from = 0; from < incidents.size(); from += dump::kChunk) {
    std::vector<RedisCommand> commands;
    std::vector<std::string> asked;
    for (std::size_t i = from; i < std::min(incidents.size(), from + dump::kChunk); ++i) {
      const auto ref = keys::parse_incident_id(incidents[i]);
      if (!ref) continue;
      commands.push_back({"SMEMBERS", keys::incident_rcas(ref->source_id, ref->number)});
      asked.push_back(incidents[i]);
    }
    if (commands.empty()) continue;
    auto links = run(pool, commands);
    if (!links) return links.error();
    for (std::size_t i = 0; i < asked.size(); ++i) {
      auto ids = replies::strings_of((*links)[i].get());
      if (!ids) return replies::error_for((*links)[i].get(), commands[i][1]);
      if (ids->empty()) continue;
      std::sort(ids->begin(), ids->end());
      if (auto w = sink.write(dump::RcaLinks{asked[i], std::move(*ids)}); !w) return w;
    }
  }
  return Done{};
}

Result<Done> export_kpis(RedisClient& pool, dump::Sink& sink) {
  auto answers = run(pool, {{"HGETALL", redis_kpi::kItems}});
  if (!answers) return answers.error();
  const auto items = replies::strings_of(answers->front().get());
  if (!items) return replies::error_for(answers->front().get(), redis_kpi::kItems);
  dump::KpiItemCounts counts;
  for (std::size_t i = 0; i + 1 < items->size(); i += 2) {
    const auto count = integer_of((*items)[i + 1]);
    if (!count) return replies::corrupt(redis_kpi::kItems, "a count is not an integer");
    if (*count != 0) counts.counts[(*items)[i]] = *count;
  }
  if (!counts.counts.empty()) {
    if (auto w = sink.write(counts); !w) return w;
  }
  for (const auto& name : dump_codec::kpi_index_names()) {
    const std::string key = redis_kpi::key(name);
    auto chunks = transfer::chunker<std::pair<std::string, UnixNanos>>(
        sink, [&name](std::vector<std::pair<std::string, UnixNanos>> members) {
          return dump::Record(dump::KpiIndex{name, std::move(members)});
        });
    auto scanned = scan(pool, {"ZSCAN", key}, [&](const std::vector<std::string>& page) {
      for (std::size_t i = 0; i + 1 < page.size(); i += 2) {
        const auto at = time_of(page[i + 1]);
        if (!at) return Result<Done>(replies::corrupt(key, "a score is not a time"));
        if (auto w = chunks.add({page[i], *at}); !w) return w;
      }
      return Result<Done>(Done{});
    });
    if (!scanned) return scanned;
    if (auto w = chunks.flush(); !w) return w;
  }
  auto resolved = transfer::chunker<dump::KpiResolvedEntry>(
      sink, [](std::vector<dump::KpiResolvedEntry> entries) {
        return dump::Record(dump::KpiResolved{std::move(entries)});
      });
  auto scanned =
      scan(pool, {"HSCAN", redis_kpi::kResolved}, [&](const std::vector<std::string>& page) {
        for (std::size_t i = 0; i + 1 < page.size(); i += 2) {
          const std::string& value = page[i + 1];
          const std::size_t space = value.find(' ');
          const auto at = integer_of(value.substr(0, space));
          const auto due =
              space == std::string::npos ? std::nullopt : integer_of(value.substr(space + 1));
          if (!at || !due)
            return Result<Done>(replies::corrupt(redis_kpi::kResolved, "field " + page[i]));
          if (auto w = resolved.add(dump::KpiResolvedEntry{page[i], *at, *due}); !w) return w;
        }
        return Result<Done>(Done{});
      });
  if (!scanned) return scanned;
  if (auto w = resolved.flush(); !w) return w;
  auto links = transfer::chunker<std::pair<std::string, std::int64_t>>(
      sink, [](std::vector<std::pair<std::string, std::int64_t>> counts) {
        return dump::Record(dump::KpiLinks{std::move(counts)});
      });
  scanned =
      scan(pool, {"HSCAN", redis_kpi::kPublishedLinks}, [&](const std::vector<std::string>& page) {
        for (std::size_t i = 0; i + 1 < page.size(); i += 2) {
          const auto count = integer_of(page[i + 1]);
          if (!count)
            return Result<Done>(replies::corrupt(redis_kpi::kPublishedLinks, "field " + page[i]));
          if (*count <= 0) continue;
          if (auto w = links.add({page[i], *count}); !w) return w;
        }
        return Result<Done>(Done{});
      });
  if (!scanned) return scanned;
  return links.flush();
}

}  // namespace

Result<Done> RedisStore::export_to(dump::Sink& sink) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  if (auto w = export_counters(*pool_, sink); !w) return w;
  if (auto w = export_sources(*pool_, sink); !w) return w;
  if (auto w = export_incidents(*pool_, sink); !w) return w;
  if (auto w = export_rcas(*pool_, sink); !w) return w;
  return export_kpis(*pool_, sink);
}

}  // namespace pmx
