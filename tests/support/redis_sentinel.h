#pragma once
/// Test support: a real `redis-sentinel` on a free loopback port, watching one master.
#include <memory>
#include <string>
#include <vector>

#include "process.h"

namespace pmx::testing {

class RedisSentinel {
 public:
  struct Options {
    std::string master_name = "pmx";
    int master_port = 0;  ///< the master on 127.0.0.1
    int quorum = 2;
    int down_after_ms = 1000;
    int failover_timeout_ms = 5000;
    /// More sentinel.conf lines, e.g. to answer TLS on a `tls-port` as well.
    std::vector<std::string> config_lines{};
  };

  /// Writes the configuration in a fresh directory (Sentinel rewrites it: it must be writable),
  /// starts redis-sentinel and waits until it knows the master. Throws otherwise (10 s).
  explicit RedisSentinel(Options options);
  ~RedisSentinel();
  RedisSentinel(const RedisSentinel&) = delete;
  RedisSentinel& operator=(const RedisSentinel&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log_tail() const { return process_->log_tail(); }

  /// `SENTINEL MASTER <name>` as field -> value (empty when it does not answer).
  std::string master_field(const std::string& field) const;
  /// The port of the master this sentinel currently names (0 when it names none).
  int master_port() const;
  /// Runs redis-cli against this sentinel and returns its stdout.
  std::string cli(const std::string& args) const;

 private:
  Options options_;
  int port_ = 0;
  std::string dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace pmx::testing
