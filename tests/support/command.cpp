#include "command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "process.h"

namespace pmx::testing {

bool CommandResult::succeeded() const {
  return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_data,
                          std::chrono::milliseconds deadline) {
  const std::string dir = make_temp_dir("pmx-cmd");
  const std::string in_path = dir + "/stdin";
  const std::string out_path = dir + "/output";
  {
    std::ofstream in(in_path, std::ios::binary);
    in << stdin_data;
  }
  std::vector<std::string> args_storage = argv;
  std::vector<char*> args;
  for (auto& a : args_storage) args.push_back(a.data());
  args.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int in_fd = open(in_path.c_str(), O_RDONLY);
    const int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in_fd >= 0) dup2(in_fd, STDIN_FILENO);
    if (out_fd >= 0) {
      dup2(out_fd, STDOUT_FILENO);
      dup2(out_fd, STDERR_FILENO);
    }
    execvp(args[0], args.data());
    _exit(127);
  }

  CommandResult result;
  const auto until = std::chrono::steady_clock::now() + deadline;
  bool exited = false;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      result.status = status;
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!exited) {
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    result.status = -1;
  }
  std::ifstream out(out_path, std::ios::binary);
  std::stringstream buffer;
  buffer << out.rdbuf();
  result.output = buffer.str();
  return result;
}

}  // namespace pmx::testing
