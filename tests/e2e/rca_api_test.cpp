// The RCA REST API of the real daemon (embedded store): documents are validated with every
// problem named by its field and nothing stored on error, writes need the token, action items
// change with PATCH, RCAs link incidents, and the list filters by status, open items and source.
#include "rca_api.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "e2e.h"
#include "raw_connection.h"

namespace pmx::e2e {
namespace {

using nlohmann::json;
using pmx::testing::action_item;
using pmx::testing::get_incident;
using pmx::testing::GeneratedAlert;
using pmx::testing::kAuthKey;
using pmx::testing::kCheckoutKey;
using pmx::testing::make_webhook;
using pmx::testing::RcaApi;
using pmx::testing::rca_document;
using pmx::testing::replay_fixture_names;
using pmx::testing::rfc3339_now;
using pmx::testing::source_key;
using pmx::testing::timeline_details;
using pmx::testing::url_encode;

using Ids = std::vector<std::string>;

/// The newest incident id of a source; fails the test when it has none.
std::string newest_incident_id(const Daemon& daemon, const std::string& key) {
  const auto source = daemon.source(key);
  if (!source || source->value("incidents", json::array()).empty()) {
    ADD_FAILURE() << "no incident of " << key << "\n" << daemon.log_tail();
    return "";
  }
  return (*source)["incidents"][0].value("id", "");
}

/// The "field" of every entry of a 422 body's "problems".
std::set<std::string> problem_fields(const json& body) {
  std::set<std::string> fields;
  for (const auto& p : body.value("problems", json::array())) fields.insert(p.value("field", ""));
  return fields;
}

/// An action item of a listed/returned RCA by id.
json item_of(const json& rca_answer, const std::string& item) {
  const json rca = rca_answer.value("rca", json::object());
  for (const auto& i : rca.value("action_items", json::array())) {
    if (i.value("id", "") == item) return i;
  }
  return json();
}

class RcaApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>();
    post_fixtures(*daemon_, {replay_fixture_names()[0], replay_fixture_names()[1]});
    checkout_incident_ = newest_incident_id(*daemon_, kCheckoutKey);
    auth_incident_ = newest_incident_id(*daemon_, kAuthKey);
    ASSERT_FALSE(checkout_incident_.empty());
    ASSERT_FALSE(auth_incident_.empty());
  }

  RcaApi api() const { return RcaApi(*daemon_); }

  std::unique_ptr<Daemon> daemon_;
  std::string checkout_incident_;
  std::string auth_incident_;
};

struct InvalidCase {
  std::string name;
  std::string url_id;
  json document;
  std::string field;          ///< the expected "field" of the answer (the first problem)
  std::set<std::string> all;  ///< every field that must be among "problems"
};

TEST_F(RcaApiTest, InvalidDocumentsAre422NamingEveryFieldAndStoreNothing) {
  const std::string unknown_incident = "inc-00000000deadbeef";
  json bad_items = rca_document("rca-bad-items", "Bad items", {action_item("AI-1", "prevent")});
  bad_items["action_items"][0]["priority"] = "P4";
  bad_items["action_items"][0]["type"] = "fix";
  json no_title = rca_document("rca-no-title", "x");
  no_title.erase("title");
  json published_bare = rca_document("rca-published", "Published without a root cause");
  published_bare["status"] = "published";
  const std::vector<InvalidCase> cases{
      {"two bad action item fields", "rca-bad-items", bad_items, "",
       {"/action_items/0/priority", "/action_items/0/type"}},
      {"missing title", "rca-no-title", no_title, "/title", {"/title"}},
      // published_at is stamped by the daemon when the client sends none (rca_writes_test).
      {"published without root_cause", "rca-published", published_bare, "/root_cause",
       {"/root_cause"}},
      {"bad matcher", "rca-bad-matcher",
       rca_document("rca-bad-matcher", "Bad matcher", {}, {},
                    {"service=\"checkout\"", "service=~\"(\""}),
       "/matchers/1", {"/matchers/1"}},
      {"unknown incident", "rca-unknown-incident",
       rca_document("rca-unknown-incident", "Unknown incident", {}, {checkout_incident_,
                    unknown_incident}),
       "/incidents/1", {"/incidents/1"}},
      {"id differs from the URL", "rca-url-id", rca_document("rca-body-id", "Wrong id"), "/id",
       {"/id"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const HttpResponse r = api().put(c.url_id, c.document);
    ASSERT_TRUE(IsStatus(r, 422)) << "PUT /api/v1/rcas/" << c.url_id << " " << c.document.dump();
    const json body = r.json();
    SCOPED_TRACE("answer: " + r.body);
    EXPECT_EQ(body.value("error", ""), "invalid RCA document");
    ASSERT_TRUE(body.contains("problems") && body["problems"].is_array() &&
                !body["problems"].empty());
    EXPECT_EQ(body.value("field", "<none>"), body["problems"][0].value("field", "<none>"))
        << "\"field\" names the first problem";
    if (!c.field.empty()) {
      EXPECT_EQ(body.value("field", ""), c.field);
    }
    const auto fields = problem_fields(body);
    for (const auto& want : c.all) EXPECT_TRUE(fields.count(want)) << "no problem at " << want;
    for (const auto& p : body["problems"]) EXPECT_FALSE(p.value("message", "").empty()) << p;
    EXPECT_TRUE(IsStatus(api().get(c.url_id), 404)) << "stored despite the 422";
  }
  EXPECT_TRUE(IsStatus(api().get("rca-body-id"), 404));
  EXPECT_EQ(api().list_ids(), Ids{}) << "nothing may be stored";

  // Invalid JSON is a 400, and stores nothing either.
  const HttpResponse bad_json = api().put_raw("rca-bad-json", R"({"id":"rca-bad-json","title":)");
  EXPECT_TRUE(IsStatus(bad_json, 400));
  EXPECT_TRUE(IsStatus(api().get("rca-bad-json"), 404));
  // A number beyond a double is the body's fault too: 400, not 500 (found by the fuzzer).
  const HttpResponse huge_number =
      api().put_raw("rca-huge", R"({"id":"rca-huge","title":"x","status":"draft","x-n":1e309})");
  EXPECT_TRUE(IsStatus(huge_number, 400)) << huge_number.body;
  EXPECT_TRUE(IsStatus(api().get("rca-huge"), 404));

  // A rejected replacement leaves the stored document as it was, and links nothing.
  ASSERT_TRUE(IsStatus(api().put("rca-ok", rca_document("rca-ok", "Fine")), 201));
  json replacement = rca_document("rca-ok", "Changed", {}, {checkout_incident_, unknown_incident});
  EXPECT_TRUE(IsStatus(api().put("rca-ok", replacement), 422));
  const HttpResponse kept = api().get("rca-ok");
  ASSERT_TRUE(IsOk(kept));
  EXPECT_EQ(kept.json().value("version", -1), 1) << kept.body;
  EXPECT_EQ(kept.json()["rca"].value("title", ""), "Fine") << kept.body;
  const json incident = get_incident(*daemon_, checkout_incident_);
  EXPECT_EQ(incident.value("rcas", Ids{}), Ids{}) << incident.dump(1);
  EXPECT_TRUE(timeline_details(incident, "rca_linked").empty()) << incident.dump(1);
  EXPECT_EQ(api().list_ids(), Ids{"rca-ok"});
}

// "listing every problem": a document with schema problems, a bad matcher and an unknown
// incident at once names all of them, so its author fixes it in one round.
TEST_F(RcaApiTest, InvalidDocumentListsSchemaMatcherAndIncidentProblemsTogether) {
  json everything = rca_document("rca-everything", "Everything wrong",
                                 {action_item("AI-1", "prevent")}, {"inc-00000000deadbeef"},
                                 {"service=~\"(\""});
  everything["action_items"][0]["priority"] = "P4";
  const HttpResponse r = api().put("rca-everything", everything);
  ASSERT_TRUE(IsStatus(r, 422)) << everything.dump();
  const json body = r.json();
  SCOPED_TRACE("PUT /api/v1/rcas/rca-everything " + everything.dump() + "\nanswer: " + r.body);
  const auto fields = problem_fields(body);
  for (const std::string want : {"/action_items/0/priority", "/matchers/0", "/incidents/0"}) {
    EXPECT_TRUE(fields.count(want)) << "no problem at " << want;
  }
  EXPECT_TRUE(IsStatus(api().get("rca-everything"), 404));
}

TEST_F(RcaApiTest, WritesNeedTheTokenReadsDoNot) {
  const json doc = rca_document("rca-auth", "Auth", {action_item("AI-1", "prevent")});
  for (const std::string token : {"", "wrong-token"}) {
    SCOPED_TRACE("token '" + token + "'");
    const RcaApi anonymous = api().with_token(token);
    EXPECT_TRUE(IsStatus(anonymous.put("rca-auth", doc), 401));
  }
  EXPECT_EQ(api().list_ids(), Ids{}) << "a 401 stores nothing";

  ASSERT_TRUE(IsStatus(api().put("rca-auth", doc), 201));
  for (const std::string token : {"", "wrong-token"}) {
    SCOPED_TRACE("token '" + token + "'");
    const RcaApi anonymous = api().with_token(token);
    EXPECT_TRUE(IsStatus(anonymous.put("rca-auth", rca_document("rca-auth", "Changed")), 401));
    EXPECT_TRUE(IsStatus(anonymous.patch_item("rca-auth", "AI-1", {{"status", "done"}}), 401));
    EXPECT_TRUE(IsStatus(anonymous.link("rca-auth", checkout_incident_), 401));
    EXPECT_TRUE(IsStatus(anonymous.remove("rca-auth"), 401));
    // Reads are open: GET with no Authorization header.
    const HttpResponse read = anonymous.get("rca-auth");
    ASSERT_TRUE(IsOk(read));
    EXPECT_EQ(read.json().value("version", -1), 1) << read.body;
    EXPECT_EQ(read.json()["rca"].value("title", ""), "Auth");
    EXPECT_EQ(item_of(read.json(), "AI-1").value("status", ""), "open");
  }
  EXPECT_EQ(get_incident(*daemon_, checkout_incident_).value("rcas", Ids{}), Ids{});
}

TEST_F(RcaApiTest, UnknownRcasAndItemsAre404) {
  ASSERT_TRUE(IsStatus(api().put("rca-known", rca_document("rca-known", "Known",
                                                            {action_item("AI-1", "detect")})),
                       201));
  EXPECT_TRUE(IsStatus(api().get("rca-nope"), 404));
  EXPECT_TRUE(IsStatus(api().remove("rca-nope"), 404));
  EXPECT_TRUE(IsStatus(api().patch_item("rca-nope", "AI-1", {{"status", "done"}}), 404));
  EXPECT_TRUE(IsStatus(api().patch_item("rca-known", "AI-9", {{"status", "done"}}), 404));
  EXPECT_TRUE(IsStatus(api().link("rca-nope", checkout_incident_), 404));
  // Linking an incident that does not exist is refused (the contract names no code for it).
  const HttpResponse unknown = api().link("rca-known", "inc-00000000deadbeef");
  EXPECT_TRUE(unknown.status == 404 || unknown.status == 422)
      << unknown.status << " " << unknown.body;
  const HttpResponse known = api().get("rca-known");
  ASSERT_TRUE(IsOk(known));
  EXPECT_FALSE(known.json()["rca"].contains("incidents") &&
               !known.json()["rca"]["incidents"].empty())
      << known.body;
  EXPECT_EQ(known.json().value("version", -1), 1);
}

TEST_F(RcaApiTest, PutReplacePatchFilterDelete) {
  const json doc = rca_document("rca-life", "Lifecycle",
                                {action_item("AI-1", "prevent"), action_item("AI-2", "detect")});
  const HttpResponse created = api().put("rca-life", doc);
  ASSERT_TRUE(IsStatus(created, 201));
  {
    const json body = created.json();
    EXPECT_EQ(body["rca"], doc) << "the document is kept as given";
    EXPECT_EQ(body.value("version", -1), 1);
    EXPECT_EQ(body.value("read_only", true), false);
    EXPECT_EQ(body.value("action_items", -1), 2);
    EXPECT_EQ(body.value("open_action_items", -1), 2);
  }
  json replaced_doc = doc;
  replaced_doc["title"] = "Lifecycle, revised";
  const HttpResponse replaced = api().put("rca-life", replaced_doc);
  ASSERT_TRUE(IsStatus(replaced, 200));
  EXPECT_EQ(replaced.json().value("version", -1), 2) << replaced.body;
  EXPECT_EQ(api().get("rca-life").json()["rca"].value("title", ""), "Lifecycle, revised");

  // A second RCA whose only item is closed from the start, and a published one.
  ASSERT_TRUE(IsStatus(api().put("rca-closed",
                                 rca_document("rca-closed", "Closed",
                                              {action_item("AI-1", "process", "wont_do")})),
                       201));
  json published = rca_document("rca-published", "Published");
  published["status"] = "published";
  published["root_cause"] = "A cause.";
  published["published_at"] = "2026-03-19T14:05:00Z";
  ASSERT_TRUE(IsStatus(api().put("rca-published", published), 201));
  EXPECT_EQ(api().list_ids(), (Ids{"rca-closed", "rca-life", "rca-published"}));
  EXPECT_EQ(api().list_ids("?has_open_items=true"), Ids{"rca-life"});
  EXPECT_EQ(api().list_ids("?has_open_items=false"), (Ids{"rca-closed", "rca-published"}));
  EXPECT_EQ(api().list_ids("?status=published"), Ids{"rca-published"});
  EXPECT_EQ(api().list_ids("?status=draft&has_open_items=false"), Ids{"rca-closed"});

  // PATCH: done sets completed_at; the other item stays open without one.
  const HttpResponse done = api().patch_item("rca-life", "AI-1", {{"status", "done"}});
  ASSERT_TRUE(IsOk(done)) << daemon_->log_tail();
  {
    const json body = done.json();
    const json ai1 = item_of(body, "AI-1");
    EXPECT_EQ(ai1.value("status", ""), "done") << body.dump(1);
    ASSERT_TRUE(ai1.contains("completed_at") && ai1["completed_at"].is_string()) << ai1;
    EXPECT_EQ(ai1["completed_at"].get<std::string>().substr(0, 2), "20") << ai1;
    const json ai2 = item_of(body, "AI-2");
    EXPECT_TRUE(!ai2.contains("completed_at") || ai2["completed_at"].is_null()) << ai2;
    EXPECT_EQ(body.value("open_action_items", -1), 1);
    EXPECT_GT(body.value("version", -1), 2) << "a PATCH is a write";
  }
  EXPECT_EQ(item_of(api().get("rca-life").json(), "AI-1").value("status", ""), "done");

  // owner and due change too; anything else is a 422 that changes nothing.
  const HttpResponse owner =
      api().patch_item("rca-life", "AI-2", {{"owner", "new-owner"}, {"due", "2031-02-28"}});
  ASSERT_TRUE(IsOk(owner));
  EXPECT_EQ(item_of(owner.json(), "AI-2").value("owner", ""), "new-owner") << owner.body;
  EXPECT_EQ(item_of(owner.json(), "AI-2").value("due", ""), "2031-02-28") << owner.body;
  const HttpResponse unknown_field =
      api().patch_item("rca-life", "AI-2", {{"status", "done"}, {"priority", "P0"}});
  EXPECT_TRUE(IsStatus(unknown_field, 422));
  EXPECT_EQ(item_of(api().get("rca-life").json(), "AI-2").value("status", ""), "open");
  EXPECT_EQ(item_of(api().get("rca-life").json(), "AI-2").value("priority", ""), "P1");
  EXPECT_TRUE(IsStatus(api().patch_item("rca-life", "AI-2", {{"status", "finished"}}), 422));
  EXPECT_EQ(api().list_ids("?has_open_items=true"), Ids{"rca-life"});

  // wont_do closes the last open item: the filter moves it.
  const HttpResponse wont = api().patch_item("rca-life", "AI-2", {{"status", "wont_do"}});
  ASSERT_TRUE(IsOk(wont));
  EXPECT_TRUE(item_of(wont.json(), "AI-2")["completed_at"].is_string()) << wont.body;
  EXPECT_EQ(wont.json().value("open_action_items", -1), 0);
  EXPECT_EQ(api().list_ids("?has_open_items=true"), Ids{});
  EXPECT_EQ(api().list_ids("?has_open_items=false"),
            (Ids{"rca-closed", "rca-life", "rca-published"}));

  // DELETE: 204, then gone.
  const HttpResponse deleted = api().remove("rca-life");
  EXPECT_TRUE(IsStatus(deleted, 204));
  EXPECT_TRUE(IsStatus(api().get("rca-life"), 404));
  EXPECT_TRUE(IsStatus(api().remove("rca-life"), 404));
  EXPECT_EQ(api().list_ids(), (Ids{"rca-closed", "rca-published"}));
}

TEST_F(RcaApiTest, LinkingAnIncidentIsIdempotent) {
  ASSERT_TRUE(IsStatus(api().put("rca-link", rca_document("rca-link", "Link me")), 201));
  const HttpResponse first = api().link("rca-link", checkout_incident_);
  ASSERT_TRUE(IsOk(first)) << daemon_->log_tail();
  const HttpResponse again = api().link("rca-link", checkout_incident_);
  ASSERT_TRUE(IsOk(again));
  const json stored = api().get("rca-link").json();
  EXPECT_EQ(stored["rca"].value("incidents", Ids{}), Ids{checkout_incident_}) << stored.dump(1);
  const json incident = get_incident(*daemon_, checkout_incident_);
  EXPECT_EQ(incident.value("rcas", Ids{}), Ids{"rca-link"}) << incident.dump(1);
  EXPECT_EQ(timeline_details(incident, "rca_linked").size(), 1u) << incident.dump(1);
  EXPECT_EQ(get_incident(*daemon_, auth_incident_).value("rcas", Ids{}), Ids{});
}

// `curl -X PUT` sends neither a body nor a Content-Length: linking needs neither.
TEST_F(RcaApiTest, ALinkWithoutABodyOrContentLengthIsAccepted) {
  ASSERT_TRUE(IsStatus(api().put("rca-bare", rca_document("rca-bare", "Link me")), 201));
  pmx::testing::RawConnection connection(daemon_->port());
  ASSERT_TRUE(connection.send("PUT /api/v1/rcas/rca-bare/incidents/" + checkout_incident_ +
                              " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                              pmx::testing::kFixtureToken + "\r\n\r\n"));
  const auto answer = connection.read_response();
  EXPECT_EQ(answer.status, 200) << answer.head << answer.body;
  EXPECT_EQ(get_incident(*daemon_, checkout_incident_).value("rcas", Ids{}), Ids{"rca-bare"});
}

TEST_F(RcaApiTest, SourceFilterFindsLinkedAndMatchingRcas) {
  ASSERT_TRUE(IsStatus(api().put("rca-linked", rca_document("rca-linked", "Linked", {},
                                                             {checkout_incident_})),
                       201));
  ASSERT_TRUE(IsStatus(api().put("rca-matching",
                                 rca_document("rca-matching", "Matching", {}, {},
                                              {"service=\"checkout\"", "alertname=~\"High.*\""})),
                       201));
  ASSERT_TRUE(IsStatus(api().put("rca-unrelated", rca_document("rca-unrelated", "Unrelated", {},
                                                               {}, {"service=\"payments\""})),
                       201));
  ASSERT_TRUE(IsStatus(api().put("rca-auth", rca_document("rca-auth", "Auth", {},
                                                          {auth_incident_})),
                       201));
  ASSERT_TRUE(IsStatus(api().put("rca-none", rca_document("rca-none", "Neither")), 201));

  const Ids checkout{"rca-linked", "rca-matching"};
  EXPECT_EQ(api().list_ids("?source=" + url_encode(kCheckoutKey)), checkout);
  const std::string checkout_id = daemon_->source(kCheckoutKey)->value("id", "");
  ASSERT_FALSE(checkout_id.empty());
  EXPECT_EQ(api().list_ids("?source=" + checkout_id), checkout);
  EXPECT_EQ(api().list_ids("?source=" + url_encode(kAuthKey)), Ids{"rca-auth"});
  EXPECT_EQ(api().list_ids("?source=" + url_encode(source_key("Nothing", "nowhere"))), Ids{});
  EXPECT_EQ(api().list_ids("?source=" + url_encode(kCheckoutKey) + "&status=published"), Ids{});
  EXPECT_EQ(api().list_ids().size(), 5u);
}

TEST_F(RcaApiTest, AnIncidentMatchingAnRcaIsARepeat) {
  ASSERT_TRUE(IsStatus(api().put("rca-storage",
                                 rca_document("rca-storage", "Disks fill up",
                                              {action_item("AI-1", "prevent")}, {},
                                              {"service=\"storage\""})),
                       201));
  GeneratedAlert alert{"DiskFull", "storage", "node-1", rfc3339_now(-1000), "", false};
  ASSERT_TRUE(IsOk(daemon_->post_webhook(make_webhook({alert}))));
  const std::string id = newest_incident_id(*daemon_, source_key("DiskFull", "storage"));
  ASSERT_FALSE(id.empty());
  const json incident = get_incident(*daemon_, id);
  SCOPED_TRACE(incident.dump(1));
  ASSERT_TRUE(incident["repeat"].is_object());
  ASSERT_EQ(incident["repeat"].value("rcas", json::array()).size(), 1u);
  EXPECT_EQ(incident["repeat"]["rcas"][0].value("id", ""), "rca-storage");
  EXPECT_EQ(incident["repeat"].value("open_action_items", -1), 1);
  EXPECT_EQ(incident["repeat"].value("earlier_incidents", Ids{"x"}), Ids{});
  EXPECT_EQ(timeline_details(incident, "flagged_repeat").size(), 1u);
  // The checkout incident, opened before any RCA, is no repeat.
  EXPECT_TRUE(get_incident(*daemon_, checkout_incident_)["repeat"].is_null());
}

// The Markdown draft may land after the rest: kept apart so its state is easy to see.
TEST_F(RcaApiTest, PostmortemMarkdownDraft) {
  const HttpResponse md =
      daemon_->get("/api/v1/incidents/" + url_encode(checkout_incident_) + "/postmortem.md");
  ASSERT_TRUE(IsOk(md)) << daemon_->log_tail();
  EXPECT_NE(md.content_type.find("text/markdown"), std::string::npos) << md.content_type;
  EXPECT_NE(md.body.find("# Post-mortem"), std::string::npos) << md.body;
  EXPECT_NE(md.body.find(checkout_incident_), std::string::npos) << md.body;
  EXPECT_TRUE(IsStatus(daemon_->get("/api/v1/incidents/inc-00000000deadbeef/postmortem.md"), 404));
}

}  // namespace
}  // namespace pmx::e2e
