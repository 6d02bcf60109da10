#pragma once
/// Test support: run a short-lived command (amtool, promtool) to completion with a deadline.
#include <chrono>
#include <string>
#include <vector>

namespace pmx::testing {

struct CommandResult {
  /// The raw status from waitpid, or -1 when the command had to be killed at the deadline.
  int status = -1;
  /// stdout and stderr, interleaved as the command wrote them.
  std::string output;
  /// True when the command exited normally with status 0.
  bool succeeded() const;
};

/// Runs `argv` (argv[0] looked up in PATH) with `stdin_data` on its standard input, waits up to
/// `deadline`, then SIGKILLs it. Input and output go through temporary files, so a large input
/// and a chatty command cannot deadlock on pipe buffers.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                          std::chrono::milliseconds deadline = std::chrono::seconds(20));

}  // namespace pmx::testing
