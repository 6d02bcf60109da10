// RedisStore's key layout as Redis Cluster and managed offerings need it: one hash tag for
// every key, every key a script touches declared in KEYS, one script call per batch; and the
// move of data written in the pm:v1 layout (tests/fixtures/redis-v1) to it.
#include <fstream>
#include <set>
#include <sstream>

#include "pmx/core/json_codec.h"
#include "pmx/core/rca_loader.h"
#include "pmx/service/ingestor.h"
#include "store_test_support.h"

namespace pmx::store_test {
namespace {

using testing::ChildProcess;
using testing::RedisServer;

RedisConfig config_for(const std::string& url) {
  RedisConfig config;
  config.url = url;
  return config;
}

// schema/examples/valid/published-full.json (three action items: done, in progress, open) as
// RCA `id`, naming `incidents`.
Rca published_rca(const std::string& id, const std::vector<std::string>& incidents) {
  std::ifstream file(std::string(PMX_FIXTURES_DIR) +
                     "/../../schema/examples/valid/published-full.json");
  auto doc = nlohmann::json::parse(file);
  doc["id"] = id;
  doc["incidents"] = incidents;
  auto rca = load_rca(doc);
  EXPECT_TRUE(rca.ok()) << doc.dump();
  return rca.ok() ? std::move(*rca) : Rca{};
}

// What the file holds so far; "" until the process writing it has created it.
std::string text_so_far(const std::string& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

// The arguments of one line of MONITOR output: `<time> [<db> <client>] "arg" "arg" ...`, each
// argument quoted as Redis quotes them (sdscatrepr: \" \\ \n \r \t \a \b \xHH).
struct MonitoredCommand {
  bool from_script = false;  // the client is `lua`: a redis.call of a script
  std::vector<std::string> args;
};

std::optional<MonitoredCommand> parse_monitor_line(const std::string& line) {
  const std::size_t open = line.find(" [");
  const std::size_t close = line.find("] ", open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return std::nullopt;
  MonitoredCommand command;
  command.from_script = line.substr(open, close - open).find(" lua") != std::string::npos;
  std::string arg;
  bool quoted = false;
  for (std::size_t i = close + 2; i < line.size(); ++i) {
    const char c = line[i];
    if (!quoted) {
      if (c == '"') quoted = true;
      continue;
    }
    if (c == '"') {
      command.args.push_back(arg);
      arg.clear();
      quoted = false;
    } else if (c == '\\' && i + 1 < line.size()) {
      const char escaped = line[++i];
      if (escaped == 'x' && i + 2 < line.size()) {
        arg += static_cast<char>(std::stoi(line.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        arg += escaped == 'n' ? '\n' : escaped == 'r' ? '\r' : escaped == 't' ? '\t' : escaped;
      }
    } else {
      arg += c;
    }
  }
  if (command.args.empty()) return std::nullopt;
  for (auto& c : command.args[0])
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return command;
}

// Every key the scripts touched that their EVALSHA did not declare, from a MONITOR log: a
// script runs alone, so the commands it makes follow its EVALSHA line. Every command the
// scripts make has its key first. `checked` counts the script commands seen.
std::vector<std::string> undeclared_keys(const std::string& log, std::size_t& checked,
                                         std::set<std::string>& commands) {
  std::vector<std::string> undeclared;
  std::set<std::string> declared;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    const auto command = parse_monitor_line(line);
    if (!command) continue;
    const auto& args = command->args;
    if (!command->from_script) {
      declared.clear();
      if (args[0] == "EVALSHA" && args.size() >= 3) {
        const std::size_t count = std::stoul(args[2]);
        for (std::size_t k = 0; k < count && 3 + k < args.size(); ++k) declared.insert(args[3 + k]);
      }
      continue;
    }
    ++checked;
    commands.insert(args[0]);
    if (args.size() < 2 || !declared.count(args[1])) {
      undeclared.push_back(args[0] + " " + (args.size() > 1 ? args[1] : "(no key)"));
    }
  }
  return undeclared;
}

// Redis Cluster runs a script only if all its keys hash to one slot, and ElastiCache Serverless
// and MemoryDB refuse a script that touches a key it did not declare. A workload that makes
// every script write every kind of key (sources, incidents, timelines, RCA links old and new,
// each KPI aggregate), watched with MONITOR: every key a script touched was in its KEYS, and
// every key carries the one hash tag.
TEST(RedisLayout, EveryKeyAScriptTouchesIsDeclaredAndSharesOneHashTag) {
  RedisServer redis;
  RedisStore store(config_for(redis.url()));
  ASSERT_TRUE(store.healthy());
  const std::string log = testing::make_temp_dir("pmx-monitor") + "/monitor.log";
  ChildProcess monitor({"redis-cli", "-p", std::to_string(redis.port()), "monitor"}, log);
  ASSERT_TRUE(testing::poll_until([&] { return text_so_far(log).find("OK") == 0; }));

  IngestConfig config;
  Ingestor ingestor(store, config);
  Alert checkout = firing("HighLatency", "checkout", "fp1", kT0);
  checkout.labels["severity"] = "critical";  // needs a post-mortem once resolved
  const Alert auth = firing("HighLatency", "auth", "fp2", kT0);
  ASSERT_TRUE(ingestor.ingest({checkout, auth}, kT0));
  const std::string incident = incident_id(source_of("HighLatency", "checkout").id, 1);
  const std::string other = incident_id(source_of("HighLatency", "auth").id, 1);
  ASSERT_TRUE(store.put_rca(
      published_rca("rca-1", {incident, other}), 0,
      {{incident, {TimelineEvent{TimelineEventType::kRcaLinked, kT0, kT0, "", "rca-1"}}}}));
  const UnixNanos later = kT0 + 60 * kSecond;
  ASSERT_TRUE(ingestor.ingest({resolved(checkout, later), resolved(auth, later)}, later));
  // Replaced with one incident fewer: the script takes the RCA out of the other's link set.
  ASSERT_TRUE(store.put_rca(published_rca("rca-1", {incident}), 1, {}));
  const UnixNanos again = later + 60 * kSecond;
  ASSERT_TRUE(ingestor.ingest({firing("HighLatency", "checkout", "fp1", again)}, again));
  ASSERT_TRUE(store.delete_rca("rca-1"));

  ASSERT_EQ(redis.cli("ECHO monitor-end"), "monitor-end\n");
  ASSERT_TRUE(testing::poll_until(
      [&] { return text_so_far(log).find("monitor-end") != std::string::npos; }));
  monitor.kill_now();
  std::size_t checked = 0;
  std::set<std::string> commands;
  const auto undeclared = undeclared_keys(testing::read_file(log), checked, commands);
  EXPECT_TRUE(undeclared.empty()) << ::testing::PrintToString(undeclared);
  // What the workload was to make the scripts do, so that this test cannot pass on nothing.
  for (const char* command : {"SET", "SADD", "SREM", "ZADD", "ZREM", "HSET", "HDEL", "HINCRBY",
                              "RPUSH", "INCR", "HGET", "GET"}) {
    EXPECT_TRUE(commands.count(command)) << command << " never ran in a script";
  }
  EXPECT_GT(checked, 50u);

  std::istringstream keys(redis.cli("--raw KEYS '*'"));
  std::string key;
  std::size_t count = 0;
  while (std::getline(keys, key)) {
    ++count;
    EXPECT_EQ(key.rfind("{pm}:v2:", 0), 0u) << key;
  }
  EXPECT_GT(count, 10u);
}

// A webhook's sources are written by one script call, whatever their number: the call is the
// unit Redis runs alone, and one per source cost a dozen microseconds each in Redis.
TEST(RedisLayout, OneScriptCallCommitsEveryUpdatedSourceOfABatch) {
  RedisServer redis;
  RedisStore store(config_for(redis.url()));
  Ingestor ingestor(store, IngestConfig{});
  std::vector<Alert> alerts;
  for (int s = 0; s < 50; ++s) {
    alerts.push_back(
        firing("HighLatency", "svc" + std::to_string(s), "fp" + std::to_string(s), kT0));
  }
  ASSERT_TRUE(store.healthy());
  ASSERT_EQ(redis.cli("CONFIG RESETSTAT"), "OK\n");
  const auto counts = ingestor.ingest(alerts, kT0);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->occurrences, 50u);
  const std::string stats = redis.cli("INFO commandstats");
  EXPECT_NE(stats.find("cmdstat_evalsha:calls=1,"), std::string::npos) << stats;
  EXPECT_EQ(redis.cli("ZCARD '{pm}:v2:sources:seen'"), "50\n");
}

// Two commits of one source in one call (two webhooks grouped) behave as two calls would: the
// second, made from the same version, is refused, and the source counts once.
TEST(RedisLayout, ASourceTwiceInOneCallIsComparedAndSetInTurn) {
  RedisServer redis;
  RedisStore store(config_for(redis.url()));
  const SourceKey checkout = source_of("HighLatency", "checkout");
  SourceState fresh;
  fresh.key = checkout;
  const SourceUpdate first =
      apply_alerts(fresh, {firing("HighLatency", "checkout", "a", kT0)}, {}, kT0, IngestConfig{});
  const SourceUpdate second =
      apply_alerts(fresh, {firing("HighLatency", "checkout", "b", kT0)}, {}, kT0, IngestConfig{});
  const auto applied = store.commit({SourceCommit{0, first}, SourceCommit{0, second}});
  ASSERT_TRUE(applied);
  EXPECT_EQ(*applied, (std::vector<bool>{true, false}));
  const auto source = store.get_source(checkout.id);
  ASSERT_TRUE(source && *source);
  EXPECT_EQ((*source)->occurrences, 1u);
  EXPECT_EQ((*source)->version, 1);
}

// Loads tests/fixtures/redis-v1/layout-v1.redis: 31 keys as the last pm:v1 daemon wrote them.
void load_v1_layout(RedisServer& redis) {
  redis.cli("< '" + std::string(PMX_FIXTURES_DIR) + "/redis-v1/layout-v1.redis'");
  ASSERT_EQ(redis.cli("DBSIZE"), "31\n");
}

// Redis written by a daemon of the pm:v1 layout: the first operation moves every key to the
// current layout, the data reads as it did, and writes go on from it: an occurrence already
// counted stays counted once, a new one counts.
TEST(RedisLayout, DataOfTheV1LayoutIsMovedAndGoesOn) {
  RedisServer redis;
  load_v1_layout(redis);
  RedisStore store(config_for(redis.url()));
  expect_fixture_data(store);
  EXPECT_EQ(redis.cli("KEYS 'pm:v1:*'"), "\n");
  EXPECT_EQ(redis.cli("DBSIZE"), "31\n");

  Ingestor ingestor(store, IngestConfig{});
  const SourceKey checkout = source_of("HighLatency", "checkout");
  // Fixture 07's alert, sent again: its occurrence is in the moved set.
  Alert known = firing("HighLatency", "checkout", "6bb710ed11b2b558", 1795419878365253480);
  const auto resent = ingestor.ingest({known}, kT0 + 3600 * kSecond);
  ASSERT_TRUE(resent.ok()) << resent.error().message();
  EXPECT_EQ(resent->occurrences, 0u);
  const auto more = ingestor.ingest({firing("HighLatency", "checkout", "new-instance", kT0)}, kT0);
  ASSERT_TRUE(more.ok()) << more.error().message();
  EXPECT_EQ(more->occurrences, 1u);
  EXPECT_EQ((*store.get_source(checkout.id))->occurrences, 4u);
  // The RCA moved with its version: it is replaced from it.
  const std::string incident = incident_id(checkout.id, 1);
  EXPECT_TRUE(store.put_rca(published_rca("checkout-latency", {incident}), 1, {}).ok());
  EXPECT_EQ(
      (*store.get_incident(incident_id(source_of("DBPoolSaturated", "auth").id, 1)))->incident.rcas,
      std::vector<std::string>{});
}

// A move that stopped half-way (a crash, a restart) carries on at the next start: the keys that
// say pm:v1 data is there go last.
TEST(RedisLayout, AMoveStoppedHalfWayCarriesOn) {
  RedisServer redis;
  load_v1_layout(redis);
  const std::string checkout = source_of("HighLatency", "checkout").id;
  for (const std::string rest : {":state", ":version", ":occ", ":inc:1", ":inc:1:timeline"}) {
    ASSERT_EQ(redis.cli("RENAME 'pm:v1:src:{" + checkout + "}" + rest +
                        "' '{pm}:v2:src:" + checkout + rest + "'"),
              "OK\n");
  }
  RedisStore store(config_for(redis.url()));
  expect_fixture_data(store);
  EXPECT_EQ(redis.cli("KEYS 'pm:v1:*'"), "\n");
  EXPECT_EQ(redis.cli("DBSIZE"), "31\n");
}

// While another daemon moves the data, operations fail (503, retried) rather than read half of
// it; a Redis holding both layouts (a pm:v1 daemon still writing next to a new one) is refused
// with an error that says so, and nothing is renamed.
TEST(RedisLayout, TheMoveWaitsForAnotherDaemonAndRefusesTwoLayouts) {
  RedisServer redis;
  load_v1_layout(redis);
  ASSERT_EQ(redis.cli("SET '{pm}:v2:migration-lock' other-daemon"), "OK\n");
  RedisStore store(config_for(redis.url()));
  EXPECT_FALSE(store.healthy());
  const auto waiting = store.list_incidents(IncidentFilter{});
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ(waiting.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(waiting.error().message().find("another daemon"), std::string::npos);
  ASSERT_EQ(redis.cli("DEL '{pm}:v2:migration-lock'"), "1\n");

  ASSERT_EQ(redis.cli("SET '{pm}:v2:rcas:revision' 1"), "OK\n");
  const auto both = store.load({});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(both.error().message().find("both key layouts"), std::string::npos)
      << both.error().message();
  EXPECT_EQ(redis.cli("DBSIZE"), "32\n") << "nothing renamed";

  ASSERT_EQ(redis.cli("DEL '{pm}:v2:rcas:revision'"), "1\n");
  expect_fixture_data(store);
}

}  // namespace
}  // namespace pmx::store_test
