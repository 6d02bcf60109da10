// Moving a store: a SqliteStore filled through the real use cases (the Alertmanager 0.25
// fixtures through the Ingestor, RCAs through the RcaService) is exported to a dump file and
// imported into an empty RedisStore (a real redis-server); every read, every KPI, every
// source's load() and the ingest that follows must be the same on both. And back (Redis ->
// SQLite), into MemoryStore, and the refusals: a store that is not empty, a truncated or broken
// file (naming the line).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pmx/core/json_codec.h"
#include "pmx/receiver/webhook_decoder.h"
#include "pmx/service/ingestor.h"
#include "pmx/service/rca_service.h"
#include "pmx/store/dump_file.h"
#include "store_test_support.h"

namespace pmx::store_test {
namespace {

using nlohmann::json;

const char* const kFixtures[] = {"01-firing-group-checkout.json", "02-firing-group-auth.json",
                                 "03-repeat-send-checkout.json",  "04-repeat-send-auth.json",
                                 "05-resolved-checkout.json",     "06-resolved-auth.json",
                                 "07-refire-checkout.json",       "08-truncated-max-alerts-2.json"};

std::vector<Alert> fixture_alerts(const std::string& name) {
  std::ifstream in(std::string(PMX_FIXTURES_DIR) + "/alertmanager-0.25/" + name);
  std::stringstream body;
  body << in.rdbuf();
  auto message = decode_webhook(body.str());
  EXPECT_TRUE(message.ok()) << name << ": " << message.error().message();
  return message.ok() ? message->alerts : std::vector<Alert>();
}

UnixNanos at(const std::string& rfc3339) { return parse_rfc3339(rfc3339).value_or(0); }

json item(const std::string& id, const std::string& priority, const std::string& due,
          const std::string& status = "open") {
  return {{"id", id},          {"title", "item " + id},
          {"type", "prevent"}, {"priority", priority},
          {"owner", "sre"},    {"due", due},
          {"status", status}};
}

/// Every alert a story sent, for load(): the occurrence ids and fingerprints of each source.
std::map<std::string, SourceLoad> g_sent;  // by source id
void remember(const std::vector<Alert>& alerts) {
  for (const auto& alert : alerts) {
    const SourceKey key = source_key_for(alert.labels, {"alertname", "service"});
    SourceLoad& load = g_sent[key.id];
    load.key = key;
    load.occurrence_ids.push_back(occurrence_id(alert));
    load.fingerprints.push_back(alert.fingerprint);
  }
}

/// The story: the fixtures (firing, re-sends, resolves, a refire, a truncated group), a source
/// that resolves and comes back as a repeat, RCAs with action items (published and linked,
/// an item done, a draft naming an incident of another system, a waiver).
void fill(Store& store) {
  Ingestor ingestor(store, IngestConfig{});
  RcaService rcas(store);
  UnixNanos received = at("2026-11-23T07:44:15Z");
  for (const char* fixture : kFixtures) {
    const auto alerts = fixture_alerts(fixture);
    remember(alerts);
    ASSERT_TRUE(ingestor.ingest(alerts, received).ok()) << fixture;
    received += 20 * kSecond;
  }
  const UnixNanos disk_start = at("2026-11-20T10:00:00Z");
  Alert disk = firing("DiskFull", "db", "fp-disk", disk_start);
  disk.labels["severity"] = "critical";
  Alert disk_again = disk;
  disk_again.starts_at = disk_start + 3600 * kSecond;
  for (const auto& batch : {std::vector<Alert>{disk},
                            {resolved(disk, disk_start + 600 * kSecond)},
                            {disk_again},
                            {resolved(disk_again, disk_again.starts_at + 60 * kSecond)}}) {
    remember(batch);
    ASSERT_TRUE(ingestor.ingest(batch, batch.front().starts_at + kSecond).ok());
  }

  const std::string checkout_1 = incident_id(source_of("HighLatency", "checkout").id, 1);
  const std::string disk_1 = incident_id(source_of("DiskFull", "db").id, 1);
  const std::string disk_2 = incident_id(source_of("DiskFull", "db").id, 2);
  const json published{{"id", "R1"},
                       {"title", "Checkout latency"},
                       {"status", "published"},
                       {"root_cause", "connection pool exhausted"},
                       {"published_at", "2026-11-24T11:00:00Z"},
                       {"incidents", {checkout_1, disk_1}},
                       {"matchers", {"service=\"checkout\""}},
                       {"action_items",
                        {item("a1", "P0", "2026-11-20"), item("a2", "P1", "2026-12-10"),
                         item("a3", "P2", "2026-11-30")}}};
  ASSERT_TRUE(rcas.put("R1", published, at("2026-11-24T11:00:00Z")).ok());
  ASSERT_TRUE(
      rcas.patch_action_item("R1", "a3", {{"status", "done"}}, at("2026-11-25T09:00:00Z")).ok());
  const json draft{{"id", "R2"},
                   {"title", "Disk full again"},
                   {"status", "draft"},
                   {"incidents", {disk_2, "inc-4711"}},
                   {"action_items", {item("b1", "P3", "2027-01-15")}}};
  ASSERT_TRUE(rcas.put("R2", draft, at("2026-11-25T10:00:00Z"), RcaOrigin::kFile).ok());
  const json waived{{"id", "R3"},
                    {"title", "Auth flapping"},
                    {"status", "waived"},
                    {"severity", "warning"},
                    {"waiver_reason", "known flapping of a test probe"},
                    {"incidents", {incident_id(source_of("DBPoolSaturated", "auth").id, 1)}}};
  auto written = rcas.put("R3", waived, at("2026-11-25T10:30:00Z"));
  ASSERT_TRUE(written.ok()) << written.error().message() << " "
                            << (written.ok() ? ""
                                             : written.error().problems.front().path + " " +
                                                   written.error().problems.front().message);
}

template <typename T>
json ok_json(const Result<T>& result, const std::string& what) {
  EXPECT_TRUE(result.ok()) << what << ": " << result.error().message();
  return result.ok() ? json(*result) : json();
}

json incident_view(Store& store, const IncidentFilter& filter) {
  json out = json::array();
  const auto listed = store.list_incidents(filter);
  EXPECT_TRUE(listed.ok());
  if (!listed.ok()) return out;
  for (const auto& incident : *listed) {
    const auto detail = store.get_incident(incident.id);
    EXPECT_TRUE(detail.ok() && detail->has_value()) << incident.id;
    json timeline = json::array();
    if (detail.ok() && detail->has_value()) {
      for (const auto& event : (*detail)->timeline) timeline.push_back(to_json(event));
      EXPECT_EQ(to_json((*detail)->incident), to_json(incident));
    }
    out.push_back({{"incident", to_json(incident)}, {"timeline", timeline}});
  }
  return out;
}

/// Every read the API and /metrics make, and what the Ingestor's load() sees, as one document.
json everything(Store& store) {
  json view;
  IncidentFilter all;
  all.limit = 1000;
  view["incidents"] = incident_view(store, all);
  for (const auto state : {IncidentState::kOpen, IncidentState::kResolved}) {
    IncidentFilter filter = all;
    filter.state = state;
    view[std::string("incidents_") + to_string(state)] = incident_view(store, filter);
  }
  const auto sources = store.list_sources(1000);
  EXPECT_TRUE(sources.ok());
  for (const auto& source : sources.ok() ? *sources : std::vector<SourceState>()) {
    view["sources"].push_back(to_json(source));
    const auto single = store.get_source(source.key.id);
    EXPECT_TRUE(single.ok() && single->has_value());
    if (single.ok() && single->has_value()) view["source"].push_back(to_json(**single));
    IncidentFilter of_source = all;
    of_source.source_id = source.key.id;
    view["incidents_of"][source.key.id] = incident_view(store, of_source);
  }
  const auto rcas = store.list_rcas();
  EXPECT_TRUE(rcas.ok());
  for (const auto& rca : rcas.ok() ? *rcas : std::vector<Rca>()) {
    view["rcas"].push_back(
        {{"version", rca.version}, {"from_file", rca.from_file}, {"document", rca.document}});
    const auto single = store.get_rca(rca.id);
    EXPECT_TRUE(single.ok() && single->has_value());
    if (single.ok() && single->has_value()) view["rca"].push_back((*single)->document);
  }
  // The daemon's ranges at several instants: before, inside and after the due dates.
  for (const char* now : {"2026-11-24T00:00:00Z", "2026-11-26T12:00:00Z", "2027-02-01T00:00:00Z"}) {
    const auto snapshot = store.read_kpis(kpi_ranges(at(now), KpiWindows{}), 50);
    EXPECT_TRUE(snapshot.ok());
    if (!snapshot.ok()) continue;
    json top = json::array();
    for (const auto& count : snapshot->top_sources)
      top.push_back({count.source, count.occurrences});
    view["kpis"][now] = {{"open", snapshot->open_incidents},
                         {"top", top},
                         {"items", snapshot->action_items},
                         {"ranges", snapshot->range_counts}};
  }
  std::vector<SourceLoad> loads;
  for (const auto& entry : g_sent) loads.push_back(entry.second);
  const auto loaded = store.load(loads);
  EXPECT_TRUE(loaded.ok());
  if (loaded.ok()) {
    view["rca_revision"] = loaded->rca_revision;
    for (const auto& source : loaded->sources) {
      view["load"].push_back({{"state", to_json(source.state)},
                              {"version", source.state.version},
                              {"known", source.known_occurrences}});
    }
  }
  return view;
}

class StoreTransferTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new testing::RedisServer(); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override {
    ASSERT_EQ(redis_->cli("FLUSHALL"), "OK\n");
    dir_ = testing::make_temp_dir("pmx-transfer");
    g_sent.clear();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SqliteStore> sqlite(const std::string& name) {
    SqliteConfig config;
    config.path = dir_ + "/" + name;
    config.sync = SqliteSync::kNormal;
    return std::make_unique<SqliteStore>(config);
  }
  std::unique_ptr<RedisStore> redis() {
    RedisConfig config;
    config.url = redis_->url();
    return std::make_unique<RedisStore>(config);
  }
  std::string export_file(StoreTransfer& from, const std::string& name) {
    const std::string path = dir_ + "/" + name;
    std::ofstream out(path, std::ios::binary);
    const auto exported = export_dump(from, out, DumpHeader{"test", at("2026-11-26T00:00:00Z")});
    EXPECT_TRUE(exported.ok()) << exported.error().message();
    return path;
  }
  static std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  void write_lines(const std::string& path, const std::vector<std::string>& lines) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (const auto& line : lines) out << line << '\n';
  }

  static testing::RedisServer* redis_;
  std::string dir_;
};
testing::RedisServer* StoreTransferTest::redis_ = nullptr;

TEST_F(StoreTransferTest, SqliteToRedisKeepsEveryReadEveryKpiAndExactlyOnceIngest) {
  auto source = sqlite("source.db");
  fill(*source);
  const json before = everything(*source);
  ASSERT_GE(before["incidents"].size(), 4u);
  ASSERT_EQ(before["rcas"].size(), 3u);

  const std::string path = export_file(*source, "dump.jsonl");
  auto target = redis();
  const auto imported = import_dump(path, *target);
  ASSERT_TRUE(imported.ok()) << imported.error().message();
  EXPECT_EQ(imported->incidents, before["incidents"].size());
  EXPECT_EQ(imported->rcas, 3u);
  EXPECT_EQ(everything(*target), before);

  // A re-send of webhooks counted before the move counts nothing new after it.
  Ingestor after_move(*target, IngestConfig{});
  for (const char* fixture : {"03-repeat-send-checkout.json", "07-refire-checkout.json"}) {
    const auto counts = after_move.ingest(fixture_alerts(fixture), at("2026-11-26T01:00:00Z"));
    ASSERT_TRUE(counts.ok()) << counts.error().message();
    EXPECT_EQ(counts->occurrences, 0u) << fixture;
    EXPECT_EQ(counts->opened + counts->reopened, 0u) << fixture;
  }
  EXPECT_EQ(everything(*target), before);

  // And the ingest goes on as it would have on the source: the same new webhook, both stores.
  Alert disk = firing("DiskFull", "db", "fp-disk", at("2026-11-27T08:00:00Z"));
  disk.labels["severity"] = "critical";
  remember({disk});
  Ingestor on_source(*source, IngestConfig{});
  const auto on_target = after_move.ingest({disk}, at("2026-11-27T08:00:01Z"));
  const auto on_sqlite = on_source.ingest({disk}, at("2026-11-27T08:00:01Z"));
  ASSERT_TRUE(on_target.ok() && on_sqlite.ok());
  EXPECT_EQ(on_target->occurrences, 1u);
  EXPECT_EQ(on_target->opened, on_sqlite->opened);
  EXPECT_EQ(on_target->repeats_with_open_items, on_sqlite->repeats_with_open_items);
  EXPECT_EQ(everything(*target), everything(*source));
}

TEST_F(StoreTransferTest, RedisBackToSqliteAndIntoMemoryGiveTheSameReads) {
  auto source = sqlite("source.db");
  fill(*source);
  const json before = everything(*source);
  auto via_redis = redis();
  ASSERT_TRUE(import_dump(export_file(*source, "from-sqlite.jsonl"), *via_redis).ok());

  auto back = sqlite("back.db");
  const auto imported = import_dump(export_file(*via_redis, "from-redis.jsonl"), *back);
  ASSERT_TRUE(imported.ok()) << imported.error().message();
  EXPECT_EQ(everything(*back), before);

  MemoryStore memory;
  const auto into_memory = import_dump(export_file(*back, "from-back.jsonl"), memory);
  ASSERT_TRUE(into_memory.ok()) << into_memory.error().message();
  EXPECT_EQ(everything(memory), before);
  auto from_memory = sqlite("from-memory.db");
  ASSERT_TRUE(import_dump(export_file(memory, "from-memory.jsonl"), *from_memory).ok());
  EXPECT_EQ(everything(*from_memory), before);
}

TEST_F(StoreTransferTest, ImportRefusesAStoreThatIsNotEmpty) {
  auto source = sqlite("source.db");
  fill(*source);
  const std::string path = export_file(*source, "dump.jsonl");

  auto target = redis();
  ASSERT_TRUE(import_dump(path, *target).ok());
  const json once = everything(*target);
  const auto again = import_dump(path, *target);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_NE(again.error().message().find("not empty"), std::string::npos)
      << again.error().message();
  EXPECT_EQ(everything(*target), once);  // nothing merged

  // One foreign-looking key of ours is enough, and so is one row in SQLite.
  ASSERT_EQ(redis_->cli("FLUSHALL"), "OK\n");
  ASSERT_EQ(redis_->cli("SET {pm}:v2:rcas:revision 3"), "OK\n");
  EXPECT_EQ(import_dump(path, *target).error().code, ErrorCode::kConflict);
  const auto into_source = import_dump(path, *source);
  ASSERT_FALSE(into_source.ok());
  EXPECT_NE(into_source.error().message().find("not empty"), std::string::npos);
}

TEST_F(StoreTransferTest, TruncatedOrBrokenDumpsAreRefusedWithTheLineBeforeAnythingIsWritten) {
  auto source = sqlite("source.db");
  fill(*source);
  const std::string path = export_file(*source, "dump.jsonl");
  const auto lines = lines_of(path);
  ASSERT_GT(lines.size(), 10u);
  auto target = redis();
  const auto refused = [&](const std::vector<std::string>& edited, const std::string& expected) {
    const std::string broken = dir_ + "/broken.jsonl";
    write_lines(broken, edited);
    const auto result = import_dump(broken, *target);
    EXPECT_FALSE(result.ok()) << expected;
    if (result.ok()) return;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalid);
    EXPECT_NE(result.error().message().find(expected), std::string::npos)
        << "wanted '" << expected << "' in: " << result.error().message();
    const auto empty = target->empty();
    EXPECT_TRUE(empty.ok() && *empty) << "a refused dump wrote something";
  };

  // Cut after a record: no end line.
  std::vector<std::string> truncated(lines.begin(), lines.end() - 3);
  refused(truncated, "line " + std::to_string(truncated.size() + 1) + ": the dump ends");
  // Cut inside a line (no newline at the end).
  {
    const std::string cut = dir_ + "/broken.jsonl";
    std::ofstream out(cut, std::ios::binary | std::ios::trunc);
    for (std::size_t i = 0; i < 5; ++i) out << lines[i] << '\n';
    out << lines[5].substr(0, lines[5].size() / 2);
    out.close();
    const auto result = import_dump(cut, *target);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message().find("line 6:"), std::string::npos)
        << result.error().message();
  }
  auto edited = lines;
  edited[4] = "{not json";
  refused(edited, "line 5: not JSON");
  edited = lines;
  edited[3] = R"({"type":"incident","incident":{"id":"x"}})";
  refused(edited, "line 4: incident:");
  edited = lines;
  edited[2] = R"({"type":"kpi_index","name":"{pm}:v2:anything","members":[]})";
  refused(edited, "line 3:");
  edited = lines;
  edited[0] = R"({"format":"postmortem-exporter-dump","version":2})";
  refused(edited, "line 1: dump version 2");
  edited = lines;
  edited.insert(edited.begin() + 2, lines[1]);  // a second counters record
  refused(edited, "line 3: a second");
  edited = lines;
  edited.back() = R"({"type":"end","records":1})";
  refused(edited, "line " + std::to_string(lines.size()) + ": the end line counts 1");
  // An over-long line is refused without reading it whole.
  edited = lines;
  edited[2] = std::string(kMaxDumpLineBytes + 10, 'x');
  refused(edited, "line 3: longer than");

  ASSERT_TRUE(import_dump(path, *target).ok());  // the whole file still imports
}

TEST_F(StoreTransferTest, ALargeHistoryIsStreamedInBoundedLinesAndPipelinedIntoRedis) {
  // 4,200 alerts of 2 sources in 6 webhooks: every one an occurrence and an alert record, and
  // 2,100 records per incident, past the 2,000 above which Redis export pages an incident.
  auto source = sqlite("large.db");
  Ingestor ingestor(*source, IngestConfig{});
  constexpr int kBatches = 6;
  constexpr int kPerBatch = 700;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<Alert> batch;
    for (int a = 0; a < kPerBatch; ++a) {
      const int n = b * kPerBatch + a;
      batch.push_back(firing("Load", "svc" + std::to_string(n % 2), "fp-" + std::to_string(n),
                             kT0 + n * kSecond));
    }
    remember(batch);
    const auto counts = ingestor.ingest(batch, kT0 + (b + 1) * kPerBatch * kSecond);
    ASSERT_TRUE(counts.ok()) << counts.error().message();
    ASSERT_EQ(counts->occurrences, static_cast<std::uint64_t>(kPerBatch));
  }
  const std::string path = export_file(*source, "large.jsonl");
  std::size_t longest = 0;
  const auto lines = lines_of(path);
  for (const auto& line : lines) longest = std::max(longest, line.size());
  EXPECT_LT(longest, std::size_t{1} << 20) << "records are chunked";
  EXPECT_GT(lines.size(), 2u * kBatches * kPerBatch / dump::kChunk);

  auto target = redis();
  const std::uint64_t before = target->round_trips();
  const auto imported = import_dump(path, *target);
  ASSERT_TRUE(imported.ok()) << imported.error().message();
  EXPECT_LT(target->round_trips() - before, 40u) << "pipelined, not a round trip per record";
  const json view = everything(*source);
  EXPECT_EQ(everything(*target), view);
  // Back: Redis streams an incident of 2,100 alerts by HSCAN rather than in one reply.
  auto back = sqlite("back.db");
  ASSERT_TRUE(import_dump(export_file(*target, "large-back.jsonl"), *back).ok());
  EXPECT_EQ(everything(*back), view);
}

TEST_F(StoreTransferTest, AnEmptyStoreExportsAndImportsAsEmpty) {
  auto source = sqlite("source.db");
  const std::string path = export_file(*source, "empty.jsonl");
  EXPECT_EQ(lines_of(path).size(), 3u);  // header, counters, end
  auto target = redis();
  ASSERT_TRUE(import_dump(path, *target).ok());
  const auto empty = target->empty();
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(*empty);
}

}  // namespace
}  // namespace pmx::store_test
