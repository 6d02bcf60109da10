#pragma once
// The HTTP edge in process on a loopback port, wired as main wires it, over a store the test
// chooses (MemoryStore, or a fake that fails), with a fixed clock and the write token.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "pmx/receiver/http_api.h"

namespace pmx {

/// A webhook of version 4 carrying `alerts`, its status that of the first.
inline nlohmann::json webhook_of(const nlohmann::json& alerts) {
  return {{"receiver", "pm"},
          {"status", alerts.at(0).at("status")},
          {"alerts", alerts},
          {"groupLabels", nlohmann::json::object()},
          {"commonLabels", nlohmann::json::object()},
          {"commonAnnotations", nlohmann::json::object()},
          {"externalURL", "http://am:9093"},
          {"version", "4"},
          {"groupKey", "{}:{}"},
          {"truncatedAlerts", 0}};
}

template <typename StoreType>
class InProcessApi : public ::testing::Test {
 protected:
  static constexpr const char* kToken = "s3cret-token";
  static UnixNanos fixed_now() { return UnixNanos{1795419860} * kNanosPerSecond; }

  /// Starts the server with `config` and a client without credentials. The daemon takes the
  /// write token kToken, and whatever else `auth` adds (e.g. basic auth).
  void start(const HttpConfig& config, AuthConfig auth = {}) {
    auth.bearer_token = kToken;
    authenticator_ = std::make_unique<Authenticator>(auth);
    install_http_api(server_, config,
                     HttpDependencies{ingestor_, queries_, rcas_, telemetry_, *authenticator_, fixed_now});
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // bind_to_any_port already listens: connections queue until the loop accepts them.
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  StoreType store_;
  Telemetry telemetry_{store_, KpiSettings{}, ReminderSettings{}, "test", fixed_now};
  // Not IngestConfig{} inline: a default member initializer with it trips an ICE in g++ 12.
  static IngestConfig defaults() { return IngestConfig(); }
  Ingestor ingestor_{store_, defaults()};
  Queries queries_{store_};
  RcaService rcas_{store_, &telemetry_.publication()};
  std::unique_ptr<Authenticator> authenticator_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace pmx
