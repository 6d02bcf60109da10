// The quality checks on action items as a post-mortem's author and a team lead meet them: the
// answer of every RCA write lists the warnings (and the RCA is stored anyway), the post-mortem
// page shows each beside its item, the Markdown draft below its table, and /metrics counts
// those of the RCAs past draft.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "in_process_api.h"
#include "metrics_text.h"
#include "pmx/store/memory_store.h"

namespace pmx {
namespace {

using nlohmann::json;

json item(const std::string& id, const std::string& title, const std::string& owner,
          const std::string& priority, const std::string& status = "open") {
  return {{"id", id},       {"title", title},      {"type", "prevent"}, {"priority", priority},
          {"owner", owner}, {"due", "2026-11-30"}, {"status", status}};
}

/// Written 2026-11-20: item a is owned by a team, vague and a P1 without ticket; b is fine; c is
/// done, so nothing is said about it.
json rca_with_weak_items() {
  return {{"id", "db-1"},
          {"title", "Pool exhaustion"},
          {"status", "draft"},
          {"created_at", "2026-11-20T10:00:00Z"},
          {"action_items", json::array({item("a", "Look into pool sizing", "team-db", "P1"),
                                        item("b", "Alert at 80% pool use for 5m", "ann", "P2"),
                                        item("c", "Improve things", "team-db", "P0", "done")})}};
}

json warning(const std::string& kind, const std::string& item, const std::string& message) {
  return {{"kind", kind}, {"item", item}, {"message", message}};
}

const json kWarningsOfA = json::array(
    {warning("team_owner", "a", "owner \"team-db\" looks like a team: name one person accountable"),
     warning("vague_wording", "a",
             "vague wording \"look into\": say what will be done and how to tell it is done"),
     warning("no_ticket", "a", "no ticket link for a P1 item")});

class ActionItemWarningsTest : public InProcessApi<MemoryStore> {
 protected:
  void SetUp() override {
    start(HttpConfig{});
    client_->set_bearer_token_auth(kToken);
  }
  httplib::Result put(const json& doc) {
    return client_->Put("/api/v1/rcas/" + doc["id"].get<std::string>(), doc.dump(),
                        "application/json");
  }
  double warnings_of(const std::string& metrics, const std::string& kind) {
    return pmx::testing::metric_value(metrics, "postmortem_action_item_warnings", {{"kind", kind}})
        .value_or(-1);
  }
};

TEST_F(ActionItemWarningsTest, EveryWriteAnswersItsWarningsAndIsStoredAnyway) {
  auto res = put(rca_with_weak_items());
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_EQ(json::parse(res->body)["warnings"], kWarningsOfA) << res->body;
  EXPECT_EQ(json::parse(client_->Get("/api/v1/rcas/db-1")->body)["version"], 1)
      << "stored in spite of the warnings";

  // Fixed: an empty list.
  json fixed = rca_with_weak_items();
  fixed["action_items"][0] = item("a", "Raise the pool to 200 connections", "bob", "P1");
  fixed["action_items"][0]["ticket"] = "https://tracker.example/OPS-7";
  res = put(fixed);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["warnings"], json::array());

  // A PATCH answers the warnings of the RCA it stored.
  res = client_->Patch("/api/v1/rcas/db-1/action-items/b", R"({"owner": "platform-sre"})",
                       "application/json");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["warnings"],
            json::array({warning("team_owner", "b",
                                 "owner \"platform-sre\" looks like a team: name one person "
                                 "accountable")}));
}

TEST_F(ActionItemWarningsTest, ThePostmortemPageShowsThemBesideTheirItemsEscaped) {
  json doc = rca_with_weak_items();
  doc["action_items"][1]["owner"] = "<b>sre</b>";
  for (int i = 0; i < 5; ++i) {
    doc["action_items"].push_back(
        item("x" + std::to_string(i), "Alert on queue depth " + std::to_string(i), "ann", "P3"));
  }
  ASSERT_EQ(put(doc)->status, 201);
  const auto res = client_->Get("/rcas/db-1");
  ASSERT_EQ(res->status, 200);
  const std::string& html = res->body;
  const auto row = [&](const std::string& id) {
    const auto start = html.find("<tr id=\"item-" + id + "\"");
    return start == std::string::npos ? "" : html.substr(start, html.find("</tr>", start) - start);
  };
  EXPECT_NE(row("a").find("<strong>Warning:</strong> no ticket link for a P1 item"),
            std::string::npos)
      << row("a");
  EXPECT_NE(row("a").find("<strong>Warning:</strong> vague wording &quot;look into&quot;"),
            std::string::npos)
      << row("a");
  EXPECT_NE(row("b").find("owner &quot;&lt;b&gt;sre&lt;/b&gt;&quot; looks like a team"),
            std::string::npos)
      << row("b");
  EXPECT_EQ(html.find("<b>sre</b>"), std::string::npos) << "escaped";
  EXPECT_EQ(row("c").find("Warning"), std::string::npos) << "a done item needs nothing more";
  EXPECT_EQ(row("x0").find("Warning"), std::string::npos);
  // The RCA as a whole, above the table: 7 open items.
  const auto table = html.find("<table class=\"items\">");
  const auto too_many = html.find(
      "<strong>Warning:</strong> 7 open action items, more than 5: keep the few that stop it "
      "happening again");
  ASSERT_NE(too_many, std::string::npos) << html;
  EXPECT_LT(too_many, table);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST_F(ActionItemWarningsTest, TheDraftListsThemBelowTheActionItems) {
  std::ifstream in(std::string(PMX_FIXTURES_DIR) +
                   "/alertmanager-0.25/01-firing-group-checkout.json");
  const std::string webhook((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(client_->Post("/api/v1/webhook", webhook, "application/json")->status, 200);
  const json listed = json::parse(client_->Get("/api/v1/incidents")->body);
  ASSERT_FALSE(listed["incidents"].empty());
  const std::string incident = listed["incidents"][0]["id"];
  json doc = rca_with_weak_items();
  doc["incidents"] = json::array({incident});
  ASSERT_EQ(put(doc)->status, 201);

  const auto res = client_->Get("/api/v1/incidents/" + incident + "/postmortem.md");
  ASSERT_EQ(res->status, 200);
  const std::string& md = res->body;
  const auto items = md.find("## Action items");
  const auto lessons = md.find("## Lessons learned");
  const auto warned = md.find("- **Warning** (a): no ticket link for a P1 item\n");
  ASSERT_NE(warned, std::string::npos) << md;
  EXPECT_LT(items, warned);
  EXPECT_LT(warned, lessons);
  EXPECT_NE(md.find("- **Warning** (a): owner \"team-db\" looks like a team"), std::string::npos)
      << md;
  EXPECT_EQ(md.find("**Warning** (c)"), std::string::npos);
}

TEST_F(ActionItemWarningsTest, MetricsCountTheWarningsOfRcasPastDraft) {
  const auto scrape = [&] { return client_->Get("/metrics")->body; };
  std::string metrics = scrape();
  for (const char* kind : {"too_many_items", "no_owner", "team_owner", "no_due_date",
                           "due_too_late", "vague_wording", "no_ticket"}) {
    EXPECT_EQ(warnings_of(metrics, kind), 0.0) << kind << "\n" << metrics;
  }
  ASSERT_EQ(put(rca_with_weak_items())->status, 201);
  EXPECT_EQ(warnings_of(scrape(), "team_owner"), 0.0) << "a draft is work in progress";

  json in_review = rca_with_weak_items();
  in_review["status"] = "in_review";
  ASSERT_EQ(put(in_review)->status, 200);
  json other = rca_with_weak_items();
  other["id"] = "db-2";
  other["status"] = "in_review";
  other["action_items"][1]["due"] = "2027-01-30";  // 71 days after the RCA
  other["action_items"][1]["owner"] = "TBD";
  ASSERT_EQ(put(other)->status, 201);
  metrics = scrape();
  EXPECT_EQ(warnings_of(metrics, "team_owner"), 2.0) << metrics;
  EXPECT_EQ(warnings_of(metrics, "vague_wording"), 2.0);
  EXPECT_EQ(warnings_of(metrics, "no_ticket"), 2.0);
  EXPECT_EQ(warnings_of(metrics, "no_owner"), 1.0);
  EXPECT_EQ(warnings_of(metrics, "due_too_late"), 1.0);
  EXPECT_EQ(warnings_of(metrics, "too_many_items"), 0.0);
  EXPECT_NE(metrics.find("# TYPE postmortem_action_item_warnings gauge"), std::string::npos);
}

}  // namespace
}  // namespace pmx
