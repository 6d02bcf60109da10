// The HTTP edge in process, on a loopback port, against the embedded store wrapped in a fake
// that can go down or throw: status codes, JSON errors, and that a failed webhook changes
// nothing and succeeds when Alertmanager retries it.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "daemon.h"  // url_encode
#include "in_process_api.h"
#include "pmx/receiver/http_api.h"
#include "pmx/store/memory_store.h"

namespace pmx {
namespace {

using nlohmann::json;

/// MemoryStore that can be switched to "unavailable" or to throwing, as a broken backend would.
class FlakyStore final : public Store {
 public:
  enum class Mode { kUp, kDown, kThrow };
  Mode mode = Mode::kUp;

  Result<LoadResult> load(const std::vector<SourceLoad>& s) override {
    if (auto e = failure()) return *e;
    return inner_.load(s);
  }
  Result<std::vector<bool>> commit(const std::vector<SourceCommit>& c) override {
    if (auto e = failure()) return *e;
    return inner_.commit(c);
  }
  Result<std::vector<Incident>> list_incidents(const IncidentFilter& f) override {
    if (auto e = failure()) return *e;
    return inner_.list_incidents(f);
  }
  Result<std::optional<IncidentDetail>> get_incident(const std::string& id) override {
    if (auto e = failure()) return *e;
    return inner_.get_incident(id);
  }
  Result<std::vector<Incident>> get_incidents(const std::vector<std::string>& ids) override {
    if (auto e = failure()) return *e;
    return inner_.get_incidents(ids);
  }
  Result<std::vector<SourceState>> list_sources(const SourceFilter& filter) override {
    if (auto e = failure()) return *e;
    return inner_.list_sources(filter);
  }
  Result<std::optional<SourceState>> get_source(const std::string& id) override {
    if (auto e = failure()) return *e;
    return inner_.get_source(id);
  }
  Result<KpiSnapshot> read_kpis(const std::vector<KpiRange>& ranges, std::size_t top) override {
    if (auto e = failure()) return *e;
    return inner_.read_kpis(ranges, top);
  }
  Result<std::vector<IndexMember>> index_members(const KpiRange& range,
                                                 std::size_t limit) override {
    if (auto e = failure()) return *e;
    return inner_.index_members(range, limit);
  }
  Result<RcaWrite> put_rca(const Rca& rca, std::int64_t expected_version,
                           const std::map<std::string, std::vector<TimelineEvent>>& t) override {
    if (auto e = failure()) return *e;
    return inner_.put_rca(rca, expected_version, t);
  }
  Result<std::optional<Rca>> get_rca(const std::string& id) override {
    if (auto e = failure()) return *e;
    return inner_.get_rca(id);
  }
  Result<std::vector<Rca>> list_rcas() override {
    if (auto e = failure()) return *e;
    return inner_.list_rcas();
  }
  Result<bool> delete_rca(const std::string& id) override {
    if (auto e = failure()) return *e;
    return inner_.delete_rca(id);
  }
  bool healthy() override { return mode == Mode::kUp; }

 private:
  std::optional<ErrorCode> failure() const {
    if (mode == Mode::kThrow) throw std::runtime_error("secret internal detail");
    if (mode == Mode::kDown) return ErrorCode::kUnavailable;
    return std::nullopt;
  }
  MemoryStore inner_;
};

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(PMX_FIXTURES_DIR) + "/alertmanager-0.25/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class HttpApiTest : public InProcessApi<FlakyStore> {
 protected:
  void SetUp() override {
    HttpConfig config;
    config.max_request_bytes = 4096;
    start(config);
  }

  httplib::Result post_webhook(const std::string& body, const std::string& token = kToken) {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client_->Post("/api/v1/webhook", headers, body, "application/json");
  }

  std::string metrics() { return client_->Get("/metrics")->body; }
};

TEST_F(HttpApiTest, StoreDownAnswers503AndTheRetryCountsOnce) {
  store_.mode = FlakyStore::Mode::kDown;
  auto res = post_webhook(fixture("01-firing-group-checkout.json"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(json::parse(res->body)["error"], "store unavailable");
  EXPECT_EQ(client_->Get("/-/ready")->status, 503);
  EXPECT_NE(metrics().find("postmortem_store_up 0"), std::string::npos);

  store_.mode = FlakyStore::Mode::kUp;  // Alertmanager retries the same notification
  EXPECT_EQ(client_->Get("/-/ready")->status, 200);
  res = post_webhook(fixture("01-firing-group-checkout.json"));
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["occurrences"], 2);
  res = post_webhook(fixture("01-firing-group-checkout.json"));
  EXPECT_EQ(json::parse(res->body)["occurrences"], 0);
  EXPECT_EQ(json::parse(res->body)["duplicates"], 2);

  const std::string m = metrics();
  EXPECT_NE(m.find("postmortem_webhook_requests_total{code=\"503\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("postmortem_webhook_requests_total{code=\"200\"} 2"), std::string::npos) << m;
  EXPECT_NE(m.find("postmortem_occurrences_total 2"), std::string::npos) << m;
  EXPECT_NE(m.find("postmortem_store_errors_total 1"), std::string::npos) << m;
}

TEST_F(HttpApiTest, ExceptionBecomesJson500WithoutInternals) {
  store_.mode = FlakyStore::Mode::kThrow;
  const auto res = client_->Get("/api/v1/incidents");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(json::parse(res->body), json({{"error", "internal error"}}));
  EXPECT_FALSE(res->has_header("EXCEPTION_WHAT"));
  EXPECT_EQ(res->body.find("secret"), std::string::npos);
}

TEST_F(HttpApiTest, CredentialsAreRequired) {
  auto res = post_webhook(fixture("01-firing-group-checkout.json"), "");
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(res->get_header_value("WWW-Authenticate").rfind("Bearer", 0), 0u);
  res = post_webhook(fixture("01-firing-group-checkout.json"), "wrong");
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(json::parse(client_->Get("/api/v1/sources")->body)["sources"].size(), 0u);
}

TEST_F(HttpApiTest, OversizedBodyIs413Json) {
  const auto res = post_webhook(std::string(5000, ' ') + fixture("02-firing-group-auth.json"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_NE(json::parse(res->body)["error"].get<std::string>().find("max-request-bytes"),
            std::string::npos);
  EXPECT_NE(metrics().find("postmortem_webhook_requests_total{code=\"413\"} 1"), std::string::npos);
}

TEST_F(HttpApiTest, BadPayloadIs400NamingTheFieldAndStoresNothing) {
  auto res = post_webhook(R"({"version":"4","alerts":[{"status":"firing"}]})");
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["field"], "alerts[0].labels");
  res = post_webhook(
      R"({"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"2026-02-30T10:00:00Z","fingerprint":"f"}]})");
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["field"], "alerts[0].startsAt");
  res = post_webhook("{not json");
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(json::parse(res->body)["error"].get<std::string>().find("byte"), std::string::npos);
  EXPECT_EQ(json::parse(client_->Get("/api/v1/sources")->body)["sources"].size(), 0u);
}

TEST_F(HttpApiTest, ReadApiFindsIncidentsBySourceKeyOrId) {
  ASSERT_EQ(post_webhook(fixture("01-firing-group-checkout.json"))->status, 200);
  const std::string key = R"(alertname="HighLatency",service="checkout")";
  const auto by_key = client_->Get("/api/v1/sources/" + testing::url_encode(key));
  ASSERT_EQ(by_key->status, 200) << by_key->body;
  const json source = json::parse(by_key->body);
  EXPECT_EQ(source["key"], key);
  EXPECT_EQ(source["occurrences"], 2);
  ASSERT_EQ(source["incidents"].size(), 1u);
  const std::string id = source["incidents"][0]["id"];

  const auto by_id = client_->Get("/api/v1/sources/" + source["id"].get<std::string>());
  EXPECT_EQ(json::parse(by_id->body)["key"], key);

  const json incident = json::parse(client_->Get("/api/v1/incidents/" + id)->body);
  EXPECT_EQ(incident["state"], "open");
  EXPECT_EQ(incident["timeline"][0]["type"], "opened");
  EXPECT_EQ(incident["timeline"][0]["received_at"], "2026-11-23T07:44:20Z");

  const json open = json::parse(client_->Get("/api/v1/incidents?state=open")->body);
  EXPECT_EQ(open["incidents"].size(), 1u);
  const json resolved = json::parse(client_->Get("/api/v1/incidents?state=resolved")->body);
  EXPECT_EQ(resolved["incidents"].size(), 0u);

  EXPECT_EQ(client_->Get("/api/v1/incidents/nope-1")->status, 404);
  EXPECT_EQ(json::parse(client_->Get("/api/v1/incidents/nope-1")->body)["field"], "id");
  EXPECT_EQ(client_->Get("/api/v1/sources/0000000000000000")->status, 404);
  EXPECT_EQ(client_->Get("/api/v1/incidents?state=closed")->status, 400);
  EXPECT_EQ(client_->Get("/api/v1/incidents?limit=0")->status, 400);
  EXPECT_EQ(client_->Get("/api/v1/nothing-here")->status, 404);
  EXPECT_EQ(json::parse(client_->Get("/api/v1/nothing-here")->body)["error"], "not found: /api/v1/nothing-here");
}

// `?service=search` once listed every incident: a parameter a route does not know is a 400
// naming it, on every read of the API, and the known ones still work.
TEST_F(HttpApiTest, UnknownQueryParametersAre400NamingThem) {
  ASSERT_EQ(post_webhook(fixture("01-firing-group-checkout.json"))->status, 200);
  const std::string incident = json::parse(client_->Get("/api/v1/incidents")->body)["incidents"][0]["id"];
  for (const std::string& path : std::vector<std::string>{
           "/api/v1/incidents?service=search", "/api/v1/incidents?state=open&servce=x",
        "/api/v1/incidents/" + incident + "?service=search", "/api/v1/sources?service=search",
        "/api/v1/sources/" + incident.substr(0, 16) + "?service=search",
        "/api/v1/rcas?service=search", "/api/v1/rcas/rca-1?service=search",
        "/api/v1/incidents/" + incident + "/postmortem.md?service=search"}) {
    SCOPED_TRACE(path);
    const auto res = client_->Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    const json body = json::parse(res->body);
    const std::string unknown = path.find("servce") != std::string::npos ? "servce" : "service";
    EXPECT_EQ(body["field"], unknown);
    EXPECT_NE(body["error"].get<std::string>().find("unknown query parameter \"" + unknown + "\""),
              std::string::npos)
        << body;
  }
  EXPECT_EQ(client_->Get("/api/v1/incidents?state=open&limit=5")->status, 200);
  EXPECT_EQ(client_->Get("/api/v1/rcas?status=draft&has_open_items=true")->status, 200);
  EXPECT_EQ(client_->Get("/api/v1/sources?limit=5")->status, 200);
}

TEST_F(HttpApiTest, MetricsUseThePrometheusTextContentType) {
  const auto res = client_->Get("/metrics");
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res->body.find("postmortem_build_info{version=\"test\"} 1"), std::string::npos);
  EXPECT_NE(res->body.find("postmortem_incidents_open 0"), std::string::npos);
}

}  // namespace
}  // namespace pmx
