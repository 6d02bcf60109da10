#pragma once
/// Test support: a real prometheus-alertmanager (no clustering) routing every alert, grouped by
/// alertname and service, to one webhook receiver (or as a given configuration says); alerts
/// injected with amtool as an operator or Prometheus would.
#include <map>
#include <memory>
#include <string>

#include "process.h"

namespace pmx::testing {

class Alertmanager {
 public:
  struct Options {
    std::string webhook_url;             ///< e.g. http://127.0.0.1:PORT/api/v1/webhook
    std::string bearer_token;            ///< written to a credentials_file; empty: no auth
    std::string group_wait = "1s";
    std::string group_interval = "1s";
    std::string repeat_interval = "1h";
    /// When set, the whole configuration (alertmanager.yml) instead of the one built from the
    /// fields above.
    std::string config;
  };

  /// Writes the configuration, checks it with `amtool check-config`, starts Alertmanager and
  /// waits for GET /-/ready == 200. Throws (with the log tail) otherwise.
  explicit Alertmanager(Options options);
  Alertmanager(const Alertmanager&) = delete;
  Alertmanager& operator=(const Alertmanager&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log_tail() const { return process_->log_tail(); }
  const std::string& config_path() const { return config_path_; }

  /// `amtool alert add <labels> --start=<starts_at> [--end=<ends_at>]`; throws if amtool fails.
  void add_alert(const std::map<std::string, std::string>& labels, const std::string& starts_at,
                 const std::string& ends_at = "") const;

 private:
  std::string dir_;
  std::string config_path_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace pmx::testing
