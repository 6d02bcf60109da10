// Per-owner reminders (pmx/core/reminders.h): which items and incidents are overdue, who is
// reminded, and label values of bounded size.
#include "pmx/core/reminders.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pmx {
namespace {

const UnixNanos kNow = *parse_rfc3339("2026-11-23T12:00:00Z");
constexpr UnixNanos kDay = kNanosPerDay;

ActionItem item(const std::string& id, ActionItemStatus status, UnixNanos due_at,
                const std::string& owner = "ann") {
  ActionItem out;
  out.id = id;
  out.title = "item " + id;
  out.owner = owner;
  out.status = status;
  out.due_at = due_at;
  return out;
}

Rca rca(const std::string& id, std::vector<ActionItem> items, const std::string& owner = "") {
  Rca out;
  out.id = id;
  out.action_items = std::move(items);
  out.document = {{"id", id}};
  if (!owner.empty()) out.document["owner"] = owner;
  return out;
}

std::vector<std::string> names(const std::vector<OverdueItem>& items) {
  std::vector<std::string> out;
  for (const auto& overdue : items) out.push_back(overdue.rca->id + "/" + overdue.item->id);
  return out;
}

TEST(OverdueActionItems, OpenItemsPastTheirDueDateOldestFirst) {
  const std::vector<Rca> rcas{rca("r2", {item("a", ActionItemStatus::kOpen, kNow - 3 * kDay),
                                         item("b", ActionItemStatus::kInProgress, kNow - 10 * kDay),
                                         item("c", ActionItemStatus::kDone, kNow - 20 * kDay),
                                         item("d", ActionItemStatus::kWontDo, kNow - 20 * kDay),
                                         item("e", ActionItemStatus::kOpen, kNow + kDay)}),
                              rca("r1", {item("z", ActionItemStatus::kOpen, kNow - 3 * kDay),
                                         item("y", ActionItemStatus::kOpen, kNow)})};
  EXPECT_EQ(names(overdue_action_items(rcas, kNow)),
            (std::vector<std::string>{"r2/b", "r1/z", "r2/a"}))
      << "closed items and those not past due are not reminded; equal due dates go by RCA id; "
         "an item due exactly now is not overdue yet";
  EXPECT_EQ(names(overdue_action_items(rcas, kNow + 1)).back(), "r1/y");
  EXPECT_TRUE(overdue_action_items({}, kNow).empty());
}

Incident incident_with_teams(const std::vector<std::string>& teams) {
  Incident incident;
  incident.id = "0123456789abcdef-1";
  for (std::size_t i = 0; i < teams.size(); ++i) {
    AlertRecord record;
    record.fingerprint = "fp" + std::to_string(i);
    record.labels = {{"alertname", "Down"}};
    if (!teams[i].empty()) record.labels["team"] = teams[i];
    incident.alerts[record.fingerprint] = record;
  }
  return incident;
}

TEST(PostmortemOwner, TheLinkedRcasOwnerElseTheAlertsLabelElseNobody) {
  const Incident incident = incident_with_teams({"payments", "checkout", "payments", ""});
  const Rca unowned = rca("a-draft", {});
  const Rca owned = rca("b-draft", {}, "maria");
  const Rca also_owned = rca("c-draft", {}, "zoe");
  EXPECT_EQ(postmortem_owner(incident, {&also_owned, &unowned, &owned}, "team"), "maria")
      << "the first RCA by id that names an owner";
  EXPECT_EQ(postmortem_owner(incident, {&unowned}, "team"), "payments") << "most alerts say so";
  EXPECT_EQ(postmortem_owner(incident_with_teams({"web", "api"}), {}, "team"), "api")
      << "a tie goes to the smallest value, the same on every replica";
  EXPECT_EQ(postmortem_owner(incident, {}, ""), "") << "no label configured";
  EXPECT_EQ(postmortem_owner(incident, {}, "owner"), "") << "no alert carries it";
}

TEST(CappedLabelValue, CutsLongValuesBetweenCharacters) {
  EXPECT_EQ(capped_label_value("short", 10), "short");
  EXPECT_EQ(capped_label_value("0123456789", 10), "0123456789");
  EXPECT_EQ(capped_label_value("0123456789abc", 10), "0123456...");
  // "é" is two bytes (C3 A9): a cut after 7 bytes would split the one at bytes 6-7.
  const std::string accents = "012345\xC3\xA9\xC3\xA9\xC3\xA9";
  EXPECT_EQ(capped_label_value(accents, 10), "012345...");
  EXPECT_EQ(capped_label_value(accents, 11), "012345\xC3\xA9...");
  EXPECT_LE(capped_label_value(std::string(1000, 'x'), 128).size(), 128u);
  EXPECT_EQ(capped_label_value("abcdef", 2), "..");
}

}  // namespace
}  // namespace pmx
