// The post-mortem story end to end, on a real Alertmanager and a real Redis: an incident opens,
// its RCA gets two action items, the source fires again while they are open (a repeat, with the
// open items counted), again after one is done, and again after both are done (an ineffective
// fix). Every wait is a poll with a deadline.
#include <gtest/gtest.h>

#include <algorithm>

#include "alertmanager.h"
#include "e2e.h"
#include "rca_api.h"
#include "redis_server.h"

namespace pmx::e2e {
namespace {

using nlohmann::json;
using pmx::testing::action_item;
using pmx::testing::Alertmanager;
using pmx::testing::get_incident;
using pmx::testing::kCheckoutKey;
using pmx::testing::kFixtureToken;
using pmx::testing::poll_until;
using pmx::testing::RcaApi;
using pmx::testing::rca_document;
using pmx::testing::RedisServer;
using pmx::testing::rfc3339_now;
using pmx::testing::timeline_details;

constexpr auto kDeliveryDeadline = std::chrono::seconds(10);
const std::string kRcaId = "rca-checkout-pool";
const std::string kRcaTitle = "checkout pool exhaustion";

/// The newest incident of the checkout source (from GET /api/v1/sources/{key}), or {}.
json newest_checkout_incident(const Daemon& daemon) {
  const auto source = daemon.source(kCheckoutKey);
  if (!source || source->value("incidents", json::array()).empty()) return json::object();
  return (*source)["incidents"][0];
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<std::string> sorted(std::vector<std::string> list) {
  std::sort(list.begin(), list.end());
  return list;
}

class RcaStory : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<RedisServer>();
    Daemon::Options options;
    options.redis_url = redis_->url();
    options.flags = {"--incident.reopen-window=0s"};
    daemon_ = std::make_unique<Daemon>(options);
    Alertmanager::Options am;
    am.webhook_url = "http://127.0.0.1:" + std::to_string(daemon_->port()) + "/api/v1/webhook";
    am.bearer_token = kFixtureToken;
    alertmanager_ = std::make_unique<Alertmanager>(am);
  }

  std::string diagnostics() const {
    return "\n--- daemon ---\n" + daemon_->log_tail() + "\n--- alertmanager ---\n" +
           alertmanager_->log_tail();
  }

  /// Fires web-1 of checkout with a new startsAt and waits for a new open incident (not one of
  /// `known`); returns its id and the startsAt used.
  std::pair<std::string, std::string> fire_new_incident(const std::vector<std::string>& known) {
    const std::string starts_at = rfc3339_now(known.empty() ? -1000 : 100);
    alertmanager_->add_alert(kWeb1, starts_at);
    json incident;
    const bool opened = poll_until(
        [&] {
          incident = newest_checkout_incident(*daemon_);
          const std::string id = incident.value("id", "");
          return !id.empty() && !contains(known, id) && incident.value("state", "") == "open";
        },
        kDeliveryDeadline);
    EXPECT_TRUE(opened) << "no new open incident after firing at " << starts_at
                        << "; newest: " << incident.dump() << diagnostics();
    return {opened ? incident.value("id", "") : "", starts_at};
  }

  /// Resolves the firing that started at `starts_at` and waits for the incident to resolve.
  void resolve(const std::string& incident_id, const std::string& starts_at) {
    alertmanager_->add_alert(kWeb1, starts_at, rfc3339_now());
    json incident;
    EXPECT_TRUE(poll_until(
        [&] {
          incident = get_incident(*daemon_, incident_id);
          return incident.value("state", "") == "resolved";
        },
        kDeliveryDeadline))
        << incident_id << " did not resolve: " << incident.dump() << diagnostics();
  }

  /// Waits until `name{labels}` reads `want`; shows what it read otherwise.
  void expect_metric(const std::string& name, const std::map<std::string, std::string>& labels,
                     double want) {
    double seen = -1;
    EXPECT_TRUE(poll_until(
        [&] {
          seen = metric_or_zero(*daemon_, name, labels);
          return seen == want;
        },
        kDeliveryDeadline))
        << name << " is " << seen << ", want " << want << "\n"
        << daemon_->metrics();
  }

  const std::map<std::string, std::string> kWeb1{
      {"alertname", "HighLatency"}, {"service", "checkout"}, {"instance", "web-1"}};
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<Alertmanager> alertmanager_;
};

TEST_F(RcaStory, RepeatsCountOpenActionItemsAndFlagAnIneffectiveFix) {
  const RcaApi rcas(*daemon_);

  // 1. The first incident opens; it is no repeat.
  const auto [first, first_start] = fire_new_incident({});
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(get_incident(*daemon_, first)["repeat"].is_null())
      << get_incident(*daemon_, first).dump(1);

  // 2. Its post-mortem: two open action items, linked to it.
  const json document = rca_document(
      kRcaId, kRcaTitle, {action_item("AI-1", "prevent"), action_item("AI-2", "detect")}, {first});
  const HttpResponse put = rcas.put(kRcaId, document);
  ASSERT_TRUE(IsStatus(put, 201)) << daemon_->log_tail();
  EXPECT_EQ(put.json().value("action_items", -1), 2) << put.body;
  EXPECT_EQ(put.json().value("open_action_items", -1), 2) << put.body;
  {
    const json incident = get_incident(*daemon_, first);
    EXPECT_TRUE(contains(timeline_types(incident), "rca_linked")) << incident.dump(1);
    EXPECT_TRUE(contains(incident.value("rcas", std::vector<std::string>{}), kRcaId))
        << incident.dump(1);
  }

  // 3. It resolves, and the source fires again: the 2nd incident, with both items still open.
  resolve(first, first_start);
  const auto [second, second_start] = fire_new_incident({first});
  ASSERT_FALSE(second.empty());
  {
    const json incident = get_incident(*daemon_, second);
    SCOPED_TRACE("2nd incident: " + incident.dump(1));
    const json& repeat = incident["repeat"];
    ASSERT_TRUE(repeat.is_object());
    EXPECT_EQ(repeat.value("ordinal", -1), 2);
    EXPECT_EQ(repeat.value("earlier_incidents", std::vector<std::string>{}),
              std::vector<std::string>{first});
    ASSERT_EQ(repeat.value("rcas", json::array()).size(), 1u);
    EXPECT_EQ(repeat["rcas"][0].value("id", ""), kRcaId);
    EXPECT_EQ(repeat["rcas"][0].value("title", ""), kRcaTitle);
    EXPECT_EQ(repeat["rcas"][0].value("action_items", -1), 2);
    EXPECT_EQ(repeat["rcas"][0].value("open_action_items", -1), 2);
    EXPECT_EQ(repeat.value("open_action_items", -1), 2);
    EXPECT_EQ(repeat.value("ineffective_fix", true), false);
    EXPECT_TRUE(repeat.value("fixed_types", json::array()).empty());
    const auto flagged = timeline_details(incident, "flagged_repeat");
    ASSERT_EQ(flagged.size(), 1u);
    EXPECT_NE(flagged[0].find("2nd"), std::string::npos) << flagged[0];
    EXPECT_NE(flagged[0].find(kRcaTitle), std::string::npos) << flagged[0];
    EXPECT_NE(flagged[0].find("2 of 2"), std::string::npos) << flagged[0];
  }
  expect_metric("postmortem_repeat_incidents_total", {{"open_action_items", "true"}}, 1);
  expect_metric("postmortem_repeat_incidents_total", {{"open_action_items", "false"}}, 0);

  // 4. The prevent item is done: the linked (first) incident's timeline says so.
  const HttpResponse done1 = rcas.patch_item(kRcaId, "AI-1", {{"status", "done"}});
  ASSERT_TRUE(IsOk(done1)) << daemon_->log_tail();
  EXPECT_EQ(done1.json().value("open_action_items", -1), 1) << done1.body;
  EXPECT_EQ(timeline_details(get_incident(*daemon_, first), "action_item_changed").size(), 1u)
      << get_incident(*daemon_, first).dump(1);

  // 5. Resolve, fire again: the 3rd incident, one item still open.
  resolve(second, second_start);
  const auto [third, third_start] = fire_new_incident({first, second});
  ASSERT_FALSE(third.empty());
  {
    const json incident = get_incident(*daemon_, third);
    SCOPED_TRACE("3rd incident: " + incident.dump(1));
    const json& repeat = incident["repeat"];
    ASSERT_TRUE(repeat.is_object());
    EXPECT_EQ(repeat.value("ordinal", -1), 3);
    EXPECT_EQ(sorted(repeat.value("earlier_incidents", std::vector<std::string>{})),
              sorted({first, second}));
    ASSERT_EQ(repeat.value("rcas", json::array()).size(), 1u);
    EXPECT_EQ(repeat["rcas"][0].value("open_action_items", -1), 1);
    EXPECT_EQ(repeat.value("open_action_items", -1), 1);
    EXPECT_EQ(repeat.value("ineffective_fix", true), false);
    const auto flagged = timeline_details(incident, "flagged_repeat");
    ASSERT_EQ(flagged.size(), 1u);
    EXPECT_NE(flagged[0].find("3rd"), std::string::npos) << flagged[0];
    EXPECT_NE(flagged[0].find("1 of 2"), std::string::npos) << flagged[0];
  }
  expect_metric("postmortem_repeat_incidents_total", {{"open_action_items", "true"}}, 2);

  // 6. The detect item is done too; resolve; fire again: the fix did not hold.
  const HttpResponse done2 = rcas.patch_item(kRcaId, "AI-2", {{"status", "done"}});
  ASSERT_TRUE(IsOk(done2)) << daemon_->log_tail();
  EXPECT_EQ(done2.json().value("open_action_items", -1), 0) << done2.body;
  EXPECT_EQ(timeline_details(get_incident(*daemon_, first), "action_item_changed").size(), 2u);
  resolve(third, third_start);
  const auto [fourth, fourth_start] = fire_new_incident({first, second, third});
  ASSERT_FALSE(fourth.empty());
  {
    const json incident = get_incident(*daemon_, fourth);
    SCOPED_TRACE("4th incident: " + incident.dump(1));
    const json& repeat = incident["repeat"];
    ASSERT_TRUE(repeat.is_object());
    EXPECT_EQ(repeat.value("ordinal", -1), 4);
    EXPECT_EQ(repeat.value("open_action_items", -1), 0);
    EXPECT_EQ(repeat.value("ineffective_fix", false), true);
    EXPECT_EQ(repeat.value("fixed_types", std::vector<std::string>{}),
              (std::vector<std::string>{"detect", "prevent"}));
    EXPECT_EQ(timeline_details(incident, "flagged_repeat").size(), 1u);
  }
  expect_metric("postmortem_recurrences_after_fix_total", {{"type", "prevent"}}, 1);
  expect_metric("postmortem_recurrences_after_fix_total", {{"type", "detect"}}, 1);
  expect_metric("postmortem_repeat_incidents_total", {{"open_action_items", "false"}}, 1);
  expect_metric("postmortem_repeat_incidents_total", {{"open_action_items", "true"}}, 2);

  // The RCA stays linked to the incident it was written for.
  EXPECT_EQ(get_incident(*daemon_, first).value("rcas", std::vector<std::string>{}),
            std::vector<std::string>{kRcaId});
  (void)fourth_start;
}

}  // namespace
}  // namespace pmx::e2e
