// SqliteStore's own tests, beyond the conformance suite: what it keeps across a restart, the
// lock that keeps a second daemon out, and the start-up errors that name the file.
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "pmx/core/json_codec.h"
#include "pmx/core/rca_loader.h"
#include "pmx/service/ingestor.h"
#include "store_test_support.h"

namespace pmx::store_test {
namespace {

using nlohmann::json;

::testing::AssertionResult mentions(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not mention '" << part << "'";
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("pmx-sqlite"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  SqliteConfig config() const {
    SqliteConfig config;
    config.path = path_();
    return config;
  }
  std::string path_() const { return dir_ + "/pmx.db"; }

  /// The message of the exception that opening `config` throws; empty if it opens.
  static std::string open_error(const SqliteConfig& config) {
    try {
      SqliteStore store(config);
    } catch (const std::exception& error) {
      return error.what();
    }
    return {};
  }

  /// Runs `sql` on the file with the plain SQLite API (the store closed).
  void raw(const std::string& sql) const {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_().c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  std::int64_t raw_integer(const std::string& sql) const {
    sqlite3* db = nullptr;
    sqlite3_open(path_().c_str(), &db);
    sqlite3_stmt* stmt = nullptr;
    std::int64_t value = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

  std::string dir_;
};

Rca published_rca(const std::string& incident) {
  json doc{{"id", "rca-1"},
           {"title", "checkout latency"},
           {"status", "published"},
           {"published_at", "2026-11-24T10:00:00Z"},
           {"root_cause", "a missing latency budget"},
           {"matchers", {"service=\"checkout\""}},
           {"incidents", {incident}},
           {"action_items", json::array({{{"id", "a1"},
                                          {"title", "fix"},
                                          {"type", "prevent"},
                                          {"priority", "P1"},
                                          {"owner", "ann"},
                                          {"due", "2026-12-01"},
                                          {"status", "open"}}})}};
  auto loaded = load_rca(doc);
  EXPECT_TRUE(loaded.ok()) << loaded.error().message();
  return loaded.ok() ? std::move(*loaded) : Rca{};
}

// Everything read back after a restart is what was read before it: incidents, timeline,
// sources, RCAs, the KPI aggregates, and the occurrences that make a re-send a duplicate.
TEST_F(SqliteStoreTest, KeepsEverythingAcrossARestart) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const std::string first = incident_id(checkout.id, 1);
  const Alert a = firing("HighLatency", "checkout", "a", kT0);
  const auto ranges = kpi_ranges(kT0 + 3 * kNanosPerDay, KpiWindows{});
  json before;
  {
    SqliteStore store(config());
    EXPECT_TRUE(store.healthy());
    Ingestor ingestor(store, IngestConfig{});
    ASSERT_TRUE(
        ingestor.ingest({a, firing("HighLatency", "payments", "b", kT0)}, kT0 + kSecond).ok());
    ASSERT_TRUE(ingestor.ingest({resolved(a, kT0 + 60 * kSecond)}, kT0 + 61 * kSecond).ok());
    ASSERT_TRUE(store.put_rca(published_rca(first), 0, {}).ok());
    const auto detail = store.get_incident(first);
    const auto kpis = store.read_kpis(ranges, 10);
    const auto sources = store.list_sources(10);
    ASSERT_TRUE(detail.ok() && detail->has_value() && kpis.ok() && sources.ok());
    before["incident"] = to_json((*detail)->incident);
    for (const auto& event : (*detail)->timeline) before["timeline"].push_back(to_json(event));
    for (const auto& source : *sources) before["sources"].push_back(to_json(source));
    before["counts"] = kpis->range_counts;
    before["items"] = kpis->action_items;
    before["open"] = kpis->open_incidents;
  }
  EXPECT_EQ(raw_integer("PRAGMA user_version"), SqliteStore::kSchemaVersion);
  EXPECT_EQ(raw_integer("SELECT count(*) FROM incidents"), 2);

  SqliteStore store(config());
  const auto detail = store.get_incident(first);
  const auto kpis = store.read_kpis(ranges, 10);
  const auto sources = store.list_sources(10);
  ASSERT_TRUE(detail.ok() && detail->has_value() && kpis.ok() && sources.ok());
  json after;
  after["incident"] = to_json((*detail)->incident);
  for (const auto& event : (*detail)->timeline) after["timeline"].push_back(to_json(event));
  for (const auto& source : *sources) after["sources"].push_back(to_json(source));
  after["counts"] = kpis->range_counts;
  after["items"] = kpis->action_items;
  after["open"] = kpis->open_incidents;
  EXPECT_EQ(after, before);
  EXPECT_EQ(after["open"], 1);  // payments is still firing
  EXPECT_EQ((*detail)->incident.rcas, std::vector<std::string>{"rca-1"});
  const auto rca = store.get_rca("rca-1");
  ASSERT_TRUE(rca.ok() && rca->has_value());
  EXPECT_EQ((*rca)->version, 1);

  // The re-send of an alert recorded before the restart is a duplicate, not a new occurrence.
  Ingestor ingestor(store, IngestConfig{});
  const auto again =
      ingestor.ingest({firing("HighLatency", "payments", "b", kT0)}, kT0 + 2 * kSecond);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->occurrences, 0u);
  EXPECT_EQ(again->duplicates, 1u);
}

TEST_F(SqliteStoreTest, ASecondOpenOfTheSameFileFailsWhileTheFirstIsOpen) {
  auto first = std::make_unique<SqliteStore>(config());
  // In this process (a second store, as a second daemon would be)...
  const std::string error = open_error(config());
  EXPECT_TRUE(mentions(error, path_()));
  EXPECT_TRUE(mentions(error, "in use by another process"));
  // ... and in another process.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string message = open_error(config());
    _exit(message.find(path_()) != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the other process opened the database, or its error did not name the file";
  EXPECT_TRUE(first->healthy());

  first.reset();  // the lock goes with the store
  EXPECT_EQ(open_error(config()), "");
}

TEST_F(SqliteStoreTest, AnUnwritableDirectoryIsAnErrorNamingTheFile) {
  // A "directory" that is a file cannot hold a database, whoever runs the test (root too).
  const std::string not_a_dir = dir_ + "/plain-file";
  std::ofstream(not_a_dir) << "x";
  SqliteConfig config;
  config.path = not_a_dir + "/pmx.db";
  EXPECT_TRUE(mentions(open_error(config), config.path));
  config.path = dir_ + "/missing/pmx.db";
  EXPECT_TRUE(mentions(open_error(config), config.path));
}

TEST_F(SqliteStoreTest, AFileThatIsNotADatabaseIsAnErrorNamingTheFile) {
  std::ofstream(path_()) << std::string(8192, 'x');
  const std::string error = open_error(config());
  EXPECT_TRUE(mentions(error, path_()));
  EXPECT_TRUE(mentions(error, "not a database"));
}

TEST_F(SqliteStoreTest, ADatabaseOfAnotherProgramIsRefused) {
  raw("CREATE TABLE theirs (x INTEGER)");
  const std::string error = open_error(config());
  EXPECT_TRUE(mentions(error, path_()));
  EXPECT_TRUE(mentions(error, "not a postmortem-exporter database"));
  EXPECT_EQ(raw_integer("SELECT count(*) FROM sqlite_schema"), 1) << "nothing was added to it";
}

TEST_F(SqliteStoreTest, ANewerSchemaIsRefused) {
  { SqliteStore store(config()); }
  raw("PRAGMA user_version = 2");
  const std::string error = open_error(config());
  EXPECT_TRUE(mentions(error, path_()));
  EXPECT_TRUE(mentions(error, "schema version 2"));
}

TEST_F(SqliteStoreTest, UsesWalAndCreatesSchemaVersion1) {
  for (const auto sync : {SqliteSync::kFull, SqliteSync::kNormal}) {
    SqliteConfig with = config();
    with.sync = sync;
    SqliteStore store(with);
    EXPECT_TRUE(store.healthy());
  }
  EXPECT_EQ(raw_integer("PRAGMA user_version"), 1);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

// A webhook's commit is one transaction: when any write of it fails, nothing of it stays (no
// source, no occurrence, no KPI), and the retry of the webhook then counts everything once.
TEST_F(SqliteStoreTest, AFailedCommitLeavesNothingHalfWritten) {
  SqliteStore store(config());
  // A failure injected into the last writes of the commit: the timeline rows of a second source.
  raw("CREATE TRIGGER injected BEFORE INSERT ON timeline WHEN NEW.incident_id LIKE '" +
      source_of("HighLatency", "payments").id + "%' BEGIN SELECT RAISE(ABORT, 'injected'); END");
  const std::vector<Alert> batch{firing("HighLatency", "checkout", "a", kT0),
                                 firing("HighLatency", "payments", "b", kT0)};
  Ingestor ingestor(store, IngestConfig{});
  const auto failed = ingestor.ingest(batch, kT0 + kSecond);
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(mentions(failed.error().message(), "injected"));
  for (const char* service : {"checkout", "payments"}) {
    const auto source = store.get_source(source_of("HighLatency", service).id);
    ASSERT_TRUE(source.ok());
    EXPECT_FALSE(source->has_value()) << service;
  }
  const auto open = count_open_incidents(store);
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(*open, 0u);
  EXPECT_EQ(raw_integer("SELECT count(*) FROM occurrences"), 0);
  EXPECT_EQ(raw_integer("SELECT count(*) FROM kpi_index"), 0);

  raw("DROP TRIGGER injected");
  const auto retried = ingestor.ingest(batch, kT0 + 2 * kSecond);
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->occurrences, 2u);
  EXPECT_EQ(retried->duplicates, 0u);
  const auto reopened = count_open_incidents(store);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*reopened, 2u);
}

// Webhooks in flight are written together (group commit), each in a savepoint of its own:
// one that fails does not take the others of its group with it, and every caller gets its own
// answer.
TEST_F(SqliteStoreTest, AFailingWebhookInAGroupLeavesTheOthersWritten) {
  constexpr int kServices = 8;
  constexpr int kWebhooks = 25;  // per service, each a new alert
  SqliteStore store(config());
  Ingestor ingestor(store, IngestConfig{});
  raw("CREATE TRIGGER injected BEFORE INSERT ON timeline WHEN NEW.incident_id LIKE '" +
      source_of("HighLatency", "svc-0").id + "%' BEGIN SELECT RAISE(ABORT, 'injected'); END");
  std::vector<int> accepted(kServices, 0);
  std::vector<std::thread> threads;
  for (int s = 0; s < kServices; ++s) {
    threads.emplace_back([&, s] {
      for (int w = 0; w < kWebhooks; ++w) {
        const auto alert =
            firing("HighLatency", "svc-" + std::to_string(s), "i-" + std::to_string(w), kT0);
        if (ingestor.ingest({alert}, kT0 + kSecond).ok()) ++accepted[s];
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(accepted[0], 0) << "the failing source's webhooks must all fail";
  const auto failed = store.get_source(source_of("HighLatency", "svc-0").id);
  ASSERT_TRUE(failed.ok());
  EXPECT_FALSE(failed->has_value()) << "nothing of a failed webhook is written";
  for (int s = 1; s < kServices; ++s) {
    EXPECT_EQ(accepted[s], kWebhooks) << "svc-" << s;
    const auto source = store.get_source(source_of("HighLatency", "svc-" + std::to_string(s)).id);
    ASSERT_TRUE(source.ok());
    ASSERT_TRUE(source->has_value()) << "svc-" << s;
    EXPECT_EQ((*source)->occurrences, static_cast<std::uint64_t>(kWebhooks)) << "svc-" << s;
  }
  const auto open = count_open_incidents(store);
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(*open, static_cast<std::size_t>(kServices - 1));
}

// Reads have a connection of their own: while a commit waits for the database (here for the
// write lock another process holds, as a long fsync would), loads, API reads and a scrape
// still answer at once, and the commit completes once the lock is free.
TEST_F(SqliteStoreTest, ReadsDoNotWaitForACommitBeingWritten) {
  using Clock = std::chrono::steady_clock;
  SqliteStore store(config());  // busy_timeout 5 s: how long the commit may wait
  Ingestor ingestor(store, IngestConfig{});
  const SourceKey checkout = source_of("HighLatency", "checkout");
  ASSERT_TRUE(ingestor.ingest({firing("HighLatency", "checkout", "a", kT0)}, kT0).ok());

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto blocked = std::async(std::launch::async, [&] {
    return ingestor.ingest({firing("HighLatency", "payments", "b", kT0)}, kT0).ok();
  });
  const auto ranges = kpi_ranges(kT0, KpiWindows{});
  Clock::duration slowest{};
  for (const auto start = Clock::now(); Clock::now() - start < std::chrono::milliseconds(500);) {
    const auto before = Clock::now();
    const auto loaded = store.load({SourceLoad{checkout, {"x"}, {"a"}}});
    ASSERT_TRUE(loaded.ok());
    ASSERT_EQ(loaded->sources.size(), 1u);
    EXPECT_EQ(loaded->sources[0].state.occurrences, 1u);
    const auto source = store.get_source(checkout.id);
    ASSERT_TRUE(source.ok() && source->has_value());
    ASSERT_TRUE(store.read_kpis(ranges, 5).ok());
    slowest = std::max(slowest, Clock::now() - before);
  }
  EXPECT_EQ(blocked.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the commit was to wait for the lock during the reads";
  EXPECT_LT(slowest, std::chrono::milliseconds(1500)) << "a read waited for the commit";

  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_TRUE(blocked.get()) << "the commit completes once the lock is free";
  const auto payments = store.get_source(source_of("HighLatency", "payments").id);
  ASSERT_TRUE(payments.ok());
  EXPECT_TRUE(payments->has_value());
}

// A file written by the first schema version opens with everything in it, and takes writes:
// tests/fixtures/sqlite/schema-v1.sql is such a file, never edited. While the schema is at
// version 1 this holds the format still; once a version 2 exists, its migration from 1 must
// pass here.
TEST_F(SqliteStoreTest, AFileOfSchemaVersion1OpensWithEverythingInIt) {
  std::ifstream dump(std::string(PMX_FIXTURES_DIR) + "/sqlite/schema-v1.sql");
  ASSERT_TRUE(dump) << "missing fixture";
  raw(std::string(std::istreambuf_iterator<char>(dump), {}));
  ASSERT_EQ(raw_integer("PRAGMA user_version"), 1);

  SqliteStore store(config());
  EXPECT_EQ(raw_integer("PRAGMA user_version"), SqliteStore::kSchemaVersion);
  expect_fixture_data(store);
  const SourceKey checkout = source_of("HighLatency", "checkout");

  // A new alert of the open incident is written on top of what the old file holds.
  Ingestor ingestor(store, IngestConfig{});
  const auto more = ingestor.ingest({firing("HighLatency", "checkout", "new-instance", kT0)}, kT0);
  ASSERT_TRUE(more.ok()) << more.error().message();
  EXPECT_EQ(more->occurrences, 1u);
  EXPECT_EQ((*store.get_source(checkout.id))->occurrences, 4u);
}

// The -wal file must not grow without end: SQLite copies it back into the database (checkpoint)
// only up to the oldest read snapshot still open, so a statement left open after its read keeps
// the file growing by every commit (the benchmark found 18 GB of -wal at 500,000 alerts). After
// every kind of call, the store holds no snapshot: a checkpoint from another connection (as the
// sqlite3 shell's) completes and empties the file, and the store's own checkpoints keep it small.
TEST_F(SqliteStoreTest, TheWalIsCheckpointedAndStaysSmall) {
  SqliteConfig small_wal = config();
  small_wal.wal_autocheckpoint_pages = 1000;  // 4 MB instead of 64: a test that writes little
  SqliteStore store(small_wal);
  Ingestor ingestor(store, IngestConfig{});
  const auto ranges = kpi_ranges(kT0, KpiWindows{});
  const SourceKey checkout = source_of("HighLatency", "checkout");
  ASSERT_TRUE(ingestor.ingest({firing("HighLatency", "checkout", "a", kT0)}, kT0).ok());
  ASSERT_TRUE(store.put_rca(published_rca(incident_id(checkout.id, 1)), 0, {}).ok());
  // Every read, each of which may leave a statement on a row.
  const auto read_everything = [&] {
    ASSERT_TRUE(store.get_rca("rca-1").ok());
    ASSERT_TRUE(store.list_rcas().ok());
    ASSERT_TRUE(store.get_source(checkout.id).ok());
    ASSERT_TRUE(store.list_sources(1).ok());
    ASSERT_TRUE(store.list_incidents(IncidentFilter{}).ok());
    ASSERT_TRUE(store.get_incident(incident_id(checkout.id, 1)).ok());
    ASSERT_TRUE(store.read_kpis(ranges, 1).ok());
    ASSERT_TRUE(store.load({SourceLoad{checkout, {"x"}, {"a"}}}).ok());
  };
  const std::string wal = path_() + "-wal";
  // About 15 MB of -wal without checkpoints: far past the 1,000-page (4 MB) auto-checkpoint.
  for (int n = 0; n < 100; ++n) {
    std::vector<Alert> batch;
    for (int a = 0; a < 20; ++a) {
      batch.push_back(firing("HighLatency", "svc-" + std::to_string(n),
                             "instance-with-a-long-name-" + std::to_string(a), kT0));
    }
    ASSERT_TRUE(ingestor.ingest(batch, kT0).ok());
    read_everything();
  }
  EXPECT_LT(std::filesystem::file_size(wal), 8u << 20)
      << "the store's own checkpoints did not keep the -wal small";

  // What `sqlite3 FILE "PRAGMA wal_checkpoint(TRUNCATE)"` does: busy (0: not blocked), frames.
  sqlite3* shell = nullptr;
  ASSERT_EQ(sqlite3_open(path_().c_str(), &shell), SQLITE_OK);
  sqlite3_stmt* checkpoint = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(shell, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &checkpoint, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(checkpoint), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(checkpoint, 0), 0)
      << "a checkpoint was blocked by a snapshot the store holds";
  sqlite3_finalize(checkpoint);
  sqlite3_close(shell);
  EXPECT_EQ(std::filesystem::file_size(wal), 0u);
}

// A document that does not decode is kCorrupt, and the detail says where it is.
TEST_F(SqliteStoreTest, ACorruptDocumentIsReportedWithItsRow) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  {
    SqliteStore store(config());
    Ingestor ingestor(store, IngestConfig{});
    ASSERT_TRUE(ingestor.ingest({firing("HighLatency", "checkout", "a", kT0)}, kT0).ok());
  }
  raw("UPDATE sources SET state = '{\"not\": \"a state\"}'");
  SqliteStore store(config());
  const auto source = store.get_source(checkout.id);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(mentions(source.error().message(), "sources row"));
  EXPECT_TRUE(mentions(source.error().message(), path_()));
  EXPECT_TRUE(store.healthy());
}

}  // namespace
}  // namespace pmx::store_test
