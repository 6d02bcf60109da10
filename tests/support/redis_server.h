#pragma once
/// A real redis-server on a free loopback port, for one test fixture.
#include <memory>
#include <string>
#include <vector>

#include "process.h"
#include "tls_certificates.h"

namespace pmx::testing {

class RedisServer {
 public:
  /// Starts redis-server (no persistence unless `aof`) in a fresh directory and waits until it
  /// accepts connections. Throws if it does not within 10 s.
  explicit RedisServer(bool aof = false);
  /// The same, with more redis-server arguments (`--requirepass`, `--user`, ...), kept across
  /// restart().
  RedisServer(bool aof, std::vector<std::string> extra_args);
  ~RedisServer();

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_; }
  /// The server's pid while it runs (-1 after kill()), e.g. to SIGSTOP it: a hung server.
  pid_t pid() const { return process_ ? process_->pid() : -1; }

  /// Kills the server (SIGKILL: an outage, not a shutdown) and, for restart(), starts it again
  /// on the same port and directory.
  void kill();
  void restart();
  /// Runs redis-cli against this server and returns its stdout.
  std::string cli(const std::string& args) const;

 private:
  void start();
  bool aof_;
  std::vector<std::string> extra_args_;
  int port_;
  std::string dir_;
  std::unique_ptr<ChildProcess> process_;
};

/// redis-server arguments that make it answer TLS on `tls_port` too (the plain port stays, for
/// redis-cli and the readiness poll), with `certificate`; client certificates signed by `ca`
/// are required when `require_client_certificates`.
std::vector<std::string> redis_tls_args(int tls_port, const Certificate& certificate,
                                        const std::string& ca, bool require_client_certificates);

/// Runs `redis-cli -p <port> <args>` through the shell (so `args` may quote) and returns its
/// stdout; shared by RedisServer and RedisSentinel.
std::string redis_cli(int port, const std::string& args);

}  // namespace pmx::testing
