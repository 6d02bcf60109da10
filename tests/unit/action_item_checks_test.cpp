// Quality checks on action items: each kind of warning, when it is given and when it is not.
#include "pmx/core/action_item_checks.h"

#include <gtest/gtest.h>

#include "pmx/core/rca_loader.h"

namespace pmx {
namespace {

using nlohmann::json;

/// An open P2 item that passes every check: a person, due a week after the RCA, concrete.
json good_item(const std::string& id) {
  return {{"id", id},
          {"title", "Alert when the checkout pool is 80% used for 5 minutes"},
          {"type", "detect"},
          {"priority", "P2"},
          {"owner", "ann@example.com"},
          {"due", "2026-03-26"},
          {"status", "open"}};
}

/// An RCA written on 2026-03-19 with these items.
Rca rca_with(const std::vector<json>& items, json extra = json::object()) {
  json doc = {{"id", "RCA-1"},
              {"title", "Checkout pool exhausted"},
              {"status", "draft"},
              {"created_at", "2026-03-19T14:05:00Z"},
              {"action_items", items}};
  for (const auto& [key, value] : extra.items()) doc[key] = value;
  auto loaded = load_rca(doc);
  EXPECT_TRUE(loaded.ok()) << (loaded ? "" : loaded.error().message());
  return loaded ? *loaded : Rca{};
}

/// The kinds of the warnings of one item (or "" for the RCA), in order.
std::vector<std::string> kinds(const std::vector<ActionItemWarning>& warnings,
                               const std::string& item = "AI-1") {
  std::vector<std::string> out;
  for (const auto& warning : warnings) {
    if (warning.item == item) out.push_back(to_string(warning.kind));
  }
  return out;
}

std::vector<std::string> item_kinds(json item, const ActionItemRules& rules = {}) {
  return kinds(check_action_items(rca_with({std::move(item)}), rules));
}

json with(json item, const std::string& key, json value) {
  item[key] = std::move(value);
  return item;
}

using Kinds = std::vector<std::string>;

TEST(ActionItemChecks, AGoodItemHasNoWarning) {
  EXPECT_TRUE(check_action_items(rca_with({good_item("AI-1")}), {}).empty());
}

TEST(ActionItemChecks, KindsHaveStableNames) {
  std::vector<std::string> names;
  for (const auto kind : kActionItemWarningKinds) names.push_back(to_string(kind));
  EXPECT_EQ(names, (Kinds{"too_many_items", "no_owner", "team_owner", "no_due_date", "due_too_late",
                          "vague_wording", "no_ticket"}));
}

TEST(ActionItemChecks, MoreThanFiveOpenItemsIsOneWarningOnTheRca) {
  std::vector<json> items;
  for (int i = 1; i <= 5; ++i) items.push_back(good_item("AI-" + std::to_string(i)));
  EXPECT_TRUE(kinds(check_action_items(rca_with(items), {}), "").empty()) << "5 is fine";
  items.push_back(good_item("AI-6"));
  const auto warnings = check_action_items(rca_with(items), {});
  ASSERT_EQ(kinds(warnings, ""), Kinds{"too_many_items"});
  EXPECT_EQ(warnings.front().message,
            "6 open action items, more than 5: keep the few that stop it happening again");
  // Closed items are not counted: six items, two done or won't do.
  items[0]["status"] = "done";
  items[1]["status"] = "wont_do";
  EXPECT_TRUE(kinds(check_action_items(rca_with(items), {}), "").empty());
}

TEST(ActionItemChecks, PlaceholderOwnerIsNoOwner) {
  for (const char* owner : {"TBD", "tbd", " unassigned ", "N/A", "?", "Nobody"}) {
    EXPECT_EQ(item_kinds(with(good_item("AI-1"), "owner", owner)), Kinds{"no_owner"}) << owner;
  }
  const auto warnings = check_action_items(rca_with({with(good_item("AI-1"), "owner", "TBD")}), {});
  EXPECT_EQ(warnings.at(0).message,
            "owner \"TBD\" is a placeholder: name the person accountable for it");
  EXPECT_EQ(warnings.at(0).item, "AI-1");
  // A name that merely contains one is a person.
  EXPECT_EQ(item_kinds(with(good_item("AI-1"), "owner", "Tbdavid Noneman")), Kinds{});
}

TEST(ActionItemChecks, EmptyOwnerAndDueOfAModelWithoutDocument) {
  // The schema refuses them; a model built by hand can still carry them.
  Rca rca = rca_with({good_item("AI-1")});
  rca.action_items[0].owner = "";
  rca.action_items[0].due = "";
  const auto warnings = check_action_items(rca, {});
  EXPECT_EQ(kinds(warnings), (Kinds{"no_owner", "no_due_date"}));
  EXPECT_EQ(warnings.at(0).message, "no owner: name the person accountable for it");
  EXPECT_EQ(warnings.at(1).message, "no due date");
}

TEST(ActionItemChecks, TeamOwnersByTheDefaultPattern) {
  for (const char* team :
       {"team-payments", "@team-db", "payments-team", "Payments Team", "SRE", "db-sre",
        "platform-oncall", "SRE on-call", "ops@example.com", "@acme/payments", "checkout squad"}) {
    EXPECT_EQ(item_kinds(with(good_item("AI-1"), "owner", team)), Kinds{"team_owner"}) << team;
  }
  for (const char* person : {"ann", "ann@example.com", "@ann", "Steamboat Willie", "Teamwork Ltd",
                             "Opsahl", "Grouper"}) {
    EXPECT_EQ(item_kinds(with(good_item("AI-1"), "owner", person)), Kinds{}) << person;
  }
  EXPECT_EQ(check_action_items(rca_with({with(good_item("AI-1"), "owner", "team-payments")}), {})
                .at(0)
                .message,
            "owner \"team-payments\" looks like a team: name one person accountable");
}

TEST(ActionItemChecks, TeamPatternIsConfigurableAndCanBeTurnedOff) {
  const auto rules = make_action_item_rules("^grp_", kDefaultVaguePhrases);
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(item_kinds(with(good_item("AI-1"), "owner", "GRP_payments"), *rules),
            Kinds{"team_owner"})
      << "case-insensitive";
  EXPECT_EQ(item_kinds(with(good_item("AI-1"), "owner", "team-payments"), *rules), Kinds{});
  const auto off = make_action_item_rules("", kDefaultVaguePhrases);
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(item_kinds(with(good_item("AI-1"), "owner", "team-payments"), *off), Kinds{});
}

TEST(ActionItemChecks, AnInvalidPatternOrPhraseIsRefused) {
  const auto bad = make_action_item_rules("team(", kDefaultVaguePhrases);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(bad.error().field, "team_owner_pattern");
  EXPECT_NE(bad.error().message().find("invalid pattern \"team(\": missing )"), std::string::npos)
      << bad.error().message();
  const auto no_word = make_action_item_rules(kDefaultTeamOwnerPattern, "improve, $ ,fix");
  ASSERT_FALSE(no_word.ok());
  EXPECT_EQ(no_word.error().message(), "vague phrase \"$\" has no word in it");
  EXPECT_EQ(no_word.error().field, "vague_phrases");
}

TEST(ActionItemChecks, DueMoreThanFourWeeksAfterTheRca) {
  // Created 2026-03-19: due 2026-04-16 is 28 days later, fine; the 17th is too late.
  EXPECT_EQ(item_kinds(with(good_item("AI-1"), "due", "2026-04-16")), Kinds{});
  const auto warnings =
      check_action_items(rca_with({with(good_item("AI-1"), "due", "2026-04-17")}), {});
  ASSERT_EQ(kinds(warnings), Kinds{"due_too_late"});
  EXPECT_EQ(warnings[0].message,
            "due 2026-04-17, 29 days after the RCA (2026-03-19): more than 28; split it into "
            "steps that can be done sooner");
}

TEST(ActionItemChecks, TheReferenceDateFallsBackThroughTheDocument) {
  json late = with(good_item("AI-1"), "due", "2026-05-01");
  // No date at all: nothing to measure from, no warning.
  Rca undated = rca_with({late});
  undated.created_at.reset();
  EXPECT_FALSE(rca_reference_date(undated).has_value());
  EXPECT_EQ(kinds(check_action_items(undated, {})), Kinds{});
  // Then published_at, impact_started_at, the earliest timeline entry.
  Rca rca = undated;
  rca.document = {{"impact_started_at", "2026-04-20T23:00:00Z"},
                  {"timeline", json::array({{{"time", "2026-04-02T10:00:00Z"}, {"event", "b"}},
                                            {{"time", "2026-04-01T10:00:00Z"}, {"event", "a"}}})}};
  EXPECT_EQ(rca_reference_date(rca), rca_date_time("2026-04-20T23:00:00Z"));
  EXPECT_EQ(kinds(check_action_items(rca, {})), Kinds{});
  rca.document.erase("impact_started_at");
  EXPECT_EQ(rca_reference_date(rca), rca_date_time("2026-04-01T10:00:00Z"));
  EXPECT_EQ(kinds(check_action_items(rca, {})), Kinds{"due_too_late"});
  rca.published_at = rca_date_time("2026-04-30T10:00:00Z");
  EXPECT_EQ(kinds(check_action_items(rca, {})), Kinds{}) << "published_at comes first";
}

TEST(ActionItemChecks, VagueWording) {
  for (const char* title :
       {"Improve monitoring", "IMPROVE alerting", "Look into the pool settings",
        "Everyone should be more careful with deploys", "Investigate", "Investigate further.",
        "investigate the issue", "Monitor", "Monitor closely"}) {
    EXPECT_EQ(item_kinds(with(good_item("AI-1"), "title", title)), Kinds{"vague_wording"}) << title;
  }
  for (const char* title :
       {"Investigate why the checkout pool drains at 02:00 and write down the cause",
        "Monitor pool usage with an alert at 80%", "Write an improvement plan for the runbook",
        "Add a lookout for stuck pods", "Set the pool size to 200 (improved from 50)"}) {
    EXPECT_EQ(item_kinds(with(good_item("AI-1"), "title", title)), Kinds{}) << title;
  }
  const auto warnings =
      check_action_items(rca_with({with(good_item("AI-1"), "title", "Look into it")}), {});
  EXPECT_EQ(warnings.at(0).message,
            "vague wording \"look into\": say what will be done and how to tell it is done");
}

TEST(ActionItemChecks, VaguePhrasesAreConfigurable) {
  const auto rules = make_action_item_rules(kDefaultTeamOwnerPattern, " Revisit , Clean Up$ ,");
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->vague_phrases.size(), 2u);
  EXPECT_EQ(rules->vague_phrases[1].text, "clean up");
  EXPECT_TRUE(rules->vague_phrases[1].without_object);
  EXPECT_EQ(item_kinds(with(good_item("AI-1"), "title", "Revisit the limits"), *rules),
            Kinds{"vague_wording"});
  EXPECT_EQ(item_kinds(with(good_item("AI-1"), "title", "Clean up"), *rules),
            Kinds{"vague_wording"});
  EXPECT_EQ(item_kinds(with(good_item("AI-1"), "title", "Clean up stale DNS records"), *rules),
            Kinds{});
  EXPECT_EQ(item_kinds(with(good_item("AI-1"), "title", "Improve monitoring"), *rules), Kinds{})
      << "the list replaces the defaults";
  const auto none = make_action_item_rules(kDefaultTeamOwnerPattern, "");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->vague_phrases.empty());
}

TEST(ActionItemChecks, UrgentItemsNeedATicket) {
  EXPECT_EQ(item_kinds(with(good_item("AI-1"), "priority", "P0")), Kinds{"no_ticket"});
  const auto warnings =
      check_action_items(rca_with({with(good_item("AI-1"), "priority", "P1")}), {});
  ASSERT_EQ(kinds(warnings), Kinds{"no_ticket"});
  EXPECT_EQ(warnings[0].message, "no ticket link for a P1 item");
  EXPECT_EQ(item_kinds(with(with(good_item("AI-1"), "priority", "P1"), "ticket",
                            "https://tracker.example/OPS-1")),
            Kinds{});
  EXPECT_EQ(item_kinds(with(good_item("AI-1"), "priority", "P3")), Kinds{});
}

TEST(ActionItemChecks, ClosedItemsAreNotChecked) {
  json bad = good_item("AI-1");
  bad["owner"] = "team-payments";
  bad["title"] = "Improve things";
  bad["priority"] = "P0";
  bad["due"] = "2027-01-01";
  EXPECT_EQ(item_kinds(bad), (Kinds{"team_owner", "due_too_late", "vague_wording", "no_ticket"}))
      << "in kind order";
  EXPECT_EQ(item_kinds(with(bad, "status", "in_progress")).size(), 4u);
  EXPECT_EQ(item_kinds(with(bad, "status", "done")), Kinds{});
  EXPECT_EQ(item_kinds(with(bad, "status", "wont_do")), Kinds{});
}

}  // namespace
}  // namespace pmx
