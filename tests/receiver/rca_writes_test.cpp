// What the daemon fills in on RCA writes through the API: published_at when an RCA is published
// without one, and completed_at given by a PATCH (a backfill), which may not be in the future.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "in_process_api.h"
#include "metrics_text.h"
#include "pmx/store/memory_store.h"

namespace pmx {
namespace {

using nlohmann::json;

json published_without_date() {
  return {{"id", "db-1"},
          {"title", "Pool exhaustion"},
          {"status", "published"},
          {"root_cause", "The pool was sized for last year's traffic."},
          {"action_items", json::array({{{"id", "a"}, {"title", "Size the pool"}, {"type", "prevent"},
                                         {"priority", "P1"}, {"owner", "ann"}, {"due", "2026-12-01"},
                                         {"status", "open"}}})}};
}

class RcaWritesTest : public InProcessApi<MemoryStore> {
 protected:
  void SetUp() override {
    start(HttpConfig{});
    client_->set_bearer_token_auth(kToken);
  }
  httplib::Result put(const json& doc) {
    return client_->Put("/api/v1/rcas/db-1", doc.dump(), "application/json");
  }
  httplib::Result patch(const json& body) {
    return client_->Patch("/api/v1/rcas/db-1/action-items/a", body.dump(), "application/json");
  }
  json item() { return json::parse(client_->Get("/api/v1/rcas/db-1")->body)["rca"]["action_items"][0]; }
  const std::string now_text = format_rfc3339(fixed_now());
};

TEST_F(RcaWritesTest, PublishedWithoutPublishedAtIsStampedWithTheTimeOfTheWrite) {
  const auto res = put(published_without_date());
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_EQ(json::parse(res->body)["rca"]["published_at"], now_text);

  // A date the client sends is kept; a draft gets none.
  json dated = published_without_date();
  dated["published_at"] = "2026-11-20T10:00:00Z";
  EXPECT_EQ(json::parse(put(dated)->body)["rca"]["published_at"], "2026-11-20T10:00:00Z");
  json draft = published_without_date();
  draft["status"] = "draft";
  EXPECT_FALSE(json::parse(put(draft)->body)["rca"].contains("published_at"));
}

TEST_F(RcaWritesTest, CompletedAtCanBeBackfilledButNotInTheFuture) {
  ASSERT_EQ(put(published_without_date())->status, 201);
  // Only a closed item has a completion time.
  auto res = patch({{"completed_at", "2026-11-22T09:00:00Z"}});
  EXPECT_EQ(res->status, 422);
  EXPECT_EQ(json::parse(res->body)["field"], "/completed_at");

  ASSERT_EQ(patch({{"status", "done"}})->status, 200);
  EXPECT_EQ(item()["completed_at"], now_text) << "set when it became done";
  ASSERT_EQ(patch({{"completed_at", "2026-11-22T09:00:00Z"}})->status, 200);
  EXPECT_EQ(item()["completed_at"], "2026-11-22T09:00:00Z");

  for (const json& bad : {json("2026-11-24T00:00:00Z"), json("yesterday"), json(5)}) {
    res = patch({{"completed_at", bad}});
    EXPECT_EQ(res->status, 422) << bad;
    EXPECT_EQ(json::parse(res->body)["field"], "/completed_at") << bad;
  }
  EXPECT_EQ(item()["completed_at"], "2026-11-22T09:00:00Z") << "a refused patch changes nothing";
  // Done and backfilled in one patch.
  ASSERT_EQ(patch({{"status", "open"}})->status, 200);
  ASSERT_EQ(patch({{"status", "wont_do"}, {"completed_at", "2026-11-21T12:00:00Z"}})->status, 200);
  EXPECT_EQ(item()["completed_at"], "2026-11-21T12:00:00Z");
}

// The histogram measures the post-mortems that were needed: a warning incident (no post-mortem
// needed under the default policy) named by a published RCA is not observed; a critical one is.
/// `{"x-deep": [[...]]}` merged into the document as text: `arrays` nested arrays.
std::string with_deep_field(const json& doc, std::size_t arrays) {
  std::string text = doc.dump();
  text.pop_back();  // the closing brace
  return text + R"(,"x-deep":)" + std::string(arrays, '[') + std::string(arrays, ']') + "}";
}

TEST_F(RcaWritesTest, ADocumentDeeperThanTheLimitIsRefusedAndChangesNothing) {
  // At the limit: the document is level 1, "x-deep" and its arrays levels 2 to 32.
  const std::string at_limit = with_deep_field(published_without_date(), 31);
  auto res = client_->Put("/api/v1/rcas/db-1", at_limit, "application/json");
  ASSERT_EQ(res->status, 201) << res->body;
  const std::string stored = client_->Get("/api/v1/rcas/db-1")->body;

  json changed = published_without_date();
  changed["title"] = "Changed";
  res = client_->Put("/api/v1/rcas/db-1", with_deep_field(changed, 32), "application/json");
  ASSERT_EQ(res->status, 422) << res->body;
  const json answer = json::parse(res->body);
  std::string at = "/x-deep";
  for (int level = 3; level <= 33; ++level) at += "/0";  // the array at level 33
  EXPECT_EQ(answer["field"], at);
  EXPECT_NE(answer["error"].get<std::string>().find("deeper than 32"), std::string::npos)
      << res->body;
  EXPECT_EQ(client_->Get("/api/v1/rcas/db-1")->body, stored) << "a refused write changes nothing";

  // What was stored at the limit can be changed and deleted.
  res = client_->Put("/api/v1/rcas/db-1", with_deep_field(changed, 31), "application/json");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(client_->Delete("/api/v1/rcas/db-1")->status, 204);
}

TEST_F(RcaWritesTest, AHundredThousandNestedArraysAreRefusedWithoutACrash) {
  ASSERT_EQ(put(published_without_date())->status, 201);
  const std::string stored = client_->Get("/api/v1/rcas/db-1")->body;
  json changed = published_without_date();
  changed["title"] = "Changed";
  const auto res =
      client_->Put("/api/v1/rcas/db-1", with_deep_field(changed, 100000), "application/json");
  ASSERT_TRUE(res) << "no answer: the server died?";
  EXPECT_EQ(res->status, 422) << res->body.substr(0, 500);
  EXPECT_EQ(client_->Get("/api/v1/rcas/db-1")->body, stored);
  // The same in an action item PATCH.
  const auto patched =
      client_->Patch("/api/v1/rcas/db-1/action-items/a",
                     with_deep_field(json{{"status", "done"}}, 100000), "application/json");
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->status, 422);
  EXPECT_EQ(item()["status"], "open");
}

TEST_F(RcaWritesTest, TimeToPostmortemIsObservedForIncidentsThatNeedOne) {
  for (const char* name : {"01-firing-group-checkout.json", "02-firing-group-auth.json",
                           "05-resolved-checkout.json", "06-resolved-auth.json"}) {
    std::ifstream in(std::string(PMX_FIXTURES_DIR) + "/alertmanager-0.25/" + name);
    const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_EQ(client_->Post("/api/v1/webhook", body, "application/json")->status, 200) << name;
  }
  json rca = published_without_date();
  rca["incidents"] = json::array();
  const json listed = json::parse(client_->Get("/api/v1/incidents?state=resolved")->body);
  for (const auto& incident : listed["incidents"]) rca["incidents"].push_back(incident["id"]);
  ASSERT_EQ(rca["incidents"].size(), 2u) << listed;
  ASSERT_EQ(put(rca)->status, 201);

  const std::string metrics = client_->Get("/metrics")->body;
  EXPECT_NE(metrics.find("postmortem_time_to_postmortem_seconds_count 1\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("# HELP postmortem_time_to_postmortem_seconds From the resolution of an "
                         "incident that needs a post-mortem"),
            std::string::npos);
}

// Teams that write the post-mortem the same day want to see it: a post-mortem published 20
// minutes after the incident resolved lands in a bucket below the hour, not in "up to 1 h".
TEST_F(RcaWritesTest, TimeToPostmortemHasBucketsBelowAnHour) {
  for (const char* name : {"01-firing-group-checkout.json", "05-resolved-checkout.json"}) {
    std::ifstream in(std::string(PMX_FIXTURES_DIR) + "/alertmanager-0.25/" + name);
    const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_EQ(client_->Post("/api/v1/webhook", body, "application/json")->status, 200) << name;
  }
  const json listed = json::parse(client_->Get("/api/v1/incidents?state=resolved")->body);
  ASSERT_EQ(listed["incidents"].size(), 1u) << listed;
  json rca = published_without_date();
  rca["incidents"] = json::array({listed["incidents"][0]["id"]});
  rca["published_at"] = "2026-11-23T08:04:32Z";  // resolved at 07:44:32
  ASSERT_EQ(put(rca)->status, 201);

  const std::string metrics = client_->Get("/metrics")->body;
  const auto bucket = [&](const char* le) {
    return pmx::testing::metric_value(metrics, "postmortem_time_to_postmortem_seconds_bucket",
                                      {{"le", le}});
  };
  EXPECT_EQ(bucket("900"), 0.0) << metrics;
  EXPECT_EQ(bucket("1800"), 1.0) << metrics;
  EXPECT_EQ(bucket("3600"), 1.0);
}

}  // namespace
}  // namespace pmx
