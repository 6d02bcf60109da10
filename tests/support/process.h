#pragma once
/// Test support: real child processes (redis-server, alertmanager, the daemon) started and
/// stopped by their own pid, free loopback ports, and polling with a deadline instead of sleeps.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace pmx::testing {

/// A child process. Stopping sends SIGTERM, waits up to the deadline, then SIGKILLs: some
/// programs (Alertmanager) can be slow to stop, and a test must never hang on one.
class ChildProcess {
 public:
  /// Starts `argv[0]` (looked up in PATH) with the arguments; stdout and stderr go to
  /// `log_path` (appended) so a failing test can show them. It runs in `working_dir` (empty:
  /// the test's own).
  ChildProcess(std::vector<std::string> argv, std::string log_path,
               const std::string& working_dir = "");
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  /// SIGTERM, wait up to `deadline`, then SIGKILL. Returns the exit status (as from waitpid),
  /// or -1 if it had to be killed.
  int stop(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  /// SIGKILL now and reap.
  void kill_now();
  /// The tail of the log file, for failure messages.
  std::string log_tail(std::size_t bytes = 4000) const;
  const std::string& log_path() const { return log_path_; }

 private:
  bool reap(int& status, bool block);
  pid_t pid_ = -1;
  std::string log_path_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
int free_port();

/// Polls `condition` every 20 ms until it is true or the deadline passes.
bool poll_until(const std::function<bool()>& condition,
                std::chrono::milliseconds deadline = std::chrono::seconds(10));

/// True when something accepts TCP connections on 127.0.0.1:port.
bool port_open(int port);

/// A fresh temporary directory (removed by the OS, not by the test, so logs survive failures).
std::string make_temp_dir(const std::string& prefix);

/// The whole content of the file at `path`; throws std::runtime_error naming it when it cannot be
/// opened.
std::string read_file(const std::string& path);

/// The path of the daemon binary under test (set by CMake as PMX_DAEMON_PATH).
std::string daemon_path();

}  // namespace pmx::testing
