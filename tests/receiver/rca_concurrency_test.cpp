// Optimistic concurrency of RCA writes through the HTTP edge: a GET's ETag is the version,
// PUT/PATCH/DELETE/link honour If-Match (412 with the current version, nothing changed), the
// GET answer can be PUT back as is (its version is checked), and the timeline records what a
// write changed in each item once. Found in a real run: a PUT of a stale copy silently
// reverted three PATCHed items and an owner change.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "in_process_api.h"
#include "pmx/store/memory_store.h"

namespace pmx {
namespace {

using nlohmann::json;

json item(const std::string& id, const std::string& owner, const std::string& status) {
  return {{"id", id},       {"title", "Item " + id}, {"type", "prevent"}, {"priority", "P1"},
          {"owner", owner}, {"due", "2026-12-01"},   {"status", status}};
}

json document(const std::string& incident, const json& items) {
  return {{"id", "db-1"},        {"title", "Pool exhaustion"}, {"status", "draft"},
          {"incidents", json::array({incident})}, {"action_items", items}};
}

class RcaConcurrencyTest : public InProcessApi<MemoryStore> {
 protected:
  void SetUp() override {
    start(HttpConfig{});
    client_->set_bearer_token_auth(kToken);
    const json webhook = {
        {"version", "4"},
        {"alerts", {{{"status", "firing"}, {"labels", {{"alertname", "PoolExhausted"}, {"service", "db"}}},
                     {"startsAt", "2026-11-23T07:44:13Z"}, {"fingerprint", "f1"}}}}};
    ASSERT_EQ(client_->Post("/api/v1/webhook", webhook.dump(), "application/json")->status, 200);
    incident_ = json::parse(client_->Get("/api/v1/incidents")->body)["incidents"][0]["id"];
  }
  httplib::Result send(const std::string& method, const std::string& path, const json& body,
                       const std::string& if_match = "") {
    httplib::Headers headers;
    if (!if_match.empty()) headers.emplace("If-Match", if_match);
    const std::string text = body.is_null() ? "" : body.dump();
    if (method == "PUT") return client_->Put(path, headers, text, "application/json");
    if (method == "PATCH") return client_->Patch(path, headers, text, "application/json");
    return client_->Delete(path, headers, text, "application/json");
  }
  json rca() { return json::parse(client_->Get("/api/v1/rcas/db-1")->body); }
  /// The timeline details of the incident's "action item changed" entries.
  std::vector<std::string> item_changes() {
    std::vector<std::string> details;
    const json incident = json::parse(client_->Get("/api/v1/incidents/" + incident_)->body);
    for (const auto& event : incident["timeline"]) {
      if (event["type"] == "action_item_changed") details.push_back(event["detail"]);
    }
    return details;
  }

  std::string incident_;
};

TEST_F(RcaConcurrencyTest, AStaleCopyCannotRevertNewerEdits) {
  const json stale = document(incident_, json::array({item("a", "ann", "open"), item("b", "ann", "open")}));
  auto res = send("PUT", "/api/v1/rcas/db-1", stale);
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_EQ(res->get_header_value("ETag"), "\"1\"");
  EXPECT_EQ(client_->Get("/api/v1/rcas/db-1")->get_header_value("ETag"), "\"1\"");

  // Someone closes an item and hands the other over, each edit on the version it read.
  res = send("PATCH", "/api/v1/rcas/db-1/action-items/a", {{"status", "done"}}, "\"1\"");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("ETag"), "\"2\"");
  res = send("PATCH", "/api/v1/rcas/db-1/action-items/b", {{"owner", "bob"}}, "\"1\"");
  EXPECT_EQ(res->status, 412) << "b was read at 1, the RCA is at 2 now";
  EXPECT_EQ(json::parse(res->body)["version"], 2);
  ASSERT_EQ(send("PATCH", "/api/v1/rcas/db-1/action-items/b", {{"owner", "bob"}}, "W/\"2\"")->status, 200);

  // The copy read at version 1, PUT with its ETag, is refused and changes nothing.
  res = send("PUT", "/api/v1/rcas/db-1", stale, "\"1\"");
  EXPECT_EQ(res->status, 412);
  const json body = json::parse(res->body);
  EXPECT_EQ(body["version"], 3);
  EXPECT_NE(body["error"].get<std::string>().find("version 3"), std::string::npos) << body;
  json now = rca();
  EXPECT_EQ(now["version"], 3);
  EXPECT_EQ(now["rca"]["action_items"][0]["status"], "done");
  EXPECT_EQ(now["rca"]["action_items"][1]["owner"], "bob");

  // So is the GET answer of version 1 PUT back as is: its version is the precondition.
  json old_answer = now;
  old_answer["version"] = 1;
  old_answer["rca"] = stale;
  EXPECT_EQ(send("PUT", "/api/v1/rcas/db-1", old_answer)->status, 412);
  EXPECT_EQ(send("DELETE", "/api/v1/rcas/db-1", nullptr, "\"2\"")->status, 412);
  EXPECT_EQ(send("PUT", "/api/v1/rcas/db-1/incidents/" + incident_, nullptr, "\"2\"")->status, 412);
  EXPECT_EQ(rca()["version"], 3) << "nothing written by a refused write";

  // The current answer, edited and PUT back as is, goes through.
  now["rca"]["title"] = "Connection pool exhaustion";
  res = send("PUT", "/api/v1/rcas/db-1", now);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(rca()["rca"]["title"], "Connection pool exhaustion");
  EXPECT_EQ(send("DELETE", "/api/v1/rcas/db-1", nullptr, "\"4\"")->status, 204);
}

TEST_F(RcaConcurrencyTest, WithoutIfMatchTheLastWriteWinsAndABadOneIs400) {
  ASSERT_EQ(send("PUT", "/api/v1/rcas/db-1", document(incident_, json::array({item("a", "ann", "open")})))->status, 201);
  EXPECT_EQ(send("PUT", "/api/v1/rcas/db-1", document(incident_, json::array({item("a", "cy", "open")})))->status, 200);
  for (const std::string bad : {"\"x\"", "abc", "\"-1\"", "\"1"}) {
    const auto res = send("PATCH", "/api/v1/rcas/db-1/action-items/a", {{"status", "done"}}, bad);
    EXPECT_EQ(res->status, 400) << bad;
    EXPECT_EQ(json::parse(res->body)["field"], "If-Match") << bad;
  }
  EXPECT_EQ(rca()["rca"]["action_items"][0]["status"], "open");
  const auto any = send("PATCH", "/api/v1/rcas/db-1/action-items/a", {{"status", "done"}}, "*");
  EXPECT_EQ(any->status, 200) << any->body;
}

TEST_F(RcaConcurrencyTest, TheTimelineRecordsWhatEachWriteChangedInItemsOnce) {
  json doc = document(incident_, json::array({item("a", "ann", "open"), item("b", "ann", "open")}));
  ASSERT_EQ(send("PUT", "/api/v1/rcas/db-1", doc)->status, 201);
  EXPECT_TRUE(item_changes().empty());

  ASSERT_EQ(send("PATCH", "/api/v1/rcas/db-1/action-items/a", {{"status", "done"}})->status, 200);
  ASSERT_EQ(item_changes(), std::vector<std::string>{"action item a 'Item a': status open → done"});

  // A PUT that changes b's owner and status records that; a is sent done again: no second
  // "open → done".
  doc["action_items"][0]["status"] = "done";
  doc["action_items"][1]["owner"] = "bob";
  doc["action_items"][1]["status"] = "in_progress";
  ASSERT_EQ(send("PUT", "/api/v1/rcas/db-1", doc)->status, 200);
  EXPECT_EQ(item_changes(),
            (std::vector<std::string>{"action item a 'Item a': status open → done",
                                      "action item b 'Item b': status open → in_progress owner ann → bob"}));

  // The same document again changes nothing, and records nothing.
  ASSERT_EQ(send("PUT", "/api/v1/rcas/db-1", doc)->status, 200);
  EXPECT_EQ(item_changes().size(), 2u);
}

}  // namespace
}  // namespace pmx
