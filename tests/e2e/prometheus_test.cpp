// The exporter as Prometheus sees it: a real Prometheus scrapes the real daemon every second,
// and what PromQL answers agrees with /metrics; every query of the Grafana dashboard runs
// against it without error; every alert rule evaluates healthily on real series.
//
// PrometheusScrape is the fixture to build on (KPI value checks): the daemon and Prometheus
// are up and scraped once before each test; post webhooks, then poll with `eventually`.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <sstream>

#include "e2e.h"
#include "prometheus.h"

namespace pmx::e2e {
namespace {

using pmx::testing::Prometheus;

class PrometheusScrape : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(daemon_options());
    prometheus_ = std::make_unique<Prometheus>(
        Prometheus::Options{{"127.0.0.1:" + std::to_string(daemon_->port())}, PMX_ALERT_RULES_PATH});
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

TEST_F(PrometheusScrape, DashboardQueries) {
  post_fixtures(*daemon_, pmx::testing::replay_fixture_names());
  const auto queries = pmx::testing::dashboard_queries(PMX_DASHBOARD_PATH);
  ASSERT_FALSE(queries.empty());
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
  EXPECT_EQ(alerts, (std::set<std::string>{"PostmortemActionItemOverdue",
                                            "PostmortemActionItemsOnTimeRatioLow",
                                            "PostmortemOverdue",
                                            "PostmortemRepeatWithOpenActionItems"}));
}

}  // namespace
}  // namespace pmx::e2e
