#include "pmx/core/rca_loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace pmx {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kExamples = fs::path(PMX_SCHEMA_DIR) / "examples";

json read_json(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<Problem> problems_of(const json& doc) {
  auto loaded = load_rca(doc);
  if (loaded.ok()) return {};
  return loaded.error().problems;
}

std::vector<std::string> paths_of(const std::vector<Problem>& problems) {
  std::vector<std::string> paths;
  for (const auto& problem : problems) paths.push_back(problem.path);
  return paths;
}

Rca load_ok(const json& doc) {
  auto loaded = load_rca(doc);
  if (!loaded) {
    const auto& problems = loaded.error().problems;
    std::string all;
    for (const auto& p : problems) all += p.path + ": " + p.message + "\n";
    ADD_FAILURE() << "unexpected problems:\n" << all;
    return {};
  }
  return std::move(*loaded);
}

UnixNanos at(const char* rfc3339) { return parse_rfc3339(rfc3339).value(); }

json minimal() { return {{"id", "RCA-1"}, {"title", "t"}, {"status", "draft"}}; }

json item(const std::string& id) {
  return {{"id", id},     {"title", "t"},        {"type", "detect"}, {"priority", "P1"},
          {"owner", "o"}, {"due", "2026-04-15"}, {"status", "open"}};
}

TEST(RcaLoader, EveryValidExampleLoadsAndKeepsTheDocument) {
  const auto files = json_files(kExamples / "valid");
  ASSERT_GE(files.size(), 4u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    const json doc = read_json(file);
    const Rca rca = load_ok(doc);
    EXPECT_EQ(rca.document, doc);
    EXPECT_EQ(rca.id, doc["id"]);
  }
}

TEST(RcaLoader, EveryInvalidExampleIsRejectedAtItsBrokenField) {
  // One problem per example, named after it; a new example needs a line here.
  const std::map<std::string, std::string> broken = {
      {"action-item-blank-owner.json", "/action_items/0/owner"},
      {"action-item-completed-at-feb-30.json", "/action_items/0/completed_at"},
      {"action-item-due-month-13.json", "/action_items/0/due"},
      {"action-item-extension-property.json", "/action_items/0/x-estimate"},
      {"action-item-missing-owner.json", "/action_items/0/owner"},
      {"action-item-priority-p4.json", "/action_items/1/priority"},
      {"action-item-ticket-not-uri.json", "/action_items/0/ticket"},
      {"action-item-type-unknown.json", "/action_items/0/type"},
      {"created-at-without-offset.json", "/created_at"},
      {"five-whys-six.json", "/five_whys"},
      {"follow-up-review-not-a-date.json", "/follow_up_reviews/0"},
      {"id-with-spaces.json", "/id"},
      {"impact-currency-lower-case.json", "/impact/currency"},
      {"impact-fractional-users-affected.json", "/impact/users_affected"},
      {"impact-negative-error-budget.json", "/impact/error_budget_consumed_ratio"},
      {"impact-negative-users-affected.json", "/impact/users_affected"},
      {"impact-revenue-loss-without-currency.json", "/impact/currency"},
      {"impact-unknown-property.json", "/impact/customers_affected"},
      {"incidents-duplicate.json", "/incidents/2"},
      {"matchers-empty-string.json", "/matchers/1"},
      {"missing-title.json", "/title"},
      {"published-without-published-at.json", "/published_at"},
      {"published-without-root-cause.json", "/root_cause"},
      {"root-cause-too-long.json", "/root_cause"},
      {"severity-blank.json", "/severity"},
      {"waived-without-reason.json", "/waiver_reason"},
      {"authors-duplicate.json", "/authors/1"},
      {"detected-by-unknown.json", "/detected_by"},
      {"status-unknown.json", "/status"},
      {"timeline-entry-missing-event.json", "/timeline/0/event"},
      {"timeline-leap-second-not-at-midnight-utc.json", "/timeline/0/time"},
      {"title-wrong-type.json", "/title"},
      {"unknown-property.json", "/rootcause"},
  };
  const auto files = json_files(kExamples / "invalid");
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    SCOPED_TRACE(name);
    const auto expected = broken.find(name);
    ASSERT_NE(expected, broken.end()) << "add the broken field of " << name << " to this test";
    const auto problems = problems_of(read_json(file));
    ASSERT_EQ(problems.size(), 1u) << (problems.empty() ? "accepted" : problems[1].path);
    EXPECT_EQ(problems[0].path, expected->second) << problems[0].message;
    EXPECT_FALSE(problems[0].message.empty());
  }
  EXPECT_EQ(files.size(), broken.size()) << "an example listed here is missing";
}

TEST(RcaLoader, ListsEveryProblemNotJustTheFirst) {
  json doc = minimal();
  doc.erase("title");
  doc["status"] = "done";
  doc["sumary"] = "typo";
  doc["impact"] = {{"users_affected", -1}, {"currency", "eur"}};
  doc["action_items"] = {item("AI-1"), item("AI-2")};
  doc["action_items"][0]["due"] = "2026-13-01";
  doc["action_items"][1]["priority"] = "P4";
  doc["action_items"][1].erase("owner");
  EXPECT_EQ(
      paths_of(problems_of(doc)),
      (std::vector<std::string>{"/title", "/status", "/impact/users_affected", "/impact/currency",
                                "/action_items/0/due", "/action_items/1/priority",
                                "/action_items/1/owner", "/sumary"}));
}

// The guides' metadata: who owns the post-mortem and who facilitated its review, each a person
// (as incident_commander); documents without them stay valid.
TEST(RcaLoader, OwnerAndFacilitatorArePeople) {
  json doc = minimal();
  EXPECT_TRUE(load_rca(doc)) << "both optional";
  doc["owner"] = "maria.schmidt";
  doc["facilitator"] = "@jlee";
  EXPECT_TRUE(load_rca(doc));
  doc["owner"] = "   ";
  doc["facilitator"] = std::string(201, 'x');
  EXPECT_EQ(paths_of(problems_of(doc)), (std::vector<std::string>{"/owner", "/facilitator"}));
}

TEST(RcaLoader, MessagesSayWhatIsAllowed) {
  json doc = minimal();
  doc["action_items"] = {item("AI-1")};
  doc["action_items"][0]["priority"] = "P4";
  const auto problems = problems_of(doc);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message, "must be one of P0, P1, P2, P3 (is \"P4\")");
}

TEST(RcaLoader, ReadsTheFieldsOfAFullRca) {
  const Rca rca = load_ok(read_json(kExamples / "valid" / "published-full.json"));
  EXPECT_EQ(rca.id, "RCA-2026-017");
  EXPECT_EQ(rca.status, RcaStatus::kPublished);
  EXPECT_EQ(rca.severity, "critical");
  EXPECT_EQ(rca.incidents,
            (std::vector<std::string>{"inc-7f3a9c2e41d08b65", "inc-0b1c2d3e4f506172"}));
  EXPECT_EQ(rca.matchers,
            (std::vector<std::string>{"service=\"checkout\"", "alertname=~\"PaymentGateway.*\""}));
  EXPECT_EQ(rca.created_at, at("2026-03-15T08:00:00Z"));
  EXPECT_EQ(rca.published_at, at("2026-03-19T14:05:00.250Z"));
  ASSERT_EQ(rca.action_items.size(), 3u);
  const ActionItem& done = rca.action_items[0];
  EXPECT_EQ(done.id, "AI-1");
  EXPECT_EQ(done.type, ActionItemType::kPrevent);
  EXPECT_EQ(done.priority, Priority::kP0);
  EXPECT_EQ(done.owner, "maria.schmidt");
  EXPECT_EQ(done.due, "2026-03-28");
  EXPECT_EQ(done.due_at, at("2026-03-29T00:00:00Z"));
  EXPECT_EQ(done.status, ActionItemStatus::kDone);
  EXPECT_EQ(done.ticket, "https://jira.example.com/browse/PAY-1042");
  EXPECT_EQ(done.completed_at, at("2026-03-25T16:20:00Z"));
  EXPECT_EQ(rca.action_items[1].type, ActionItemType::kDetect);
  EXPECT_EQ(rca.action_items[1].status, ActionItemStatus::kInProgress);
  EXPECT_EQ(rca.action_items[2].type, ActionItemType::kProcess);
  EXPECT_EQ(rca.action_items[2].priority, Priority::kP2);
  EXPECT_EQ(rca.action_items[2].ticket, "");
  EXPECT_FALSE(rca.action_items[2].completed_at.has_value());
  EXPECT_EQ(rca.open_action_items(), 2u);
}

TEST(RcaLoader, AMinimalDraftHasNoOptionalFields) {
  const Rca rca = load_ok(read_json(kExamples / "valid" / "draft-minimal.json"));
  EXPECT_EQ(rca.status, RcaStatus::kDraft);
  EXPECT_EQ(rca.severity, "");
  EXPECT_TRUE(rca.incidents.empty());
  EXPECT_FALSE(rca.created_at.has_value());
  EXPECT_FALSE(rca.published_at.has_value());
  EXPECT_EQ(rca.open_action_items(), 0u);
}

TEST(RcaLoader, NullCompletedAtIsUnsetAndExtensionsAreKept) {
  const json doc = read_json(kExamples / "valid" / "extension-and-null-completed-at.json");
  const Rca rca = load_ok(doc);
  ASSERT_EQ(rca.action_items.size(), 1u);
  EXPECT_FALSE(rca.action_items[0].completed_at.has_value());
  EXPECT_EQ(rca.document["x-jira-epic"], "OBS-400");
}

TEST(RcaLoader, DueAtIsTheNextMidnightUtc) {
  EXPECT_EQ(rca_due_end("2024-02-28"), at("2024-02-29T00:00:00Z"));
  EXPECT_EQ(rca_due_end("2024-02-29"), at("2024-03-01T00:00:00Z"));
  EXPECT_EQ(rca_due_end("2026-12-31"), at("2027-01-01T00:00:00Z"));
  EXPECT_EQ(rca_due_end("1970-01-01"), kNanosPerDay);
  EXPECT_FALSE(rca_due_end("2026-02-29").has_value());
  EXPECT_FALSE(rca_due_end("2026-03-14T00:00:00Z").has_value());
}

TEST(RcaLoader, DateTimesFollowAjvFormatsNotJustParseRfc3339) {
  const UnixNanos t = at("2026-03-14T09:26:53Z");
  EXPECT_EQ(rca_date_time("2026-03-14t09:26:53z"), t);
  EXPECT_EQ(rca_date_time("2026-03-14 09:26:53Z"), t);
  EXPECT_EQ(rca_date_time("2026-03-14\t09:26:53Z"), t);      // any JS white space
  EXPECT_EQ(rca_date_time("2026-03-14\u00a009:26:53Z"), t);  // U+00A0 too
  EXPECT_EQ(rca_date_time("2026-03-14T10:26:53+0100"), t);   // offset without colon
  EXPECT_EQ(rca_date_time("2026-03-14T10:26:53+01"), t);     // offset in hours
  EXPECT_EQ(rca_date_time("2026-03-14T14:56:53+05:30"), t);
  EXPECT_EQ(rca_date_time("2026-03-14T09:26:53.123456789999Z"), t + 123456789);  // truncated
  EXPECT_EQ(rca_date_time("2016-12-31T23:59:60Z"), at("2017-01-01T00:00:00Z"));  // leap second
  // ajv-formats' leap second rule lets this through; it is 23:59:30 UTC.
  EXPECT_EQ(rca_date_time("2026-03-14T24:59:30+01:00"), at("2026-03-14T23:59:30Z"));
  // parse_rfc3339 takes these; JSON Schema's date-time does not.
  EXPECT_FALSE(rca_date_time("2026-02-30T09:26:53Z").has_value());
  EXPECT_FALSE(rca_date_time("2026-03-14T10:00:60Z").has_value());
  EXPECT_FALSE(rca_date_time("2026-03-14T09:26:53").has_value());
}

TEST(RcaLoader, ActionItemIdsAreUnique) {
  json doc = minimal();
  doc["action_items"] = {item("AI-1"), item("AI-2"), item("AI-1")};
  const auto problems = problems_of(doc);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "/action_items/2/id");
  EXPECT_NE(problems[0].message.find("/action_items/0"), std::string::npos);
}

TEST(RcaLoader, YearsOutsideTheClocksRangeAreRejected) {
  json doc = minimal();
  doc["created_at"] = "1969-12-31T23:59:59Z";
  doc["published_at"] = "2201-01-01T00:00:00Z";
  doc["action_items"] = {item("AI-1")};
  doc["action_items"][0]["due"] = "9999-12-31";
  EXPECT_EQ(paths_of(problems_of(doc)),
            (std::vector<std::string>{"/action_items/0/due", "/created_at", "/published_at"}));
  doc["created_at"] = "1970-01-01T00:00:00Z";
  doc["published_at"] = "2200-12-31T23:59:59Z";
  doc["action_items"][0]["due"] = "2200-12-31";
  EXPECT_TRUE(problems_of(doc).empty());
}

TEST(RcaLoader, TheDocumentItselfMustBeAnObject) {
  EXPECT_EQ(paths_of(problems_of(json::array())), (std::vector<std::string>{""}));
  EXPECT_EQ(paths_of(problems_of(json("RCA-1"))), (std::vector<std::string>{""}));
}

TEST(RcaLoader, UnknownKeysArePathEscaped) {
  json doc = minimal();
  doc["a/b~c"] = 1;
  EXPECT_EQ(paths_of(problems_of(doc)), (std::vector<std::string>{"/a~1b~0c"}));
}

TEST(RcaLoader, WritesPatchedActionItemsBack) {
  const json original = read_json(kExamples / "valid" / "published-full.json");
  Rca rca = load_ok(original);
  rca.action_items[1].status = ActionItemStatus::kDone;
  rca.action_items[1].completed_at = at("2026-04-10T12:00:00Z");
  rca.action_items[2].owner = "jlee";
  rca.action_items[2].due = "2026-06-15";
  rca.action_items[2].due_at = rca_due_end("2026-06-15").value();

  const json written = rca_to_json(rca);
  EXPECT_EQ(written["action_items"][1]["status"], "done");
  EXPECT_EQ(written["action_items"][1]["completed_at"], "2026-04-10T12:00:00Z");
  EXPECT_EQ(written["action_items"][1]["ticket"], original["action_items"][1]["ticket"]);
  EXPECT_EQ(written["action_items"][2]["owner"], "jlee");
  EXPECT_EQ(written["action_items"][2]["due"], "2026-06-15");
  EXPECT_FALSE(written["action_items"][2].contains("completed_at"));
  EXPECT_EQ(written["action_items"][0], original["action_items"][0]);  // untouched: as written
  json rest = written;
  json rest_original = original;
  rest.erase("action_items");
  rest_original.erase("action_items");
  EXPECT_EQ(rest, rest_original);

  const Rca reloaded = load_ok(written);
  EXPECT_EQ(reloaded.open_action_items(), 1u);
  EXPECT_EQ(reloaded.action_items[2].due_at, at("2026-06-16T00:00:00Z"));
}

TEST(RcaLoader, WritingBackKeepsOffsetsAndNullsAClearedCompletion) {
  json doc = minimal();
  doc["x-team"] = "payments";
  doc["action_items"] = {item("AI-1"), item("AI-2")};
  doc["action_items"][0]["status"] = "done";
  doc["action_items"][0]["completed_at"] = "2026-04-10T14:00:00+02:00";
  doc["action_items"][1]["status"] = "done";
  doc["action_items"][1]["completed_at"] = "2026-04-11T09:00:00Z";
  Rca rca = load_ok(doc);
  rca.action_items[1].status = ActionItemStatus::kOpen;  // reopened
  rca.action_items[1].completed_at.reset();

  const json written = rca_to_json(rca);
  EXPECT_EQ(written["action_items"][0]["completed_at"], "2026-04-10T14:00:00+02:00");
  EXPECT_TRUE(written["action_items"][1]["completed_at"].is_null());
  EXPECT_EQ(written["x-team"], "payments");
  EXPECT_EQ(load_ok(written).open_action_items(), 1u);
}

TEST(RcaLoader, WritingBackAddsAndDropsItemsById) {
  json doc = minimal();
  doc["action_items"] = {item("AI-1"), item("AI-2")};
  Rca rca = load_ok(doc);
  ActionItem added = rca.action_items[0];
  added.id = "AI-3";
  added.ticket = "https://tracker.example.com/OPS-9";
  rca.action_items.erase(rca.action_items.begin());
  rca.action_items.push_back(added);

  const json written = rca_to_json(rca);
  ASSERT_EQ(written["action_items"].size(), 2u);
  EXPECT_EQ(written["action_items"][0]["id"], "AI-2");
  EXPECT_EQ(written["action_items"][1]["id"], "AI-3");
  EXPECT_EQ(written["action_items"][1]["ticket"], "https://tracker.example.com/OPS-9");
  EXPECT_TRUE(load_rca(written).ok());
}

TEST(RcaLoader, EnumsRoundTripThroughTheirSchemaSpelling) {
  for (const auto status : {RcaStatus::kDraft, RcaStatus::kInReview, RcaStatus::kPublished}) {
    EXPECT_EQ(rca_status_from(to_string(status)), status);
  }
  for (const auto type : {ActionItemType::kPrevent, ActionItemType::kDetect,
                          ActionItemType::kMitigate, ActionItemType::kProcess}) {
    EXPECT_EQ(action_item_type_from(to_string(type)), type);
  }
  for (const auto priority : {Priority::kP0, Priority::kP1, Priority::kP2, Priority::kP3}) {
    EXPECT_EQ(priority_from(to_string(priority)), priority);
  }
  for (const auto status : {ActionItemStatus::kOpen, ActionItemStatus::kInProgress,
                            ActionItemStatus::kDone, ActionItemStatus::kWontDo}) {
    EXPECT_EQ(action_item_status_from(to_string(status)), status);
  }
  EXPECT_EQ(to_string(ActionItemStatus::kInProgress), std::string("in_progress"));
  EXPECT_FALSE(priority_from("p1").has_value());
  EXPECT_FALSE(rca_status_from("Published").has_value());
}

}  // namespace
}  // namespace pmx
