#include "redis_sentinel.h"
#include "redis_server.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace pmx::testing {

RedisSentinel::RedisSentinel(Options options)
    : options_(std::move(options)), dir_(make_temp_dir("pmx-sentinel")) {
  const std::string& name = options_.master_name;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (process_) process_->kill_now();
    port_ = free_port();
    const std::string config_path = dir_ + "/sentinel-" + std::to_string(attempt) + ".conf";
    std::ofstream config(config_path);
    for (const std::string& line : options_.config_lines) config << line << "\n";
    config << "port " << port_ << "\n"
           << "bind 127.0.0.1\n"
           << "dir " << dir_ << "\n"
           << "sentinel monitor " << name << " 127.0.0.1 " << options_.master_port << " "
           << options_.quorum << "\n"
           << "sentinel down-after-milliseconds " << name << " " << options_.down_after_ms << "\n"
           << "sentinel failover-timeout " << name << " " << options_.failover_timeout_ms << "\n"
           << "sentinel parallel-syncs " << name << " 1\n";
    config.close();
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"redis-sentinel", config_path}, dir_ + "/sentinel.log");
    bool exited = false;
    const bool up = poll_until([&] {
      if (!process_->running()) return exited = true;
      return port_open(port_) && master_port() == options_.master_port;
    });
    if (up && !exited) return;
  }
  throw std::runtime_error("redis-sentinel did not start: " + process_->log_tail());
}

RedisSentinel::~RedisSentinel() {
  if (process_) process_->stop(std::chrono::seconds(5));
}

std::string RedisSentinel::cli(const std::string& args) const {
  return redis_cli(port_, args + " 2>&1");
}

std::string RedisSentinel::master_field(const std::string& field) const {
  // redis-cli prints the flat field/value array one item per line.
  std::istringstream lines(cli("SENTINEL MASTER " + options_.master_name));
  std::string key;
  std::string value;
  while (std::getline(lines, key) && std::getline(lines, value)) {
    if (key == field) return value;
  }
  return "";
}

int RedisSentinel::master_port() const {
  std::istringstream lines(cli("SENTINEL GET-MASTER-ADDR-BY-NAME " + options_.master_name));
  std::string host;
  std::string port;
  if (!std::getline(lines, host) || !std::getline(lines, port)) return 0;
  try {
    return std::stoi(port);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace pmx::testing
