#include "redis_server.h"

#include <array>
#include <cstdio>
#include <stdexcept>

namespace pmx::testing {

RedisServer::RedisServer(bool aof) : RedisServer(aof, {}) {}

RedisServer::RedisServer(bool aof, std::vector<std::string> extra_args)
    : aof_(aof),
      extra_args_(std::move(extra_args)),
      port_(free_port()),
      dir_(make_temp_dir("pmx-redis")) {
  start();
}

RedisServer::~RedisServer() {
  if (process_) process_->stop(std::chrono::seconds(5));
}

void RedisServer::start() {
  std::vector<std::string> argv{"redis-server", "--port", std::to_string(port_), "--bind",
                                "127.0.0.1", "--dir", dir_, "--save", "",
                                "--appendonly", aof_ ? "yes" : "no", "--appendfsync", "always"};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  process_ = std::make_unique<ChildProcess>(std::move(argv), dir_ + "/redis.log");
  if (!poll_until([&] { return port_open(port_); })) {
    throw std::runtime_error("redis-server did not start: " + process_->log_tail());
  }
}

void RedisServer::kill() {
  if (process_) process_->kill_now();
}

void RedisServer::restart() {
  kill();
  start();
}

std::string RedisServer::cli(const std::string& args) const { return redis_cli(port_, args); }

std::vector<std::string> redis_tls_args(int tls_port, const Certificate& certificate,
                                        const std::string& ca, bool require_client_certificates) {
  return {"--tls-port",         std::to_string(tls_port),
          "--tls-cert-file",    certificate.cert,
          "--tls-key-file",     certificate.key,
          "--tls-ca-cert-file", ca,
          "--tls-auth-clients", require_client_certificates ? "yes" : "no"};
}

std::string redis_cli(int port, const std::string& args) {
  const std::string command = "redis-cli -p " + std::to_string(port) + " " + args;
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  pclose(pipe);
  return out;
}

}  // namespace pmx::testing
