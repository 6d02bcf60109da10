// GET /api/v1/digest.md and /api/v1/digest in process, at the fixed now of InProcessApi
// (2026-11-23T07:44:20Z, so the default period is October 2026), over a history written through
// the API: two incidents of checkout in October (the second a repeat) and a published RCA.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "in_process_api.h"
#include "pmx/store/memory_store.h"

namespace pmx {
namespace {

using nlohmann::json;

json webhook(const char* status, const char* starts_at, const char* ends_at) {
  const json alert = {{"status", status},
                      {"labels",
                       {{"alertname", "HighLatency"},
                        {"service", "checkout"},
                        {"severity", "critical"},
                        {"instance", "web-1"}}},
                      {"annotations", json::object()},
                      {"startsAt", starts_at},
                      {"endsAt", ends_at},
                      {"generatorURL", ""},
                      {"fingerprint", "6bb710ed11b2b558"}};
  return webhook_of(json::array({alert}));
}

class DigestRouteTest : public InProcessApi<MemoryStore> {
 protected:
  void SetUp() override {
    start(config());
    client_->set_bearer_token_auth(kToken);
  }
  virtual HttpConfig config() { return HttpConfig{}; }

  void post(const json& body) {
    const auto res = client_->Post("/api/v1/webhook", body.dump(), "application/json");
    ASSERT_EQ(res->status, 200) << res->body;
  }
  /// Incident 1: 10-05 08:00 to 09:00. Incident 2: 10-19 08:00 to 10:00, a repeat. RCA rca-1,
  /// published 10-08 09:00, names incident 1; its items: P0 due 10-10 done 10-09 (on time), P1
  /// due 10-20 open (slipped, overdue), P2 due 12-01 open.
  void write_history() {
    post(webhook("firing", "2026-10-05T08:00:00Z", "0001-01-01T00:00:00Z"));
    post(webhook("resolved", "2026-10-05T08:00:00Z", "2026-10-05T09:00:00Z"));
    post(webhook("firing", "2026-10-19T08:00:00Z", "0001-01-01T00:00:00Z"));
    post(webhook("resolved", "2026-10-19T08:00:00Z", "2026-10-19T10:00:00Z"));
    const json listed = json::parse(client_->Get("/api/v1/incidents")->body)["incidents"];
    ASSERT_EQ(listed.size(), 2u);
    first_ = listed[1]["id"];  // newest first
    second_ = listed[0]["id"];
    const json item = {{"type", "prevent"}, {"owner", "alice"}, {"status", "open"}};
    json items = {item, item, item};
    items[0].update({{"id", "AI-1"},
                     {"title", "Bigger pool"},
                     {"priority", "P0"},
                     {"due", "2026-10-10"},
                     {"status", "done"},
                     {"completed_at", "2026-10-09T12:00:00Z"}});
    items[1].update(
        {{"id", "AI-2"}, {"title", "Pool alert"}, {"priority", "P1"}, {"due", "2026-10-20"}});
    items[2].update(
        {{"id", "AI-3"}, {"title", "Load test"}, {"priority", "P2"}, {"due", "2026-12-01"}});
    const json rca = {{"id", "rca-1"},
                      {"title", "Checkout pool exhausted"},
                      {"status", "published"},
                      {"incidents", {first_}},
                      {"root_cause", "The pool was too small."},
                      {"lessons_learned", {"Load-test pools."}},
                      {"published_at", "2026-10-08T09:00:00Z"},
                      {"action_items", items}};
    const auto res = client_->Put("/api/v1/rcas/rca-1", rca.dump(), "application/json");
    ASSERT_EQ(res->status, 201) << res->body;
  }
  json digest(const std::string& query = "") {
    const auto res = client_->Get("/api/v1/digest" + query);
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    return json::parse(res->body);
  }
  /// The 400 answer to `query`, its `field`.
  std::string rejected(const std::string& path, const std::string& query) {
    const auto res = client_->Get(path + query);
    EXPECT_EQ(res->status, 400) << query << ": " << res->body;
    return json::parse(res->body).value("field", "");
  }

  std::string first_, second_;
};

TEST_F(DigestRouteTest, DefaultsToLastCalendarMonth) {
  write_history();
  const json d = digest();
  EXPECT_EQ(d["from"], "2026-10-01T00:00:00Z");
  EXPECT_EQ(d["to"], "2026-11-01T00:00:00Z");
  EXPECT_EQ(d["now"], "2026-11-23T07:44:20Z");
  ASSERT_EQ(d["postmortems"].size(), 1u);
  EXPECT_EQ(d["postmortems"][0]["id"], "rca-1");
  EXPECT_EQ(d["postmortems"][0]["root_cause"], "The pool was too small.");
  // The quality checks of its open items: AI-2 is a P1 without a ticket link; AI-3 is due
  // 12-01, 54 days after the RCA was published (10-08), more than 4 weeks.
  EXPECT_EQ(d["postmortems"][0]["warnings"],
            json::array({"Item AI-2: no ticket link for a P1 item",
                         "Item AI-3: due 2026-12-01, 54 days after the RCA (2026-10-08): more than "
                         "28; split it into steps that can be done sooner"}))
      << d["postmortems"][0].dump();
  // Opened in October: 2, of which the second is a repeat.
  EXPECT_EQ(d["kpis"]["repeat_rate"]["part"], 1);
  EXPECT_EQ(d["kpis"]["repeat_rate"]["whole"], 2);
  ASSERT_EQ(d["repeats"].size(), 1u);
  EXPECT_EQ(d["repeats"][0]["incident"], second_);
  // P0: AI-1 on time; P1: AI-2 (due 10-20) open: 1 of 2.
  EXPECT_EQ(d["kpis"]["p0_p1_on_time"]["part"], 1);
  EXPECT_EQ(d["kpis"]["p0_p1_on_time"]["whole"], 2);
  EXPECT_EQ(d["action_items"]["slipped"][0]["id"], "AI-2");
  EXPECT_EQ(d["action_items"]["overdue"][0]["id"], "AI-2");
  EXPECT_EQ(d["action_items"]["completed"][0]["id"], "AI-1");
  // Both need a post-mortem (critical): the first is covered 3 days after it resolved; the
  // second's 28 days ended 11-16 10:00, before now, with none: missed, and still awaiting.
  EXPECT_EQ(d["kpis"]["coverage"]["part"], 1);
  EXPECT_EQ(d["kpis"]["coverage"]["whole"], 2);
  EXPECT_EQ(d["kpis"]["within_four_weeks"]["part"], 1);
  EXPECT_EQ(d["kpis"]["within_four_weeks"]["whole"], 2);
  EXPECT_EQ(d["kpis"]["time_to_postmortem"]["median_seconds"], 3 * 86400.0);
  ASSERT_EQ(d["awaiting_postmortem"].size(), 1u);
  EXPECT_EQ(d["awaiting_postmortem"][0]["incident"], second_);
  EXPECT_TRUE(d["incomplete"].is_null());
}

TEST_F(DigestRouteTest, MarkdownOfTheSamePeriod) {
  write_history();
  const auto res = client_->Get("/api/v1/digest.md");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/markdown; charset=utf-8");
  EXPECT_EQ(res->body.rfind("# Post-mortem digest: 2026-10-01 to 2026-10-31\n", 0), 0u);
  EXPECT_NE(res->body.find("### Checkout pool exhausted (`rca-1`)"), std::string::npos);
  EXPECT_NE(res->body.find("**Root cause:** The pool was too small."), std::string::npos);
  EXPECT_NE(res->body.find("| P0/P1 action items done on time | 50 % (1 of 2 items due) |"),
            std::string::npos)
      << res->body;
}

TEST_F(DigestRouteTest, AnExplicitPeriod) {
  write_history();
  // 10-19 only: incident 2 opened (a repeat), nothing published, AI-2 not due until 10-20's end.
  const json d = digest("?from=2026-10-19T00:00:00Z&to=2026-10-20T00:00:00Z");
  EXPECT_EQ(d["from"], "2026-10-19T00:00:00Z");
  EXPECT_EQ(d["kpis"]["repeat_rate"]["part"], 1);
  EXPECT_EQ(d["kpis"]["repeat_rate"]["whole"], 1);
  EXPECT_TRUE(d["postmortems"].empty());
  EXPECT_TRUE(d["action_items"]["slipped"].empty());
  // Only `from`: up to now.
  EXPECT_EQ(digest("?from=2026-11-01T00:00:00%2B01:00")["to"], "2026-11-23T07:44:20Z");
  EXPECT_EQ(digest("?from=2026-11-01T00:00:00%2B01:00")["from"], "2026-10-31T23:00:00Z");
}

TEST_F(DigestRouteTest, BadPeriodsAre400NamingTheParameter) {
  for (const char* path : {"/api/v1/digest", "/api/v1/digest.md"}) {
    EXPECT_EQ(rejected(path, "?from=last-month"), "from");
    EXPECT_EQ(rejected(path, "?to=2026-10-01"), "to");  // a date alone is not RFC 3339
    EXPECT_EQ(rejected(path, "?from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z"), "to");
    EXPECT_EQ(rejected(path, "?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"), "to");
    EXPECT_EQ(rejected(path, "?month=10"), "month");
  }
}

TEST_F(DigestRouteTest, AnEmptyHistoryIsAnEmptyDigest) {
  const json d = digest();
  EXPECT_TRUE(d["kpis"]["coverage"]["ratio"].is_null());
  EXPECT_TRUE(d["postmortems"].empty());
  const auto md = client_->Get("/api/v1/digest.md");
  EXPECT_NE(md->body.find("_None published in this period._"), std::string::npos);
}

class DigestReadAuthTest : public DigestRouteTest {
 protected:
  HttpConfig config() override {
    HttpConfig c;
    c.read_auth = true;
    return c;
  }
};

TEST_F(DigestReadAuthTest, NeedsTheCredentialsWithReadAuth) {
  httplib::Client anonymous("127.0.0.1", port_);
  EXPECT_EQ(anonymous.Get("/api/v1/digest")->status, 401);
  EXPECT_EQ(anonymous.Get("/api/v1/digest.md")->status, 401);
  EXPECT_EQ(client_->Get("/api/v1/digest.md")->status, 200);
}

}  // namespace
}  // namespace pmx
