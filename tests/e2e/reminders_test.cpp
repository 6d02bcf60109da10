// Per-owner reminders through the whole chain a team runs: the real daemon exports one series
// per overdue action item, a real Prometheus evaluates monitoring/prometheus/postmortem-alerts.yml
// on it, and a real Alertmanager routed by monitoring/alertmanager/owner-reminders.yml (the
// README's example) delivers each reminder to its owner's receiver, and tells them when the item
// is done.
//
// The only changes to the shipped files: every `for:` of the rules is 0s and the reminder
// route's intervals are 1s (a test cannot wait 10 minutes), and the example receivers' URLs
// point at this test's webhook sink.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "alertmanager.h"
#include "e2e.h"
#include "prometheus.h"
#include "rca_api.h"
#include "webhook_sink.h"

namespace pmx::e2e {
namespace {

using nlohmann::json;
using pmx::testing::Alertmanager;
using pmx::testing::poll_until;
using pmx::testing::Prometheus;
using pmx::testing::RcaApi;
using pmx::testing::read_file;
using pmx::testing::WebhookSink;

/// The shipped rules with every `for:` at 0s, written to a file of their own.
std::string rules_firing_at_once() {
  const std::string path = pmx::testing::make_temp_dir("pmx-rules") + "/rules.yml";
  std::ofstream(path) << std::regex_replace(read_file(PMX_ALERT_RULES_PATH),
                                            std::regex(R"(for: \w+)"), "for: 0s");
  return path;
}

/// The README's owner routing with its receivers at `sink` and its intervals at 1s.
std::string owner_routing(const WebhookSink& sink) {
  std::string config = read_file(PMX_OWNER_ROUTES_PATH);
  config = std::regex_replace(config, std::regex("http://chat-bridge\\.example"), sink.url());
  return std::regex_replace(config, std::regex(R"((group_wait|group_interval): \w+)"), "$1: 1s");
}

/// The UTC calendar date `days` from today ("2026-03-14").
std::string date_in_days(int days) {
  const std::time_t t = std::time(nullptr) + days * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

json owned_item(const std::string& id, const std::string& owner, const std::string& due,
                const std::string& priority) {
  json item = pmx::testing::action_item(id, "prevent", "open", priority);
  item["owner"] = owner;
  item["due"] = due;
  item["title"] = "Item " + id + " of " + owner;
  return item;
}

/// The reminders (alert label item -> status) in the notifications `sink` got at `path`.
std::map<std::string, std::set<std::string>> reminders(const WebhookSink& sink,
                                                       const std::string& path) {
  std::map<std::string, std::set<std::string>> seen;
  for (const auto& notification : sink.received(path)) {
    for (const auto& alert : notification.value("alerts", json::array())) {
      const json& labels = alert["labels"];
      if (labels.value("alertname", "") != "PostmortemActionItemReminder") continue;
      seen[labels.value("item", "")].insert(alert.value("status", ""));
    }
  }
  return seen;
}

TEST(OwnerReminders, EachOwnerHearsOfTheirOwnOverdueItemsUntilTheyAreDone) {
  Daemon::Options options;
  options.flags = {"--web.external-url=https://pmx.example"};
  Daemon daemon(options);
  const RcaApi api(daemon);
  const std::string yesterday = date_in_days(-2);  // ended at least a day ago, in any time zone
  ASSERT_EQ(api.put("rca-checkout",
                    pmx::testing::rca_document("rca-checkout", "Checkout outage",
                                               {owned_item("A1", "alice", yesterday, "P1"),
                                                owned_item("B1", "bob", yesterday, "P3"),
                                                owned_item("A2", "alice", date_in_days(7), "P0")}))
                .status,
            201);

  WebhookSink sink;
  Alertmanager::Options am_options;
  am_options.config = owner_routing(sink);
  Alertmanager alertmanager(am_options);
  Prometheus prometheus({{"127.0.0.1:" + std::to_string(daemon.port())},
                         rules_firing_at_once(),
                         "1s",
                         "127.0.0.1:" + std::to_string(alertmanager.port())});
  const auto diagnostics = [&] {
    return "\nalice got: " + json(sink.received("/alice")).dump() +
           "\nbob got: " + json(sink.received("/bob")).dump() +
           "\nsre-team got: " + json(sink.received("/sre-team")).dump() +
           "\n--- alertmanager ---\n" + alertmanager.log_tail() + "\n--- prometheus ---\n" +
           prometheus.log_tail();
  };

  // Each owner's receiver gets their own overdue item, and only that: A2 is not due yet.
  ASSERT_TRUE(poll_until(
      [&] { return reminders(sink, "/alice").count("A1") && reminders(sink, "/bob").count("B1"); },
      std::chrono::seconds(30)))
      << "the reminders were not delivered" << diagnostics();
  EXPECT_EQ(reminders(sink, "/alice"),
            (std::map<std::string, std::set<std::string>>{{"A1", {"firing"}}}))
      << diagnostics();
  EXPECT_EQ(reminders(sink, "/bob"),
            (std::map<std::string, std::set<std::string>>{{"B1", {"firing"}}}))
      << diagnostics();
  EXPECT_TRUE(reminders(sink, "/sre-team").empty()) << diagnostics();

  // What alice reads: her name, the item, its title and where to close it.
  const json alice = sink.received("/alice").front();
  EXPECT_EQ(alice["groupLabels"], (json{{"owner", "alice"}}));
  const json& reminder = alice["alerts"][0];
  EXPECT_EQ(reminder["labels"]["priority"], "P1");
  EXPECT_EQ(reminder["labels"]["rca"], "rca-checkout");
  EXPECT_EQ(reminder["annotations"]["ui_url"], "https://pmx.example/rcas/rca-checkout#item-A1");
  EXPECT_NE(reminder["annotations"]["description"].get<std::string>().find("\"Item A1 of alice\""),
            std::string::npos)
      << reminder.dump();

  // alice marks hers done: she is told it resolved; bob's reminder goes on.
  ASSERT_EQ(api.patch_item("rca-checkout", "A1", {{"status", "done"}}).status, 200);
  ASSERT_TRUE(poll_until([&] { return reminders(sink, "/alice")["A1"].count("resolved") > 0; },
                         std::chrono::seconds(30)))
      << "alice's reminder did not stop" << diagnostics();
  EXPECT_EQ(reminders(sink, "/bob")["B1"], std::set<std::string>{"firing"}) << diagnostics();
}

}  // namespace
}  // namespace pmx::e2e
