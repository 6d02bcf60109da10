// Writing in the web UI, in process over a MemoryStore: a post-mortem written from its incident,
// a 422's problems beside the form's fields, edits that keep what the form does not show,
// publish and an item's status from the RCA page; basic auth prompts, a bearer token alone
// leaves the UI read-only, and writes from another site are refused. (tests/ui clicks through
// the same in a real browser.)
#include <gtest/gtest.h>

#include "in_process_api.h"
#include "page_checks.h"
#include "pmx/store/memory_store.h"
#include "webhooks.h"

namespace pmx {
namespace {

using nlohmann::json;
using testing::GeneratedAlert;
using testing::make_webhook;

std::string html_unescaped(std::string text) {
  for (const auto& [entity, c] :
       {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}}) {
    for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
      text.replace(at, std::string(entity).size(), c);
    }
  }
  return text;
}

/// What the form field with HTML id `id` holds on `page`: an input's value or a textarea's text.
std::string field_value(const std::string& page, const std::string& id) {
  const auto at = page.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "<no field " + id + ">";
  const auto tag = page.rfind('<', at);
  if (page.compare(tag, 9, "<textarea") == 0) {
    const auto start = page.find('>', at) + 1;
    return html_unescaped(page.substr(start, page.find("</textarea>", start) - start));
  }
  const auto value = page.find("value=\"", at);
  const auto start = value + 7;
  return html_unescaped(page.substr(start, page.find('"', start) - start));
}

class WebEditTest : public InProcessApi<MemoryStore> {
 protected:
  void SetUp() override {
    AuthConfig auth;
    auth.basic_user = "ann";
    auth.basic_password = "pw";
    start(HttpConfig{}, auth);
    post({GeneratedAlert{"HighLatency", "checkout", "c-1", "2026-11-20T10:00:00Z", "", false}});
    incident_ =
        json::parse(client_->Get("/api/v1/incidents", bearer())->body)["incidents"][0]["id"];
  }

  httplib::Headers bearer() const { return {{"Authorization", std::string("Bearer ") + kToken}}; }
  /// What a browser sends once the user answered the prompt.
  httplib::Headers basic() const {
    return {httplib::make_basic_authentication_header("ann", "pw")};
  }

  void post(const std::vector<GeneratedAlert>& alerts) {
    const auto res =
        client_->Post("/api/v1/webhook", bearer(), make_webhook(alerts), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }
  json rca(const std::string& id) {
    const auto res = client_->Get("/api/v1/rcas/" + id, bearer());
    return res && res->status == 200 ? json::parse(res->body) : json();
  }
  void put_rca(const json& document) {
    const auto res = client_->Put("/api/v1/rcas/" + document["id"].get<std::string>(), bearer(),
                                  document.dump(), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
  }
  std::string page(const std::string& path) {
    const auto res = client_->Get(path, basic());
    EXPECT_TRUE(res && res->status == 200) << path << ": " << (res ? res->body : "no answer");
    return res ? res->body : "";
  }
  /// Submits the editor as the browser does (multipart/form-data).
  httplib::Result submit(const std::string& path, const std::map<std::string, std::string>& fields,
                         httplib::Headers headers) {
    httplib::MultipartFormDataItems items;
    for (const auto& [name, value] : fields) items.push_back({name, value, "", ""});
    return client_->Post(path, headers, items);
  }
  /// An action-item row of the form.
  static void add_item(std::map<std::string, std::string>& form, int row, const std::string& id,
                       const std::string& title, const std::string& owner, const std::string& due,
                       const std::string& status = "open") {
    const std::string p = "item-" + std::to_string(row) + "-";
    form[p + "id"] = id;
    form[p + "title"] = title;
    form[p + "owner"] = owner;
    form[p + "due"] = due;
    form[p + "type"] = "prevent";
    form[p + "priority"] = "P1";
    form[p + "status"] = status;
    form[p + "ticket"] = "";
  }

  std::string incident_;
};

// "Write the post-mortem" on an incident: the form comes filled from what the daemon knows; the
// author adds the analysis and an item, and the RCA is stored linked to the incident.
TEST_F(WebEditTest, APostmortemWrittenFromItsIncidentIsStoredAndLinked) {
  EXPECT_TRUE(contains(page("/incidents/" + incident_), "/incidents/" + incident_ + "/postmortem"));
  const std::string form_page = page("/incidents/" + incident_ + "/postmortem");
  const std::string id = field_value(form_page, "f-id");
  EXPECT_EQ(id, "pm-" + incident_);
  EXPECT_EQ(field_value(form_page, "f-title"), "HighLatency on checkout");
  EXPECT_EQ(field_value(form_page, "f-impact_started_at"), "2026-11-20T10:00:00Z");
  const std::string timeline = field_value(form_page, "f-timeline");
  EXPECT_TRUE(contains(timeline, "2026-11-20T10:00:00Z alert fired: generated by the e2e tests"))
      << timeline;

  std::map<std::string, std::string> form{
      {"id", id},
      {"version", field_value(form_page, "f-version")},
      {"title", "Checkout latency"},
      {"status", "draft"},
      // Longer than httplib's 8 KiB limit of urlencoded forms: the editor posts multipart.
      {"summary", std::string(20000, 's')},
      {"root_cause", "The pool was too small."},
      {"five_whys", "Requests queued\r\nThe pool was full\r\n\r\n"},
      {"timeline", timeline + "\r\n2026-11-20T10:05:00Z rolled back to v1.42"},
      {"impact_started_at", "2026-11-20T09:55:00Z"},
      {"detected_by", "monitoring"}};
  add_item(form, 0, "", "Raise the pool size", "ann", "2026-12-31");
  add_item(form, 1, "", "", "", "");  // the empty row a browser sends too
  const auto res = submit("/incidents/" + incident_ + "/postmortem", form, basic());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 303) << res->body;
  EXPECT_EQ(res->get_header_value("Location"), "/rcas/" + id);

  const json stored = rca(id);
  ASSERT_TRUE(stored.is_object());
  const json& doc = stored["rca"];
  EXPECT_EQ(doc["title"], "Checkout latency");
  EXPECT_EQ(doc["summary"].get<std::string>().size(), 20000u);
  EXPECT_EQ(doc["five_whys"], json::array({"Requests queued", "The pool was full"}));
  EXPECT_EQ(doc["incidents"], json::array({incident_}));
  ASSERT_EQ(doc["action_items"].size(), 1u);
  EXPECT_EQ(doc["action_items"][0]["id"], "a1");
  EXPECT_EQ(doc["action_items"][0]["owner"], "ann");
  EXPECT_FALSE(doc["action_items"][0].contains("ticket"));
  const json& entries = doc["timeline"];
  ASSERT_GE(entries.size(), 2u);
  EXPECT_EQ(entries[0]["source"], "postmortem-exporter") << "unchanged lines keep their source";
  EXPECT_EQ(entries.back(),
            (json{{"time", "2026-11-20T10:05:00Z"}, {"event", "rolled back to v1.42"}}));
  const json incident = json::parse(client_->Get("/api/v1/incidents/" + incident_, bearer())->body);
  EXPECT_TRUE(contains(incident.dump(), "\"" + id + "\"")) << incident.dump();

  // The same id again: refused, the author's text kept in the form.
  form["title"] = "Second attempt";
  const auto again = submit("/incidents/" + incident_ + "/postmortem", form, basic());
  EXPECT_EQ(again->status, 409);
  EXPECT_TRUE(contains(again->body, "exists already"));
  EXPECT_EQ(field_value(again->body, "f-title"), "Second attempt");
  EXPECT_EQ(rca(id)["rca"]["title"], "Checkout latency");
}

// A 422: every problem beside its field and listed above the form, what was typed kept (and
// shown as text), nothing stored.
TEST_F(WebEditTest, ProblemsAreShownBesideTheirFieldsAndNothingIsStored) {
  std::map<std::string, std::string> form{{"id", "pm bad"},
                                          {"version", "0"},
                                          {"title", ""},
                                          {"status", "draft"},
                                          {"summary", "<script>alert(1)</script>"},
                                          {"timeline", "yesterday the pool filled"},
                                          {"five_whys", "1\n2\n3\n4\n5\n6"}};
  add_item(form, 0, "", "Raise the pool size", "", "2026-13-45");
  const auto res = submit("/incidents/" + incident_ + "/postmortem", form, basic());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 422) << res->body;
  const std::string& html = res->body;
  EXPECT_TRUE(contains(html, "Not saved:"));
  EXPECT_TRUE(contains(html, "<p class=\"field-error\" id=\"e-title\"><strong>Error:</strong>"));
  EXPECT_TRUE(contains(html, "id=\"e-timeline\"><strong>Error:</strong> line 1 (time)"));
  EXPECT_TRUE(contains(html, "id=\"e-five_whys\"><strong>Error:</strong>"));
  EXPECT_TRUE(contains(html, "<a href=\"#f-item-0-due\">Action item 1: due</a>"));
  EXPECT_TRUE(contains(html, "<a href=\"#f-title\">Title</a>"));
  EXPECT_TRUE(contains(html, "id=\"e-id\"><strong>Error:</strong>"));
  EXPECT_TRUE(contains(html, "href=\"#f-item-0-owner\""));
  EXPECT_EQ(field_value(html, "f-item-0-title"), "Raise the pool size");
  EXPECT_EQ(field_value(html, "f-summary"), "<script>alert(1)</script>");
  EXPECT_FALSE(contains(html, "<script>alert(1)")) << "typed text is shown as text";
  EXPECT_TRUE(rca("pm%20bad").is_null());
}

// Editing through the form keeps what it does not show: impact figures, authors, a timeline
// entry's source, an item's ticket. A form read at an older version saves nothing.
TEST_F(WebEditTest, EditsKeepWhatTheFormDoesNotShowAndNeverOverwriteANewerVersion) {
  put_rca(
      {{"id", "rca-1"},
       {"title", "Pool"},
       {"status", "draft"},
       {"authors", {"ann"}},
       {"impact", {{"users_affected", 120}, {"description", "checkout slow"}}},
       {"timeline", {{{"time", "2026-11-20T09:55:00Z"}, {"event", "deploy"}, {"source", "ci"}}}},
       {"action_items",
        {{{"id", "x"},
          {"title", "Raise"},
          {"type", "prevent"},
          {"priority", "P1"},
          {"owner", "ann"},
          {"due", "2026-12-31"},
          {"status", "open"},
          {"ticket", "https://jira.example/OPS-1"}}}}});
  const std::string editor = page("/rcas/rca-1/edit");
  EXPECT_EQ(field_value(editor, "f-impact_description"), "checkout slow");
  EXPECT_EQ(field_value(editor, "f-item-0-ticket"), "https://jira.example/OPS-1");
  std::map<std::string, std::string> form{{"version", field_value(editor, "f-version")},
                                          {"title", "Pool exhaustion"},
                                          {"status", "in_review"},
                                          {"root_cause", "Pool too small"},
                                          {"impact_description", "checkout slow"},
                                          {"timeline", field_value(editor, "f-timeline")}};
  add_item(form, 0, "x", "Raise the pool", "bob", "2026-12-31");
  form["item-0-ticket"] = "https://jira.example/OPS-1";
  auto res = submit("/rcas/rca-1", form, basic());
  ASSERT_EQ(res->status, 303) << res->body;

  const json doc = rca("rca-1")["rca"];
  EXPECT_EQ(doc["title"], "Pool exhaustion");
  EXPECT_EQ(doc["status"], "in_review");
  EXPECT_EQ(doc["authors"], json::array({"ann"}));
  EXPECT_EQ(doc["impact"]["users_affected"], 120);
  EXPECT_EQ(doc["timeline"][0]["source"], "ci");
  EXPECT_EQ(doc["action_items"][0]["owner"], "bob");
  EXPECT_EQ(doc["action_items"][0]["ticket"], "https://jira.example/OPS-1");

  form["title"] = "A stale edit";  // still the version the first save replaced
  res = submit("/rcas/rca-1", form, basic());
  EXPECT_EQ(res->status, 409);
  EXPECT_TRUE(contains(res->body, "someone saved this post-mortem since you opened it"));
  EXPECT_EQ(rca("rca-1")["rca"]["title"], "Pool exhaustion");
}

// The RCA page: publish, and set an action item's status in place.
TEST_F(WebEditTest, PublishAndAnItemsStatusFromThePostmortemPage) {
  put_rca({{"id", "rca-2"},
           {"title", "Pool"},
           {"status", "draft"},
           {"root_cause", "Pool too small"},
           {"incidents", {incident_}},
           {"action_items",
            {{{"id", "a1"},
              {"title", "Raise"},
              {"type", "prevent"},
              {"priority", "P1"},
              {"owner", "ann"},
              {"due", "2026-12-31"},
              {"status", "open"}}}}});
  const std::string html = page("/rcas/rca-2");
  EXPECT_TRUE(contains(html, "action=\"/rcas/rca-2/publish\""));
  EXPECT_TRUE(contains(html, "action=\"/rcas/rca-2/action-items/a1\""));
  EXPECT_TRUE(contains(html, "href=\"/rcas/rca-2/edit\""));

  auto res = client_->Post("/rcas/rca-2/publish", basic(), "version=1",
                           "application/x-www-form-urlencoded");
  ASSERT_EQ(res->status, 303) << res->body;
  EXPECT_EQ(rca("rca-2")["rca"]["status"], "published");
  EXPECT_FALSE(contains(page("/rcas/rca-2"), "/publish\"")) << "published: no publish button";

  res = client_->Post("/rcas/rca-2/action-items/a1", basic(), "status=done",
                      "application/x-www-form-urlencoded");
  ASSERT_EQ(res->status, 303) << res->body;
  EXPECT_EQ(res->get_header_value("Location"), "/rcas/rca-2#item-a1");
  const json item = rca("rca-2")["rca"]["action_items"][0];
  EXPECT_EQ(item["status"], "done");
  EXPECT_TRUE(item["completed_at"].is_string());

  res = client_->Post("/rcas/rca-2/action-items/a1", basic(), "status=finished",
                      "application/x-www-form-urlencoded");
  EXPECT_EQ(res->status, 422);
  EXPECT_TRUE(contains(res->body, "status"));
  EXPECT_EQ(rca("rca-2")["rca"]["action_items"][0]["status"], "done");
}

// With basic auth the browser is asked for it before the editor; without it nothing is written.
TEST_F(WebEditTest, TheBrowserIsAskedForBasicAuthBeforeEditing) {
  auto res = client_->Get("/incidents/" + incident_ + "/postmortem");
  ASSERT_EQ(res->status, 401);
  EXPECT_EQ(res->get_header_value("WWW-Authenticate").rfind("Basic realm=", 0), 0u);
  EXPECT_TRUE(contains(res->body, "Sign in to edit"));
  std::map<std::string, std::string> form{
      {"id", "pm-x"}, {"version", "0"}, {"title", "X"}, {"status", "draft"}};
  res = submit("/incidents/" + incident_ + "/postmortem", form, {});
  EXPECT_EQ(res->status, 401);
  res = submit("/incidents/" + incident_ + "/postmortem", form,
               {httplib::make_basic_authentication_header("ann", "wrong")});
  EXPECT_EQ(res->status, 401);
  EXPECT_TRUE(rca("pm-x").is_null());
}

// A page of another site cannot make a signed-in browser write: its Sec-Fetch-Site (or, from
// an older browser, its Origin) gives it away. Alertmanager and curl send neither.
TEST_F(WebEditTest, WritesFromAnotherSiteAreRefused) {
  std::map<std::string, std::string> form{
      {"id", "pm-x"}, {"version", "0"}, {"title", "X"}, {"status", "draft"}};
  const std::string path = "/incidents/" + incident_ + "/postmortem";
  const std::string host = "127.0.0.1:" + std::to_string(port_);
  for (const auto& header : {std::pair{"Sec-Fetch-Site", "cross-site"},
                             {"Sec-Fetch-Site", "same-site"},
                             {"Origin", "http://evil.example"},
                             {"Origin", "null"}}) {
    httplib::Headers headers = basic();
    headers.emplace(header.first, header.second);
    const auto res = submit(path, form, headers);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403) << header.first << ": " << header.second;
    EXPECT_TRUE(contains(res->body, "cross-site request refused"));
  }
  httplib::Headers api = bearer();
  api.emplace("Origin", "https://evil.example");
  EXPECT_EQ(client_
                ->Put("/api/v1/rcas/pm-x", api, R"({"id":"pm-x","title":"X","status":"draft"})",
                      "application/json")
                ->status,
            403);
  EXPECT_TRUE(rca("pm-x").is_null());

  httplib::Headers same = basic();
  same.emplace("Sec-Fetch-Site", "same-origin");
  same.emplace("Origin", "http://" + host);
  EXPECT_EQ(submit(path, form, same)->status, 303);
  httplib::Headers old_browser = basic();
  old_browser.emplace("Origin", "http://" + host);
  form["id"] = "pm-y";
  EXPECT_EQ(submit(path, form, old_browser)->status, 303);
}

// A file RCA cannot be edited in the browser: it says to change the file.
TEST_F(WebEditTest, AnRcaOfRcaDirIsNotEditable) {
  ASSERT_TRUE(rcas_.put("rca-file", {{"id", "rca-file"}, {"title", "F"}, {"status", "draft"}},
                        fixed_now(), RcaOrigin::kFile));
  EXPECT_FALSE(contains(page("/rcas/rca-file"), "/rcas/rca-file/edit"));
  const auto res = client_->Get("/rcas/rca-file/edit", basic());
  EXPECT_EQ(res->status, 409);
  EXPECT_TRUE(contains(res->body, "change its file"));
}

class WebBearerOnlyTest : public InProcessApi<MemoryStore> {
 protected:
  void SetUp() override { start(HttpConfig{}); }
};

// With only a bearer token (which a browser cannot send) the UI is read-only and says how to
// turn editing on.
TEST_F(WebBearerOnlyTest, TheUiIsReadOnlyAndSaysHowToEnableEditing) {
  const httplib::Headers bearer{{"Authorization", std::string("Bearer ") + kToken}};
  ASSERT_EQ(client_
                ->Put("/api/v1/rcas/rca-1", bearer,
                      R"({"id":"rca-1","title":"Pool","status":"draft"})", "application/json")
                ->status,
            201);
  const auto rca_page = client_->Get("/rcas/rca-1");
  EXPECT_FALSE(contains(rca_page->body, "/rcas/rca-1/edit"));
  EXPECT_FALSE(contains(rca_page->body, "/publish"));
  EXPECT_TRUE(contains(rca_page->body, "--web.basic-auth-username"));
  const auto editor = client_->Get("/rcas/rca-1/edit", bearer);
  EXPECT_EQ(editor->status, 403);
  EXPECT_TRUE(contains(editor->body, "--web.basic-auth-password-file"));
  EXPECT_EQ(editor->get_header_value("Content-Type"), "text/html; charset=utf-8");
}

}  // namespace
}  // namespace pmx
