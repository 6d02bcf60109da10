// Flags an operator sets in a deployment: they take effect, and a wrong value stops the daemon
// at start-up with a message pointing at it instead of running with a surprise.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "command.h"
#include "e2e.h"
#include "rca_api.h"

namespace pmx::e2e {
namespace {

using pmx::testing::daemon_path;
using pmx::testing::free_port;
using pmx::testing::run_command;

TEST(Flags, SourceLabelsDecideWhatAnIncidentIsAbout) {
  Daemon daemon(Daemon::Options{"", pmx::testing::kFixtureToken,
                                {"--incident.source-labels=service"}});
  post_fixtures(daemon, pmx::testing::replay_fixture_names());
  EXPECT_EQ(source_occurrences(daemon, R"(service="checkout")"), 3) << daemon.log_tail();
  EXPECT_EQ(source_occurrences(daemon, R"(service="auth")"), 1);
  EXPECT_EQ(source_occurrences(daemon, pmx::testing::kCheckoutKey), -1)
      << "alertname is no longer part of the source";
}

// Fixtures 01..06: checkout (critical) and auth (warning) fire and resolve. Which of them
// await a post-mortem is the policy's call (overdue or not depends on today's date: sum both).
TEST(Flags, RequiredSeveritiesDecideWhichIncidentsNeedAPostmortem) {
  const std::vector<std::pair<std::string, double>> cases{
      {"--postmortem.required-severities=critical", 1},
      {"--postmortem.required-severities=critical, warning", 2},
      {"--postmortem.required-severities=", 0},
  };
  std::vector<std::string> fixtures = pmx::testing::replay_fixture_names();
  fixtures.pop_back();  // 07 refires checkout: it would be open again
  for (const auto& [flag, awaiting] : cases) {
    Daemon daemon(Daemon::Options{"", pmx::testing::kFixtureToken, {flag}});
    post_fixtures(daemon, fixtures);
    EXPECT_EQ(daemon.metric("postmortem_incidents_awaiting_postmortem"), awaiting) << flag;
  }
}

// A warning that comes back (fires, resolves, fires again) is a repeat. With no severity requiring
// a post-mortem, only --postmortem.require-repeats (the default) makes the repeat need one.
TEST(Flags, RequireRepeatsDecidesWhetherARepeatNeedsAPostmortem) {
  using pmx::testing::GeneratedAlert;
  using pmx::testing::make_webhook;
  using pmx::testing::rfc3339_now;
  // 18 minutes apart: a new incident, not a flap inside --incident.reopen-window (5m).
  const std::string starts[] = {rfc3339_now(-20 * 60000), rfc3339_now(-2 * 60000)};
  const std::string ends[] = {rfc3339_now(-19 * 60000), rfc3339_now(-1 * 60000)};
  const std::vector<std::pair<std::vector<std::string>, double>> cases{
      {{}, 1},
      {{"--postmortem.require-repeats"}, 1},
      {{"--no-postmortem.require-repeats"}, 0},
      {{"--postmortem.require-repeats=false"}, 0},
  };
  for (const auto& [flags, awaiting] : cases) {
    std::vector<std::string> args = flags;
    args.push_back("--postmortem.required-severities=");
    Daemon daemon(Daemon::Options{"", pmx::testing::kFixtureToken, args});
    for (int n = 0; n < 2; ++n) {
      for (const bool resolved : {false, true}) {
        const GeneratedAlert alert{"DiskSpaceLow",          "batch", "b-3", starts[n],
                                   resolved ? ends[n] : "", resolved};
        ASSERT_TRUE(IsStatus(daemon.post_webhook(make_webhook({alert})), 200));
      }
    }
    const std::string shown = flags.empty() ? "(default)" : flags[0];
    EXPECT_EQ(daemon.metric("postmortem_incidents_resolved_total"), 2) << shown;
    EXPECT_EQ(daemon.metric("postmortem_incidents_awaiting_postmortem"), awaiting) << shown;
  }
}

// With a catch-all route the daemon receives its own meta-alerts (PostmortemActionItemOverdue,
// critical) and the Watchdog heartbeat: by default they are acknowledged and counted, never an
// incident that needs a post-mortem, lowers coverage or stays open forever.
TEST(Flags, IgnoredAlertsAreAcknowledgedButNeverIncidents) {
  using pmx::testing::GeneratedAlert;
  using pmx::testing::make_webhook;
  using pmx::testing::rfc3339_now;
  const std::vector<std::vector<GeneratedAlert>> webhooks{
      {{"PostmortemActionItemOverdue", "", "", rfc3339_now(-60000), "", false}},
      {{"Watchdog", "", "", rfc3339_now(-60000), "", false}},
      {{"HighLatency", "checkout", "web-1", rfc3339_now(-60000), "", false}},
  };
  const auto post_all = [&](const Daemon& daemon) {
    std::uint64_t ignored = 0;
    for (const auto& alerts : webhooks) {
      const auto res = daemon.post_webhook(make_webhook(alerts));
      EXPECT_TRUE(IsStatus(res, 200)) << res.body;
      ignored += nlohmann::json::parse(res.body).value("ignored", 0u);
    }
    return ignored;
  };
  const auto incidents = [](const Daemon& daemon) {
    std::set<std::string> sources;
    const nlohmann::json listed = daemon.get_json("/api/v1/incidents");
    for (const auto& incident : listed["incidents"]) sources.insert(incident["source"]);
    return sources;
  };

  Daemon defaults;
  EXPECT_EQ(post_all(defaults), 2u);
  EXPECT_EQ(incidents(defaults), std::set<std::string>{pmx::testing::source_key("HighLatency", "checkout")});
  EXPECT_EQ(defaults.metric("postmortem_alerts_ignored_total"), 2);
  EXPECT_EQ(defaults.metric("postmortem_incidents_open"), 1);

  // The operator's own list replaces the default; empty ignores nothing.
  Daemon custom(Daemon::Options{"", pmx::testing::kFixtureToken, {"--incident.ignore={alertname=\"Watchdog\"}"}});
  EXPECT_EQ(post_all(custom), 1u);
  EXPECT_EQ(incidents(custom).size(), 2u);
  Daemon none(Daemon::Options{"", pmx::testing::kFixtureToken, {"--incident.ignore="}});
  EXPECT_EQ(post_all(none), 0u);
  EXPECT_EQ(incidents(none).size(), 3u);
  EXPECT_EQ(none.metric("postmortem_alerts_ignored_total"), 0);
}

TEST(Flags, JsonLogsAreOneObjectPerLine) {
  Daemon daemon(Daemon::Options{"", pmx::testing::kFixtureToken, {"--log.format=json"}});
  post_fixtures(daemon, {pmx::testing::replay_fixture_names()[0]});
  EXPECT_TRUE(IsStatus(daemon.post_webhook("{", pmx::testing::kFixtureToken), 400));
  daemon.process().stop();  // flushes and closes the log

  std::ifstream log(daemon.process().log_path());
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    if (line.empty()) continue;
    ++lines;
    const auto entry = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(entry.is_object()) << "not a JSON object: " << line;
  }
  EXPECT_GE(lines, 1);
}

// The action-item checks follow the flags: in a write's answer, on the post-mortem page and in
// postmortem_action_item_warnings.
TEST(Flags, TeamOwnerPatternAndVaguePhrasesDecideTheWarnings) {
  Daemon daemon(
      Daemon::Options{"",
                      pmx::testing::kFixtureToken,
                      {"--rca.team-owner-pattern=^grp-", "--rca.vague-phrases=revisit,tidy up$"}});
  nlohmann::json item = pmx::testing::action_item("a", "prevent", "open", "P2");
  item["owner"] = "grp-db";
  item["title"] = "Revisit the pool limits";
  nlohmann::json other = pmx::testing::action_item("b", "detect", "open", "P2");
  other["owner"] = "team-db";  // a team by the default pattern, not by this one
  other["title"] = "Improve monitoring";
  nlohmann::json doc = pmx::testing::rca_document("rca-flags", "Pool", {item, other});
  doc["status"] = "in_review";
  const auto res = pmx::testing::RcaApi(daemon).put("rca-flags", doc);
  ASSERT_EQ(res.status, 201) << res.body;
  std::vector<std::string> kinds;
  const auto answer = nlohmann::json::parse(res.body);  // outlives the loop
  for (const auto& warning : answer.at("warnings")) {
    kinds.push_back(warning["kind"].get<std::string>() + " " + warning["item"].get<std::string>());
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"team_owner a", "vague_wording a"})) << res.body;
  EXPECT_NE(daemon.get("/rcas/rca-flags").body.find("owner &quot;grp-db&quot; looks like a team"),
            std::string::npos);
  EXPECT_EQ(daemon.metric("postmortem_action_item_warnings", {{"kind", "team_owner"}}), 1.0);
  EXPECT_EQ(daemon.metric("postmortem_action_item_warnings", {{"kind", "vague_wording"}}), 1.0);
  EXPECT_EQ(daemon.metric("postmortem_action_item_warnings", {{"kind", "no_ticket"}}), 0.0);
}

TEST(Flags, InvalidValuesStopTheDaemonAtStartUp) {
  const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(free_port());
  // Each bad flag, and what the message must mention (case-insensitive) to point at it.
  const std::vector<std::pair<std::string, std::string>> cases{
      {"--incident.reopen-window=banana", "reopen-window"},
      {"--log.format=xml", "log.format"},
      {"--redis.url=http://nope", "redis"},
      {"--web.auth-token-file=/nonexistent/token", "/nonexistent/token"},
      {"--postmortem.due=5", "postmortem.due"},
      {"--postmortem.due=-2bd", "postmortem.due"},
      {"--kpi.window=a-month", "kpi.window"},
      {"--incident.ignore=alertname~\"x\"", "incident.ignore"},
      {"--web.external-url=proxy.example/pmx", "web.external-url"},
      {"--web.external-url=ftp://proxy.example/pmx", "web.external-url"},
      {"--web.external-url=http://proxy.example/pmx?a=1", "web.external-url"},
      {"--web.route-prefix=/a b", "web.route-prefix"},
      {"--rca.team-owner-pattern=team(", "rca.team-owner-pattern"},
      {"--rca.vague-phrases=improve,$", "rca.vague-phrases"},
  };
  const auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  for (const auto& [bad, hint] : cases) {
    const auto result = run_command({daemon_path(), listen, bad}, "", std::chrono::seconds(10));
    EXPECT_NE(result.status, -1) << bad << ": still running after 10 s";
    EXPECT_FALSE(result.succeeded()) << bad << " was accepted:\n" << result.output;
    EXPECT_NE(lower(result.output).find(hint), std::string::npos)
        << bad << ": the message does not mention " << hint << ":\n" << result.output;
  }
}

// A second daemon on a port another one listens on must not start and share it (SO_REUSEPORT
// would let both accept, splitting Alertmanager's webhooks between them).
TEST(Flags, APortInUseStopsTheSecondDaemonAtStartUp) {
  Daemon first;
  const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(first.port());
  const auto second = run_command({daemon_path(), listen}, "", std::chrono::seconds(10));
  ASSERT_NE(second.status, -1) << "the second daemon still runs after 10 s";
  EXPECT_TRUE(WIFEXITED(second.status) && WEXITSTATUS(second.status) == 1) << second.output;
  EXPECT_NE(
      second.output.find("msg=\"cannot listen\" address=127.0.0.1:" + std::to_string(first.port())),
      std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find("err=\"address already in use\""), std::string::npos)
      << second.output;
  EXPECT_TRUE(IsOk(first.get("/-/ready")));
}

/// The `redis://...` form a text gives right after `flag` (up to a space or a backtick).
std::string url_form_after(const std::string& text, const std::string& flag) {
  const std::size_t at = text.find(flag);
  if (at == std::string::npos) return "";
  const std::size_t start = text.find("redis://", at);
  if (start == std::string::npos) return "";
  return text.substr(start, text.find_first_of(" `;\n", start) - start);
}

// The flags table of the README and --help describe one URL form, the one the parser accepts
// (tests/store/redis_url_test.cpp).
TEST(Flags, HelpAndReadmeGiveTheSameRedisUrlForm) {
  const auto help = run_command({daemon_path(), "--help"});
  ASSERT_TRUE(help.succeeded()) << help.output;
  std::ifstream file(PMX_README_PATH);
  std::stringstream readme;
  readme << file.rdbuf();
  const std::string in_help = url_form_after(help.output, "--redis.url");
  const std::string in_readme = url_form_after(readme.str(), "| `--redis.url`");
  EXPECT_EQ(in_help, "redis://[[user]:password@]host[:port][/db]") << help.output;
  EXPECT_EQ(in_readme, in_help);
}

}  // namespace
}  // namespace pmx::e2e
