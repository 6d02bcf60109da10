// The exporter as Prometheus sees it: a real Prometheus scrapes the real daemon every second,
// and what PromQL answers agrees with /metrics; every query of the Grafana dashboard runs
// against it without error; every alert rule evaluates healthily on real series.
//
// PrometheusScrape is the fixture to build on (KPI value checks): the daemon and Prometheus
// are up and scraped once before each test; post webhooks, then poll with `eventually`.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>
#include <sstream>

#include "command.h"
#include "e2e.h"
#include "prometheus.h"
#include "rca_api.h"

namespace pmx::e2e {
namespace {

using pmx::testing::Prometheus;

constexpr long long kMinute = 60;
constexpr long long kHour = 60 * kMinute;
constexpr long long kDay = 24 * kHour;

/// `unix_seconds` as an RFC 3339 UTC instant ("2026-03-14T09:26:53Z").
std::string rfc3339(long long unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// The UTC calendar date of `unix_seconds` ("2026-03-14").
std::string utc_date(long long unix_seconds) { return rfc3339(unix_seconds).substr(0, 10); }

/// One alert of a source under the default source labels, with a `severity` label.
struct HistoryAlert {
  std::string alertname;
  std::string service;
  std::string severity;
};

/// A webhook carrying one alert, firing (ends_at 0) or resolved at `ends_at`. The generator
/// gives the alert its label-derived fingerprint; only the severity label is set here.
std::string history_webhook(const HistoryAlert& alert, long long starts_at, long long ends_at) {
  pmx::testing::GeneratedAlert generated;
  generated.alertname = alert.alertname;
  generated.service = alert.service;
  generated.instance = alert.service + "-1";
  generated.starts_at = rfc3339(starts_at);
  generated.ends_at = ends_at != 0 ? rfc3339(ends_at) : "";
  generated.resolved = ends_at != 0;
  nlohmann::json body = nlohmann::json::parse(pmx::testing::make_webhook({generated}));
  for (auto& a : body["alerts"]) a["labels"]["severity"] = alert.severity;
  body["commonLabels"]["severity"] = alert.severity;
  return body.dump();
}

class PrometheusScrape : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(daemon_options());
    prometheus_ = std::make_unique<Prometheus>(Prometheus::Options{
        {"127.0.0.1:" + std::to_string(daemon_->port())}, PMX_ALERT_RULES_PATH, "1s", ""});
    ASSERT_TRUE(prometheus_->wait_for_scrape())
        << "daemon never scraped\n" << prometheus_->log_tail();
  }

  /// Override for other flags (a fixture subclass per configuration).
  virtual Daemon::Options daemon_options() const { return {}; }

  /// Polls the instant query `expr` until its single value equals `want`; on timeout, shows
  /// the last answer. A scrape every second makes a new value visible within ~2 s.
  ::testing::AssertionResult eventually_equals(const std::string& expr, double want,
                                               std::chrono::milliseconds deadline =
                                                   std::chrono::seconds(15)) const {
    pmx::testing::QueryResult last;
    if (pmx::testing::poll_until(
            [&] {
              last = prometheus_->query(expr);
              return last.single_value() == want;
            },
            deadline)) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << expr << " never became " << want << "; last answer: "
           << (last.ok() ? last.result.dump() : last.error);
  }

  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<Prometheus> prometheus_;
};

TEST_F(PrometheusScrape, PromqlAgreesWithTheDaemonsOwnMetrics) {
  post_fixtures(*daemon_, pmx::testing::replay_fixture_names());
  for (const std::string metric : {"postmortem_incidents_open", "postmortem_occurrences_total"}) {
    const auto own = daemon_->metric(metric);
    ASSERT_TRUE(own.has_value()) << metric << " missing from /metrics";
    EXPECT_GT(*own, 0) << metric << ": the fixtures should have moved it";
    EXPECT_TRUE(eventually_equals(metric + "{job=\"postmortem\"}", *own));
  }
}

/// The query of `ref_id` of the dashboard panel (or "annotation '<name>'") titled `panel`.
std::string dashboard_query(const std::vector<pmx::testing::DashboardQuery>& queries,
                            const std::string& panel, const std::string& ref_id) {
  for (const auto& q : queries) {
    if (q.panel == panel && q.ref_id == ref_id) return q.expr;
  }
  ADD_FAILURE() << "the dashboard has no query " << ref_id << " in '" << panel << "'";
  return "vector(0)";
}

TEST_F(PrometheusScrape, DashboardQueries) {
  post_fixtures(*daemon_, pmx::testing::replay_fixture_names());
  const auto queries = pmx::testing::dashboard_queries(PMX_DASHBOARD_PATH);
  ASSERT_FALSE(queries.empty());
  // The fixtures opened incidents since the first scrape: the annotation marks them (within
  // the 1m window $__rate_interval stands for here).
  EXPECT_TRUE(
      eventually_equals(dashboard_query(queries, "annotation 'Incidents opened'", "expr"), 1));

  // An RCA published now with an item of alice's, due two days ago: the follow-through panels
  // (their joins on the _info series included) then run on real series, not on none.
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  nlohmann::json item = pmx::testing::action_item("pool-1", "prevent", "open", "P1");
  item["owner"] = "alice";
  item["due"] = utc_date(now - 2 * kDay);
  item["ticket"] = "https://tickets.example/OPS-1";
  nlohmann::json rca = pmx::testing::rca_document("rca-dashboard", "pool exhausted", {item});
  rca["status"] = "published";
  rca["root_cause"] = "A connection pool too small for the peak.";
  rca["published_at"] = rfc3339(now);
  ASSERT_TRUE(IsStatus(pmx::testing::RcaApi(*daemon_).put("rca-dashboard", rca), 201))
      << daemon_->log_tail();
  EXPECT_TRUE(eventually_equals(
      dashboard_query(queries, "annotation 'Post-mortems published'", "expr"), 1));
  // "Owners with overdue items": one row, alice's, with her one item.
  const std::string owners = dashboard_query(queries, "Owners with overdue items", "A");
  EXPECT_TRUE(eventually_equals(owners, 1));
  const auto rows = prometheus_->query(owners);
  ASSERT_TRUE(rows.ok()) << rows.error;
  ASSERT_EQ(rows.result.size(), 1u) << rows.result.dump();
  EXPECT_EQ(rows.result[0]["metric"].value("owner", ""), "alice") << rows.result.dump();
  // "Overdue action items": the item's row carries the title and ticket of its _info series.
  const auto items = prometheus_->query(dashboard_query(queries, "Overdue action items", "A"));
  ASSERT_TRUE(items.ok()) << items.error;
  ASSERT_EQ(items.result.size(), 1u) << items.result.dump();
  EXPECT_EQ(items.result[0]["metric"].value("title", ""), item.value("title", ""));
  EXPECT_EQ(items.result[0]["metric"].value("ticket", ""), "https://tickets.example/OPS-1");

  std::ostringstream failures;
  int failed = 0;
  for (const auto& q : queries) {
    const auto answer = prometheus_->query(q.expr);
    if (answer.ok()) continue;
    ++failed;
    failures << "\n  panel '" << q.panel << "' " << q.ref_id << ": " << q.expr << "\n    "
             << answer.error;
  }
  EXPECT_EQ(failed, 0) << failed << " of " << queries.size() << " queries failed:"
                       << failures.str();
}

TEST_F(PrometheusScrape, AlertRulesEvaluateHealthily) {
  // Every rule healthy after its first evaluation: an evaluation error (a bad template, a
  // many-to-many match on real series) shows only here, not in promtool's unit tests.
  std::string problems;
  int evaluated = 0;
  std::set<std::string> alerts;
  const bool healthy = pmx::testing::poll_until(
      [&] {
        problems.clear();
        evaluated = 0;
        alerts.clear();
        const nlohmann::json rules = prometheus_->rules();  // outlives the loop
        for (const auto& group : rules["groups"]) {
          for (const auto& rule : group["rules"]) {
            ++evaluated;
            alerts.insert(rule.value("name", ""));
            if (rule.value("health", "") != "ok") {
              problems += "\n  " + rule.value("name", "?") + ": health " +
                          rule.value("health", "?") + " " + rule.value("lastError", "");
            }
          }
        }
        return evaluated > 0 && problems.empty();
      },
      std::chrono::seconds(15));
  EXPECT_TRUE(healthy) << evaluated << " rules;" << problems << "\n" << prometheus_->log_tail();
  EXPECT_EQ(alerts,
            (std::set<std::string>{
                "PostmortemActionItemOverdue", "PostmortemActionItemReminder", "PostmortemReminder",
                "PostmortemRemindersUnlisted", "PostmortemActionItemsOnTimeRatioLow",
                "PostmortemOverdue", "PostmortemRepeatWithOpenActionItems", "PostmortemStoreDown",
                "PostmortemWebhookErrors", "PostmortemExporterDown", "PostmortemExporterAbsent"}));

  // A healthy daemon on its store, scraped as job "postmortem": the operational alerts stay
  // quiet, so their job matcher finds the real target (absent() would be pending otherwise).
  const std::set<std::string> operational{"PostmortemStoreDown", "PostmortemWebhookErrors",
                                          "PostmortemExporterDown", "PostmortemExporterAbsent"};
  std::string loud;
  const bool quiet = pmx::testing::poll_until(
      [&] {
        loud.clear();
        const nlohmann::json rules = prometheus_->rules();
        for (const auto& group : rules["groups"]) {
          for (const auto& rule : group["rules"]) {
            const std::string name = rule.value("name", "");
            const std::string state = rule.value("state", "");
            if (operational.count(name) && state != "inactive") {
              loud += "\n  " + name + ": " + state;
            }
          }
        }
        return loud.empty();
      },
      std::chrono::seconds(15));
  EXPECT_TRUE(quiet) << loud;
}

// KPI values as Prometheus sees them, after a history built relative to the wall clock (the
// daemon reads it at every scrape). Every expected value is worked out by hand below from the
// metric contract (shared/DESIGN.md) and the post-mortem policy (postmortem_policy.h): an
// incident needs a post-mortem when it has severity="critical" (the default
// --postmortem.required-severities) or is a repeat; it is due 5 business days after it
// resolved. Default windows: --kpi.window 28d, --incident.repeat-window 180d, reopen 5m.
TEST_F(PrometheusScrape, PromqlReturnsTheKpis) {
  using nlohmann::json;
  using pmx::testing::RcaApi;
  // Whole seconds, so that the histogram sums below are exact.
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();

  // --- Incidents -------------------------------------------------------------------------
  // Whatever the weekday, 5 business days after a resolution fall 7 to 9 calendar days later:
  // from a weekday, 5 weekdays forward is the same weekday next week (7 days, one weekend
  // crossed); from a weekend the count starts at the next Monday 00:00 (at most 2 days later)
  // and ends on the Monday after (7 more). So a post-mortem of an incident resolved 1 h or 3 d
  // ago is never overdue (due >= 7 d after), one resolved 12 d ago always is (due <= 9 d after).
  const HistoryAlert payments{"PaymentsDown", "payments", "critical"};
  const HistoryAlert cache{"CacheEvictions", "cache", "warning"};
  const HistoryAlert checkout{"CheckoutErrors", "checkout", "critical"};
  const HistoryAlert storage{"DiskFull", "storage", "warning"};
  const HistoryAlert dns{"DNSFailures", "dns", "critical"};
  const HistoryAlert auth{"LoginSlow", "auth", "info"};
  struct Firing {
    const HistoryAlert& alert;
    long long starts_at;
    long long ends_at;  // 0: still firing
  };
  // In time order per source, so that each later firing finds the earlier incident.
  const std::vector<Firing> history{
      // E  dns#1: critical, resolved 40 d ago (outside the 28 d KPI window); 1 h long.
      {dns, now - 40 * kDay, now - 40 * kDay + kHour},
      // A1 payments#1: critical, resolved ~12 d ago: its post-mortem is overdue; 1 h long.
      {payments, now - 12 * kDay, now - 12 * kDay + kHour},
      // G  auth#1: severity info, needs no post-mortem; 10 min long.
      {auth, now - 6 * kDay, now - 6 * kDay + 10 * kMinute},
      // B1 cache#1: warning, needs no post-mortem; 30 min long.
      {cache, now - 5 * kDay, now - 5 * kDay + 30 * kMinute},
      // A2 payments#2: 9 d after A1 resolved (far past the 5 m reopen window): a new incident,
      //    a repeat of A1 (within 180 d). Critical. Resolved 3 d - 2 h ago; 2 h long.
      {payments, now - 3 * kDay, now - 3 * kDay + 2 * kHour},
      // B2 cache#2: a repeat of B1, so it needs a post-mortem although only a warning; 30 min.
      {cache, now - 1 * kDay, now - 1 * kDay + 30 * kMinute},
      // C  checkout#1: critical, resolved 1 h ago: post-mortem not yet due; 1 h long.
      {checkout, now - 2 * kHour, now - 1 * kHour},
      // D  storage#1: warning, still firing: the one open incident.
      {storage, now - 30 * kMinute, 0},
  };
  for (const auto& f : history) {
    const std::string what = f.alert.alertname + " at " + rfc3339(f.starts_at);
    ASSERT_TRUE(IsOk(daemon_->post_webhook(history_webhook(f.alert, f.starts_at, 0))))
        << what << "\n" << daemon_->log_tail();
    if (f.ends_at != 0) {
      ASSERT_TRUE(IsOk(daemon_->post_webhook(history_webhook(f.alert, f.starts_at, f.ends_at))))
          << what << " resolved\n" << daemon_->log_tail();
    }
  }
  const auto incident_id = [&](const HistoryAlert& alert, int number) {
    const auto source = daemon_->source(pmx::testing::source_key(alert.alertname, alert.service));
    if (source) {
      for (const auto& incident : source->value("incidents", json::array())) {
        if (incident.value("number", -1) == number) return incident.value("id", std::string());
      }
    }
    ADD_FAILURE() << "no incident #" << number << " of " << alert.alertname;
    return std::string();
  };
  const std::string a2 = incident_id(payments, 2);
  const std::string c = incident_id(checkout, 1);
  const std::string e = incident_id(dns, 1);
  ASSERT_FALSE(a2.empty() || c.empty() || e.empty());
  {
    const json incident = pmx::testing::get_incident(*daemon_, a2);
    ASSERT_TRUE(incident["repeat"].is_object()) << "A2 should repeat A1: " << incident.dump(1);
  }

  // Before any RCA. Resolved and needing a post-mortem: A1, A2, B2, C, E (not B1, G; D is open).
  //   overdue:     A1 (resolved 12 d ago), E (40 d ago)                      = 2
  //   not overdue: A2 (3 d ago), B2 (1 d ago), C (1 h ago)                    = 3
  //   coverage: resolved in the 28 d window needing one: A1, A2, B2, C = 4; published: 0 → 0
  EXPECT_TRUE(eventually_equals(R"(postmortem_incidents_awaiting_postmortem{overdue="true"})", 2));
  EXPECT_TRUE(eventually_equals(R"(postmortem_incidents_awaiting_postmortem{overdue="false"})", 3));
  EXPECT_TRUE(eventually_equals("postmortem_coverage_ratio", 0));

  // --- RCAs and their action items --------------------------------------------------------
  // Due dates are whole UTC days, overdue from the next midnight: "yesterday" and earlier are
  // past due whatever the time of day; nothing is due today.
  const auto item = [](const std::string& id, const std::string& type, const std::string& status,
                       const std::string& priority, long long due_day,
                       const std::string& completed_at = "") {
    json i = pmx::testing::action_item(id, type, status, priority);
    i["due"] = utc_date(due_day);
    if (!completed_at.empty()) i["completed_at"] = completed_at;
    return i;
  };
  const RcaApi rcas(*daemon_);

  // Published, covers A2; published 2 d ago, 22 h after A2 resolved (now - 3 d + 2 h).
  json payments_rca = pmx::testing::rca_document(
      "rca-payments", "payments down twice",
      {
          // P0 open, due yesterday: overdue.
          item("pay-1", "prevent", "open", "P0", now - 1 * kDay),
          // P0 in progress, due in 10 d: not overdue.
          item("pay-2", "mitigate", "in_progress", "P0", now + 10 * kDay),
          // P0 open, due in 20 d: not overdue.
          item("pay-3", "prevent", "open", "P0", now + 20 * kDay),
          // P1 done a day before its due date: on time.
          item("pay-4", "detect", "done", "P1", now - 5 * kDay, rfc3339(now - 6 * kDay)),
          // P1 done at noon of its due date (due until the next midnight): on time.
          item("pay-5", "detect", "done", "P1", now - 4 * kDay,
               utc_date(now - 4 * kDay) + "T12:00:00Z"),
          // P1 done 2 days after its due date: late.
          item("pay-6", "process", "done", "P1", now - 10 * kDay, rfc3339(now - 8 * kDay)),
          // P1 in progress, due 2 d ago: overdue.
          item("pay-7", "prevent", "in_progress", "P1", now - 2 * kDay),
          // P1 done late, but due 40 d ago: outside the 28 d KPI window.
          item("pay-8", "mitigate", "done", "P1", now - 40 * kDay, rfc3339(now - 35 * kDay)),
      },
      {a2});
  payments_rca["status"] = "published";
  payments_rca["root_cause"] = "A connection pool too small for the peak.";
  payments_rca["published_at"] = rfc3339(now - 2 * kDay);
  // One review yesterday (due: the RCA still has open items), one in a week (not yet).
  payments_rca["follow_up_reviews"] = {utc_date(now - 1 * kDay), utc_date(now + 7 * kDay)};
  ASSERT_TRUE(IsStatus(rcas.put("rca-payments", payments_rca), 201)) << daemon_->log_tail();

  // Published, covers E (outside the KPI window); published 1 d ago, 39 d - 1 h after E
  // resolved. Every item is done, so its past review is not due.
  json dns_rca = pmx::testing::rca_document(
      "rca-dns", "resolver outage",
      {item("dns-1", "process", "done", "P2", now - 15 * kDay, rfc3339(now - 20 * kDay))}, {e});
  dns_rca["status"] = "published";
  dns_rca["root_cause"] = "A single resolver.";
  dns_rca["published_at"] = rfc3339(now - 1 * kDay);
  dns_rca["follow_up_reviews"] = {utc_date(now - 10 * kDay)};
  ASSERT_TRUE(IsStatus(rcas.put("rca-dns", dns_rca), 201)) << daemon_->log_tail();

  // A draft naming C: it covers nothing yet (only a published RCA counts), but its items count.
  const json checkout_rca = pmx::testing::rca_document(
      "rca-checkout", "checkout errors",
      {
          // P0 open, due 3 d ago: overdue.
          item("co-1", "detect", "open", "P0", now - 3 * kDay),
          // P1 won't do, due 2 d ago: closed, neither on time nor late, not overdue.
          item("co-2", "process", "wont_do", "P1", now - 2 * kDay),
      },
      {c});
  ASSERT_TRUE(IsStatus(rcas.put("rca-checkout", checkout_rca), 201)) << daemon_->log_tail();

  // --- The KPIs through PromQL ------------------------------------------------------------
  // Open action items past due: P0 pay-1 + co-1 = 2; P1 pay-7 = 1; P2, P3 none.
  EXPECT_TRUE(eventually_equals(R"(postmortem_action_items_overdue{priority="P0"})", 2));
  EXPECT_TRUE(eventually_equals(R"(postmortem_action_items_overdue{priority="P1"})", 1));
  EXPECT_TRUE(eventually_equals(R"(postmortem_action_items_overdue{priority="P2"})", 0));
  // On time = done by due ÷ (done + open past due), items due in the last 28 d:
  //   P1: on time pay-4, pay-5; late pay-6; open past due pay-7 (pay-8 outside, co-2 won't do)
  //       → 2 / (2 + 1 + 1) = 0.5
  //   P0: pay-1, co-1 open past due, none done → 0 / 2 = 0 (pay-2, pay-3 not yet due)
  //   P2: dns-1 on time → 1 / 1 = 1;  P3: no items → no sample
  EXPECT_TRUE(eventually_equals(R"(postmortem_action_items_on_time_ratio{priority="P1"})", 0.5));
  EXPECT_TRUE(eventually_equals(R"(postmortem_action_items_on_time_ratio{priority="P0"})", 0));
  EXPECT_TRUE(eventually_equals(R"(postmortem_action_items_on_time_ratio{priority="P2"})", 1));
  EXPECT_TRUE(
      eventually_equals(R"(absent(postmortem_action_items_on_time_ratio{priority="P3"}))", 1));
  // Items by state, drafts included: open P0 prevent pay-1, pay-3; open P0 detect co-1;
  // in_progress P0 mitigate pay-2; done P1 detect pay-4, pay-5; won't do P1 process co-2;
  // 8 + 1 + 2 = 11 in all.
  EXPECT_TRUE(eventually_equals(
      R"(postmortem_action_items{status="open",priority="P0",type="prevent"})", 2));
  EXPECT_TRUE(eventually_equals(
      R"(postmortem_action_items{status="open",priority="P0",type="detect"})", 1));
  EXPECT_TRUE(eventually_equals(
      R"(postmortem_action_items{status="in_progress",priority="P0",type="mitigate"})", 1));
  EXPECT_TRUE(eventually_equals(
      R"(postmortem_action_items{status="done",priority="P1",type="detect"})", 2));
  EXPECT_TRUE(eventually_equals(
      R"(postmortem_action_items{status="wont_do",priority="P1",type="process"})", 1));
  EXPECT_TRUE(eventually_equals("sum(postmortem_action_items)", 11));
  // Opened in the 180 d repeat window: E, A1, G, B1, A2, B2, C, D = 8; repeats A2, B2 → 0.25.
  EXPECT_TRUE(eventually_equals("postmortem_repeat_incident_ratio", 0.25));
  // Awaiting (resolved, needing one, none published): A1 (overdue); B2, C (C's RCA is a draft).
  // A2 and E now have a published RCA.
  EXPECT_TRUE(eventually_equals(R"(postmortem_incidents_awaiting_postmortem{overdue="true"})", 1));
  EXPECT_TRUE(eventually_equals(R"(postmortem_incidents_awaiting_postmortem{overdue="false"})", 2));
  // Coverage in the 28 d window: needing one A1, A2, B2, C = 4; published A2 = 1 → 0.25
  // (E is covered but resolved 40 d ago: in neither count).
  EXPECT_TRUE(eventually_equals("postmortem_coverage_ratio", 0.25));
  // Reviews whose date has come, of published RCAs with open items: rca-payments' yesterday's
  // one = 1 (its next is in a week; rca-dns has no open item; rca-checkout is a draft).
  EXPECT_TRUE(eventually_equals("postmortem_followup_reviews_due", 1));
  EXPECT_TRUE(eventually_equals("postmortem_incidents_open", 1));  // D
  // Resolved incidents: E 1 h, A1 1 h, G 10 min, B1 30 min, A2 2 h, B2 30 min, C 1 h → 7,
  // 3600 + 3600 + 600 + 1800 + 7200 + 1800 + 3600 = 22200 s.
  EXPECT_TRUE(eventually_equals("postmortem_incident_duration_seconds_count", 7));
  EXPECT_TRUE(eventually_equals("postmortem_incident_duration_seconds_sum", 22200));
  // Resolution → published RCA: A2 22 h = 79200 s; E 39 d - 1 h = 3366000 s → 2, 3445200 s.
  EXPECT_TRUE(eventually_equals("postmortem_time_to_postmortem_seconds_count", 2));
  EXPECT_TRUE(eventually_equals("postmortem_time_to_postmortem_seconds_sum", 3445200));
  // Items per published RCA: rca-payments 8, rca-dns 1 → count 2, sum 9.
  EXPECT_TRUE(eventually_equals("postmortem_action_items_per_postmortem_count", 2));
  EXPECT_TRUE(eventually_equals("postmortem_action_items_per_postmortem_sum", 9));

  // And the exposition of this history is clean for promtool.
  const auto check =
      pmx::testing::run_command({"promtool", "check", "metrics"}, daemon_->metrics());
  EXPECT_TRUE(check.succeeded()) << "promtool exit status " << check.status << ":\n"
                                 << check.output;
  EXPECT_EQ(check.output, "") << "promtool reported problems";
}

}  // namespace
}  // namespace pmx::e2e
