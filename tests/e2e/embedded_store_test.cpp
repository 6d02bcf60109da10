// Issue 15: without Redis the daemon keeps its state in --storage.path (SQLite, default data/):
// a restart loses nothing, a SIGKILL in the middle of a storm loses nothing that got a 200, and
// a second daemon, an unwritable path or a corrupt file stop start-up with a plain error.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "command.h"
#include "e2e.h"
#include "rca_api.h"

namespace pmx::e2e {
namespace {

using pmx::testing::daemon_path;
using pmx::testing::kFixtureToken;
using pmx::testing::make_temp_dir;
using pmx::testing::poll_until;
using pmx::testing::run_command;

/// Everything a user reads back: the API's incidents (each with its timeline), sources and
/// RCAs, and the state gauges of /metrics (counters and histograms count what one process saw:
/// they start again at 0, as Prometheus expects of them).
struct Snapshot {
  nlohmann::json api;
  std::set<std::string> gauges;
};

Snapshot snapshot(const Daemon& daemon) {
  Snapshot out;
  out.api["incidents"] = daemon.get_json("/api/v1/incidents");
  for (const auto& incident : out.api["incidents"]["incidents"]) {
    const std::string id = incident.value("id", "");
    out.api["incident/" + id] = daemon.get_json("/api/v1/incidents/" + id);
  }
  out.api["sources"] = daemon.get_json("/api/v1/sources");
  out.api["rcas"] = daemon.get_json("/api/v1/rcas");
  std::istringstream lines(daemon.metrics());
  for (std::string line; std::getline(lines, line);) {
    const std::string name = line.substr(0, line.find_first_of("{ "));
    const auto ends_with = [&](const std::string& suffix) {
      return name.size() > suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    const bool counter =
        ends_with("_total") || ends_with("_bucket") || ends_with("_count") || ends_with("_sum");
    if (name.rfind("postmortem_", 0) == 0 && !counter && name != "postmortem_build_info") {
      out.gauges.insert(line);
    }
  }
  return out;
}

/// The lines of `a` that `b` does not have, one per line.
std::string only_in(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::string out;
  for (const auto& line : a) {
    if (b.count(line) == 0) out += line + "\n";
  }
  return out;
}

/// Fixtures 01..07 (fire, resolve, fire again), and an RCA with an open and a done action item
/// linked to the first incident.
void fill(const Daemon& daemon) {
  post_fixtures(daemon, pmx::testing::replay_fixture_names());
  const auto incidents = daemon.get_json("/api/v1/incidents")["incidents"];
  ASSERT_FALSE(incidents.empty());
  const std::string first = incidents.back().value("id", "");
  auto rca = pmx::testing::rca_document("checkout-latency", "Checkout latency",
                                        {pmx::testing::action_item("ai-1", "prevent"),
                                         pmx::testing::action_item("ai-2", "detect", "done")},
                                        {first});
  ASSERT_TRUE(IsStatus(pmx::testing::RcaApi(daemon).put("checkout-latency", rca), 201));
}

Daemon::Options in_folder(const std::string& dir) {
  Daemon::Options options;
  options.working_dir = dir;  // the daemon's default --storage.path: data/ in this folder
  return options;
}

TEST(EmbeddedStore, DefaultDataFolderKeepsEverythingAcrossARestart) {
  const std::string dir = make_temp_dir("pmx-datadir");
  Snapshot before;
  {
    Daemon daemon(in_folder(dir));
    fill(daemon);
    before = snapshot(daemon);
    EXPECT_NE(daemon.log_tail().find("store=sqlite"), std::string::npos) << daemon.log_tail();
  }  // SIGTERM
  EXPECT_TRUE(std::filesystem::exists(dir + "/data/postmortem.db"));

  Daemon again(in_folder(dir));
  const Snapshot after = snapshot(again);
  EXPECT_EQ(after.api, before.api);
  EXPECT_EQ(only_in(before.gauges, after.gauges), "") << "gauges lost or changed by the restart";
  EXPECT_EQ(only_in(after.gauges, before.gauges), "") << "gauges new after the restart";
  ASSERT_GE(before.api["incidents"]["incidents"].size(), 2u);
  // Alertmanager re-sends a notification it already delivered: counted once, across restarts.
  const auto resent =
      again.post_webhook(pmx::testing::read_fixture("01-firing-group-checkout.json"));
  ASSERT_TRUE(IsOk(resent));
  EXPECT_EQ(resent.json().value("occurrences", -1), 0) << resent.body;
  EXPECT_EQ(snapshot(again).api["sources"], before.api["sources"]);
}

TEST(EmbeddedStore, InMemoryIsAnExplicitChoiceAndForgetsOnRestart) {
  Daemon::Options options;
  options.flags = {"--storage.in-memory"};
  {
    Daemon daemon(options);
    post_fixtures(daemon, {"01-firing-group-checkout.json"});
    EXPECT_NE(daemon.log_tail().find("state is NOT persisted"), std::string::npos);
    EXPECT_NE(daemon.log_tail().find("store=memory"), std::string::npos);
  }
  Daemon again(options);
  EXPECT_TRUE(again.get_json("/api/v1/incidents")["incidents"].empty());
}

// README "Backups": `sqlite3 data/postmortem.db ".backup FILE"` while the daemon runs gives a
// file another daemon starts on with everything in it.
TEST(EmbeddedStore, ABackupTakenWhileRunningRestoresEverything) {
  const std::string dir = make_temp_dir("pmx-backup");
  Daemon daemon(in_folder(dir));
  fill(daemon);
  const std::string backup_dir = make_temp_dir("pmx-restored") + "/data";
  std::filesystem::create_directories(backup_dir);
  const auto backup = run_command(
      {"sqlite3", dir + "/data/postmortem.db", ".backup " + backup_dir + "/postmortem.db"});
  ASSERT_TRUE(backup.succeeded()) << backup.output;
  EXPECT_EQ(daemon.get("/-/ready").status, 200) << "the daemon runs on during the backup";

  Daemon::Options restored;
  restored.flags = {"--storage.path=" + backup_dir};
  const Snapshot original = snapshot(daemon);
  const Snapshot copy = snapshot(Daemon(restored));
  EXPECT_EQ(copy.api, original.api);
  EXPECT_EQ(only_in(original.gauges, copy.gauges), "");
}

/// Runs a daemon that is expected to refuse to start; returns its output.
std::string refused_start(const std::vector<std::string>& flags) {
  std::vector<std::string> argv{
      daemon_path(), "--web.listen-address=127.0.0.1:" + std::to_string(pmx::testing::free_port())};
  argv.insert(argv.end(), flags.begin(), flags.end());
  const auto result = run_command(argv, "", std::chrono::seconds(15));
  EXPECT_NE(result.status, -1) << "still running after 15 s:\n" << result.output;
  EXPECT_TRUE(WIFEXITED(result.status) && WEXITSTATUS(result.status) == 1) << result.output;
  return result.output;
}

TEST(EmbeddedStore, ASecondDaemonOnTheSamePathStopsWithAClearError) {
  const std::string data = make_temp_dir("pmx-shared") + "/data";
  Daemon::Options options;
  options.flags = {"--storage.path=" + data};
  Daemon first(options);
  post_fixtures(first, {"01-firing-group-checkout.json"});

  const std::string output = refused_start({"--storage.path=" + data});
  EXPECT_NE(output.find(data + "/postmortem.db is in use by another process"), std::string::npos)
      << output;
  // The first daemon and its data are untouched.
  EXPECT_EQ(first.get("/-/ready").status, 200);
  EXPECT_EQ(first.get_json("/api/v1/incidents")["incidents"].size(), 1u);
}

TEST(EmbeddedStore, AnUnwritableOrCorruptPathStopsStartUpNamingIt) {
  const std::string dir = make_temp_dir("pmx-badpath");
  std::ofstream(dir + "/a-file") << "not a directory\n";
  std::string output = refused_start({"--storage.path=" + dir + "/a-file/data"});
  EXPECT_NE(output.find("cannot create --storage.path " + dir + "/a-file/data"), std::string::npos)
      << output;

  std::filesystem::create_directories(dir + "/corrupt");
  std::ofstream(dir + "/corrupt/postmortem.db") << std::string(8192, 'x');
  output = refused_start({"--storage.path=" + dir + "/corrupt"});
  EXPECT_NE(output.find(dir + "/corrupt/postmortem.db"), std::string::npos) << output;
  EXPECT_NE(output.find("not a database"), std::string::npos) << output;
  std::ifstream kept(dir + "/corrupt/postmortem.db");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), std::string(8192, 'x'))
      << "a file that is not ours must be left as it was";
}

TEST(EmbeddedStore, StorageFlagsWithRedisAreRefused) {
  const std::string output =
      refused_start({"--redis.url=redis://127.0.0.1:1", "--storage.path=/tmp/x"});
  EXPECT_NE(output.find("--storage.path is for the embedded store"), std::string::npos) << output;
}

// The storm: kWriters clients, one source each, post webhooks of kAlertsPerWebhook new alerts
// back to back. The daemon is SIGKILLed while they are at it. After a restart, every alert
// whose webhook got a 200 must be counted; the clients then re-send what got no answer, as
// Alertmanager does, and every alert must be counted exactly once.
constexpr int kWriters = 8;
constexpr int kAlertsPerWebhook = 5;
constexpr int kAcknowledgedBeforeKill = 60;

struct Writer {
  std::vector<std::string> webhooks;  // every webhook this writer made, in order
  int acknowledged = 0;               // how many of them got a 200 (a prefix)
};

std::string storm_webhook(int writer, int n) {
  std::vector<pmx::testing::GeneratedAlert> alerts;
  const std::string service = "storm-" + std::to_string(writer);
  for (int a = 0; a < kAlertsPerWebhook; ++a) {
    pmx::testing::GeneratedAlert alert;
    alert.alertname = "SqliteStorm";
    alert.service = service;
    alert.instance = "i-" + std::to_string(n) + "-" + std::to_string(a);
    alert.starts_at = pmx::testing::rfc3339_now(-60'000);
    alerts.push_back(alert);
  }
  return pmx::testing::make_webhook(alerts);
}

TEST(EmbeddedStore, SigkillMidStormLosesNothingAcknowledged) {
  const std::string dir = make_temp_dir("pmx-storm");
  Daemon::Options options = in_folder(dir);
  options.flags = {"--web.max-connections=64"};
  auto daemon = std::make_unique<Daemon>(options);
  std::vector<Writer> writers(kWriters);
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      // Until the daemon stops answering: the webhook that got none is the writer's last.
      for (int n = 0;; ++n) {
        writers[w].webhooks.push_back(storm_webhook(w, n));
        if (daemon->post_webhook(writers[w].webhooks.back()).status != 200) return;
        ++writers[w].acknowledged;
        ++acknowledged;
      }
    });
  }
  ASSERT_TRUE(poll_until([&] { return acknowledged >= kAcknowledgedBeforeKill; }))
      << daemon->log_tail();
  daemon->process().kill_now();
  for (auto& thread : threads) thread.join();

  daemon = std::make_unique<Daemon>(options);
  int total = 0;
  for (int w = 0; w < kWriters; ++w) {
    const std::string key = pmx::testing::source_key("SqliteStorm", "storm-" + std::to_string(w));
    const long long acked_alerts = writers[w].acknowledged * kAlertsPerWebhook;
    const long long stored = source_occurrences(*daemon, key);
    EXPECT_GE(stored, acked_alerts) << key << ": an acknowledged alert was lost";
    EXPECT_LE(stored, acked_alerts + kAlertsPerWebhook) << key << ": more than was sent";
    // Alertmanager's retry of the unanswered webhook, and a duplicate of an answered one.
    ASSERT_TRUE(IsOk(daemon->post_webhook(writers[w].webhooks.back())));
    ASSERT_TRUE(IsOk(daemon->post_webhook(writers[w].webhooks.front())));
    const long long sent = static_cast<long long>(writers[w].webhooks.size()) * kAlertsPerWebhook;
    EXPECT_EQ(source_occurrences(*daemon, key), sent) << key << ": not exactly once";
    total += writers[w].acknowledged;
  }
  RecordProperty("acknowledged_webhooks", total);
}

}  // namespace
}  // namespace pmx::e2e
