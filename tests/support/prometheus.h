#pragma once
/// Test support: a real Prometheus scraping the daemon every second (job "postmortem"),
/// optionally evaluating a rule file, queried through its HTTP API as Grafana would; and the
/// queries of a Grafana dashboard with its variables filled in, ready to run against it.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process.h"

namespace pmx::testing {

/// What GET /api/v1/query answered: the result, or why there is none.
struct QueryResult {
  /// Empty on success; else `<errorType>: <error>` from Prometheus ("bad_data: parse error
  /// ..."), or the HTTP/transport failure.
  std::string error;
  std::string result_type;  ///< "vector", "scalar", "matrix", "string"
  /// `data.result`: for a vector, [{"metric": {...}, "value": [time, "value"]}, ...].
  nlohmann::json result = nlohmann::json::array();

  bool ok() const { return error.empty(); }
  /// The value of a scalar, or of a vector with exactly one sample; nullopt otherwise (an
  /// error, an empty vector, several samples).
  std::optional<double> single_value() const;
};

class Prometheus {
 public:
  struct Options {
    std::vector<std::string> targets;  ///< "host:port" of each daemon to scrape
    std::string rule_file;             ///< absolute path; empty: no rules
    std::string interval = "1s";       ///< scrape and rule evaluation interval
    std::string alertmanager;          ///< "host:port" the firing alerts go to; empty: none
  };

  /// Writes prometheus.yml in a temp dir, checks it with `promtool check config`, starts
  /// Prometheus on a free loopback port and waits for GET /-/ready == 200. Throws (with the
  /// log tail) otherwise.
  explicit Prometheus(Options options);
  Prometheus(const Prometheus&) = delete;
  Prometheus& operator=(const Prometheus&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log_tail() const { return process_->log_tail(); }

  /// An instant query at the current time.
  QueryResult query(const std::string& expr) const;
  /// `data` of GET /api/v1/rules ({"groups": [...]}); throws unless Prometheus says success.
  nlohmann::json rules() const;
  /// Polls until every target of job "postmortem" has `up == 1`, i.e. was scraped
  /// successfully at least once. False at the deadline.
  bool wait_for_scrape(std::chrono::milliseconds deadline = std::chrono::seconds(20)) const;

 private:
  Options options_;
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

/// One target of a Grafana dashboard panel, its expression with the variables substituted.
struct DashboardQuery {
  std::string panel;   ///< panel title (or "annotation '<name>'"), for failure messages
  std::string ref_id;  ///< "A", "B", ...
  std::string expr;
  bool instant = false;  ///< the target asks for an instant query only
};

/// Every target expr of the dashboard at `path` (panels inside rows too), then the expr of each
/// annotation query (`panel` is "annotation '<name>'", `ref_id` "expr"), with `$job` and
/// `${job}` → postmortem, `$__rate_interval` → 1m, `$__range` → 5m, `$__interval` → 15s.
/// Throws std::runtime_error naming the panel for any other variable, so a dashboard cannot
/// use one the test does not know how to fill in.
std::vector<DashboardQuery> dashboard_queries(const std::string& path);

}  // namespace pmx::testing
