// --web.external-url and --web.route-prefix, in process: every route answers under the prefix
// and nowhere else, the web UI's links start with it, and the API's `ui_url` of incidents and
// RCAs points at their pages (absolute under the external URL, else a path).
#include <gtest/gtest.h>

#include <regex>

#include "api_json.h"
#include "in_process_api.h"
#include "pmx/store/memory_store.h"
#include "rca_api.h"
#include "webhooks.h"

namespace pmx {
namespace {

using nlohmann::json;
using testing::GeneratedAlert;
using testing::make_webhook;

constexpr const char* kExternal = "https://proxy.example/pmx";

class PrefixedApi : public InProcessApi<MemoryStore> {
 protected:
  void SetUp() override { start(config()); }
  virtual HttpConfig config() {
    HttpConfig config;
    config.external_url = kExternal;
    config.route_prefix = "/pmx";
    return config;
  }

  httplib::Headers auth() const { return {{"Authorization", std::string("Bearer ") + kToken}}; }

  int status(const std::string& path) {
    const auto res = client_->Get(path, auth());
    return res ? res->status : -1;
  }
  json get_json(const std::string& path) {
    const auto res = client_->Get(path, auth());
    EXPECT_TRUE(res && res->status == 200) << path << ": " << (res ? res->body : "no answer");
    return res && res->status == 200 ? json::parse(res->body) : json();
  }
  /// Posts one firing alert to `path`; the answer's status.
  int post_alert(const std::string& path, const std::string& service = "checkout") {
    const GeneratedAlert alert{"HighLatency", service, "c-1", "2026-11-20T10:00:00Z", "", false};
    const auto res = client_->Post(path, auth(), make_webhook({alert}), "application/json");
    return res ? res->status : -1;
  }
  std::string put_rca(const std::string& path, const json& document) {
    const auto res = client_->Put(path, auth(), document.dump(), "application/json");
    EXPECT_TRUE(res && (res->status == 201 || res->status == 200)) << (res ? res->body : "");
    return res ? res->body : "";
  }
  /// The only incident's id, read under the prefix.
  std::string incident_id() {
    const json list = get_json("/pmx/api/v1/incidents");
    EXPECT_EQ(list["incidents"].size(), 1u) << list.dump();
    return list["incidents"].empty() ? "" : list["incidents"][0]["id"].get<std::string>();
  }
};

// The webhook, the API, health, the telemetry path, the stylesheet and the pages answer under
// /pmx/; the same paths without it are unknown.
TEST_F(PrefixedApi, EveryRouteAnswersUnderThePrefixOnly) {
  EXPECT_EQ(post_alert("/api/v1/webhook"), 404);
  EXPECT_EQ(post_alert("/pmx/api/v1/webhook"), 200);
  const std::string id = incident_id();
  ASSERT_FALSE(id.empty());
  const std::vector<std::string> paths{"/api/v1/incidents",
                                       "/api/v1/incidents/" + id,
                                       "/api/v1/incidents/" + id + "/postmortem.md",
                                       "/api/v1/sources",
                                       "/api/v1/rcas",
                                       "/-/healthy",
                                       "/-/ready",
                                       "/metrics",
                                       "/static/style.css",
                                       "/",
                                       "/incidents/" + id,
                                       "/rcas",
                                       "/action-items"};
  for (const auto& path : paths) {
    EXPECT_EQ(status("/pmx" + path), 200) << "/pmx" + path;
    EXPECT_EQ(status(path), 404) << path;
  }
  EXPECT_EQ(status("/pmxx/-/healthy"), 404);
  // The prefix alone is the incident list without its slash: redirected, as by Alertmanager.
  const auto bare = client_->Get("/pmx", auth());
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 302);
  EXPECT_EQ(bare->get_header_value("Location"), "/pmx/");
}

// Every link, form and stylesheet of the pages points under /pmx/ (pagination links are
// relative to the page, "?page=2").
TEST_F(PrefixedApi, PageLinksStartWithThePrefix) {
  ASSERT_EQ(post_alert("/pmx/api/v1/webhook"), 200);
  const std::string id = incident_id();
  put_rca("/pmx/api/v1/rcas/rca-1",
          testing::rca_document("rca-1", "Pool", {testing::action_item("a1", "prevent")}, {id}));
  const std::regex link(R"re((href|src|action)="([^"]*)")re");
  for (const std::string& path :
       {std::string("/pmx/"), "/pmx/incidents/" + id, "/pmx/sources/" + id.substr(0, id.rfind('-')),
        std::string("/pmx/rcas"), std::string("/pmx/rcas/rca-1"), std::string("/pmx/action-items"),
        std::string("/pmx/incidents/nope")}) {
    const auto res = client_->Get(path, auth());
    ASSERT_TRUE(res);
    const std::string& html = res->body;
    int links = 0;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), link);
         it != std::sregex_iterator(); ++it) {
      const std::string target = (*it)[2];
      ++links;
      EXPECT_TRUE(target.rfind("/pmx/", 0) == 0 || target.rfind("?", 0) == 0)
          << path << " links to " << target;
    }
    EXPECT_GT(links, 5) << path;
  }
  EXPECT_NE(client_->Get("/pmx/", auth())->body.find("href=\"/pmx/incidents/" + id + "\""),
            std::string::npos);
}

// ui_url: the absolute URL of the page under --web.external-url, in every incident and RCA
// document the API answers (lists, details, sources, writes).
TEST_F(PrefixedApi, UiUrlIsAbsoluteUnderTheExternalUrl) {
  ASSERT_EQ(post_alert("/pmx/api/v1/webhook"), 200);
  const std::string id = incident_id();
  const std::string incident_url = std::string(kExternal) + "/incidents/" + id;
  EXPECT_EQ(get_json("/pmx/api/v1/incidents")["incidents"][0]["ui_url"], incident_url);
  EXPECT_EQ(get_json("/pmx/api/v1/incidents/" + id)["ui_url"], incident_url);
  EXPECT_EQ(get_json("/pmx/api/v1/sources")["sources"][0]["current"]["ui_url"], incident_url);
  const std::string source = id.substr(0, id.rfind('-'));
  EXPECT_EQ(get_json("/pmx/api/v1/sources/" + source)["incidents"][0]["ui_url"], incident_url);

  const std::string rca_url = std::string(kExternal) + "/rcas/rca-1";
  const std::string written = put_rca(
      "/pmx/api/v1/rcas/rca-1",
      testing::rca_document("rca-1", "Pool", {testing::action_item("a1", "prevent")}, {id}));
  EXPECT_EQ(json::parse(written)["ui_url"], rca_url);
  EXPECT_EQ(get_json("/pmx/api/v1/rcas/rca-1")["ui_url"], rca_url);
  EXPECT_EQ(get_json("/pmx/api/v1/rcas")["rcas"][0]["ui_url"], rca_url);
  // The GET answer PUT back as is (ui_url included) is still accepted.
  put_rca("/pmx/api/v1/rcas/rca-1", get_json("/pmx/api/v1/rcas/rca-1"));
}

class RoutePrefixOnly : public PrefixedApi {
 protected:
  HttpConfig config() override {
    HttpConfig config;
    config.route_prefix = "/pmx";
    return config;
  }
};

// Without --web.external-url, ui_url is the page's path under the route prefix.
TEST_F(RoutePrefixOnly, UiUrlIsThePathUnderThePrefix) {
  ASSERT_EQ(post_alert("/pmx/api/v1/webhook"), 200);
  const std::string id = incident_id();
  EXPECT_EQ(get_json("/pmx/api/v1/incidents/" + id)["ui_url"], "/pmx/incidents/" + id);
}

class NoPrefix : public PrefixedApi {
 protected:
  HttpConfig config() override { return HttpConfig{}; }
};

TEST_F(NoPrefix, UiUrlIsThePathFromTheRoot) {
  ASSERT_EQ(post_alert("/api/v1/webhook"), 200);
  const json list = get_json("/api/v1/incidents");
  ASSERT_EQ(list["incidents"].size(), 1u);
  const std::string id = list["incidents"][0]["id"];
  EXPECT_EQ(list["incidents"][0]["ui_url"], "/incidents/" + id);
  EXPECT_EQ(status("/pmx/-/healthy"), 404);
}

// A proxy that strips /pmx before passing requests on: routes at the root, links and ui_url
// under the external URL's path.
class ProxyStripsThePrefix : public PrefixedApi {
 protected:
  HttpConfig config() override {
    HttpConfig config;
    config.external_url = kExternal;
    return config;
  }
};

TEST_F(ProxyStripsThePrefix, RoutesAtTheRootLinksUnderTheExternalPath) {
  ASSERT_EQ(post_alert("/api/v1/webhook"), 200);
  const json list = get_json("/api/v1/incidents");
  ASSERT_EQ(list["incidents"].size(), 1u);
  const std::string id = list["incidents"][0]["id"];
  EXPECT_EQ(list["incidents"][0]["ui_url"], std::string(kExternal) + "/incidents/" + id);
  const auto page = client_->Get("/", auth());
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("href=\"/pmx/incidents/" + id + "\""), std::string::npos);
  EXPECT_NE(page->body.find("href=\"/pmx/static/style.css\""), std::string::npos);
}

class PrefixedReadAuth : public PrefixedApi {
 protected:
  HttpConfig config() override {
    HttpConfig config = PrefixedApi::config();
    config.read_auth = true;
    return config;
  }
};

// --web.read-auth: the health endpoints and the stylesheet under the prefix stay open.
TEST_F(PrefixedReadAuth, HealthAndStylesheetStayOpen) {
  for (const char* path : {"/pmx/-/healthy", "/pmx/-/ready", "/pmx/static/style.css"}) {
    const auto res = client_->Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path;
  }
  for (const char* path : {"/pmx/", "/pmx/api/v1/incidents", "/pmx/metrics"}) {
    const auto res = client_->Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << path;
  }
}

class RegexPrefix : public PrefixedApi {
 protected:
  HttpConfig config() override {
    HttpConfig config;
    config.route_prefix = "/a.b+";
    return config;
  }
};

// The prefix is matched as written, not as a regex.
TEST_F(RegexPrefix, ThePrefixIsNotARegex) {
  EXPECT_EQ(status("/a.b+/-/healthy"), 200);
  EXPECT_EQ(status("/axb/-/healthy"), 404);
  EXPECT_EQ(status("/a.bb/-/healthy"), 404);
}

TEST(ExternalUrlFlag, AcceptsAbsoluteHttpUrlsWithoutTheTrailingSlash) {
  EXPECT_EQ(external_url_flag(""), "");
  EXPECT_EQ(external_url_flag("http://proxy.example/pmx/"), "http://proxy.example/pmx");
  EXPECT_EQ(external_url_flag("https://proxy.example:8443/a/b"), "https://proxy.example:8443/a/b");
  EXPECT_EQ(external_url_flag("HTTP://proxy.example/"), "HTTP://proxy.example");
  EXPECT_EQ(external_url_flag("http://proxy.example"), "http://proxy.example");
  EXPECT_EQ(external_url_path("http://proxy.example/pmx"), "/pmx");
  EXPECT_EQ(external_url_path("http://proxy.example"), "");
}

TEST(ExternalUrlFlag, RefusesWhatIsNotAnAbsoluteHttpUrl) {
  for (const std::string bad :
       {"proxy.example/pmx", "/pmx", "ftp://proxy.example/", "http:///pmx", "http://:80/pmx",
        "http://proxy.example/pmx?x=1", "http://proxy.example/#top", "http://proxy.example/a b",
        "http://proxy.example/a%20b"}) {
    try {
      external_url_flag(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--web.external-url"), std::string::npos) << e.what();
    }
  }
}

TEST(RoutePrefixFlag, TrimsSlashesAsAlertmanagerDoes) {
  EXPECT_EQ(route_prefix_flag("/"), "");
  EXPECT_EQ(route_prefix_flag("pmx"), "/pmx");
  EXPECT_EQ(route_prefix_flag("/pmx/"), "/pmx");
  EXPECT_EQ(route_prefix_flag("//a/b//"), "/a/b");
  EXPECT_THROW(route_prefix_flag("/a b"), std::invalid_argument);
}

TEST(UiLinks, IdsArePercentEncoded) {
  const UiLinks links{"/pmx"};
  EXPECT_EQ(links.incident("abc-1"), "/pmx/incidents/abc-1");
  EXPECT_EQ(links.rca("a b/c"), "/pmx/rcas/a%20b%2Fc");
}

class PrefixedEditing : public PrefixedApi {
 protected:
  void SetUp() override {
    AuthConfig basic;
    basic.basic_user = "ann";
    basic.basic_password = "pw";
    start(config(), basic);
  }
};

// Behind the proxy a form posts from the external URL's origin, which is not the Host the
// proxy passes on: accepted, and the browser is sent back to a page under the prefix.
TEST_F(PrefixedEditing, FormsPostFromTheExternalOriginAndRedirectUnderThePrefix) {
  put_rca("/pmx/api/v1/rcas/rca-1", {{"id", "rca-1"},
                                     {"title", "Pool"},
                                     {"status", "draft"},
                                     {"action_items",
                                      {{{"id", "a1"},
                                        {"title", "Raise"},
                                        {"type", "prevent"},
                                        {"priority", "P1"},
                                        {"owner", "ann"},
                                        {"due", "2026-12-31"},
                                        {"status", "open"}}}}});
  httplib::Headers headers{httplib::make_basic_authentication_header("ann", "pw"),
                           {"Origin", "https://other.example"}};
  auto res = client_->Post("/pmx/rcas/rca-1/action-items/a1", headers, "status=done",
                           "application/x-www-form-urlencoded");
  EXPECT_EQ(res->status, 403);
  headers = {httplib::make_basic_authentication_header("ann", "pw"),
             {"Origin", std::string(kExternal).substr(0, std::string(kExternal).find('/', 8))}};
  res = client_->Post("/pmx/rcas/rca-1/action-items/a1", headers, "status=done",
                      "application/x-www-form-urlencoded");
  ASSERT_EQ(res->status, 303) << res->body;
  EXPECT_EQ(res->get_header_value("Location"), "/pmx/rcas/rca-1#item-a1");
  EXPECT_EQ(get_json("/pmx/api/v1/rcas/rca-1")["rca"]["action_items"][0]["status"], "done");
}

}  // namespace
}  // namespace pmx
