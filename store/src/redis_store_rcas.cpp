// RedisStore's RCAs: every RCA is one field of the hash {pm}:v2:rcas (id → record), written and
// deleted by Lua scripts that also keep the incident links ({pm}:v2:src:<sid>:inc:<n>:rcas) and
// the RCA revision in step. Layout and scripts: schema/redis.md, "RCAs".
#include <algorithm>
#include <set>
#include <variant>

#include "pmx/core/json_codec.h"
#include "pmx/core/json_text.h"
#include "pmx/core/rca_loader.h"
#include "pmx/store/redis_store.h"
#include "redis_connection.h"
#include "redis_keys.h"
#include "redis_kpi_ops.h"
#include "redis_replies.h"
#include "redis_scripts.h"

namespace pmx {
namespace {

using nlohmann::json;
namespace keys = redis_keys;
namespace replies = redis_replies;

// What is stored for an RCA: the document as given, and what the store keeps beside it.
std::string record_of(const Rca& rca, std::int64_t version) {
  return replies::dump(
      json{{"version", version}, {"from_file", rca.from_file}, {"document", rca.document}});
}

// The RCA of a stored record; nullopt when the record or its document is not what put_rca
// writes (e.g. a document written by an older daemon that the loader now refuses).
std::optional<Rca> rca_of(const redisReply* reply) {
  if (reply->type != REDIS_REPLY_STRING) return std::nullopt;
  const std::string_view body = replies::text(reply);
  const auto record = json::parse(body.begin(), body.end(), nullptr, false);
  if (!record.is_object()) return std::nullopt;
  const auto version = record.find("version");
  const auto from_file = record.find("from_file");
  const auto document = record.find("document");
  if (version == record.end() || !version->is_number_integer() || from_file == record.end() ||
      !from_file->is_boolean() || document == record.end()) {
    return std::nullopt;
  }
  auto rca = load_rca(*document);
  if (!rca) return std::nullopt;
  rca->version = version->get<std::int64_t>();
  rca->from_file = from_file->get<bool>();
  return std::move(*rca);
}

// Where RCA `id` is stored, for error details: the field of the RCA hash.
std::string rca_field(const std::string& id) { return std::string(keys::kRcas) + " field " + id; }

// A stored record: its version, and the RCA when its document still loads (one written by an
// older daemon may not; it can be replaced or deleted, and contributed nothing we can name).
struct StoredRecord {
  std::int64_t version = 0;  // 0: none stored
  std::optional<Rca> rca;
  // The link sets of the incidents its document names, which the scripts take it out of: they
  // must be in the script's KEYS (the script checks that it is still this record).
  std::set<std::string> links;
};

// The link sets of the incident ids in `incidents` (ids of another shape link nothing), as
// link_key in redis_shared.lua derives them.
std::set<std::string> link_keys(const json& incidents) {
  std::set<std::string> links;
  if (!incidents.is_array()) return links;
  for (const auto& id : incidents) {
    if (!id.is_string()) continue;
    if (const auto ref = keys::parse_incident_id(id.get<std::string>())) {
      links.insert(keys::incident_rcas(ref->source_id, ref->number));
    }
  }
  return links;
}

Result<StoredRecord> read_record(RedisClient& pool, const std::string& id) {
  const auto answers = pool.run({{"HGET", keys::kRcas, id}});
  if (!answers) return ErrorCode::kUnavailable;
  const redisReply* reply = answers->front().get();
  if (reply->type == REDIS_REPLY_NIL) return StoredRecord{};
  if (reply->type != REDIS_REPLY_STRING) return replies::error_for(reply, rca_field(id));
  const std::string_view body = replies::text(reply);
  const auto record = json::parse(body.begin(), body.end(), nullptr, false);
  if (!record.is_object() || !record.contains("version") || !record["version"].is_number_integer()) {
    return replies::corrupt(rca_field(id), "not an RCA record with a version");
  }
  const auto document = record.find("document");
  return StoredRecord{record["version"].get<std::int64_t>(), rca_of(reply),
                      document != record.end() && document->is_object()
                          ? link_keys(document->value("incidents", json()))
                          : std::set<std::string>()};
}

// The EVALSHA of redis_rca_put.lua; KEYS and ARGV as documented at the top of the script.
RedisCommand put_command(const Rca& rca, const StoredRecord& stored,
                         const std::map<std::string, std::vector<TimelineEvent>>& timeline,
                         const std::vector<KpiOp>& kpi_ops) {
  const std::int64_t expected_version = stored.version;
  std::set<std::string> links;  // a set: SADD once per incident even if the document repeats it
  for (const auto& id : rca.incidents) {
    if (const auto ref = keys::parse_incident_id(id)) {
      links.insert(keys::incident_rcas(ref->source_id, ref->number));
    }
  }
  RedisCommand keys_part{keys::kRcas, keys::kRcaRevision};
  keys_part.insert(keys_part.end(), links.begin(), links.end());
  RedisCommand events_part;
  std::size_t incidents = 0;
  for (const auto& [id, events] : timeline) {
    const auto ref = keys::parse_incident_id(id);
    if (!ref || events.empty()) continue;  // no incident has an id of another shape
    keys_part.push_back(keys::incident(ref->source_id, ref->number));
    keys_part.push_back(keys::timeline(ref->source_id, ref->number));
    events_part.push_back(std::to_string(events.size()));
    for (const auto& event : events) events_part.push_back(timeline_event_text(event));
    ++incidents;
  }
  std::set<std::string> checked = stored.links;
  redis_kpi::add_touched_keys(checked, kpi_ops);
  keys_part.insert(keys_part.end(), checked.begin(), checked.end());

  RedisCommand command{"EVALSHA", std::string(kRcaPutScript.sha1),
                       std::to_string(keys_part.size())};
  command.insert(command.end(), std::make_move_iterator(keys_part.begin()),
                 std::make_move_iterator(keys_part.end()));
  command.push_back(rca.id);
  command.push_back(std::to_string(expected_version));
  command.push_back(record_of(rca, expected_version + 1));
  command.push_back(std::to_string(links.size()));
  command.push_back(std::to_string(incidents));
  command.insert(command.end(), std::make_move_iterator(events_part.begin()),
                 std::make_move_iterator(events_part.end()));
  redis_kpi::append_ops(command, kpi_ops);
  return command;
}

// Deletion scripts race with writers only in the window between reading the RCA (whose KPI
// part the script takes out) and the script; a handful of rounds is plenty.
constexpr int kDeleteRounds = 5;

}  // namespace

Result<RcaWrite> RedisStore::put_rca(
    const Rca& rca, std::int64_t expected_version,
    const std::map<std::string, std::vector<TimelineEvent>>& timeline) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  // A record whose document is not an object could never be read back nor replaced (the
  // script could not find its links): a bug upstream, refused before anything is written.
  if (!rca.document.is_object())
    return replies::corrupt(rca_field(rca.id), "the document to write is not an object");
  // The KPI ops take out what the stored RCA contributed: read it first (one more round trip
  // on a rare path); the script's compare-and-set proves it is still the one replaced.
  const auto stored = read_record(*pool_, rca.id);
  if (!stored) return stored.error();
  if (stored->version != expected_version) return ErrorCode::kConflict;
  const auto kpi_ops = rca_kpi_ops(stored->rca ? &*stored->rca : nullptr, &rca);
  const auto answers =
      pool_->run_script({put_command(rca, *stored, timeline, kpi_ops)}, kRcaPutScript);
  if (!answers) return ErrorCode::kUnavailable;
  const redisReply* answer = answers->front().get();
  if (answer->type != REDIS_REPLY_ARRAY || answer->elements < 2 ||
      answer->element[0]->type != REDIS_REPLY_INTEGER ||
      answer->element[1]->type != REDIS_REPLY_INTEGER) {
    return replies::error_for(answer, rca_field(rca.id));
  }
  const long long outcome = answer->element[0]->integer;
  if (outcome == 0) return ErrorCode::kConflict;
  RcaWrite write{outcome == 2, answer->element[1]->integer, {}};
  for (std::size_t i = 2; i < answer->elements; ++i) {
    const auto resolved_at = replies::counter(answer->element[i], rca_field(rca.id));
    if (!resolved_at) return resolved_at.error();
    write.covered_resolved_at.push_back(*resolved_at);
  }
  return write;
}

Result<std::optional<Rca>> RedisStore::get_rca(const std::string& id) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  const auto answers = pool_->run({{"HGET", keys::kRcas, id}});
  if (!answers) return ErrorCode::kUnavailable;
  const redisReply* record = answers->front().get();
  if (record->type == REDIS_REPLY_NIL) return std::optional<Rca>();
  if (record->type != REDIS_REPLY_STRING) return replies::error_for(record, rca_field(id));
  auto rca = rca_of(record);
  if (!rca) return replies::corrupt(rca_field(id), "not an RCA record that loads");
  return std::optional<Rca>(std::move(*rca));
}

Result<std::vector<Rca>> RedisStore::list_rcas() {
  if (auto ready = layout_ready(); !ready) return ready.error();
  const auto answers = pool_->run({{"HGETALL", keys::kRcas}});
  if (!answers) return ErrorCode::kUnavailable;
  const redisReply* all = answers->front().get();
  if (all->type != REDIS_REPLY_ARRAY || all->elements % 2 != 0)
    return replies::error_for(all, keys::kRcas);
  // HGETALL answers in no particular order: sort by id (the field), as MemoryStore lists them.
  std::vector<std::pair<std::string, Rca>> by_id;
  by_id.reserve(all->elements / 2);
  for (std::size_t i = 0; i < all->elements; i += 2) {
    if (all->element[i]->type != REDIS_REPLY_STRING)
      return replies::corrupt(keys::kRcas, "a field is not a string");
    const std::string id(replies::text(all->element[i]));
    auto rca = rca_of(all->element[i + 1]);
    if (!rca) return replies::corrupt(rca_field(id), "not an RCA record that loads");
    by_id.emplace_back(id, std::move(*rca));
  }
  std::sort(by_id.begin(), by_id.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Rca> rcas;
  rcas.reserve(by_id.size());
  for (auto& entry : by_id) rcas.push_back(std::move(entry.second));
  return rcas;
}

Result<bool> RedisStore::delete_rca(const std::string& id) {
  if (auto ready = layout_ready(); !ready) return ready.error();
  for (int round = 0; round < kDeleteRounds; ++round) {
    const auto stored = read_record(*pool_, id);
    if (!stored) return stored.error();
    if (stored->version == 0) return false;
    const auto kpi_ops = rca_kpi_ops(stored->rca ? &*stored->rca : nullptr, nullptr);
    std::set<std::string> checked = stored->links;
    redis_kpi::add_touched_keys(checked, kpi_ops);
    RedisCommand command{"EVALSHA", std::string(kRcaDeleteScript.sha1),
                         std::to_string(2 + checked.size()), keys::kRcas, keys::kRcaRevision};
    command.insert(command.end(), checked.begin(), checked.end());
    command.push_back(id);
    command.push_back(std::to_string(stored->version));
    redis_kpi::append_ops(command, kpi_ops);
    const auto answers = pool_->run_script({std::move(command)}, kRcaDeleteScript);
    if (!answers) return ErrorCode::kUnavailable;
    const redisReply* answer = answers->front().get();
    if (answer->type != REDIS_REPLY_INTEGER) return replies::error_for(answer, rca_field(id));
    if (answer->integer != 2) return answer->integer == 1;
  }
  return ErrorCode::kConflict;
}

}  // namespace pmx
