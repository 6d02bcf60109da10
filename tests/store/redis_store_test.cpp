// RedisStore beyond the conformance suite: the round-trip budget, outages (killed, frozen,
// restarted Redis, emptied script cache), credentials and database, corrupt data, key layout.
// Each test has its own redis-server, since most of them break it on purpose.
#include <signal.h>

#include <chrono>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <variant>

#include "pmx/core/json_codec.h"
#include "pmx/core/rca_loader.h"
#include "pmx/service/ingestor.h"
#include "pmx/service/rca_cache.h"
#include "store_test_support.h"

namespace pmx::store_test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::RedisServer;

RedisConfig config_for(const std::string& url) {
  RedisConfig config;
  config.url = url;
  return config;
}

/// `sources` sources with `per_source` alerts each, all starting at `starts_at`.
std::vector<Alert> webhook(int sources, int per_source, UnixNanos starts_at) {
  std::vector<Alert> alerts;
  for (int s = 0; s < sources; ++s) {
    for (int a = 0; a < per_source; ++a) {
      alerts.push_back(firing("HighLatency", "svc" + std::to_string(s),
                              "fp" + std::to_string(s) + "-" + std::to_string(a), starts_at));
    }
  }
  return alerts;
}

std::vector<Alert> resolved_all(std::vector<Alert> alerts, UnixNanos ends_at) {
  for (auto& alert : alerts) alert = resolved(alert, ends_at);
  return alerts;
}

/// A valid RCA document covering `matchers`, read as the API would store it.
Rca rca_for(const std::string& id, const std::vector<std::string>& matchers,
            const std::vector<std::string>& incidents = {}) {
  nlohmann::json doc{{"id", id}, {"title", "RCA " + id}, {"status", "draft"},
                     {"matchers", matchers}};
  if (!incidents.empty()) doc["incidents"] = incidents;
  auto loaded = load_rca(doc);
  EXPECT_TRUE(loaded.ok()) << doc.dump();
  return loaded.ok() ? std::move(*loaded) : Rca{};
}

/// Runs `operation` and returns how long it took.
template <typename Operation>
std::chrono::milliseconds time_of(Operation operation) {
  const auto start = Clock::now();
  operation();
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

TEST(RedisStore, AWebhookCostsAtMostTwoRoundTripsWhateverItsSize) {
  RedisServer redis;
  RedisStore store(config_for(redis.url()));
  ASSERT_TRUE(store.healthy());  // connects now: the set-up round trip is not a webhook's
  Ingestor ingestor(store, IngestConfig{});
  const std::vector<Alert> alerts = webhook(50, 10, kT0);

  // A new Ingestor starts at RCA revision 0, the empty set: on a store without RCAs its first
  // webhook costs no more than any other.
  std::uint64_t before = store.round_trips();
  auto counts = ingestor.ingest(alerts, kT0);
  ASSERT_TRUE(counts) << counts.error().message();
  EXPECT_EQ(counts->occurrences, 500u);
  EXPECT_EQ(counts->opened, 50u);
  EXPECT_EQ(store.round_trips() - before, 2u) << "load + commit";

  before = store.round_trips();
  counts = ingestor.ingest(alerts, kT0 + kSecond);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->duplicates, 500u);
  EXPECT_EQ(store.round_trips() - before, 1u) << "a pure re-send only loads";

  before = store.round_trips();
  counts = ingestor.ingest(resolved_all(alerts, kT0 + 60 * kSecond), kT0 + 61 * kSecond);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->resolved, 50u);
  EXPECT_EQ(store.round_trips() - before, 2u) << "load + commit of 50 sources";

  // RCAs written (by this daemon or another): the revision, read by load() in the same round
  // trip, moved, so the next webhook reads every RCA in one more round trip — one, whatever
  // their number — and the one after is back to the budget.
  for (int r = 0; r < 20; ++r) {
    before = store.round_trips();
    const auto write = store.put_rca(
        rca_for("rca-" + std::to_string(r), {"service=\"svc" + std::to_string(r) + "\""}), 0, {});
    ASSERT_TRUE(write) << write.error().message();
    EXPECT_EQ(store.round_trips() - before, 2u) << "put_rca: read the stored one, then the script";
  }
  before = store.round_trips();
  counts = ingestor.ingest(webhook(50, 10, kT0 + 3600 * kSecond), kT0 + 3600 * kSecond);
  ASSERT_TRUE(counts) << counts.error().message();
  EXPECT_EQ(counts->opened, 50u);
  EXPECT_EQ(store.round_trips() - before, 3u) << "load + RCAs (revision moved) + commit";
  before = store.round_trips();
  counts = ingestor.ingest(webhook(50, 10, kT0 + 3660 * kSecond), kT0 + 3660 * kSecond);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->occurrences, 500u);
  EXPECT_EQ(store.round_trips() - before, 2u) << "revision unchanged: load + commit";
  const auto repeat =
      store.get_incident(incident_id(source_of("HighLatency", "svc7").id, 2));
  ASSERT_TRUE(repeat && repeat->has_value());
  ASSERT_TRUE((*repeat)->incident.repeat.has_value());
  ASSERT_EQ((*repeat)->incident.repeat->rcas.size(), 1u);
  EXPECT_EQ((*repeat)->incident.repeat->rcas[0].id, "rca-7");

  // Reads: one index lookup and at most one pipelined fetch.
  before = store.round_trips();
  const auto top = top_sources(store, 50);
  ASSERT_TRUE(top);
  EXPECT_EQ(top->size(), 50u);
  EXPECT_EQ(store.round_trips() - before, 1u);
  before = store.round_trips();
  ASSERT_TRUE(store.get_incident(incident_id(source_of("HighLatency", "svc7").id, 1)));
  EXPECT_EQ(store.round_trips() - before, 1u);
  before = store.round_trips();
  const auto listed = store.list_incidents(IncidentFilter{});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 100u);
  EXPECT_EQ(store.round_trips() - before, 2u);
  before = store.round_trips();
  const auto rcas = store.list_rcas();
  ASSERT_TRUE(rcas);
  EXPECT_EQ(rcas->size(), 20u);
  EXPECT_EQ(store.round_trips() - before, 1u);
  before = store.round_trips();
  ASSERT_TRUE(store.get_rca("rca-3"));
  ASSERT_TRUE(store.delete_rca("rca-3"));
  EXPECT_EQ(store.round_trips() - before, 3u) << "get_rca + delete_rca (read, then the script)";
}

/// The commands Redis ran since the last CONFIG RESETSTAT, by name, from INFO commandstats
/// (`cmdstat_zcount:calls=26,...`).
std::map<std::string, long> commands_run(const testing::RedisServer& redis) {
  std::map<std::string, long> calls;
  std::istringstream info(redis.cli("INFO commandstats"));
  for (std::string line; std::getline(info, line);) {
    const auto colon = line.find(':');
    if (line.rfind("cmdstat_", 0) != 0 || colon == std::string::npos) continue;
    calls[line.substr(8, colon - 8)] = std::stol(line.substr(line.find("calls=") + 6));
  }
  calls.erase("config|resetstat");  // the test's own
  calls.erase("info");
  return calls;
}

// A scrape reads aggregates: one round trip of O(log n) commands, the same commands whether
// the store holds 10 incidents or 3,000; never KEYS or SCAN.
TEST(RedisStore, AScrapeCostsTheSameWhateverTheHistory) {
  RedisServer redis;
  RedisStore store(config_for(redis.url()));
  Ingestor ingestor(store, IngestConfig{});
  const auto scrape = [&] {
    ASSERT_EQ(redis.cli("CONFIG RESETSTAT"), "OK\n");
    const auto before = store.round_trips();
    ASSERT_TRUE(store.read_kpis(kpi_ranges(kT0, KpiWindows{}), 50));
    EXPECT_EQ(store.round_trips() - before, 1u);
  };
  ASSERT_TRUE(ingestor.ingest(webhook(10, 1, kT0), kT0));
  scrape();
  const auto small = commands_run(redis);
  EXPECT_EQ(small.count("keys") + small.count("scan"), 0u);
  for (const auto& [command, calls] : small) {
    EXPECT_TRUE(command == "zcard" || command == "hgetall" || command == "zrange" ||
                command == "zcount")
        << command << " is not an aggregate read";
  }

  for (int batch = 0; batch < 6; ++batch) {  // 3,000 more incidents, each resolved
    const UnixNanos at = kT0 + (batch + 1) * 3600 * kSecond;
    std::vector<Alert> alerts = webhook(500, 1, at);
    for (auto& alert : alerts) alert.labels["service"] += "-" + std::to_string(batch);
    ASSERT_TRUE(ingestor.ingest(alerts, at));
    ASSERT_TRUE(ingestor.ingest(resolved_all(alerts, at + 60 * kSecond), at + 60 * kSecond));
  }
  scrape();
  EXPECT_EQ(commands_run(redis), small);
}

// A scrape's RCAs (the reminder and warning series) come from RcaCache: decoded again only
// after an RCA write, here or by another daemon on the same Redis; otherwise one small read.
TEST(RedisStore, AScrapeDecodesTheRcasAgainOnlyAfterAnRcaWrite) {
  RedisServer redis;
  RedisStore store(config_for(redis.url()));
  RedisStore other_daemon(config_for(redis.url()));
  ASSERT_TRUE(store.put_rca(rca_for("rca-1", {}), 0, {}));
  RcaCache cache(store);
  const auto read = [&](std::uint64_t round_trips) {
    const auto before = store.round_trips();
    auto rcas = cache.rcas();
    EXPECT_TRUE(rcas.ok());
    EXPECT_EQ(store.round_trips() - before, round_trips);
    return rcas.ok() ? *rcas : nullptr;
  };
  const auto first = read(2);
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(read(1), first) << "unchanged: the revision alone";

  nlohmann::json document{{"id", "rca-2"}, {"title", "Two items"}, {"status", "draft"}};
  for (const char* id : {"AI-1", "AI-2"}) {
    document["action_items"].push_back({{"id", id},
                                        {"title", std::string("Fix ") + id},
                                        {"type", "prevent"},
                                        {"priority", "P1"},
                                        {"owner", "sre-oncall"},
                                        {"due", "2030-01-31"},
                                        {"status", "open"}});
  }
  auto with_items = load_rca(document);
  ASSERT_TRUE(with_items.ok());
  ASSERT_TRUE(other_daemon.put_rca(*with_items, 0, {}));
  const auto second = read(2);
  ASSERT_NE(second, nullptr);
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ(second->back().id, "rca-2");
  // The items are kept decoded; their array leaves the cached document (memory).
  EXPECT_EQ(second->back().action_items.size(), 2u);
  EXPECT_FALSE(second->back().document.contains("action_items"));
  EXPECT_EQ(second->back().document.value("title", ""), "Two items");
  EXPECT_EQ(read(1), second);

  ASSERT_TRUE(other_daemon.delete_rca("rca-1"));
  const auto third = read(2);
  ASSERT_NE(third, nullptr);
  ASSERT_EQ(third->size(), 1u);
  EXPECT_EQ(third->front().id, "rca-2");
}

TEST(RedisStore, FailsFastWhileRedisIsDownAndRecoversAfterARestart) {
  RedisServer redis(/*aof=*/true);  // what was written survives the restart
  RedisStore store(config_for(redis.url()));
  Ingestor ingestor(store, IngestConfig{});
  const std::vector<Alert> before_outage = webhook(3, 2, kT0);
  ASSERT_TRUE(ingestor.ingest(before_outage, kT0));

  redis.kill();
  const std::vector<Alert> during_outage = webhook(3, 2, kT0 + 60 * kSecond);
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto took = time_of([&] {
      const auto counts = ingestor.ingest(during_outage, kT0 + 60 * kSecond);
      ASSERT_FALSE(counts.ok());
      EXPECT_EQ(counts.error().code, ErrorCode::kUnavailable);
    });
    EXPECT_LT(took, 300ms) << "attempt " << attempt;
  }
  const auto reads = time_of([&] {
    EXPECT_EQ(store.list_incidents(IncidentFilter{}).error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(store.get_incident(incident_id(source_of("HighLatency", "svc0").id, 1)).error().code,
              ErrorCode::kUnavailable);
    EXPECT_EQ(store.list_sources(10).error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(store.get_source(source_of("HighLatency", "svc0").id).error().code,
              ErrorCode::kUnavailable);
    EXPECT_EQ(count_open_incidents(store).error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(top_sources(store, 10).error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(store.put_rca(rca_for("rca-1", {}), 0, {}).error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(store.get_rca("rca-1").error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(store.list_rcas().error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(store.delete_rca("rca-1").error().code, ErrorCode::kUnavailable);
    EXPECT_FALSE(store.healthy());
  });
  EXPECT_LT(reads, 300ms);
  EXPECT_FALSE(store.last_error().empty());

  redis.restart();
  ASSERT_TRUE(pmx::testing::poll_until([&] { return store.healthy(); }, 15s)) << store.last_error();
  auto counts = ingestor.ingest(before_outage, kT0 + 120 * kSecond);
  ASSERT_TRUE(counts) << counts.error().message();
  EXPECT_EQ(counts->duplicates, before_outage.size()) << "recorded before the outage";
  counts = ingestor.ingest(during_outage, kT0 + 120 * kSecond);
  ASSERT_TRUE(counts) << counts.error().message();
  EXPECT_EQ(counts->occurrences, during_outage.size()) << "nothing was half-written";
  const auto open = count_open_incidents(store);
  ASSERT_TRUE(open);
  EXPECT_EQ(*open, 3u);
}

// The daemon logs each start and end of an outage: it must hear of each once, however many
// operations fail meanwhile and on however many threads, and with the address and the cause;
// in between, only of a change of the cause (the killed server's connections close, then its
// port refuses connects).
TEST(RedisStore, TellsOfAnOutageOnceWhenItStartsAndOnceWhenItEnds) {
  RedisServer redis;
  std::mutex mutex;
  std::vector<RedisAvailability> told;
  RedisConfig config = config_for(redis.url());
  config.on_availability = [&](const RedisAvailability& change) {
    std::lock_guard lock(mutex);
    told.push_back(change);
  };
  RedisStore store(config);
  const auto changes = [&] {
    std::lock_guard lock(mutex);
    return told;
  };
  ASSERT_TRUE(store.healthy());
  EXPECT_TRUE(changes().empty()) << "no outage yet";
  const std::string address = "127.0.0.1:" + std::to_string(redis.port());

  redis.kill();
  // First the idle connection finds the server gone, then the others' connects are refused: in
  // that order, which concurrent threads would not keep (a connect could be refused before the
  // idle connection's read fails).
  EXPECT_FALSE(store.list_rcas().ok());
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        EXPECT_FALSE(store.list_rcas().ok());
        EXPECT_FALSE(store.healthy());
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const auto during = changes();
  ASSERT_FALSE(during.empty());
  EXPECT_LE(during.size(), 2u) << "one per cause, not one per failed operation";
  for (std::size_t i = 0; i < during.size(); ++i) {
    EXPECT_FALSE(during[i].available);
    EXPECT_EQ(during[i].ongoing, i > 0);
    EXPECT_EQ(during[i].address, address);
    EXPECT_FALSE(during[i].error.empty());
    if (i > 0) {
      EXPECT_NE(during[i].error, during[i - 1].error);
    }
  }
  EXPECT_NE(during.back().error.find("Connection refused"), std::string::npos)
      << during.back().error;

  redis.restart();
  ASSERT_TRUE(pmx::testing::poll_until([&] { return store.healthy(); }, 15s)) << store.last_error();
  EXPECT_TRUE(store.list_rcas().ok());
  ASSERT_EQ(changes().size(), during.size() + 1);
  EXPECT_TRUE(changes().back().available);
  EXPECT_EQ(changes().back().address, address);
  EXPECT_GT(changes().back().outage.count(), 0);
}

TEST(RedisStore, AFrozenRedisCostsATimeoutNotAHang) {
  RedisServer redis;
  RedisConfig config = config_for(redis.url());
  config.io_timeout = 200ms;
  config.connect_timeout = 200ms;
  RedisStore store(config);
  Ingestor ingestor(store, IngestConfig{});
  ASSERT_TRUE(ingestor.ingest(webhook(2, 2, kT0), kT0));

  // SIGSTOP: the kernel still accepts connections, the server never answers.
  const pid_t pid = redis.pid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  struct Resume {
    pid_t pid;
    ~Resume() { ::kill(pid, SIGCONT); }
  } resume{pid};

  for (int attempt = 0; attempt < 10; ++attempt) {
    const auto took = time_of([&] {
      const auto counts = ingestor.ingest(webhook(2, 2, kT0 + kSecond), kT0 + kSecond);
      ASSERT_FALSE(counts.ok());
      EXPECT_EQ(counts.error().code, ErrorCode::kUnavailable);
    });
    // At worst one read timeout or one connect (probe) timeout, never several.
    EXPECT_LT(took, 600ms) << "attempt " << attempt;
  }
  EXPECT_FALSE(store.healthy());

  ::kill(pid, SIGCONT);
  ASSERT_TRUE(pmx::testing::poll_until([&] { return store.healthy(); }, 15s)) << store.last_error();
  const auto counts = ingestor.ingest(webhook(2, 2, kT0 + kSecond), kT0 + 2 * kSecond);
  ASSERT_TRUE(counts) << counts.error().message();
  EXPECT_EQ(counts->occurrences, 4u);
}

TEST(RedisStore, ReloadsTheScriptWhenRedisForgotIt) {
  RedisServer redis;
  RedisStore store(config_for(redis.url()));
  Ingestor ingestor(store, IngestConfig{});
  ASSERT_TRUE(ingestor.ingest(webhook(5, 2, kT0), kT0));

  // The connection stays up, the script cache is emptied: EVALSHA answers NOSCRIPT.
  ASSERT_EQ(redis.cli("SCRIPT FLUSH"), "OK\n");
  std::uint64_t before = store.round_trips();
  auto counts = ingestor.ingest(webhook(5, 2, kT0 + 60 * kSecond), kT0 + 60 * kSecond);
  ASSERT_TRUE(counts) << counts.error().message();
  EXPECT_EQ(counts->occurrences, 10u);
  EXPECT_EQ(store.round_trips() - before, 3u) << "load, NOSCRIPT, SCRIPT LOAD + retry";

  before = store.round_trips();
  counts = ingestor.ingest(webhook(5, 2, kT0 + 120 * kSecond), kT0 + 120 * kSecond);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->occurrences, 10u);
  EXPECT_EQ(store.round_trips() - before, 2u) << "back to the budget";
  const auto state = store.get_source(source_of("HighLatency", "svc0").id);
  ASSERT_TRUE(state && state->has_value());
  EXPECT_EQ((*state)->occurrences, 6u);

  // The RCA scripts too.
  ASSERT_EQ(redis.cli("SCRIPT FLUSH"), "OK\n");
  before = store.round_trips();
  const auto write = store.put_rca(rca_for("rca-1", {"service=\"svc0\""}), 0, {});
  ASSERT_TRUE(write) << write.error().message();
  EXPECT_EQ(write->version, 1);
  EXPECT_EQ(store.round_trips() - before, 3u) << "read, NOSCRIPT, SCRIPT LOAD + retry";
  ASSERT_EQ(redis.cli("SCRIPT FLUSH"), "OK\n");
  before = store.round_trips();
  const auto deleted = store.delete_rca("rca-1");
  ASSERT_TRUE(deleted) << deleted.error().message();
  EXPECT_TRUE(*deleted);
  EXPECT_EQ(store.round_trips() - before, 3u);
  EXPECT_EQ(redis.cli("GET {pm}:v2:rcas:revision"), "2\n") << "each ran exactly once";
}

TEST(RedisStore, LogsInAndSelectsTheDatabaseFromTheUrl) {
  RedisServer redis(false, {"--requirepass", "p@ss:word/1", "--user", "alice", "on", ">wonderland",
                            "~*", "&*", "+@all"});
  const std::string address = "127.0.0.1:" + std::to_string(redis.port());
  const std::string cli_auth = "--no-auth-warning -a 'p@ss:word/1' ";

  RedisStore store(config_for("redis://:p%40ss%3Aword%2F1@" + address + "/3"));
  Ingestor ingestor(store, IngestConfig{});
  ASSERT_TRUE(ingestor.ingest(webhook(2, 1, kT0), kT0)) << store.last_error();
  EXPECT_EQ(redis.cli(cli_auth + "-n 3 ZCARD {pm}:v2:sources:seen"), "2\n");
  EXPECT_EQ(redis.cli(cli_auth + "-n 0 ZCARD {pm}:v2:sources:seen"), "0\n");

  RedisStore as_alice(config_for("redis://alice:wonderland@" + address + "/4"));
  ASSERT_TRUE(Ingestor(as_alice, IngestConfig{}).ingest(webhook(1, 1, kT0), kT0))
      << as_alice.last_error();
  EXPECT_EQ(redis.cli(cli_auth + "-n 4 ZCARD {pm}:v2:sources:seen"), "1\n");

  RedisStore wrong(config_for("redis://:not-the-password@" + address));
  EXPECT_FALSE(wrong.healthy());
  const auto counts = Ingestor(wrong, IngestConfig{}).ingest(webhook(1, 1, kT0), kT0);
  ASSERT_FALSE(counts.ok());
  EXPECT_EQ(counts.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(wrong.last_error().find("WRONGPASS"), std::string::npos) << wrong.last_error();
  EXPECT_EQ(wrong.last_error().find("not-the-password"), std::string::npos);
}

TEST(RedisStore, ACorruptDocumentIsReportedAndNotOverwritten) {
  RedisServer redis;
  RedisStore store(config_for(redis.url()));
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const std::string state_key = "'{pm}:v2:src:" + checkout.id + ":state'";
  ASSERT_EQ(redis.cli("SET " + state_key + " 'not json'"), "OK\n");

  const Alert alert = firing("HighLatency", "checkout", "fp1", kT0);
  const auto counts = Ingestor(store, IngestConfig{}).ingest({alert}, kT0);
  ASSERT_FALSE(counts.ok());
  EXPECT_EQ(counts.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(store.get_source(checkout.id).error().code, ErrorCode::kCorrupt);
  // The error names the key, so an operator knows what to look at.
  const std::string key = "{pm}:v2:src:" + checkout.id + ":state";
  EXPECT_NE(counts.error().detail.find(key), std::string::npos) << counts.error().detail;
  EXPECT_NE(store.get_source(checkout.id).error().detail.find(key), std::string::npos);

  // The commit script checks too, before writing anything.
  SourceState fresh;
  fresh.key = checkout;
  const SourceUpdate update = apply_alerts(fresh, {alert}, {}, kT0, IngestConfig{});
  EXPECT_EQ(store.commit({SourceCommit{0, update}}).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(redis.cli("GET " + state_key), "not json\n");
  EXPECT_EQ(redis.cli("DBSIZE"), "1\n");
}

// Before the alert records had hashes of their own, the state and the incident document carried
// them inline, without aggregates. Such data must go on as it was: same alerts, and the incident
// resolves when the last of them does.
TEST(RedisStore, DataWrittenWithInlineAlertRecordsGoesOn) {
  RedisServer redis;
  RedisStore store(config_for(redis.url()));
  Ingestor ingestor(store, IngestConfig{});
  const SourceKey checkout = source_of("HighLatency", "checkout");
  std::vector<Alert> alerts;
  for (const char* fingerprint : {"fp1", "fp2", "fp3"}) {
    alerts.push_back(firing("HighLatency", "checkout", fingerprint, kT0));
  }
  alerts[1].labels["severity"] = "critical";
  ASSERT_TRUE(ingestor.ingest(alerts, kT0));

  // Rewrite the source as the earlier layout had it.
  const std::string id = incident_id(checkout.id, 1);
  const Incident incident = (*store.get_incident(id))->incident;
  SourceState state = **store.get_source(checkout.id);
  state.current = incident;
  auto legacy_state = to_json(state);
  auto legacy_incident = to_json(incident);
  for (const char* field : {"firing_alerts", "last_alert_end", "severities"}) {
    legacy_state["current"].erase(field);
    legacy_incident.erase(field);
  }
  const std::string source = "'{pm}:v2:src:" + checkout.id;
  ASSERT_EQ(redis.cli("SET " + source + ":state' '" + legacy_state.dump() + "'"), "OK\n");
  ASSERT_EQ(redis.cli("SET " + source + ":inc:1' '" + legacy_incident.dump() + "'"), "OK\n");
  ASSERT_EQ(redis.cli("DEL " + source + ":alerts' " + source + ":inc:1:alerts'"), "2\n");

  const Incident read = (*store.get_incident(id))->incident;
  EXPECT_EQ(read.alerts.size(), 3u);
  EXPECT_EQ(read.firing_alerts, 3u);
  EXPECT_EQ(read.severities, std::set<std::string>{"critical"});

  ASSERT_TRUE(ingestor.ingest({resolved(alerts[0], kT0 + 10 * kSecond)}, kT0 + 10 * kSecond));
  ASSERT_TRUE(ingestor.ingest({resolved(alerts[1], kT0 + 20 * kSecond)}, kT0 + 20 * kSecond));
  EXPECT_EQ((*store.get_incident(id))->incident.state, IncidentState::kOpen);
  const auto last = ingestor.ingest({resolved(alerts[2], kT0 + 30 * kSecond)}, kT0 + 30 * kSecond);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->resolved, 1u);
  const Incident done = (*store.get_incident(id))->incident;
  EXPECT_EQ(done.state, IncidentState::kResolved);
  EXPECT_EQ(done.resolved_at, kT0 + 30 * kSecond);
  ASSERT_EQ(done.alerts.size(), 3u);
  for (const auto& [fingerprint, record] : done.alerts) {
    EXPECT_EQ(record.status, AlertStatus::kResolved) << fingerprint;
  }
  // The first commit moved every inline record into the hashes.
  EXPECT_EQ(redis.cli("HLEN " + source + ":inc:1:alerts'"), "3\n");
}

TEST(RedisStore, ACorruptRcaIsReportedAndNotOverwritten) {
  RedisServer redis;
  RedisStore store(config_for(redis.url()));
  ASSERT_EQ(redis.cli("HSET {pm}:v2:rcas rca-1 'not json'"), "1\n");
  EXPECT_EQ(store.get_rca("rca-1").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(store.list_rcas().error().code, ErrorCode::kCorrupt);
  EXPECT_NE(store.get_rca("rca-1").error().detail.find("{pm}:v2:rcas field rca-1"),
            std::string::npos)
      << store.get_rca("rca-1").error().detail;
  EXPECT_NE(store.list_rcas().error().detail.find("rca-1"), std::string::npos);
  EXPECT_EQ(store.put_rca(rca_for("rca-1", {}), 0, {}).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(store.put_rca(rca_for("rca-1", {}), 1, {}).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(store.delete_rca("rca-1").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(redis.cli("HGET {pm}:v2:rcas rca-1"), "not json\n");
  EXPECT_EQ(redis.cli("DBSIZE"), "1\n") << "no revision bump, no link";

  // A record whose document the loader no longer accepts (no title) cannot be read, but the
  // API can replace it: the script needs only its version and incidents.
  ASSERT_EQ(redis.cli("HSET {pm}:v2:rcas rca-1 "
                      "'{\"version\":3,\"from_file\":false,\"document\":{\"id\":\"rca-1\"}}'"),
            "0\n");
  EXPECT_EQ(store.get_rca("rca-1").error().code, ErrorCode::kCorrupt);
  const auto replaced = store.put_rca(rca_for("rca-1", {}), 3, {});
  ASSERT_TRUE(replaced) << replaced.error().message();
  EXPECT_EQ(replaced->version, 4);
  ASSERT_TRUE(store.get_rca("rca-1"));

  ASSERT_EQ(redis.cli("SET {pm}:v2:rcas:revision 'x'"), "OK\n");
  EXPECT_EQ(store.load({}).error().code, ErrorCode::kCorrupt);
}

TEST(RedisStore, KeysFollowTheDocumentedLayout) {
  RedisServer redis;
  RedisStore store(config_for(redis.url()));
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const Alert alert = firing("HighLatency", "checkout", "fp1", kT0);
  Ingestor ingestor(store, IngestConfig{});
  ASSERT_TRUE(ingestor.ingest({alert}, kT0));
  EXPECT_EQ(redis.cli("TYPE {pm}:v2:incidents:open"), "zset\n");
  EXPECT_EQ(redis.cli("ZRANGE {pm}:v2:incidents:open 0 -1"), incident_id(checkout.id, 1) + "\n");
  ASSERT_TRUE(ingestor.ingest({resolved(alert, kT0 + 60 * kSecond)}, kT0 + 60 * kSecond));

  const std::string source = "{pm}:v2:src:" + checkout.id;
  const std::vector<std::pair<std::string, std::string>> layout{
      {source + ":state", "string"},
      {source + ":occ", "set"},
      {source + ":incidents", "zset"},
      {source + ":inc:1", "string"},
      {source + ":inc:1:timeline", "list"},
      {"{pm}:v2:incidents", "zset"},
      {"{pm}:v2:sources:seen", "zset"},
      {"{pm}:v2:sources:occurrences", "zset"},
      {"{pm}:v2:kpi:incidents:opened", "zset"},
      {source + ":version", "string"},
      {source + ":alerts", "hash"},
      {source + ":inc:1:alerts", "hash"}};
  for (const auto& [key, type] : layout) {
    EXPECT_EQ(redis.cli("TYPE '" + key + "'"), type + "\n") << key;
  }
  // The open index is gone once its last member left: Redis deletes empty zsets.
  EXPECT_EQ(redis.cli("DBSIZE"), std::to_string(layout.size()) + "\n");
  EXPECT_EQ(redis.cli("ZSCORE {pm}:v2:sources:occurrences '" + checkout.canonical + "'"), "-1\n");
  EXPECT_EQ(std::stod(redis.cli("ZSCORE {pm}:v2:incidents '" + incident_id(checkout.id, 1) + "'")),
            static_cast<double>(kT0));
  EXPECT_EQ(redis.cli("LLEN '" + source + ":inc:1:timeline'"), "4\n");
  EXPECT_EQ(redis.cli("SISMEMBER '" + source + ":occ' '" + occurrence_id(alert) + "'"), "1\n");

  // RCAs: one hash of records, the revision, and a link set per linked incident.
  const std::string incident = incident_id(checkout.id, 1);
  const Rca rca = rca_for("rca-1", {}, {incident, "inc-not-ours"});
  ASSERT_TRUE(store.put_rca(rca, 0, {}));
  const std::vector<std::pair<std::string, std::string>> rca_layout{
      {"{pm}:v2:rcas", "hash"},
      {"{pm}:v2:rcas:revision", "string"},
      {source + ":inc:1:rcas", "set"}};
  for (const auto& [key, type] : rca_layout) {
    EXPECT_EQ(redis.cli("TYPE '" + key + "'"), type + "\n") << key;
  }
  EXPECT_EQ(redis.cli("DBSIZE"), std::to_string(layout.size() + rca_layout.size()) + "\n");
  EXPECT_EQ(redis.cli("SMEMBERS '" + source + ":inc:1:rcas'"), "rca-1\n");
  EXPECT_EQ(redis.cli("GET {pm}:v2:rcas:revision"), "1\n");
  const auto record = nlohmann::json::parse(redis.cli("HGET {pm}:v2:rcas rca-1"));
  EXPECT_EQ(record, (nlohmann::json{{"version", 1}, {"from_file", false}, {"document", rca.document}}));
  ASSERT_TRUE(store.delete_rca("rca-1"));
  EXPECT_EQ(redis.cli("DBSIZE"), std::to_string(layout.size() + 1) + "\n") << "only the revision";
  EXPECT_EQ(redis.cli("GET {pm}:v2:rcas:revision"), "2\n");
}

TEST(RedisStore, ABadUrlIsAStartUpError) {
  for (const std::string url :
       {"", "127.0.0.1:6379", "http://127.0.0.1:6379", "rediss://", "redis://",
        "redis://127.0.0.1:notaport", "redis://127.0.0.1:6379/db", "redis://user@127.0.0.1"}) {
    EXPECT_THROW(RedisStore{config_for(url)}, std::invalid_argument) << url;
  }
}

}  // namespace
}  // namespace pmx::store_test
