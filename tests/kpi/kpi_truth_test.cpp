// The KPI truth test. A fixture history — incidents of several severities, flapping, repeats
// inside and outside the repeat window, RCAs published, drafted and completed item by item,
// due dates on both sides of the window and of the scrape, business-day deadlines over weekends
// — goes in through the HTTP API the way Alertmanager and people send it, in time order, with
// the daemon's clock set to each step's time. Then /metrics is scraped at a fixed instant and
// every KPI must equal the value worked out by hand below. On both stores.
//
// Calendar (2026, UTC): Mon 02 Nov, Fri 13 Nov, Sat 14 Nov, Mon 16 Nov, Fri 20 Nov, Mon 23 Nov,
// Tue 24 Nov, Wed 25 Nov. The scrape is at Wed 2026-11-25 12:00:00Z ("NOW").
// Flags are the defaults: --postmortem.required-severities=critical, --postmortem.due=5bd,
// --kpi.window=28d (window: 2026-10-28 12:00 .. NOW), --incident.repeat-window=180d (from
// 2026-05-29 12:00), --incident.reopen-window=5m.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "metrics_text.h"
#include "pmx/core/source.h"
#include "pmx/receiver/http_api.h"
#include "conformance.h"  // the backends

namespace pmx {
namespace {

using nlohmann::json;

constexpr const char* kToken = "kpi-token";

UnixNanos at(const std::string& rfc3339) {
  const auto parsed = parse_rfc3339(rfc3339);
  EXPECT_TRUE(parsed.has_value()) << rfc3339;
  return parsed.value_or(0);
}

/// One alert of an incident: its source labels, severity (empty: none) and fingerprint.
struct AlertSpec {
  std::string alertname;
  std::string service;
  std::string severity;
  std::string fingerprint;
};

json alert_json(const AlertSpec& spec, const std::string& starts_at, const std::string& ends_at) {
  json labels{{"alertname", spec.alertname}, {"service", spec.service}};
  if (!spec.severity.empty()) labels["severity"] = spec.severity;
  return {{"status", ends_at.empty() ? "firing" : "resolved"},
          {"labels", labels},
          {"annotations", json::object()},
          {"startsAt", starts_at},
          {"endsAt", ends_at.empty() ? "0001-01-01T00:00:00Z" : ends_at},
          {"generatorURL", ""},
          {"fingerprint", spec.fingerprint}};
}

std::string webhook(const json& alert) {
  return json{{"receiver", "pm"},
              {"status", alert["status"]},
              {"alerts", json::array({alert})},
              {"groupLabels", json::object()},
              {"commonLabels", alert["labels"]},
              {"commonAnnotations", json::object()},
              {"externalURL", "http://alertmanager:9093"},
              {"version", "4"},
              {"groupKey", "{}:{}"},
              {"truncatedAlerts", 0}}
      .dump();
}

json item(const std::string& id, const std::string& priority, const std::string& type,
          const std::string& due, const std::string& status = "open",
          const std::string& completed_at = "") {
  json doc{{"id", id},       {"title", "item " + id}, {"type", type}, {"priority", priority},
           {"owner", "sre"}, {"due", due},           {"status", status}};
  if (!completed_at.empty()) doc["completed_at"] = completed_at;
  return doc;
}

template <typename Backend>
class KpiTruth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Backend::SetUpTestSuite(); }
  static void TearDownTestSuite() { Backend::TearDownTestSuite(); }

  void SetUp() override {
    backend_.reset();
    Store& store = backend_.store();
    const auto clock = [this] { return now_.load(); };
    const KpiSettings kpis;
    // Two reminder series of each kind at most, the service label naming the owner of an
    // incident without an RCA owner.
    ReminderSettings reminders;
    reminders.max_series = 2;
    reminders.owner_label = "service";
    reminders.links = UiLinks{"https://pmx.example"};
    telemetry_ = std::make_unique<Telemetry>(store, kpis, reminders, "test", clock);
    const IngestConfig defaults;  // (IngestConfig{} inline here trips an ICE in g++ 12)
    ingestor_ = std::make_unique<Ingestor>(store, defaults);
    rcas_ = std::make_unique<RcaService>(store, &telemetry_->publication());
    queries_ = std::make_unique<Queries>(store);
    AuthConfig auth;
    auth.bearer_token = kToken;
    authenticator_ = std::make_unique<Authenticator>(auth);
    install_http_api(
        server_, HttpConfig{},
        HttpDependencies{*ingestor_, *queries_, *rcas_, *telemetry_, *authenticator_, clock});
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_bearer_token_auth(kToken);
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }

  /// Alertmanager notifies at `starts_at` (firing) or `ends_at` (resolved), and so the
  /// daemon's clock reads that time when the webhook arrives.
  void fire(const AlertSpec& spec, const std::string& starts_at) {
    now_ = at(starts_at);
    expect_ok(client_->Post("/api/v1/webhook", webhook(alert_json(spec, starts_at, "")),
                            "application/json"));
  }
  void resolve(const AlertSpec& spec, const std::string& starts_at, const std::string& ends_at) {
    now_ = at(ends_at);
    expect_ok(client_->Post("/api/v1/webhook", webhook(alert_json(spec, starts_at, ends_at)),
                            "application/json"));
  }
  void put_rca(const std::string& when, const json& document) {
    now_ = at(when);
    expect_ok(client_->Put("/api/v1/rcas/" + document["id"].get<std::string>(), document.dump(),
                           "application/json"));
  }
  void patch_item(const std::string& when, const std::string& rca, const std::string& item,
                  const std::string& status) {
    now_ = at(when);
    expect_ok(client_->Patch("/api/v1/rcas/" + rca + "/action-items/" + item,
                             json{{"status", status}}.dump(), "application/json"));
  }
  static void expect_ok(const httplib::Result& result) {
    ASSERT_TRUE(result) << httplib::to_string(result.error());
    EXPECT_LT(result->status, 300) << result->body;
  }
  /// The id of the n-th incident of a source (incidents are numbered per source).
  static std::string incident(const AlertSpec& spec, int n) {
    return incident_id(source_key_for({{"alertname", spec.alertname}, {"service", spec.service}},
                                      {"alertname", "service"})
                           .id,
                       n);
  }

  std::string scrape(const std::string& when) {
    now_ = at(when);
    const auto result = client_->Get("/metrics");
    EXPECT_TRUE(result && result->status == 200);
    return result ? result->body : "";
  }

  Backend backend_;
  std::atomic<UnixNanos> now_{0};
  std::unique_ptr<Telemetry> telemetry_;
  std::unique_ptr<Ingestor> ingestor_;
  std::unique_ptr<RcaService> rcas_;
  std::unique_ptr<Queries> queries_;
  std::unique_ptr<Authenticator> authenticator_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TYPED_TEST_SUITE(KpiTruth, store_test::Backends, store_test::BackendNames);

TYPED_TEST(KpiTruth, EveryKpiMatchesTheHistoryWorkedOutByHand) {
  const AlertSpec payments{"ApiDown", "payments", "critical", "fp-pay"};
  const AlertSpec checkout{"ApiDown", "checkout", "critical", "fp-co"};
  const AlertSpec disk{"DiskFull", "db", "critical", "fp-disk"};
  const AlertSpec legacy{"Slow", "legacy", "", "fp-legacy"};
  const AlertSpec search{"Latency", "search", "warning", "fp-search"};
  const AlertSpec cert{"CertExpiry", "edge", "critical", "fp-cert"};
  const AlertSpec queue{"QueueBacklog", "jobs", "critical", "fp-queue"};

  // The history, in time order.
  // I8a legacy: 2026-04-01, 30 min; no severity. Before the repeat window.
  this->fire(legacy, "2026-04-01T00:00:00Z");
  this->resolve(legacy, "2026-04-01T00:00:00Z", "2026-04-01T00:30:00Z");
  // I6 payments: critical, 2 h on 2026-10-01 (before the KPI window); never gets an RCA.
  this->fire(payments, "2026-10-01T08:00:00Z");
  this->resolve(payments, "2026-10-01T08:00:00Z", "2026-10-01T10:00:00Z");
  // I1 checkout: critical, 1 h on Mon 2026-11-02.
  this->fire(checkout, "2026-11-02T10:00:00Z");
  this->resolve(checkout, "2026-11-02T10:00:00Z", "2026-11-02T11:00:00Z");
  // R1, published Thu 2026-11-05 11:00 (3 days after I1 resolved), names I1, 7 items.
  this->put_rca("2026-11-05T11:00:00Z",
                {{"id", "R1"},
                 {"title", "Checkout API down"},
                 {"status", "published"},
                 {"root_cause", "connection pool exhausted"},
                 {"published_at", "2026-11-05T11:00:00Z"},
                 {"incidents", {this->incident(checkout, 1)}},
                 {"action_items",
                  {item("a1", "P0", "prevent", "2026-11-10"),
                   item("a2", "P0", "detect", "2026-11-12"),
                   item("a3", "P0", "mitigate", "2026-11-18"),
                   item("a4", "P1", "process", "2026-11-24", "in_progress"),
                   item("a5", "P1", "prevent", "2026-11-25"),
                   item("a6", "P2", "detect", "2026-10-20", "done", "2026-10-19T09:00:00Z"),
                   item("a7", "P3", "process", "2026-11-01", "wont_do", "2026-11-05T11:00:00Z")}}});
  // a1 done before its due date ends (2026-11-11 00:00); a2 after its (2026-11-13 00:00).
  this->patch_item("2026-11-09T15:00:00Z", "R1", "a1", "done");
  // I8b legacy: 2026-11-10, 5 min. Its earlier incident (April) is outside the repeat window:
  // not a repeat.
  this->fire(legacy, "2026-11-10T00:00:00Z");
  this->resolve(legacy, "2026-11-10T00:00:00Z", "2026-11-10T00:05:00Z");
  this->patch_item("2026-11-13T09:00:00Z", "R1", "a2", "done");
  // I3 disk: critical, Fri 2026-11-13 16:00 to Sat 2026-11-14 10:00 (18 h). Resolved on a
  // Saturday: the 5 business days run Mon 16 .. Fri 20, due at their end, Sat 2026-11-21 00:00.
  this->fire(disk, "2026-11-13T16:00:00Z");
  this->resolve(disk, "2026-11-13T16:00:00Z", "2026-11-14T10:00:00Z");
  // R3, a draft naming I3: a draft does not count as its post-mortem. One P2 item, due Mon 23.
  this->put_rca("2026-11-16T09:00:00Z",
                {{"id", "R3"},
                 {"title", "Database disk full"},
                 {"status", "draft"},
                 {"owner", "dana"},
                 {"incidents", {this->incident(disk, 1)}},
                 {"action_items", {item("c1", "P2", "prevent", "2026-11-23")}}});
  // I2 checkout again, Fri 2026-11-20 09:00-10:00: a repeat (I1 is 18 days earlier), so it
  // needs a post-mortem; due 5 business days later, Fri 2026-11-27 10:00 — not yet at NOW,
  // though 5 calendar days (Wed 25 10:00) would be.
  this->fire(checkout, "2026-11-20T09:00:00Z");
  this->resolve(checkout, "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z");
  // R2, published Mon 2026-11-23, names no incident; reviews on 2026-11-25; 4 items.
  this->put_rca("2026-11-23T10:00:00Z",
                {{"id", "R2"},
                 {"title", "Disk alerts too late"},
                 {"status", "published"},
                 {"root_cause", "threshold at 99%"},
                 {"published_at", "2026-11-23T10:00:00Z"},
                 {"matchers", {"alertname=\"DiskFull\""}},
                 {"follow_up_reviews", {"2026-11-25"}},
                 {"action_items",
                  {item("b1", "P1", "detect", "2026-11-16", "done", "2026-11-16T23:59:59Z"),
                   item("b2", "P1", "mitigate", "2026-11-16", "done", "2026-11-17T00:00:01Z"),
                   item("b3", "P3", "prevent", "2026-12-15"),
                   item("b4", "P1", "prevent", "2026-11-02", "done", "2026-11-01T12:00:00Z")}}});
  // I4 search: warning (not required), Tue 2026-11-24 08:00-08:30.
  this->fire(search, "2026-11-24T08:00:00Z");
  this->resolve(search, "2026-11-24T08:00:00Z", "2026-11-24T08:30:00Z");
  // I7 cert: critical, flapping: 10:00-10:10, refires 10:13 (inside 5m: reopened), resolves
  // 10:40. Due Tue 2026-12-01 10:40.
  this->fire(cert, "2026-11-24T10:00:00Z");
  this->resolve(cert, "2026-11-24T10:00:00Z", "2026-11-24T10:10:00Z");
  this->fire(cert, "2026-11-24T10:13:00Z");
  this->resolve(cert, "2026-11-24T10:13:00Z", "2026-11-24T10:40:00Z");
  // I5 queue: critical, fires Wed 2026-11-25 09:00 and is still open at NOW.
  this->fire(queue, "2026-11-25T09:00:00Z");

  const std::string m = this->scrape("2026-11-25T12:00:00Z");
  using pmx::testing::metric_value;
  const auto value = [&](const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    return metric_value(m, name, labels);
  };

  EXPECT_EQ(value("postmortem_store_up"), 1.0);
  // Open: I5 only.
  EXPECT_EQ(value("postmortem_incidents_open"), 1.0);

  // Action items by state: 12 items, one per (status, priority, type) below; the other 52
  // combinations are exported as 0.
  const std::vector<std::tuple<std::string, std::string, std::string>> one_each{
      {"done", "P0", "prevent"},   {"done", "P0", "detect"},     {"open", "P0", "mitigate"},
      {"in_progress", "P1", "process"}, {"open", "P1", "prevent"}, {"done", "P2", "detect"},
      {"wont_do", "P3", "process"}, {"open", "P2", "prevent"},   {"done", "P1", "detect"},
      {"done", "P1", "mitigate"},  {"open", "P3", "prevent"},    {"done", "P1", "prevent"}};
  for (const auto& [status, priority, type] : one_each) {
    EXPECT_EQ(value("postmortem_action_items", {{"status", status}, {"priority", priority}, {"type", type}}), 1.0)
        << status << " " << priority << " " << type;
  }
  EXPECT_EQ(value("postmortem_action_items"), 12.0) << "sum over all 64 series";
  EXPECT_EQ(value("postmortem_action_items", {{"status", "open"}, {"priority", "P0"}, {"type", "prevent"}}), 0.0);

  // Overdue = open or in progress, due date ended before NOW:
  //   P0: a3 (ended 2026-11-19 00:00)                      -> 1
  //   P1: a4 (ended 2026-11-25 00:00); a5 ends 11-26 00:00 -> 1
  //   P2: c1 (ended 2026-11-24 00:00)                      -> 1
  //   P3: b3 is due 2026-12-15                             -> 0
  EXPECT_EQ(value("postmortem_action_items_overdue", {{"priority", "P0"}}), 1.0);
  EXPECT_EQ(value("postmortem_action_items_overdue", {{"priority", "P1"}}), 1.0);
  EXPECT_EQ(value("postmortem_action_items_overdue", {{"priority", "P2"}}), 1.0);
  EXPECT_EQ(value("postmortem_action_items_overdue", {{"priority", "P3"}}), 0.0);

  // One reminder series per overdue item, the longest overdue first, at most 2 (the flags
  // above): a3 (overdue since 2026-11-19 00:00: 6 d 12 h = 561600 s) and c1 (since 11-24
  // 00:00: 36 h = 129600 s); a4 (since 11-25 00:00: 12 h) is counted as unlisted.
  using pmx::testing::MetricSample;
  const auto samples = [&](const std::string& name) {
    std::vector<MetricSample> found;
    for (auto& sample : pmx::testing::parse_metrics(m)) {
      if (sample.name == name) found.push_back(std::move(sample));
    }
    return found;
  };
  const auto overdue_items = samples("postmortem_action_item_overdue_seconds");
  ASSERT_EQ(overdue_items.size(), 2u) << m;
  EXPECT_EQ(overdue_items[0].labels, (std::map<std::string, std::string>{{"rca", "R1"},
                                                                         {"item", "a3"},
                                                                         {"owner", "sre"},
                                                                         {"priority", "P0"},
                                                                         {"type", "mitigate"}}));
  EXPECT_EQ(overdue_items[0].value, 561600.0);
  EXPECT_EQ(overdue_items[1].labels, (std::map<std::string, std::string>{{"rca", "R3"},
                                                                         {"item", "c1"},
                                                                         {"owner", "sre"},
                                                                         {"priority", "P2"},
                                                                         {"type", "prevent"}}));
  EXPECT_EQ(overdue_items[1].value, 129600.0);
  EXPECT_EQ(value("postmortem_action_item_overdue_unlisted"), 1.0);
  const auto item_info = samples("postmortem_action_item_overdue_info");
  ASSERT_EQ(item_info.size(), 2u);
  EXPECT_EQ(item_info[0].labels,
            (std::map<std::string, std::string>{{"rca", "R1"},
                                                {"item", "a3"},
                                                {"title", "item a3"},
                                                {"ticket", ""},
                                                {"url", "https://pmx.example/rcas/R1#item-a3"}}));
  EXPECT_EQ(item_info[0].value, 1.0);
  // Incidents whose post-mortem is overdue (the awaiting ones above): I6 (due 2026-10-08
  // 10:00: 48 d 2 h = 4154400 s), no RCA, so its alerts' service label names the owner; I3
  // (due 11-21 00:00: 4 d 12 h = 388800 s), owned by R3's owner although R3 is only a draft.
  const auto overdue_incidents = samples("postmortem_incident_postmortem_overdue_seconds");
  ASSERT_EQ(overdue_incidents.size(), 2u) << m;
  const std::string i6 = this->incident(payments, 1);
  const std::string i3 = this->incident(disk, 1);
  EXPECT_EQ(
      overdue_incidents[0].labels,
      (std::map<std::string, std::string>{
          {"incident", i6}, {"source_id", i6.substr(0, i6.find('-'))}, {"owner", "payments"}}));
  EXPECT_EQ(overdue_incidents[0].value, 4154400.0);
  EXPECT_EQ(overdue_incidents[1].labels,
            (std::map<std::string, std::string>{
                {"incident", i3}, {"source_id", i3.substr(0, i3.find('-'))}, {"owner", "dana"}}));
  EXPECT_EQ(overdue_incidents[1].value, 388800.0);
  EXPECT_EQ(value("postmortem_incident_postmortem_overdue_unlisted"), 0.0)
      << "exactly as many as the cap: none left out";
  EXPECT_EQ(value("postmortem_incident_postmortem_overdue_info", {{"incident", i3}}), 1.0);
  EXPECT_EQ(samples("postmortem_incident_postmortem_overdue_info")[1].labels.at("url"),
            "https://pmx.example/incidents/" + i3);

  // On time = done by due / (done + open past due), items whose due date ended inside the
  // window [2026-10-28 12:00, NOW):
  //   P0: a1 on time, a2 late, a3 open past due           -> 1 / 3
  //   P1: b1 on time (1 s before the end), b2 late (1 s after), b4 on time, a4 open past due;
  //       a5 not due yet                                   -> 2 / 4 = 0.5
  //   P2: c1 open past due; a6 ended 10-21, before the window -> 0 / 1 = 0
  //   P3: a7 won't-do, b3 not due                          -> no ratio
  EXPECT_EQ(value("postmortem_action_items_on_time_ratio", {{"priority", "P0"}}), 1.0 / 3.0);
  EXPECT_EQ(value("postmortem_action_items_on_time_ratio", {{"priority", "P1"}}), 0.5);
  EXPECT_EQ(value("postmortem_action_items_on_time_ratio", {{"priority", "P2"}}), 0.0);
  EXPECT_FALSE(value("postmortem_action_items_on_time_ratio", {{"priority", "P3"}}).has_value());

  // Repeats / incidents opened since 2026-05-29 12:00: I6, I1, I8b, I3, I2, I4, I7, I5 = 8
  // opened (I8a is older; I7's reopening is not a new incident), 1 repeat (I2) -> 0.125.
  EXPECT_EQ(value("postmortem_repeat_incident_ratio"), 0.125);
  EXPECT_EQ(value("postmortem_repeat_incidents_total", {{"open_action_items", "true"}}), 1.0)
      << "R1 had a3, a4 and a5 open when I2 opened";

  // Awaiting a post-mortem: resolved, needing one (critical or repeat), no published RCA.
  //   I6 (due Thu 2026-10-08 10:00): overdue; I3 (due Sat 11-21 00:00, draft only): overdue;
  //   I2 (due Fri 11-27 10:00): not yet; I7 (due Tue 12-01 10:40): not yet.
  //   I1 is covered by R1; I4 needs none; I8a/b need none; I5 is open.
  EXPECT_EQ(value("postmortem_incidents_awaiting_postmortem", {{"overdue", "true"}}), 2.0);
  EXPECT_EQ(value("postmortem_incidents_awaiting_postmortem", {{"overdue", "false"}}), 2.0);
  // Coverage of those resolved inside the window: I1, I3, I2, I7 need one; I1 has one -> 0.25.
  EXPECT_EQ(value("postmortem_coverage_ratio"), 0.25);

  // Reviews due: R1 (default +2w = 11-19 11:00 passed, +4w = 12-03 not) with open items: 1;
  // R2 (2026-11-25, from 00:00) with b3 open: 1. R3 is a draft.
  EXPECT_EQ(value("postmortem_followup_reviews_due"), 2.0);

  // Time to post-mortem: I1 resolved 11-02 11:00, R1 published 11-05 11:00: 259200 s, once.
  EXPECT_EQ(value("postmortem_time_to_postmortem_seconds_count"), 1.0);
  EXPECT_EQ(value("postmortem_time_to_postmortem_seconds_sum"), 259200.0);
  EXPECT_EQ(value("postmortem_time_to_postmortem_seconds_bucket", {{"le", "172800"}}), 0.0);
  EXPECT_EQ(value("postmortem_time_to_postmortem_seconds_bucket", {{"le", "259200"}}), 1.0);
  // Items per post-mortem: R1 (7) and R2 (4) published; R3 is a draft.
  EXPECT_EQ(value("postmortem_action_items_per_postmortem_count"), 2.0);
  EXPECT_EQ(value("postmortem_action_items_per_postmortem_sum"), 11.0);

  // Incident durations, one per resolution: I8a 1800, I6 7200, I1 3600, I8b 300, I3 64800,
  // I2 3600, I4 1800, I7 600 then 2400 (10:00 to 10:40) = 86100 s over 9.
  EXPECT_EQ(value("postmortem_incident_duration_seconds_count"), 9.0);
  EXPECT_EQ(value("postmortem_incident_duration_seconds_sum"), 86100.0);
  // Cumulative buckets: 300 | 600 | 1800 1800 | 2400 3600 3600 | 7200 | 64800.
  const std::vector<std::pair<std::string, double>> buckets{
      {"60", 0}, {"300", 1}, {"900", 2}, {"1800", 4}, {"3600", 7}, {"7200", 8}, {"28800", 8},
      {"86400", 9}};
  for (const auto& [le, count] : buckets) {
    EXPECT_EQ(value("postmortem_incident_duration_seconds_bucket", {{"le", le}}), count) << "le=" << le;
  }
}

}  // namespace
}  // namespace pmx
