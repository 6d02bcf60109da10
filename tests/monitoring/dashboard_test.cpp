// The Grafana dashboard, statically: it loads in any Grafana (no id, stable uid, a datasource
// variable every panel and target uses), it only queries metrics of the contract in DESIGN.md,
// filters every selector by $job, and keeps to the replica semantics (counters through
// rate/increase, state gauges never summed before being deduplicated), rounds the counts it
// gets from increase() and leaves the daemon's meta-alerts out of "Top sources"; its panels do
// not overlap, its annotations mark incidents and post-mortems, and the follow-through panels
// show every reminder gauge. That the queries (annotations included) also run is checked
// against a real Prometheus in e2e/prometheus_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "prometheus.h"

namespace pmx::monitoring {
namespace {

using nlohmann::json;

const std::string kDashboard = PMX_DASHBOARD_PATH;

/// State gauges: equal on every replica, deduplicated with max/min, never summed first.
const std::set<std::string> kGauges{
    "postmortem_incidents_open",
    "postmortem_source_occurrences",
    "postmortem_action_items",
    "postmortem_action_items_overdue",
    "postmortem_action_items_on_time_ratio",
    "postmortem_repeat_incident_ratio",
    "postmortem_incidents_awaiting_postmortem",
    "postmortem_coverage_ratio",
    "postmortem_followup_reviews_due",
    "postmortem_action_item_overdue_seconds",
    "postmortem_action_item_overdue_info",
    "postmortem_action_item_overdue_unlisted",
    "postmortem_incident_postmortem_overdue_seconds",
    "postmortem_incident_postmortem_overdue_info",
    "postmortem_incident_postmortem_overdue_unlisted",
    "postmortem_action_item_warnings",
    "postmortem_store_up",
    "postmortem_build_info",
};
/// Event counters: per replica, reset on restart; only meaningful through rate/increase.
const std::set<std::string> kCounters{
    "postmortem_webhook_requests_total",      "postmortem_alerts_received_total",
    "postmortem_alerts_duplicate_total",      "postmortem_occurrences_total",
    "postmortem_incidents_opened_total",      "postmortem_incidents_resolved_total",
    "postmortem_incidents_reopened_total",    "postmortem_store_errors_total",
    "postmortem_repeat_incidents_total",      "postmortem_recurrences_after_fix_total",
};
const std::set<std::string> kHistograms{
    "postmortem_time_to_postmortem_seconds",
    "postmortem_incident_duration_seconds",
    "postmortem_action_items_per_postmortem",
};

enum class Kind { kGauge, kCounter, kUnknown };

/// A histogram's series are counters; its bare name selects nothing, so it is unknown.
Kind kind_of(const std::string& metric) {
  if (kGauges.count(metric)) return Kind::kGauge;
  if (kCounters.count(metric)) return Kind::kCounter;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (metric.size() > s.size() && metric.compare(metric.size() - s.size(), s.size(), s) == 0 &&
        kHistograms.count(metric.substr(0, metric.size() - s.size()))) {
      return Kind::kCounter;
    }
  }
  return Kind::kUnknown;
}

struct Target {
  std::string where;  ///< "panel 7 'title' A", or "annotation 'name'"
  std::string expr;
};

/// The panels of the grid: the top-level ones, and those a collapsed row keeps inside it.
std::vector<json> all_panels(const json& dashboard) {
  std::vector<json> panels;
  for (const auto& panel : dashboard["panels"]) {
    panels.push_back(panel);
    for (const auto& inner : panel.value("panels", json::array())) panels.push_back(inner);
  }
  return panels;
}

class Dashboard : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream in(kDashboard);
    ASSERT_TRUE(in) << "cannot read " << kDashboard;
    dashboard_ = json::parse(in);  // throws (and fails the test) when it is not JSON
    ASSERT_TRUE(dashboard_.contains("panels"));
    for (const auto& panel : all_panels(dashboard_)) {
      for (const auto& t : panel.value("targets", json::array())) {
        targets_.push_back({"panel " + panel.value("id", json(-1)).dump() + " '" +
                                panel.value("title", "") + "' " + t.value("refId", "?"),
                            t.value("expr", "")});
      }
    }
    queries_ = targets_;
    for (const auto& a : annotations()) {
      if (a.contains("expr")) {
        queries_.push_back({"annotation '" + a.value("name", "") + "'", a.value("expr", "")});
      }
    }
  }
  json annotations() const {
    return dashboard_.value("annotations", json::object()).value("list", json::array());
  }
  /// The panel titled `title`, or null.
  json panel(const std::string& title) const {
    for (const auto& p : all_panels(dashboard_)) {
      if (p.value("title", "") == title) return p;
    }
    return nullptr;
  }
  json dashboard_;
  std::vector<Target> targets_;  ///< the panels' queries
  std::vector<Target> queries_;  ///< the panels' queries and the annotations'
};

TEST_F(Dashboard, IsImportableWithAStableUid) {
  EXPECT_FALSE(dashboard_.contains("id")) << "an id makes the import clash with existing dashboards";
  EXPECT_EQ(dashboard_.value("uid", ""), "postmortem-exporter");
  EXPECT_EQ(dashboard_.value("title", ""), "Post-mortems");
  EXPECT_GE(dashboard_.value("schemaVersion", 0), 37);
}

TEST_F(Dashboard, HasDatasourceAndJobVariables) {
  std::map<std::string, json> vars;
  for (const auto& v : dashboard_["templating"]["list"]) vars[v.value("name", "")] = v;
  ASSERT_TRUE(vars.count("datasource"));
  EXPECT_EQ(vars["datasource"].value("type", ""), "datasource");
  EXPECT_EQ(vars["datasource"].value("query", ""), "prometheus");
  ASSERT_TRUE(vars.count("job"));
  EXPECT_EQ(vars["job"].value("type", ""), "query");
  EXPECT_EQ(vars["job"]["datasource"].value("uid", ""), "${datasource}");
  EXPECT_EQ(vars["job"].value("definition", ""), "label_values(postmortem_build_info, job)");
}

TEST_F(Dashboard, EveryPanelAndTargetUsesTheDatasourceVariable) {
  std::set<int> ids;
  for (const auto& panel : all_panels(dashboard_)) {
    const std::string title = panel.value("title", "");
    SCOPED_TRACE("panel '" + title + "'");
    ASSERT_TRUE(panel.contains("id") && panel["id"].is_number_integer());
    EXPECT_TRUE(ids.insert(panel["id"].get<int>()).second) << "duplicate id " << panel["id"];
    EXPECT_FALSE(title.empty());
    if (panel.value("type", "") == "row") {  // a heading across the grid, no query
      EXPECT_FALSE(panel.contains("targets"));
      EXPECT_EQ(panel["gridPos"].value("w", 0), 24);
      EXPECT_EQ(panel["gridPos"].value("h", 0), 1);
      continue;
    }
    EXPECT_EQ(panel["datasource"].value("type", ""), "prometheus");
    EXPECT_EQ(panel["datasource"].value("uid", ""), "${datasource}");

    ASSERT_TRUE(panel.contains("gridPos"));
    const json& g = panel["gridPos"];
    for (const char* k : {"h", "w", "x", "y"}) {
      EXPECT_TRUE(g.contains(k) && g[k].is_number_integer()) << "gridPos." << k;
    }
    EXPECT_LE(g.value("x", 0) + g.value("w", 0), 24) << "wider than the 24-column grid";

    const json targets = panel.value("targets", json::array());
    EXPECT_FALSE(targets.empty()) << "a panel without a query";
    std::set<std::string> ref_ids;
    for (const auto& t : targets) {
      EXPECT_TRUE(ref_ids.insert(t.value("refId", "")).second) << "duplicate refId";
      EXPECT_EQ(t["datasource"].value("uid", ""), "${datasource}") << t.dump();
      EXPECT_FALSE(t.value("expr", "").empty()) << t.dump();
    }
  }
}

TEST_F(Dashboard, QueriesOnlyContractMetricsFilteredByJob) {
  const std::regex metric_token("postmortem_[a-z_]+");
  int metrics_seen = 0;
  for (const auto& t : queries_) {
    SCOPED_TRACE(t.where + ": " + t.expr);
    for (auto it = std::sregex_iterator(t.expr.begin(), t.expr.end(), metric_token);
         it != std::sregex_iterator(); ++it) {
      const std::string metric = it->str();
      ++metrics_seen;
      EXPECT_NE(kind_of(metric), Kind::kUnknown) << metric << " is not in the metric contract";
      // The selector right after the name carries the job filter.
      const std::size_t after = static_cast<std::size_t>(it->position() + it->length());
      const std::size_t close = t.expr.find('}', after);
      const bool has_selector = after < t.expr.size() && t.expr[after] == '{' &&
                                close != std::string::npos;
      EXPECT_TRUE(has_selector &&
                  t.expr.substr(after, close - after).find("job=\"$job\"") != std::string::npos)
          << metric << " is not filtered by job=\"$job\"";
    }
  }
  EXPECT_GT(metrics_seen, 20);
  for (const auto& v : dashboard_["templating"]["list"]) {
    const std::string def = v.value("definition", "");
    for (auto it = std::sregex_iterator(def.begin(), def.end(), metric_token);
         it != std::sregex_iterator(); ++it) {
      EXPECT_NE(kind_of(it->str()), Kind::kUnknown) << "variable " << v.value("name", "");
    }
  }
}

// Counters reset when a replica restarts and differ per replica: a raw value means nothing.
// Gauges are the same on every replica: sum(gauge) multiplies them by the replica count.
TEST_F(Dashboard, QueriesKeepReplicaSemantics) {
  const std::regex metric_token("postmortem_[a-z_]+");
  const std::regex counter_context(R"((rate|increase)\(\s*$)");
  const std::regex summed_gauge(R"(sum\s*(\s(by|without)\s*\([^)]*\))?\s*\(\s*$)");
  for (const auto& t : queries_) {
    SCOPED_TRACE(t.where + ": " + t.expr);
    for (auto it = std::sregex_iterator(t.expr.begin(), t.expr.end(), metric_token);
         it != std::sregex_iterator(); ++it) {
      const std::string before = t.expr.substr(0, static_cast<std::size_t>(it->position()));
      if (kind_of(it->str()) == Kind::kCounter) {
        EXPECT_TRUE(std::regex_search(before, counter_context))
            << it->str() << " is a per-replica counter: use rate() or increase()";
      } else if (kind_of(it->str()) == Kind::kGauge) {
        EXPECT_FALSE(std::regex_search(before, summed_gauge))
            << it->str() << " is equal on every replica: max (or min) over them, never sum";
      }
    }
  }
}

/// True when the whole of `expr` is one call of `fn`: "round(sum(x))", not "round(x) + y".
bool wrapped_in(const std::string& expr, const std::string& fn) {
  if (expr.compare(0, fn.size() + 1, fn + "(") != 0) return false;
  int depth = 0;
  for (std::size_t i = fn.size(); i < expr.size(); ++i) {
    if (expr[i] == '(') ++depth;
    if (expr[i] == ')' && --depth == 0) return i + 1 == expr.size();
  }
  return false;
}

// increase() extrapolates to the edges of the range, so 2 events read as 2.03: a count shown
// to people is rounded. A ratio of increases (a mean, a quantile) is left alone: the
// extrapolation cancels out there, and rounding one side of it would skew the result.
// Annotations show no number, only a mark: they are left out.
TEST_F(Dashboard, CountsFromIncreaseAreRounded) {
  int counts = 0;
  for (const auto& t : targets_) {
    if (t.expr.find("increase(") == std::string::npos) continue;
    const bool ratio =
        wrapped_in(t.expr, "histogram_quantile") || t.expr.find(" / ") != std::string::npos;
    if (ratio) continue;
    ++counts;
    EXPECT_TRUE(wrapped_in(t.expr, "round")) << t.where << ": " << t.expr;
  }
  EXPECT_GE(counts, 5) << "the repeat counts and the three distributions";
}

/// The pattern of the first `label!~` matcher in `expr` (a "..." or `...` string), or "".
std::string negative_regex_of(const std::string& expr, const std::string& label) {
  const std::size_t at = expr.find(label + "!~");
  if (at == std::string::npos) return "";
  const std::size_t open = at + label.size() + 2;
  if (open >= expr.size()) return "";
  const char quote = expr[open];
  std::string pattern;
  for (std::size_t i = open + 1; i < expr.size() && expr[i] != quote; ++i) {
    if (quote == '"' && expr[i] == '\\' && i + 1 < expr.size()) ++i;  // an escaped character
    pattern += expr[i];
  }
  return pattern;
}

// The daemon's own alerts and heartbeats (the default --incident.ignore,
// alertname=~"Postmortem.*|Watchdog|InfoInhibitor") are not incidents; sources recorded before
// that default, or with it turned off, must not crowd the real ones out of "Top sources".
TEST_F(Dashboard, TopSourcesLeaveOutMetaAlerts) {
  int panels = 0;
  for (const auto& t : targets_) {
    if (t.expr.find("postmortem_source_occurrences") == std::string::npos) continue;
    ++panels;
    SCOPED_TRACE(t.where + ": " + t.expr);
    const std::string pattern = negative_regex_of(t.expr, "source");
    ASSERT_FALSE(pattern.empty()) << "no source!~ matcher";
    const std::regex excluded(pattern);  // PromQL anchors the match: regex_match, not search
    for (const char* meta :
         {R"(alertname="PostmortemActionItemOverdue",service="")",
          R"(alertname="Watchdog",service="")", R"(alertname="InfoInhibitor",service="")",
          R"(service="",alertname="PostmortemOverdue")", R"(alertname="Watchdog")"}) {
      EXPECT_TRUE(std::regex_match(std::string(meta), excluded)) << meta << " is shown";
    }
    for (const char* real :
         {R"(alertname="HighLatency",service="checkout")",
          R"(alertname="HighLatency",service="Postmortem")",
          R"(alertname="WatchdogMissing",service="")", R"(alertname="DiskFull")"}) {
      EXPECT_FALSE(std::regex_match(std::string(real), excluded)) << real << " is left out";
    }
  }
  EXPECT_EQ(panels, 1);
}

// Grafana lays panels out by gridPos on a 24-column grid; where two claim the same cells it
// pushes one down on load, so the layout shown would not be the one reviewed here. (A collapsed
// row's panels are placed when it opens; this dashboard has none.)
TEST_F(Dashboard, PanelsDoNotOverlap) {
  struct Box {
    std::string title;
    int x, y, w, h;
  };
  std::vector<Box> boxes;
  for (const auto& p : dashboard_["panels"]) {
    const json& g = p["gridPos"];
    boxes.push_back(
        {p.value("title", ""), g.value("x", 0), g.value("y", 0), g.value("w", 0), g.value("h", 0)});
    EXPECT_GT(boxes.back().w, 0) << boxes.back().title;
    EXPECT_GT(boxes.back().h, 0) << boxes.back().title;
  }
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    for (std::size_t j = i + 1; j < boxes.size(); ++j) {
      const Box& a = boxes[i];
      const Box& b = boxes[j];
      const bool overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      EXPECT_FALSE(overlap) << "'" << a.title << "' and '" << b.title << "' overlap";
    }
  }
}

// Incidents opened and resolved and post-mortems published, marked on every time series from
// the daemon's own counters: Grafana's Prometheus annotations, no plugin, no other source.
TEST_F(Dashboard, AnnotationsMarkIncidentsAndPostmortems) {
  std::map<std::string, json> by_name;
  for (const auto& a : annotations()) by_name[a.value("name", "")] = a;
  const std::map<std::string, std::string> wanted{
      {"Incidents opened", "postmortem_incidents_opened_total"},
      {"Incidents resolved", "postmortem_incidents_resolved_total"},
      // Observed once per RCA, when it becomes published.
      {"Post-mortems published", "postmortem_action_items_per_postmortem_count"}};
  for (const auto& [name, metric] : wanted) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(by_name.count(name)) << "no annotation '" << name << "'";
    const json& a = by_name[name];
    EXPECT_TRUE(a.value("enable", false)) << "off by default";
    EXPECT_EQ(a["datasource"].value("type", ""), "prometheus");
    EXPECT_EQ(a["datasource"].value("uid", ""), "${datasource}");
    EXPECT_FALSE(a.value("titleFormat", "").empty());
    EXPECT_FALSE(a.value("step", "").empty());
    const std::string expr = a.value("expr", "");
    EXPECT_NE(expr.find(metric + "{job=\"$job\"}"), std::string::npos) << expr;
    // Grafana 9 and later mark the steps whose value is above 0, older ones those exactly 1:
    // a 0/1 condition reads the same in both.
    const std::string condition = "> bool 0";
    EXPECT_TRUE(expr.size() > condition.size() &&
                expr.compare(expr.size() - condition.size(), condition.size(), condition) == 0)
        << expr;
  }
}

// The table a team lead opens first: who has overdue work, counted per owner over the
// per-item gauge deduplicated over replicas, as it is now (an instant query, a table).
TEST_F(Dashboard, OwnersWithOverdueItemsTable) {
  const json p = panel("Owners with overdue items");
  ASSERT_TRUE(p.is_object()) << "no panel 'Owners with overdue items'";
  EXPECT_EQ(p.value("type", ""), "table");
  const std::string per_owner =
      R"(count by (owner) (max without (instance, pod) (postmortem_action_item_overdue_seconds{job="$job"})))";
  bool counted = false;
  for (const auto& t : p.value("targets", json::array())) {
    const std::string expr = t.value("expr", "");
    EXPECT_TRUE(t.value("instant", false) && !t.value("range", true)) << expr;
    EXPECT_EQ(t.value("format", ""), "table") << expr;
    counted = counted || expr.find(per_owner) != std::string::npos;
  }
  EXPECT_TRUE(counted) << "no count by (owner) of postmortem_action_item_overdue_seconds";
}

// Each row of the overdue tables takes its title and web UI link from the _info series, and
// the link opens the item or incident in the daemon's web UI.
TEST_F(Dashboard, OverdueTablesLinkToTheWebUi) {
  const std::map<std::string, std::string> tables{
      {"Overdue action items", "* on (rca, item) group_left (title, ticket, url) "},
      {"Incidents with an overdue post-mortem", "* on (incident) group_left (source, url) "}};
  for (const auto& [title, join] : tables) {
    SCOPED_TRACE(title);
    const json p = panel(title);
    ASSERT_TRUE(p.is_object()) << "no panel '" << title << "'";
    EXPECT_EQ(p.value("type", ""), "table");
    ASSERT_EQ(p.value("targets", json::array()).size(), 1u);
    EXPECT_NE(p["targets"][0].value("expr", "").find(join), std::string::npos);
    // The column of the url label, under the name the organize transformation gives it.
    std::string column = "url";
    for (const auto& tr : p.value("transformations", json::array())) {
      if (tr.value("id", "") != "organize") continue;
      column = tr["options"].value("renameByName", json::object()).value("url", column);
    }
    bool linked = false;
    for (const auto& o : p["fieldConfig"].value("overrides", json::array())) {
      if (o["matcher"].value("id", "") != "byName" || o["matcher"].value("options", "") != column) {
        continue;
      }
      for (const auto& property : o.value("properties", json::array())) {
        if (property.value("id", "") != "links") continue;
        for (const auto& link : property["value"]) {
          linked = linked || link.value("url", "") == "${__value.raw}";
        }
      }
    }
    EXPECT_TRUE(linked) << "column '" << column << "' is not a link to its value";
  }
}

// Every reminder series the daemon exports is on some panel.
TEST_F(Dashboard, ShowsEveryReminderGauge) {
  for (const std::string gauge :
       {"postmortem_action_item_overdue_seconds", "postmortem_action_item_overdue_info",
        "postmortem_action_item_overdue_unlisted", "postmortem_incident_postmortem_overdue_seconds",
        "postmortem_incident_postmortem_overdue_info",
        "postmortem_incident_postmortem_overdue_unlisted", "postmortem_action_item_warnings"}) {
    bool shown = false;
    for (const auto& t : targets_) shown = shown || t.expr.find(gauge + "{") != std::string::npos;
    EXPECT_TRUE(shown) << gauge << " is on no panel";
  }
}

TEST_F(Dashboard, EveryVariableInAQueryCanBeFilledIn) {
  std::vector<pmx::testing::DashboardQuery> queries;
  ASSERT_NO_THROW(queries = pmx::testing::dashboard_queries(kDashboard));
  ASSERT_EQ(queries.size(), queries_.size()) << "every panel target and annotation query";
  for (const auto& q : queries) {
    EXPECT_EQ(q.expr.find('$'), std::string::npos) << q.panel << ": " << q.expr;
    EXPECT_NE(q.expr.find("job=\"postmortem\""), std::string::npos) << q.expr;
  }
}

// The substitution itself: a variable the e2e test cannot fill in must fail, not pass through.
TEST(DashboardQueries, FillsKnownVariablesAndRejectsOthers) {
  const std::string dir = pmx::testing::make_temp_dir("pmx-dashboard");
  const auto write = [&](const std::string& expr) {
    const std::string path = dir + "/d.json";
    std::ofstream(path) << json{{"panels", {{{"title", "t"}, {"targets", {{{"refId", "A"},
                                                                            {"expr", expr}}}}}}}};
    return path;
  };
  const auto q = pmx::testing::dashboard_queries(write(
      R"(rate(x{job="${job}",a=~"b$"}[$__rate_interval]) + increase(x{job="$job"}[$__range:$__interval]))"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].expr,
            R"(rate(x{job="postmortem",a=~"b$"}[1m]) + increase(x{job="postmortem"}[5m:15s]))");
  EXPECT_THROW(pmx::testing::dashboard_queries(write("x{a=\"$instance\"}")), std::runtime_error);
  EXPECT_THROW(pmx::testing::dashboard_queries(write("x[$__rate_interval_ms]")), std::runtime_error);
  EXPECT_THROW(pmx::testing::dashboard_queries(write("x[${__range_s}]")), std::runtime_error);

  // Annotation queries come after the panels'; Grafana's built-in annotation has none.
  const std::string path = dir + "/annotated.json";
  std::ofstream(path) << json{
      {"panels", json::array()},
      {"annotations",
       {{"list",
         {{{"name", "Annotations & Alerts"}, {"builtIn", 1}},
          {{"name", "opened"},
           {"expr", "increase(x{job=\"$job\"}[$__rate_interval]) > bool 0"}}}}}}};
  const auto annotated = pmx::testing::dashboard_queries(path);
  ASSERT_EQ(annotated.size(), 1u);
  EXPECT_EQ(annotated[0].panel, "annotation 'opened'");
  EXPECT_EQ(annotated[0].expr, R"(increase(x{job="postmortem"}[1m]) > bool 0)");
}

}  // namespace
}  // namespace pmx::monitoring
