#pragma once
/// Test support: an HTTP server on a free loopback port that keeps every body POSTed to it, by
/// path: the receivers an Alertmanager under test notifies (/alice, /bob, ...).
#include <httplib.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace pmx::testing {

class WebhookSink {
 public:
  /// Listens at once; throws std::runtime_error when it cannot.
  WebhookSink();
  ~WebhookSink();
  WebhookSink(const WebhookSink&) = delete;
  WebhookSink& operator=(const WebhookSink&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// The JSON bodies POSTed to `path` so far, oldest first (a body that is not JSON is kept as
  /// a string).
  std::vector<nlohmann::json> received(const std::string& path) const;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<nlohmann::json>> bodies_;
};

}  // namespace pmx::testing
