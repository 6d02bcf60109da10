// The log lines an operator can rely on (README, "Logs"): one per real incident transition and
// per RCA write, one when a Redis outage starts and one when it ends (not one per failed
// request), and the policy in force on the start-up line. Each line is written before the
// request that caused it is answered, so reading the log after the answer is no race.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "e2e.h"
#include "rca_api.h"
#include "redis_server.h"

namespace pmx::e2e {
namespace {

using nlohmann::json;
using pmx::testing::action_item;
using pmx::testing::GeneratedAlert;
using pmx::testing::make_webhook;
using pmx::testing::poll_until;
using pmx::testing::rca_document;
using pmx::testing::RcaApi;
using pmx::testing::rfc3339_now;

constexpr long long kMinute = 60'000;

/// The daemon's log lines that contain every one of `parts`.
std::vector<std::string> lines_with(Daemon& daemon, const std::vector<std::string>& parts) {
  std::ifstream log(daemon.process().log_path());
  std::vector<std::string> found;
  for (std::string line; std::getline(log, line);) {
    bool all = true;
    for (const auto& part : parts) all = all && line.find(part) != std::string::npos;
    if (all) found.push_back(line);
  }
  return found;
}

std::size_t count(Daemon& daemon, const std::vector<std::string>& parts) {
  return lines_with(daemon, parts).size();
}

GeneratedAlert checkout(long long starts_ms, long long ends_ms = 0) {
  GeneratedAlert alert{"HighLatency", "checkout", "web-1", rfc3339_now(starts_ms), "", false};
  if (ends_ms != 0) {
    alert.ends_at = rfc3339_now(ends_ms);
    alert.resolved = true;
  }
  return alert;
}

// Two incidents of one source: the second a repeat that resolves and reopens (flapping).
// Alertmanager re-sends every notification; only the first of each is a transition.
TEST(Logs, EachIncidentTransitionIsLoggedOnce) {
  Daemon daemon(Daemon::Options{"", pmx::testing::kFixtureToken, {"--incident.reopen-window=1m"}});
  const std::vector<GeneratedAlert> story{
      checkout(-30 * kMinute),                 // opens incident 1
      checkout(-30 * kMinute, -20 * kMinute),  // resolves it
      checkout(-10 * kMinute),                 // 10m later: incident 2, a repeat
      checkout(-10 * kMinute, -5 * kMinute),   // resolves it
      checkout(-5 * kMinute + 30'000),         // 30s later, inside the window: reopens it
  };
  for (const auto& alert : story) {
    for (int send = 0; send < 2; ++send) {  // the original and a re-send
      EXPECT_TRUE(IsOk(daemon.post_webhook(make_webhook({alert})))) << daemon.log_tail();
    }
  }
  const auto source = daemon.source(pmx::testing::kCheckoutKey);
  ASSERT_TRUE(source.has_value());
  ASSERT_EQ((*source)["incidents"].size(), 2u) << source->dump();
  const std::string second = (*source)["incidents"][0]["id"];
  const std::string first = (*source)["incidents"][1]["id"];

  EXPECT_EQ(count(daemon, {R"(msg="incident opened")"}), 2u) << daemon.log_tail();
  EXPECT_EQ(count(daemon, {R"(msg="incident opened")", "incident=" + first + " ",
                           R"(source="alertname=\"HighLatency\",service=\"checkout\"")",
                           "severity=warning"}),
            1u)
      << daemon.log_tail();
  EXPECT_EQ(count(daemon, {R"(msg="incident opened")", "incident=" + second + " "}), 1u);
  EXPECT_EQ(count(daemon, {R"(msg="incident resolved")"}), 2u) << daemon.log_tail();
  EXPECT_EQ(count(daemon, {R"(msg="incident resolved")", "incident=" + first + " "}), 1u);
  EXPECT_EQ(count(daemon, {R"(msg="incident flagged repeat")"}), 1u) << daemon.log_tail();
  EXPECT_EQ(count(daemon, {R"(msg="incident flagged repeat")", "incident=" + second + " ",
                           "occurrence=2 ", "earlier=" + first}),
            1u)
      << daemon.log_tail();
  EXPECT_EQ(count(daemon, {R"(msg="incident reopened")"}), 1u) << daemon.log_tail();
  EXPECT_EQ(count(daemon, {R"(msg="incident reopened")", "incident=" + second + " "}), 1u);
}

// Every RCA write names the RCA, its new version and what it changed; the document itself
// stays out of the log.
TEST(Logs, EachRcaWriteNamesIdVersionAndChange) {
  Daemon daemon;
  ASSERT_TRUE(IsOk(daemon.post_webhook(make_webhook({checkout(-kMinute)}))));
  const auto source = daemon.source(pmx::testing::kCheckoutKey);
  ASSERT_TRUE(source.has_value());
  const std::string incident = (*source)["incidents"][0]["id"];
  const RcaApi api(daemon);
  const std::string root_cause = "the pool was sized for 2019 traffic";

  json doc = rca_document("db-1", "Checkout pool exhaustion",
                          {action_item("AI-1", "prevent"), action_item("AI-2", "detect")});
  ASSERT_TRUE(IsStatus(api.put("db-1", doc), 201));
  EXPECT_EQ(count(daemon, {R"(msg="RCA stored")", "rca=db-1 ", "version=1 ", "write=put",
                           "changed=\"created\""}),
            1u)
      << daemon.log_tail();

  doc["status"] = "published";
  doc["root_cause"] = root_cause;
  ASSERT_TRUE(IsOk(api.put("db-1", doc)));
  EXPECT_EQ(count(daemon, {R"(msg="RCA stored")", "rca=db-1 ", "version=2 ", "write=put",
                           "status draft → published", "root_cause"}),
            1u)
      << daemon.log_tail();

  ASSERT_TRUE(IsOk(api.patch_item("db-1", "AI-2", {{"status", "done"}})));
  EXPECT_EQ(count(daemon, {R"(msg="RCA stored")", "rca=db-1 ", "version=3 ", "write=patch", "AI-2",
                           "status open → done"}),
            1u)
      << daemon.log_tail();

  ASSERT_TRUE(IsOk(api.link("db-1", incident)));
  ASSERT_TRUE(IsOk(api.link("db-1", incident)));  // idempotent: nothing written, nothing logged
  EXPECT_EQ(count(daemon, {R"(msg="RCA stored")", "rca=db-1 ", "write=link"}), 1u)
      << daemon.log_tail();
  EXPECT_EQ(count(daemon, {R"(msg="RCA stored")", "rca=db-1 ", "version=4 ", "write=link",
                           "incident " + incident + " linked"}),
            1u)
      << daemon.log_tail();

  ASSERT_TRUE(IsStatus(api.remove("db-1"), 204));
  EXPECT_EQ(count(daemon, {R"(msg="RCA deleted")", "rca=db-1 ", "version=4"}), 1u)
      << daemon.log_tail();
  EXPECT_EQ(count(daemon, {R"(msg="RCA stored")"}), 4u) << daemon.log_tail();
  EXPECT_EQ(count(daemon, {root_cause}), 0u) << "the document is not logged";
}

// Several requests fail while Redis is down: one line when the outage starts, naming the
// address and the error, and one when it ends.
TEST(Logs, ARedisOutageIsLoggedOnceWhenItStartsAndOnceWhenItEnds) {
  pmx::testing::RedisServer redis;
  Daemon::Options options;
  options.redis_url = redis.url();
  Daemon daemon(options);
  ASSERT_TRUE(IsOk(daemon.post_webhook(make_webhook({checkout(-kMinute)}))));
  const std::string address = "address=127.0.0.1:" + std::to_string(redis.port());
  EXPECT_EQ(count(daemon, {R"(msg="store unavailable")"}), 0u) << daemon.log_tail();

  redis.kill();
  for (int attempt = 0; attempt < 5; ++attempt) {
    EXPECT_TRUE(IsStatus(daemon.post_webhook(make_webhook({checkout(-2 * kMinute)})), 503));
  }
  ASSERT_TRUE(poll_until([&] { return daemon.get("/-/ready").status == 503; }));
  EXPECT_EQ(count(daemon, {R"(msg="store unavailable")"}), 1u) << daemon.log_tail();
  EXPECT_EQ(count(daemon, {R"(msg="store unavailable")", address, "error="}), 1u)
      << daemon.log_tail();

  redis.restart();
  ASSERT_TRUE(
      poll_until([&] { return daemon.get("/-/ready").status == 200; }, std::chrono::seconds(15)))
      << daemon.log_tail();
  EXPECT_TRUE(IsOk(daemon.post_webhook(make_webhook({checkout(-2 * kMinute)}))));
  EXPECT_EQ(count(daemon, {R"(msg="store available again")"}), 1u) << daemon.log_tail();
  EXPECT_EQ(count(daemon, {R"(msg="store available again")", address, "after="}), 1u)
      << daemon.log_tail();
  EXPECT_EQ(count(daemon, {R"(msg="store unavailable")"}), 1u) << daemon.log_tail();
}

// The start-up line states every window and policy flag that changes what the daemon does, so
// a log shows which settings produced the numbers of that run.
TEST(Logs, TheStartUpLineListsEveryPolicyWindow) {
  Daemon daemon(Daemon::Options{
      "",
      pmx::testing::kFixtureToken,
      {"--incident.reopen-window=7m", "--incident.repeat-window=90d", "--kpi.window=14d",
       "--postmortem.due=3bd", "--postmortem.required-severities=critical,page",
       "--no-postmortem.require-repeats", "--incident.ignore=alertname=\"Watchdog\"",
       "--metrics.top-sources=20"}});
  const auto lines = lines_with(daemon, {R"(msg="listening")"});
  ASSERT_EQ(lines.size(), 1u) << daemon.log_tail();
  for (const std::string part :
       {"reopen_window=7m", "repeat_window=90d", "kpi_window=14d",
        R"(postmortem_due="3 business days")", "required_severities=critical,page",
        "require_repeats=false", R"(incident_ignore="{alertname=\"Watchdog\"}")", "top_sources=20",
        "source_labels=alertname,service"}) {
    EXPECT_NE(lines[0].find(part), std::string::npos) << part << " missing in\n" << lines[0];
  }
}

// The start-up line names the allocator, and it is the one that runs: jemalloc is mapped into
// the daemon built with it (PMX_JEMALLOC), so malloc is jemalloc's and not glibc's.
TEST(Logs, TheStartUpLineNamesTheAllocatorThatRuns) {
  Daemon daemon(Daemon::Options{"", pmx::testing::kFixtureToken, {}});
  const auto lines = lines_with(daemon, {R"(msg="listening")"});
  ASSERT_EQ(lines.size(), 1u) << daemon.log_tail();
  std::ifstream maps("/proc/" + std::to_string(daemon.process().pid()) + "/maps");
  const std::string mapped((std::istreambuf_iterator<char>(maps)),
                           std::istreambuf_iterator<char>());
#if PMX_DAEMON_JEMALLOC
  EXPECT_NE(lines[0].find(R"(allocator="jemalloc 5.)"), std::string::npos) << lines[0];
  EXPECT_NE(mapped.find("libjemalloc.so"), std::string::npos);
#else
  EXPECT_NE(lines[0].find(R"(allocator="glibc")"), std::string::npos) << lines[0];
  EXPECT_EQ(mapped.find("libjemalloc.so"), std::string::npos);
#endif
}

}  // namespace
}  // namespace pmx::e2e

namespace pmx::e2e {
namespace {

/// A label value that tries every trick on a log line: line breaks, a terminal escape, NUL,
/// DEL, quotes, backslashes, a forged field and UTF-8.
using namespace std::string_literals;
const std::string kHostileService =
    "a\nb\r\x1b[31mred\x1b[0m nul\0 del\x7f \"q\" \\n back\\ path=/a b=c Grüße"s;

bool has_raw_control(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

/// Every line of the log, each checked for raw control bytes (one line per entry).
std::vector<std::string> log_lines(Daemon& daemon) {
  std::ifstream log(daemon.process().log_path());
  std::vector<std::string> lines;
  for (std::string line; std::getline(log, line);) {
    EXPECT_FALSE(has_raw_control(line)) << line;
    lines.push_back(line);
  }
  return lines;
}

TEST(Logs, HostileLabelValuesStayOneLogfmtLine) {
  Daemon daemon;
  const GeneratedAlert alert{"HighLatency", kHostileService, "web-1", rfc3339_now(-kMinute), "",
                             false};
  ASSERT_TRUE(IsOk(daemon.post_webhook(make_webhook({alert})))) << daemon.log_tail();
  std::vector<std::string> opened;
  for (const auto& line : log_lines(daemon)) {
    if (line.find(R"(msg="incident opened")") != std::string::npos) opened.push_back(line);
  }
  ASSERT_EQ(opened.size(), 1u) << daemon.log_tail();
  EXPECT_NE(opened[0].find(R"(\n)"), std::string::npos) << opened[0];
  EXPECT_NE(opened[0].find(R"(\u001b[31m)"), std::string::npos) << opened[0];
  EXPECT_NE(opened[0].find(R"(\u0000)"), std::string::npos) << opened[0];
}

TEST(Logs, HostileLabelValuesReadBackExactlyFromJson) {
  Daemon daemon(Daemon::Options{"", pmx::testing::kFixtureToken, {"--log.format=json"}});
  const GeneratedAlert alert{"HighLatency", kHostileService, "web-1", rfc3339_now(-kMinute), "",
                             false};
  ASSERT_TRUE(IsOk(daemon.post_webhook(make_webhook({alert})))) << daemon.log_tail();
  std::vector<json> opened;
  for (const auto& line : log_lines(daemon)) {
    const json entry = json::parse(line, nullptr, false);
    ASSERT_FALSE(entry.is_discarded()) << line;
    if (entry.value("msg", "") == "incident opened") opened.push_back(entry);
  }
  ASSERT_EQ(opened.size(), 1u) << daemon.log_tail();
  // The canonical source key (it escapes `"`, `\` and line feeds of its own), exactly.
  const json incidents = daemon.get_json("/api/v1/incidents")["incidents"];
  ASSERT_EQ(incidents.size(), 1u) << incidents.dump();
  EXPECT_EQ(opened[0]["source"], incidents[0]["source"]) << opened[0].dump();
  EXPECT_NE(opened[0]["source"].get<std::string>().find("\x1b[31mred"), std::string::npos);
  EXPECT_NE(opened[0]["source"].get<std::string>().find(std::string("nul\0 del\x7f", 9)),
            std::string::npos);
  EXPECT_FALSE(opened[0].contains("b")) << "no field invented from the value: " << opened[0].dump();
}

// A value the daemon only reads from the request (here the webhook version, quoted in the
// rejection's reason) comes out of the JSON format as one object per line whose field is the
// original text: no logfmt in between to lose or invent anything.
TEST(Logs, HostileRejectionReasonsReadBackExactlyFromJson) {
  Daemon daemon(Daemon::Options{"", pmx::testing::kFixtureToken, {"--log.format=json"}});
  const std::string version = "4\nb c=d \x1b[31m \"q\" back\\ \x7f"s + std::string(1, '\0');
  const std::string body = json{{"version", version}, {"alerts", json::array()}}.dump();
  ASSERT_TRUE(IsStatus(daemon.post_webhook(body), 400)) << daemon.log_tail();
  std::vector<nlohmann::ordered_json> rejected;
  for (const auto& line : log_lines(daemon)) {
    const auto entry = nlohmann::ordered_json::parse(line, nullptr, false);
    ASSERT_TRUE(entry.is_object()) << line;
    if (entry.value("msg", "") == "webhook rejected") rejected.push_back(entry);
  }
  ASSERT_EQ(rejected.size(), 1u) << daemon.log_tail();
  const auto& entry = rejected[0];
  std::vector<std::string> keys;
  for (const auto& field : entry.items()) keys.push_back(field.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"ts", "level", "msg", "reason", "remote"}))
      << entry.dump();
  EXPECT_EQ(entry["level"], "warn");
  EXPECT_EQ(entry["reason"], "unsupported webhook version \"" + version + "\" (expected \"4\")")
      << entry.dump();
  EXPECT_EQ(entry["remote"], "127.0.0.1") << entry.dump();
}

}  // namespace
}  // namespace pmx::e2e
