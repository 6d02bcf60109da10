// The API's lists for a weekly review, in process at the fixed now of InProcessApi (Monday
// 2026-11-23T07:44:20Z): pages by cursor, from/to, CSV, the action items across RCAs and the
// incidents awaiting a post-mortem, with every figure worked out by hand in the comments.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "in_process_api.h"
#include "pmx/store/memory_store.h"

namespace pmx {
namespace {

using nlohmann::json;

json one_alert(const std::string& service, const char* status, const char* starts_at,
               const char* ends_at, const char* severity = "critical") {
  const json alert = {
      {"status", status},
      {"labels", {{"alertname", "Down"}, {"service", service}, {"severity", severity}}},
      {"annotations", json::object()},
      {"startsAt", starts_at},
      {"endsAt", ends_at},
      {"generatorURL", ""},
      {"fingerprint", "fp-" + service}};
  return webhook_of(json::array({alert}));
}

constexpr const char* kNoEnd = "0001-01-01T00:00:00Z";

class ListRoutesTest : public InProcessApi<MemoryStore> {
 protected:
  void SetUp() override {
    start(HttpConfig{});
    client_->set_bearer_token_auth(kToken);
  }

  void post(const json& body) {
    const auto res = client_->Post("/api/v1/webhook", body.dump(), "application/json");
    ASSERT_EQ(res->status, 200) << res->body;
  }
  /// Five incidents of services s1..s5 opened on 11-01 .. 11-05 at 08:00, all still open.
  void five_incidents() {
    for (int day = 1; day <= 5; ++day) {
      const std::string starts = "2026-11-0" + std::to_string(day) + "T08:00:00Z";
      post(one_alert("s" + std::to_string(day), "firing", starts.c_str(), kNoEnd));
    }
  }
  json get(const std::string& path) {
    const auto res = client_->Get(path);
    EXPECT_EQ(res->status, 200) << path << ": " << res->body;
    return res->status == 200 ? json::parse(res->body) : json::object();
  }
  std::string source_id(const std::string& service) {
    const json listed = get("/api/v1/incidents");  // outlives the loop
    for (const auto& incident : listed["incidents"]) {
      if (incident["source"].get<std::string>().find("service=\"" + service + "\"") !=
          std::string::npos) {
        return incident["source_id"];
      }
    }
    ADD_FAILURE() << "no incident of " << service;
    return "";
  }
  /// The 400 answer to `path`, its `field`.
  std::string rejected(const std::string& path) {
    const auto res = client_->Get(path);
    EXPECT_EQ(res->status, 400) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    return json::parse(res->body).value("field", "");
  }
  void put_rca(const json& rca) {
    const auto res = client_->Put("/api/v1/rcas/" + rca["id"].get<std::string>(), rca.dump(),
                                  "application/json");
    ASSERT_EQ(res->status, 201) << res->body;
  }
};

std::vector<std::string> services_of(const json& incidents) {
  std::vector<std::string> services;
  for (const auto& incident : incidents) {
    const std::string source = incident["source"];
    const auto at = source.find("service=\"");
    services.push_back(source.substr(at + 9, source.find('"', at + 9) - at - 9));
  }
  return services;
}

TEST_F(ListRoutesTest, IncidentPagesFollowNextToTheEnd) {
  five_incidents();
  std::vector<std::string> walked;
  std::string path = "/api/v1/incidents?limit=2";
  int pages = 0;
  for (; pages < 10; ++pages) {
    const auto res = client_->Get(path);
    ASSERT_EQ(res->status, 200) << res->body;
    const json page = json::parse(res->body);
    for (const auto& s : services_of(page["incidents"])) walked.push_back(s);
    if (page["next"].is_null()) {
      EXPECT_FALSE(res->has_header("Link"));
      break;
    }
    // The Link header names the same next page, keeping the other parameters.
    const std::string link = res->get_header_value("Link");
    EXPECT_EQ(link, "</api/v1/incidents?limit=2&cursor=" + page["next"].get<std::string>() +
                        ">; rel=\"next\"");
    path = "/api/v1/incidents?limit=2&cursor=" + page["next"].get<std::string>();
  }
  EXPECT_EQ(pages, 2);  // three pages: 2, 2, 1
  EXPECT_EQ(walked, (std::vector<std::string>{"s5", "s4", "s3", "s2", "s1"}));
}

TEST_F(ListRoutesTest, FromAndToBoundTheOpening) {
  five_incidents();
  // From 11-02 08:00 (inclusive) to 11-04 08:00 (exclusive): s2 and s3.
  EXPECT_EQ(
      services_of(
          get("/api/v1/incidents?from=2026-11-02T08:00:00Z&to=2026-11-04T08:00:00Z")["incidents"]),
      (std::vector<std::string>{"s3", "s2"}));
  // Sources by when they were last seen, with a time zone offset.
  const json sources = get("/api/v1/sources?from=2026-11-04T09:00:00%2B01:00")["sources"];
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0]["last_seen"], "2026-11-05T08:00:00Z");
  EXPECT_EQ(sources[1]["last_seen"], "2026-11-04T08:00:00Z");
}

TEST_F(ListRoutesTest, CsvWithAHeaderRowByParameterOrAccept) {
  five_incidents();
  post(one_alert("=HYPERLINK(\"http://x\")", "firing", "2026-11-06T08:00:00Z", kNoEnd));
  const auto by_param = client_->Get("/api/v1/incidents?format=csv&limit=2");
  ASSERT_EQ(by_param->status, 200);
  EXPECT_EQ(by_param->get_header_value("Content-Type"), "text/csv; charset=utf-8; header=present");
  const std::string& body = by_param->body;
  EXPECT_EQ(body.substr(0, body.find("\r\n")),
            "id,source,state,opened_at,resolved_at,occurrences,repeat,severities,rcas,ui_url");
  // Two rows and the header, each ending in CRLF; the source key with quotes and a comma quoted.
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = body.find("\r\n", at)) != std::string::npos; at += 2) ++lines;
  EXPECT_EQ(lines, 3u) << body;
  EXPECT_NE(
      body.find(",\"alertname=\"\"Down\"\",service=\"\"=HYPERLINK(\\\"\"http://x\\\"\")\"\"\","),
      std::string::npos)
      << body;
  EXPECT_NE(body.find(",open,2026-11-06T08:00:00Z,,1,false,critical,,/incidents/"),
            std::string::npos)
      << body;
  // A next page is in the Link header.
  EXPECT_NE(by_param->get_header_value("Link").find("format=csv"), std::string::npos);

  httplib::Headers accept{{"Accept", "text/csv"}};
  const auto by_accept = client_->Get("/api/v1/sources", accept);
  ASSERT_EQ(by_accept->status, 200);
  EXPECT_EQ(by_accept->body.substr(0, by_accept->body.find("\r\n")),
            "id,key,occurrences,incidents,first_seen,last_seen,current_incident,current_state,"
            "current_ui_url");
  // ?format=json wins over Accept.
  const auto json_anyway = client_->Get("/api/v1/sources?format=json", accept);
  EXPECT_EQ(json_anyway->get_header_value("Content-Type"), "application/json");
}

TEST_F(ListRoutesTest, ActionItemsAcrossRcasWithDaysOverdue) {
  five_incidents();
  const json item = {{"type", "prevent"}, {"status", "open"}, {"priority", "P1"}};
  json a = {{"id", "rca-a"},
            {"title", "Pool exhausted"},
            {"status", "published"},
            {"root_cause", "Small pool."},
            {"published_at", "2026-11-02T09:00:00Z"},
            {"action_items", {item, item}}};
  a["action_items"][0].update({{"id", "A1"},
                               {"title", "Pool alert"},
                               {"owner", "alice"},
                               {"due", "2026-11-10"},
                               {"ticket", "https://t/1"}});
  a["action_items"][1].update({{"id", "A2"},
                               {"title", "=1+2 load test"},
                               {"owner", "bob"},
                               {"due", "2026-11-30"},
                               {"priority", "P2"}});
  json b = {{"id", "rca-b"}, {"title", "DNS"}, {"status", "draft"}, {"action_items", {item, item}}};
  b["action_items"][0].update({{"id", "B1"},
                               {"title", "Cache TTL"},
                               {"owner", "alice"},
                               {"due", "2026-11-20"},
                               {"status", "in_progress"}});
  b["action_items"][1].update({{"id", "B2"},
                               {"title", "Runbook"},
                               {"owner", "alice"},
                               {"due", "2026-11-01"},
                               {"status", "done"},
                               {"completed_at", "2026-11-01T12:00:00Z"}});
  put_rca(a);
  put_rca(b);

  // alice's overdue items, the most overdue first. A1's due date ended 11-11 00:00: 12 whole
  // days before 11-23 07:44; B1's ended 11-21 00:00: 2 days. B2 is done.
  const json overdue = get("/api/v1/action-items?owner=alice&overdue=true")["action_items"];
  ASSERT_EQ(overdue.size(), 2u) << overdue.dump();
  EXPECT_EQ(overdue[0]["rca"], "rca-a");
  EXPECT_EQ(overdue[0]["rca_title"], "Pool exhausted");
  EXPECT_EQ(overdue[0]["id"], "A1");
  EXPECT_EQ(overdue[0]["due"], "2026-11-10");
  EXPECT_EQ(overdue[0]["days_overdue"], 12);
  EXPECT_EQ(overdue[0]["ticket"], "https://t/1");
  EXPECT_EQ(overdue[0]["ui_url"], "/rcas/rca-a#item-A1");
  EXPECT_EQ(overdue[1]["id"], "B1");
  EXPECT_EQ(overdue[1]["days_overdue"], 2);

  // Every item, earliest due first; filters by status (a list), priority, type and RCA.
  const auto ids = [&](const std::string& query) {
    std::vector<std::string> result;
    const json page = get("/api/v1/action-items" + query);  // outlives the loop
    for (const auto& i : page["action_items"]) result.push_back(i["id"]);
    return result;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids(""), (Ids{"B2", "A1", "B1", "A2"}));
  EXPECT_EQ(ids("?status=open,in_progress"), (Ids{"A1", "B1", "A2"}));
  EXPECT_EQ(ids("?priority=P2"), (Ids{"A2"}));
  EXPECT_EQ(ids("?type=detect"), Ids{});
  EXPECT_EQ(ids("?rca=rca-b"), (Ids{"B2", "B1"}));
  // Due in the week of 11-16: from/to bound the due date.
  EXPECT_EQ(ids("?from=2026-11-16T00:00:00Z&to=2026-11-23T00:00:00Z"), (Ids{"B1"}));
  // Pages of one, by cursor.
  Ids walked;
  std::string query = "?limit=1";
  for (int guard = 0; guard < 10; ++guard) {
    const json page = get("/api/v1/action-items" + query);
    for (const auto& i : page["action_items"]) walked.push_back(i["id"]);
    if (page["next"].is_null()) break;
    query = "?limit=1&cursor=" + page["next"].get<std::string>();
  }
  EXPECT_EQ(walked, ids(""));

  // In CSV, one row per item; a title a spreadsheet would run as a formula is defused.
  EXPECT_NE(
      client_->Get("/api/v1/action-items?format=csv&rca=rca-a")->body.find(",'=1+2 load test,"),
      std::string::npos);
  const auto csv = client_->Get("/api/v1/action-items?format=csv&overdue=true&owner=alice");
  EXPECT_EQ(csv->body,
            "rca,rca_title,id,title,owner,priority,type,status,due,days_overdue,ticket,"
            "completed_at,ui_url\r\n"
            "rca-a,Pool exhausted,A1,Pool alert,alice,P1,prevent,open,2026-11-10,12,https://t/1,,"
            "/rcas/rca-a#item-A1\r\n"
            "rca-b,DNS,B1,Cache TTL,alice,P1,prevent,in_progress,2026-11-20,2,,,"
            "/rcas/rca-b#item-B1\r\n");
}

TEST_F(ListRoutesTest, IncidentsAwaitingAPostmortemAndThoseOverdue) {
  // Resolved Tuesday 11-10 10:00: due 5 business days later, Tuesday 11-17 10:00, overdue by
  // 5 days 21 h 44 min at 11-23 07:44. Resolved Friday 11-20 10:00: due Friday 11-27 10:00.
  // A warning resolved 11-12 needs none; one still open is not awaiting.
  post(one_alert("late", "firing", "2026-11-10T08:00:00Z", kNoEnd));
  post(one_alert("late", "resolved", "2026-11-10T08:00:00Z", "2026-11-10T10:00:00Z"));
  post(one_alert("recent", "firing", "2026-11-20T08:00:00Z", kNoEnd));
  post(one_alert("recent", "resolved", "2026-11-20T08:00:00Z", "2026-11-20T10:00:00Z"));
  post(one_alert("minor", "firing", "2026-11-12T08:00:00Z", kNoEnd, "warning"));
  post(one_alert("minor", "resolved", "2026-11-12T08:00:00Z", "2026-11-12T10:00:00Z", "warning"));
  post(one_alert("ongoing", "firing", "2026-11-22T08:00:00Z", kNoEnd));

  const json awaiting = get("/api/v1/incidents?awaiting_postmortem=true")["incidents"];
  EXPECT_EQ(services_of(awaiting), (std::vector<std::string>{"late", "recent"}));
  ASSERT_EQ(awaiting.size(), 2u);
  EXPECT_EQ(awaiting[0]["postmortem_due"], "2026-11-17T10:00:00Z");
  EXPECT_EQ(awaiting[0]["overdue"], true);
  EXPECT_EQ(awaiting[0]["days_overdue"], 5);
  EXPECT_EQ(awaiting[1]["postmortem_due"], "2026-11-27T10:00:00Z");
  EXPECT_EQ(awaiting[1]["overdue"], false);

  const json overdue = get("/api/v1/incidents?awaiting_postmortem=true&overdue=true")["incidents"];
  EXPECT_EQ(services_of(overdue), (std::vector<std::string>{"late"}));
  const std::string late_id = overdue.at(0)["id"];

  // Pages of one, then the source filter.
  const json first = get("/api/v1/incidents?awaiting_postmortem=true&limit=1");
  EXPECT_EQ(services_of(first["incidents"]), (std::vector<std::string>{"late"}));
  const json second = get("/api/v1/incidents?awaiting_postmortem=true&limit=1&cursor=" +
                          first["next"].get<std::string>());
  EXPECT_EQ(services_of(second["incidents"]), (std::vector<std::string>{"recent"}));
  EXPECT_TRUE(second["next"].is_null());
  EXPECT_EQ(services_of(get("/api/v1/incidents?awaiting_postmortem=true&source=" +
                            source_id("recent"))["incidents"]),
            (std::vector<std::string>{"recent"}));

  // A published RCA naming the late incident: it no longer awaits one; a draft does not count.
  put_rca({{"id", "rca-late"}, {"title", "Late"}, {"status", "draft"}, {"incidents", {late_id}}});
  EXPECT_EQ(
      services_of(get("/api/v1/incidents?awaiting_postmortem=true&overdue=true")["incidents"]),
      (std::vector<std::string>{"late"}));
  const auto published =
      client_->Put("/api/v1/rcas/rca-late", httplib::Headers{{"If-Match", "\"1\""}},
                   json({{"id", "rca-late"},
                         {"title", "Late"},
                         {"status", "published"},
                         {"root_cause", "Late."},
                         {"incidents", {late_id}}})
                       .dump(),
                   "application/json");
  ASSERT_EQ(published->status, 200) << published->body;
  EXPECT_TRUE(get("/api/v1/incidents?awaiting_postmortem=true&overdue=true")["incidents"].empty());
}

TEST_F(ListRoutesTest, RcaPagesAndCreationBounds) {
  // Written on 11-01, 11-02 and 11-03 (rca-3 dated by its publication), and one undated.
  put_rca({{"id", "rca-1"},
           {"title", "One"},
           {"status", "draft"},
           {"created_at", "2026-11-01T10:00:00Z"}});
  put_rca({{"id", "rca-2"},
           {"title", "Two"},
           {"status", "draft"},
           {"created_at", "2026-11-02T10:00:00Z"}});
  put_rca({{"id", "rca-3"},
           {"title", "Three"},
           {"status", "published"},
           {"root_cause", "Three."},
           {"published_at", "2026-11-03T10:00:00Z"}});
  put_rca({{"id", "rca-4"}, {"title", "Four"}, {"status", "draft"}});
  const json first = get("/api/v1/rcas?limit=2");
  ASSERT_EQ(first["rcas"].size(), 2u);
  EXPECT_EQ(first["rcas"][1]["rca"]["id"], "rca-2");
  const json rest = get("/api/v1/rcas?limit=2&cursor=" + first["next"].get<std::string>());
  ASSERT_EQ(rest["rcas"].size(), 2u);
  EXPECT_EQ(rest["rcas"][0]["rca"]["id"], "rca-3");
  EXPECT_TRUE(rest["next"].is_null());
  const auto ids = [&](const std::string& query) {
    std::vector<std::string> result;
    const json page = get("/api/v1/rcas" + query);  // outlives the loop
    for (const auto& r : page["rcas"]) result.push_back(r["rca"]["id"]);
    return result;
  };
  EXPECT_EQ(ids("?from=2026-11-02T10:00:00Z&to=2026-11-03T10:00:01Z"),
            (std::vector<std::string>{"rca-2", "rca-3"}));
  EXPECT_EQ(ids("?to=2026-11-02T10:00:00Z"), (std::vector<std::string>{"rca-1"}));
  const auto csv = client_->Get("/api/v1/rcas?format=csv&limit=1");
  EXPECT_EQ(csv->body.substr(0, csv->body.find("\r\n")),
            "id,title,status,severity,owner,facilitator,created_at,published_at,incidents,"
            "action_items,open_action_items,ui_url");
}

TEST_F(ListRoutesTest, BadParametersAreNamed) {
  five_incidents();
  EXPECT_EQ(rejected("/api/v1/incidents?from=yesterday"), "from");
  EXPECT_EQ(rejected("/api/v1/incidents?to=2026-13-01T00:00:00Z"), "to");
  EXPECT_EQ(rejected("/api/v1/incidents?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z"),
            "from");
  EXPECT_EQ(rejected("/api/v1/incidents?cursor=not-a-cursor"), "cursor");
  const std::string sources_next = get("/api/v1/sources?limit=1")["next"];
  EXPECT_EQ(rejected("/api/v1/incidents?cursor=" + sources_next), "cursor");
  EXPECT_EQ(rejected("/api/v1/incidents?awaiting_postmortem=true&cursor=" +
                     get("/api/v1/incidents?limit=1")["next"].get<std::string>()),
            "cursor");
  // A cursor longer than any the server makes is refused before it is decoded (here by the
  // request line's own bound; kMaxCursorLength in process).
  EXPECT_EQ(client_->Get("/api/v1/incidents?cursor=" + std::string(10000, '0'))->status, 414);
  EXPECT_EQ(rejected("/api/v1/incidents?format=xml"), "format");
  EXPECT_EQ(rejected("/api/v1/incidents?limit=0"), "limit");
  EXPECT_EQ(rejected("/api/v1/incidents?limit=1001"), "limit");
  EXPECT_EQ(rejected("/api/v1/incidents?overdue=true"), "overdue");
  EXPECT_EQ(rejected("/api/v1/incidents?awaiting_postmortem=yes"), "awaiting_postmortem");
  EXPECT_EQ(rejected("/api/v1/incidents?awaiting_postmortem=true&state=open"), "state");
  EXPECT_EQ(rejected("/api/v1/action-items?priority=P9"), "priority");
  EXPECT_EQ(rejected("/api/v1/action-items?status=open,later"), "status");
  EXPECT_EQ(rejected("/api/v1/action-items?type=fix"), "type");
  EXPECT_EQ(rejected("/api/v1/action-items?overdue=1"), "overdue");
  EXPECT_EQ(rejected("/api/v1/action-items?assignee=alice"), "assignee");
  EXPECT_EQ(rejected("/api/v1/rcas?has_open_items=maybe"), "has_open_items");
  EXPECT_EQ(rejected("/api/v1/sources?state=open"), "state");
}

}  // namespace
}  // namespace pmx
