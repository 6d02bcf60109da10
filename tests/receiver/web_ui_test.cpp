// The web UI's pages, in process over a MemoryStore: what an SRE sees on `/`, an incident and
// a source; that anything a sender or an author wrote renders as text; and that the pages are
// protected like the API. (The browser tests in tests/ui click through the real daemon.)
#include <gtest/gtest.h>

#include <regex>

#include "in_process_api.h"
#include "page_checks.h"
#include "pmx/store/memory_store.h"
#include "rca_api.h"
#include "web_render.h"
#include "webhooks.h"

namespace pmx {
namespace {

using nlohmann::json;
using testing::GeneratedAlert;
using testing::make_webhook;

class WebUiTest : public InProcessApi<MemoryStore> {
 protected:
  void SetUp() override { start(config()); }
  virtual HttpConfig config() { return HttpConfig{}; }

  httplib::Headers auth() const { return {{"Authorization", std::string("Bearer ") + kToken}}; }

  void post(const std::vector<GeneratedAlert>& alerts) {
    const auto res =
        client_->Post("/api/v1/webhook", auth(), make_webhook(alerts), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }
  void put_rca(const json& document) {
    const auto res = client_->Put("/api/v1/rcas/" + document["id"].get<std::string>(), auth(),
                                  document.dump(), "application/json");
    ASSERT_TRUE(res);
    ASSERT_TRUE(res->status == 201 || res->status == 200) << res->body;
  }
  /// The source page's path of an incident: by the source id, its id's prefix.
  static std::string source_page_of(const std::string& incident_id) {
    return "/sources/" + incident_id.substr(0, incident_id.rfind('-'));
  }
  std::vector<std::string> incident_ids(const std::string& key) {
    const auto res = client_->Get("/api/v1/incidents?source=" + testing::url_encode(key), auth());
    const json body = json::parse(res->body);
    std::vector<std::string> ids;
    for (const auto& incident : body["incidents"]) ids.push_back(incident["id"]);
    return ids;  // newest first
  }
  /// GET `path` with credentials: the page, after checking it is a 200 HTML document.
  std::string page(const std::string& path) {
    const auto res = client_->Get(path, auth());
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
    return res->body;
  }

  static GeneratedAlert alert(const std::string& service, const std::string& instance,
                              const std::string& starts_at, const std::string& ends_at = "") {
    return GeneratedAlert{"HighLatency", service, instance, starts_at, ends_at, !ends_at.empty()};
  }
};

// `/`: open incidents first, then resolved ones, each with its source, state and link.
TEST_F(WebUiTest, TheIncidentListShowsOpenIncidentsFirst) {
  post({alert("payments", "p-1", "2026-11-20T10:00:00Z")});
  post({alert("payments", "p-1", "2026-11-20T10:00:00Z", "2026-11-20T10:30:00Z")});
  post({alert("checkout", "c-1", "2026-11-19T10:00:00Z")});  // older, but open
  const std::string html = page("/");
  const auto checkout = html.find("service=&quot;checkout&quot;");
  const auto payments = html.find("service=&quot;payments&quot;");
  ASSERT_NE(checkout, std::string::npos);
  ASSERT_NE(payments, std::string::npos);
  EXPECT_LT(checkout, payments) << "the open incident comes first";
  EXPECT_TRUE(contains(html, "href=\"/incidents/" +
                                 incident_ids(testing::source_key("HighLatency", "checkout"))[0] +
                                 "\""));
  EXPECT_TRUE(contains(html, "30m")) << "the resolved incident's duration";

  const std::string resolved = page("/?state=resolved");
  EXPECT_FALSE(contains(resolved, "service=&quot;checkout&quot;"));
  EXPECT_TRUE(contains(resolved, "service=&quot;payments&quot;"));
}

// A repeat: the list flags it, and its page says which earlier post-mortem has which action
// items still open, with its earlier incident linked.
TEST_F(WebUiTest, ARepeatShowsTheEarlierPostmortemAndItsOpenItems) {
  const std::string key = testing::source_key("HighLatency", "checkout");
  post({alert("checkout", "c-1", "2026-11-01T10:00:00Z")});
  post({alert("checkout", "c-1", "2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z")});
  const std::string first = incident_ids(key).at(0);
  put_rca(testing::rca_document(
      "rca-pool", "Checkout pool exhaustion",
      {testing::action_item("a1", "prevent"), testing::action_item("a2", "detect"),
       testing::action_item("a3", "mitigate", "done")},
      {first}));
  post({alert("checkout", "c-1", "2026-11-20T10:00:00Z")});
  const std::string second = incident_ids(key).at(0);
  ASSERT_NE(second, first);

  const std::string list = page("/?repeat=1");
  EXPECT_TRUE(contains(list, "repeat: 2nd in 180d"));
  EXPECT_TRUE(contains(list, "href=\"/incidents/" + second + "\""));
  EXPECT_FALSE(contains(list, "href=\"/incidents/" + first + "\"")) << "not a repeat";

  const std::string incident = page("/incidents/" + second);
  EXPECT_TRUE(contains(incident, "Repeat: the 2nd incident of this source in 180d"));
  EXPECT_TRUE(contains(incident, "Checkout pool exhaustion</a>: 2 of 3 action items still open"));
  EXPECT_TRUE(contains(incident, "href=\"/incidents/" + first + "\""));
  EXPECT_TRUE(contains(page("/incidents/" + first), "Checkout pool exhaustion</a> (draft; 2 of 3"))
      << "the first incident lists its own post-mortem";
  EXPECT_TRUE(contains(page(source_page_of(first)), "Checkout pool exhaustion"));

  // The list counts the earlier items still open now, not when the repeat opened.
  EXPECT_TRUE(contains(list, "2 earlier action items open"));
  const auto done = client_->Patch("/api/v1/rcas/rca-pool/action-items/a1", auth(),
                                   R"({"status":"done"})", "application/json");
  ASSERT_EQ(done->status, 200) << done->body;
  EXPECT_TRUE(contains(page("/?repeat=1"), "1 earlier action item open"));
}

// Whatever a sender put in labels and annotations, or an author in an RCA, is shown as text:
// no tag of theirs reaches the page, however long.
TEST_F(WebUiTest, HostileLabelsAndRcaFieldsRenderAsText) {
  const std::string script = "<script>alert(1)</script>";
  const std::string img = "\"><img src=x onerror=alert(2)>";
  GeneratedAlert hostile = alert(script, img + std::string(20000, 'x'), "2026-11-20T10:00:00Z");
  post({hostile});
  const std::string key = testing::source_key("HighLatency", script);
  const std::string id = incident_ids(key).at(0);
  put_rca(testing::rca_document("rca-x", "**bold** " + script + img, {}, {id}));
  for (const std::string& path : {std::string("/"), "/incidents/" + id, source_page_of(id),
                                  std::string("/rcas"), std::string("/rcas/rca-x")}) {
    const std::string html = page(path);
    EXPECT_FALSE(contains(html, "<script>")) << path;
    EXPECT_FALSE(contains(html, "<img")) << path;
    EXPECT_TRUE(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;")) << path;
  }
  EXPECT_TRUE(
      contains(page("/incidents/" + id), "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;xxx"));
  EXPECT_TRUE(contains(page("/incidents/" + id), "**bold** &lt;script&gt;"))
      << "Markdown stays text";
}

// A post-mortem's page follows the template: summary, impact, timeline, root cause and whys,
// the lists, and the action items with what is overdue; a tracker link is a link only when it
// is http(s).
TEST_F(WebUiTest, APostmortemPageFollowsTheTemplate) {
  json rca = testing::rca_document(
      "rca-db", "Auth database pool exhausted",
      {testing::action_item("a1", "prevent"), testing::action_item("a2", "detect", "done")});
  rca["summary"] = "Logins failed for 40 minutes.";
  rca["impact"] = {{"users_affected", 1200}};
  rca["root_cause"] = "The pool was sized for last year's traffic.";
  rca["five_whys"] = {"logins failed", "the pool was full"};
  rca["lessons_learned"] = {"size pools from load tests"};
  rca["action_items"][0]["due"] = "2026-11-01";  // before the fixed now (2026-11-23): overdue
  rca["action_items"][0]["ticket"] = "https://tracker.example/OPS-1";
  rca["action_items"][1]["ticket"] = "javascript:alert(1)";
  put_rca(rca);
  const std::string html = page("/rcas/rca-db");
  for (const char* part :
       {"<h1>Auth database pool exhausted</h1>", "Logins failed for 40 minutes.",
        "users affected</dt><dd>1200", "The pool was sized for last year",
        "<li>the pool was full</li>", "<h2>Lessons learned</h2>", "Action items (1 of 2 open)",
        "<strong class=\"overdue\">overdue</strong>", "href=\"https://tracker.example/OPS-1\""}) {
    EXPECT_TRUE(contains(html, part));
  }
  EXPECT_FALSE(contains(html, "javascript:")) << "a javascript: URL is never a link";

  const std::string list = page("/rcas?open_items=1");
  EXPECT_TRUE(contains(list, "href=\"/rcas/rca-db\""));
  EXPECT_TRUE(contains(list, "1 of 2"));
  EXPECT_TRUE(contains(list, "1 overdue"));
  EXPECT_FALSE(contains(page("/rcas?status=published"), "rca-db"));
}

// The board: open items of every post-mortem by owner, overdue ones first; filters narrow it.
TEST_F(WebUiTest, TheActionItemBoardGroupsOpenItemsByOwnerOverdueFirst) {
  json first = testing::rca_document(
      "rca-1", "First",
      {testing::action_item("a1", "prevent"), testing::action_item("a2", "detect"),
       testing::action_item("a3", "process", "done")});
  first["action_items"][0]["owner"] = "zoe";
  first["action_items"][0]["due"] = "2026-11-01";  // overdue
  first["action_items"][1]["owner"] = "ann";
  put_rca(first);
  json second = testing::rca_document("rca-2", "Second", {testing::action_item("b1", "mitigate")});
  second["action_items"][0]["owner"] = "ann";
  second["action_items"][0]["due"] = "2026-10-01";  // overdue, ann's oldest
  put_rca(second);

  const std::string board = page("/action-items");
  EXPECT_TRUE(contains(board, "3 items, 2 overdue."));
  const auto ann = board.find(">ann <"), zoe = board.find(">zoe <");
  ASSERT_NE(ann, std::string::npos);
  ASSERT_NE(zoe, std::string::npos);
  EXPECT_LT(ann, zoe) << "both have overdue items: by name";
  const auto b1 = board.find("Action b1"), a2 = board.find("Action a2");
  ASSERT_NE(b1, std::string::npos);
  EXPECT_LT(b1, a2) << "ann's overdue item first";
  EXPECT_FALSE(contains(board, "Action a3")) << "done items are not on the board";

  EXPECT_TRUE(contains(page("/action-items?status=done"), "Action a3"));
  const std::string zoes = page("/action-items?owner=zoe");
  EXPECT_TRUE(contains(zoes, "1 item, 1 overdue."));
  EXPECT_FALSE(contains(zoes, ">ann <"));
  const auto bad = client_->Get("/action-items?priority=P9", auth());
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(contains(bad->body, "priority must be P0 to P3"));
}

// A board of hundreds of items comes in pages of 200, in the board's order; filters carry over.
TEST_F(WebUiTest, TheBoardComesInPages) {
  for (int r = 0; r < 3; ++r) {
    std::vector<json> items;
    for (int i = 0; i < 90; ++i) {
      items.push_back(testing::action_item("i" + std::to_string(i), "prevent"));
    }
    put_rca(testing::rca_document("rca-" + std::to_string(r), "Pool", items));
  }
  const auto rows = [](const std::string& html) {
    std::size_t n = 0;
    for (auto at = html.find("<tr><td data-label=\"Action item\">"); at != std::string::npos;
         at = html.find("<tr><td data-label=\"Action item\">", at + 1)) {
      ++n;
    }
    return n;
  };
  const std::string first = page("/action-items");
  EXPECT_TRUE(contains(first, "270 items"));
  EXPECT_EQ(rows(first), 200u);
  EXPECT_TRUE(contains(first, "href=\"?page=2\""));
  const std::string second = page("/action-items?page=2");
  EXPECT_EQ(rows(second), 70u);
  EXPECT_TRUE(contains(second, "href=\"?page=1\""));
  EXPECT_FALSE(contains(second, "?page=3"));
  EXPECT_TRUE(
      contains(page("/action-items?priority=P1&page=2"), "href=\"?page=1&amp;priority=P1\""));
  EXPECT_EQ(client_->Get("/action-items?page=0", auth())->status, 400);
}

TEST_F(WebUiTest, UnknownPagesAndBadFiltersAreErrorPages) {
  auto res = client_->Get("/incidents/0000000000000000-9", auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_TRUE(contains(res->body, "<h1>Not found</h1>"));
  res = client_->Get("/?state=burning", auth());
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(contains(res->body, "state must be open or resolved"));
  res = client_->Get("/?page=0", auth());
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(contains(res->body, "page must be an integer from 1 to"));
  const auto css = client_->Get("/static/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
}

// Every template escapes what it shows: the only unescaped tag is the layout's {{{content}}},
// the page rendered inside it.
TEST(WebTemplates, NoTemplateShowsAValueUnescaped) {
  const std::regex unescaped(R"(\{\{\{|\{\{&)");
  for (const auto page :
       {web::Page::kIncidents, web::Page::kIncident, web::Page::kSource, web::Page::kRcas,
        web::Page::kRca, web::Page::kRcaEdit, web::Page::kActionItems, web::Page::kError}) {
    const std::string text(web::template_of(page));
    EXPECT_FALSE(std::regex_search(text, unescaped)) << text.substr(0, 80);
  }
  const std::string layout(web::layout_template());
  EXPECT_EQ(std::distance(std::sregex_iterator(layout.begin(), layout.end(), unescaped),
                          std::sregex_iterator()),
            1);
  EXPECT_TRUE(contains(layout, "{{{content}}}"));
}

class WebUiReadAuthTest : public WebUiTest {
 protected:
  HttpConfig config() override {
    HttpConfig config;
    config.read_auth = true;
    return config;
  }
};

// With --web.read-auth the pages need the credentials the API needs; the stylesheet and the
// health endpoints stay open.
TEST_F(WebUiReadAuthTest, PagesNeedCredentials) {
  post({alert("checkout", "c-1", "2026-11-20T10:00:00Z")});
  const std::string id = incident_ids(testing::source_key("HighLatency", "checkout")).at(0);
  for (const std::string& path : {std::string("/"), "/incidents/" + id}) {
    const auto res = client_->Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_FALSE(contains(res->body, "checkout")) << path;
    EXPECT_TRUE(contains(page(path), "checkout")) << path;
  }
  EXPECT_EQ(client_->Get("/static/style.css")->status, 200);
  EXPECT_EQ(client_->Get("/-/healthy")->status, 200);
}

}  // namespace
}  // namespace pmx
