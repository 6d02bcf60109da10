// Moving from the embedded store to Redis with the real binary, as README.md tells users to: a
// daemon on SQLite gets the captured Alertmanager webhooks and an RCA through its HTTP API and
// is stopped; `--storage.export` writes the dump, `--redis.url … --storage.import` fills an
// empty Redis; a daemon on that Redis then answers every API read and every post-mortem KPI of
// /metrics as the first did, and counts a re-sent webhook once.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "command.h"
#include "e2e.h"
#include "rca_api.h"
#include "redis_server.h"

namespace pmx::e2e {
namespace {

using nlohmann::json;
using pmx::testing::CommandResult;
using pmx::testing::RcaApi;
using pmx::testing::RedisServer;

CommandResult run_binary(const std::vector<std::string>& flags) {
  std::vector<std::string> argv{PMX_DAEMON_PATH};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return pmx::testing::run_command(argv, "", std::chrono::seconds(60));
}

/// Every API read: the listings, each incident (with its timeline) and each source.
json api_view(const Daemon& daemon) {
  json view;
  view["incidents"] = daemon.get_json("/api/v1/incidents");
  view["sources"] = daemon.get_json("/api/v1/sources");
  view["rcas"] = daemon.get_json("/api/v1/rcas");
  for (const auto& incident : view["incidents"]["incidents"]) {
    const std::string id = incident.value("id", "");
    view["incident"][id] = daemon.get_json("/api/v1/incidents/" + id);
  }
  for (const auto& source : view["sources"]["sources"]) {
    const auto single = daemon.source(source.value("key", ""));
    view["source"].push_back(single ? *single : json());
  }
  return view;
}

/// The state gauges of /metrics (read from the store; equal on every replica). Event counters,
/// histograms and the process's own gauges start again with each process and are left out.
std::string kpi_lines(const Daemon& daemon) {
  const std::string text = daemon.metrics();
  std::set<std::string> gauges;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string hash, type, name, kind;
    if (words >> hash >> type >> name >> kind && hash == "#" && type == "TYPE" && kind == "gauge") {
      gauges.insert(name);
    }
  }
  gauges.erase("postmortem_store_up");
  gauges.erase("postmortem_build_info");
  std::string kept;
  std::istringstream again(text);
  for (std::string line; std::getline(again, line);) {
    const std::string name = line.substr(0, line.find_first_of("{ "));
    if (line.rfind("postmortem_", 0) == 0 && gauges.count(name)) kept += line + "\n";
  }
  return kept;
}

TEST(StorageTransfer, SqliteDaemonMovesToRedisWithTheSameApiAndKpis) {
  const std::string dir = pmx::testing::make_temp_dir("pmx-e2e-transfer");
  const std::string data = dir + "/data";
  const std::string dump = dir + "/dump.jsonl";
  RedisServer redis;
  const auto& names = pmx::testing::replay_fixture_names();

  json before;
  std::string kpis_before;
  {
    Daemon::Options on_sqlite;
    on_sqlite.flags = {"--storage.path=" + data};
    Daemon daemon(on_sqlite);
    post_fixtures(daemon, names);
    // And a critical incident that resolves for good, so it needs a post-mortem (the RCA below
    // covers it): the captured checkout group under another source.
    for (const std::string& name : {names[0], names[4]}) {
      std::string body = pmx::testing::read_fixture(name);
      for (const auto& [from, to] :
           {std::pair<std::string, std::string>{"HighLatency", "DiskFull"}, {"checkout", "db"}}) {
        for (std::size_t at = body.find(from); at != std::string::npos; at = body.find(from, at)) {
          body.replace(at, from.size(), to);
        }
      }
      ASSERT_TRUE(IsOk(daemon.post_webhook(body))) << daemon.log_tail();
    }
    const auto incidents = daemon.get_json("/api/v1/incidents")["incidents"];
    ASSERT_FALSE(incidents.empty()) << daemon.log_tail();
    std::vector<std::string> ids;
    for (const auto& incident : incidents) ids.push_back(incident.value("id", ""));
    json rca =
        pmx::testing::rca_document("RCA-TRANSFER", "Checkout latency",
                                   {pmx::testing::action_item("AI-1", "prevent", "open", "P0"),
                                    pmx::testing::action_item("AI-2", "detect", "open", "P2")},
                                   ids);
    rca["status"] = "published";
    rca["root_cause"] = "connection pool exhausted";
    rca["published_at"] = "2026-11-24T11:00:00Z";
    const RcaApi api(daemon);
    ASSERT_TRUE(IsStatus(api.put("RCA-TRANSFER", rca), 201)) << daemon.log_tail();
    ASSERT_TRUE(IsOk(api.patch_item("RCA-TRANSFER", "AI-2", {{"status", "done"}})));
    before = api_view(daemon);
    kpis_before = kpi_lines(daemon);
    for (const char* gauge : {"postmortem_action_items{", "postmortem_source_occurrences{",
                              "postmortem_incidents_open ", "postmortem_coverage_ratio "}) {
      ASSERT_NE(kpis_before.find(gauge), std::string::npos) << gauge << " in\n" << kpis_before;
    }

    // The database is the running daemon's: exporting it now must fail and say what to do.
    const auto busy = run_binary({"--storage.path=" + data, "--storage.export=" + dump});
    EXPECT_FALSE(busy.succeeded());
    EXPECT_NE(busy.output.find("Stop the daemon first"), std::string::npos) << busy.output;
    EXPECT_FALSE(std::filesystem::exists(dump));
  }

  const auto exported = run_binary({"--storage.path=" + data, "--storage.export=" + dump});
  ASSERT_TRUE(exported.succeeded()) << exported.output;
  const auto imported = run_binary({"--redis.url=" + redis.url(), "--storage.import=" + dump});
  ASSERT_TRUE(imported.succeeded()) << imported.output;
  // Once only: the second import finds Redis not empty and leaves it as it is.
  const auto again = run_binary({"--redis.url=" + redis.url(), "--storage.import=" + dump});
  EXPECT_FALSE(again.succeeded());
  EXPECT_NE(again.output.find("not empty"), std::string::npos) << again.output;

  Daemon::Options on_redis;
  on_redis.redis_url = redis.url();
  Daemon moved(on_redis);
  EXPECT_EQ(api_view(moved), before) << moved.log_tail();
  EXPECT_EQ(kpi_lines(moved), kpis_before);

  // Alertmanager re-sends after the move: nothing counts twice.
  const HttpResponse resent = moved.post_webhook(pmx::testing::read_fixture(names[2]));
  ASSERT_TRUE(IsOk(resent)) << moved.log_tail();
  EXPECT_EQ(resent.json().value("occurrences", -1), 0) << resent.body;
  EXPECT_EQ(moved.get_json("/api/v1/sources"), before["sources"]);
  std::filesystem::remove_all(dir);
}

// A mistyped --storage.path on export is an error, not an empty database created there and an
// empty dump.
TEST(StorageTransfer, ExportOfADirectoryWithoutADatabaseIsRefused) {
  const std::string dir = pmx::testing::make_temp_dir("pmx-no-db") + "/typo";
  const auto result = run_binary({"--storage.path=" + dir, "--storage.export=" + dir + ".jsonl"});
  EXPECT_FALSE(result.succeeded()) << result.output;
  EXPECT_NE(result.output.find("no database at " + dir + "/postmortem.db"), std::string::npos)
      << result.output;
  EXPECT_FALSE(std::filesystem::exists(dir)) << "the export created the directory";
}

}  // namespace
}  // namespace pmx::e2e
