// The post-mortem draft of a repeat as a team reads it after writing the earlier RCA: every RCA
// that bears on the earlier incidents is listed, whenever it was written; and an incident whose
// post-mortem was waived shows it and counts as covered.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "in_process_api.h"
#include "pmx/store/memory_store.h"

namespace pmx {
namespace {

using nlohmann::json;

class PostmortemDraftTest : public InProcessApi<MemoryStore> {
 protected:
  void SetUp() override {
    start(HttpConfig{});
    client_->set_bearer_token_auth(kToken);
  }
  static json fixture(const char* name) {
    std::ifstream in(std::string(PMX_FIXTURES_DIR) + "/alertmanager-0.25/" + name);
    return json::parse(in);
  }
  void post(const json& webhook) {
    ASSERT_EQ(client_->Post("/api/v1/webhook", webhook.dump(), "application/json")->status, 200);
  }
  void post_fixtures(std::initializer_list<const char*> names) {
    for (const char* name : names) post(fixture(name));
  }
  /// The id of the checkout incident in `state`.
  std::string checkout_incident(const char* state) {
    const json listed =
        json::parse(client_->Get(std::string("/api/v1/incidents?state=") + state)->body);
    for (const auto& incident : listed["incidents"]) {
      if (incident["source"].get<std::string>().find("checkout") != std::string::npos) {
        return incident["id"];
      }
    }
    return "";
  }
  void put(const json& rca) {
    const auto res = client_->Put("/api/v1/rcas/" + rca["id"].get<std::string>(), rca.dump(),
                                  "application/json");
    ASSERT_EQ(res->status, 201) << res->body;
  }
  std::string draft(const std::string& incident) {
    const auto res = client_->Get("/api/v1/incidents/" + incident + "/postmortem.md");
    EXPECT_EQ(res->status, 200) << res->body;
    return res->body;
  }
};

std::string earlier_section(const std::string& md) {
  const auto start = md.find("## Earlier incidents and RCAs");
  return start == std::string::npos ? "" : md.substr(start);
}

TEST_F(PostmortemDraftTest, ARepeatListsEveryRcaOfItsEarlierIncidentsWrittenSinceItOpened) {
  // Checkout fires, resolves, and fires again an hour later (not a flap: a new incident).
  post_fixtures({"01-firing-group-checkout.json", "05-resolved-checkout.json"});
  json refire = fixture("07-refire-checkout.json");
  refire["alerts"][0]["startsAt"] = "2026-11-23T08:45:00Z";
  post(refire);
  const std::string earlier = checkout_incident("resolved");
  const std::string repeat = checkout_incident("open");
  ASSERT_FALSE(earlier.empty());
  ASSERT_FALSE(repeat.empty());

  // Written after the repeat opened: the earlier incident's post-mortem (linked, with matchers),
  // one that only matches, and the repeat's own.
  put({{"id", "latency-1"},
       {"title", "Checkout latency from a cold cache"},
       {"status", "published"},
       {"published_at", "2026-11-23T09:00:00Z"},
       {"incidents", json::array({earlier})},
       {"matchers", json::array({"service=\"checkout\""})},
       {"root_cause", "The cache was flushed by the deploy."},
       {"action_items", json::array({{{"id", "AI-1"},
                                      {"title", "Warm the cache on deploy"},
                                      {"type", "prevent"},
                                      {"priority", "P1"},
                                      {"owner", "ann"},
                                      {"due", "2026-12-01"},
                                      {"status", "open"}}})}});
  put({{"id", "latency-matchers"},
       {"title", "High latency, any instance"},
       {"status", "in_review"},
       {"matchers", json::array({"alertname=\"HighLatency\""})}});
  put({{"id", "latency-2"},
       {"title", "Latency again"},
       {"status", "draft"},
       {"incidents", json::array({repeat})}});

  const std::string md = draft(repeat);
  const std::string section = earlier_section(md);
  ASSERT_FALSE(section.empty()) << md;
  EXPECT_EQ(section.find("No RCA covers"), std::string::npos) << section;
  EXPECT_NE(section.find("### Checkout latency from a cold cache (`latency-1`)"), std::string::npos)
      << section;
  EXPECT_NE(section.find("Root cause: The cache was flushed by the deploy."), std::string::npos);
  EXPECT_NE(section.find("- AI-1: Warm the cache on deploy (owner ann"), std::string::npos);
  EXPECT_NE(section.find("(`latency-matchers`)"), std::string::npos) << "its matchers match";
  EXPECT_EQ(section.find("`latency-2`"), std::string::npos)
      << "the repeat's own RCA is not earlier";
  EXPECT_NE(md.find("# Post-mortem: Latency again (" + repeat + ")"), std::string::npos)
      << "titled by its RCA";
}

TEST_F(PostmortemDraftTest, AWaivedIncidentCountsAsCoveredAndSaysWhy) {
  post_fixtures({"01-firing-group-checkout.json", "05-resolved-checkout.json"});  // critical
  const std::string incident = checkout_incident("resolved");
  ASSERT_FALSE(incident.empty());
  EXPECT_NE(client_->Get("/metrics")->body.find("postmortem_coverage_ratio 0\n"),
            std::string::npos);

  put({{"id", "waiver-1"},
       {"title", "Latency during the load test"},
       {"status", "waived"},
       {"incidents", json::array({incident})},
       {"waiver_reason", "A planned load test; nothing to learn."}});

  const std::string metrics = client_->Get("/metrics")->body;
  EXPECT_NE(metrics.find("postmortem_coverage_ratio 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("postmortem_incidents_awaiting_postmortem{overdue=\"false\"} 0\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("postmortem_time_to_postmortem_seconds_count 0\n"), std::string::npos)
      << "a waiver is not a post-mortem";
  const std::string md = draft(incident);
  EXPECT_NE(md.find("| Post-mortem status | waived (RCA `waiver-1`): A planned load test; nothing "
                    "to learn. |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("Replace every _TODO_"), std::string::npos) << "decided: not a draft any more";
}

}  // namespace
}  // namespace pmx
