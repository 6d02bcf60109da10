// The pieces of the API's lists: cursors, CSV fields and the action items across RCAs.
#include <gtest/gtest.h>

#include "pmx/core/action_item_list.h"
#include "pmx/core/csv.h"
#include "pmx/core/list_cursor.h"

namespace pmx {
namespace {

TEST(ListCursor, RoundTripsAnyBytesAndIsUrlSafe) {
  const std::vector<std::string> fields{"1795419853000000000", "a:b\n\"c\"&d=e", ""};
  const std::string token = encode_cursor("sources", fields);
  EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos) << token;
  EXPECT_EQ(decode_cursor(token, "sources", 3), fields);
}

TEST(ListCursor, RefusesAnotherListsOrAnEditedOne) {
  const std::string token = encode_cursor("incidents", {"1", "x-1"});
  EXPECT_FALSE(decode_cursor(token, "sources", 2));
  EXPECT_FALSE(decode_cursor(token, "incidents", 3));
  EXPECT_FALSE(decode_cursor(token.substr(0, token.size() - 2), "incidents", 2));
  EXPECT_FALSE(decode_cursor(token + "0", "incidents", 2));
  EXPECT_FALSE(decode_cursor("zz" + token.substr(2), "incidents", 2));
  EXPECT_FALSE(decode_cursor("", "incidents", 2));
  EXPECT_FALSE(decode_cursor(std::string(kMaxCursorLength + 2, '0'), "incidents", 2));
  // A length prefix larger than what follows.
  EXPECT_FALSE(decode_cursor(encode_cursor("incidents", {"1"}) + "39393a", "incidents", 2));
}

TEST(Csv, QuotesWhatNeedsItAndDefusesFormulas) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("=HYPERLINK(\"http://evil\")"), "\"'=HYPERLINK(\"\"http://evil\"\")\"");
  EXPECT_EQ(csv_field("+1"), "'+1");
  EXPECT_EQ(csv_field("-2"), "'-2");
  EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_number("-2"), "-2");
  EXPECT_EQ(csv_row({"a", "\"b,c\"", ""}), "a,\"b,c\",\r\n");
}

UnixNanos day(int d) { return *parse_rfc3339("2026-11-01T00:00:00Z") + (d - 1) * kNanosPerDay; }

ActionItem item(const std::string& id, const std::string& owner, Priority priority,
                ActionItemStatus status, int due_day) {
  ActionItem i;
  i.id = id;
  i.owner = owner;
  i.priority = priority;
  i.status = status;
  i.due = "2026-11-" + std::string(due_day < 10 ? "0" : "") + std::to_string(due_day);
  i.due_at = day(due_day + 1);  // the end of the due date
  return i;
}

class ActionItemListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Rca a;
    a.id = "rca-a";
    a.action_items = {item("A1", "alice", Priority::kP1, ActionItemStatus::kOpen, 10),
                      item("A2", "bob", Priority::kP0, ActionItemStatus::kDone, 5),
                      item("A3", "alice", Priority::kP2, ActionItemStatus::kInProgress, 20)};
    a.action_items[2].type = ActionItemType::kDetect;
    Rca b;
    b.id = "rca-b";
    b.action_items = {item("B1", "alice", Priority::kP1, ActionItemStatus::kOpen, 10),
                      item("B2", "carol", Priority::kP3, ActionItemStatus::kWontDo, 1)};
    rcas_ = {a, b};
  }

  std::vector<std::string> ids(const ActionItemFilter& filter) const {
    std::vector<std::string> result;
    for (const auto& listed : list_action_items(rcas_, filter, now_)) {
      result.push_back(listed.rca->id + "/" + listed.item->id);
    }
    return result;
  }

  std::vector<Rca> rcas_;
  UnixNanos now_ = day(15) + 6 * 3600 * kNanosPerSecond;  // 2026-11-15T06:00Z
};

using Ids = std::vector<std::string>;

TEST_F(ActionItemListTest, EarliestDueFirstThenByRcaAndItem) {
  EXPECT_EQ(ids({}), (Ids{"rca-b/B2", "rca-a/A2", "rca-a/A1", "rca-b/B1", "rca-a/A3"}));
}

TEST_F(ActionItemListTest, FiltersCombine) {
  ActionItemFilter filter;
  filter.owner = "alice";
  EXPECT_EQ(ids(filter), (Ids{"rca-a/A1", "rca-b/B1", "rca-a/A3"}));
  filter.priorities = {Priority::kP1};
  EXPECT_EQ(ids(filter), (Ids{"rca-a/A1", "rca-b/B1"}));
  filter.rca = "rca-b";
  EXPECT_EQ(ids(filter), (Ids{"rca-b/B1"}));

  ActionItemFilter by_status;
  by_status.statuses = {ActionItemStatus::kDone, ActionItemStatus::kWontDo};
  EXPECT_EQ(ids(by_status), (Ids{"rca-b/B2", "rca-a/A2"}));
  ActionItemFilter by_type;
  by_type.types = {ActionItemType::kDetect};
  EXPECT_EQ(ids(by_type), (Ids{"rca-a/A3"}));
}

TEST_F(ActionItemListTest, OverdueMeansUnfinishedPastTheEndOfTheDueDate) {
  ActionItemFilter filter;
  filter.overdue_only = true;
  // A1 and B1 were due 11-10 (ended 11-11 00:00); A2 is done, B2 won't be, A3 is due 11-20.
  EXPECT_EQ(ids(filter), (Ids{"rca-a/A1", "rca-b/B1"}));
  // 2026-11-11T00:00Z to 2026-11-15T06:00Z: 4 whole days.
  EXPECT_EQ(days_overdue(rcas_[0].action_items[0], now_), 4);
  EXPECT_EQ(days_overdue(rcas_[0].action_items[1], now_), 0);  // done
  EXPECT_EQ(days_overdue(rcas_[0].action_items[2], now_), 0);  // not due yet
  // At the very end of the due date it is not overdue yet; a nanosecond later it is.
  EXPECT_FALSE(rcas_[0].action_items[0].overdue(day(11)));
  EXPECT_TRUE(rcas_[0].action_items[0].overdue(day(11) + 1));
}

TEST_F(ActionItemListTest, FromAndToBoundTheDueDate) {
  ActionItemFilter filter;
  filter.due_from = day(10);  // due on 11-10 or later
  filter.due_to = day(20);    // due before 11-20
  EXPECT_EQ(ids(filter), (Ids{"rca-a/A1", "rca-b/B1"}));
  filter.due_to = day(21);
  EXPECT_EQ(ids(filter), (Ids{"rca-a/A1", "rca-b/B1", "rca-a/A3"}));
}

TEST_F(ActionItemListTest, PagesFollowTheLastItemListed) {
  ActionItemFilter filter;
  filter.limit = 2;
  Ids walked;
  for (int page = 0; page < 5; ++page) {
    const auto listed = list_action_items(rcas_, filter, now_);
    if (listed.empty()) break;
    EXPECT_LE(listed.size(), 2u);
    for (const auto& l : listed) walked.push_back(l.rca->id + "/" + l.item->id);
    const auto& last = listed.back();
    filter.after = ActionItemPosition{last.item->due_at, last.rca->id, last.item->id};
  }
  EXPECT_EQ(walked, ids({}));
}

}  // namespace
}  // namespace pmx
