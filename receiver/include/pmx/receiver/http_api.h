#pragma once
/// The HTTP surface: Alertmanager's webhook, the read API, health and /metrics, on a
/// cpp-httplib server. Handlers translate store errors to 503 and bad input to 4xx JSON here,
/// at the edge; nothing below knows about HTTP.
#include <functional>
#include <string>

#include "pmx/core/time.h"
#include "pmx/exporter/telemetry.h"
#include "pmx/receiver/auth.h"
#include "pmx/store/ingestor.h"
#include "pmx/store/rca_service.h"

namespace httplib {
class Server;
}

namespace pmx {

struct HttpConfig {
  std::string telemetry_path = "/metrics";
  std::size_t max_request_bytes = 8 * 1024 * 1024;
  /// Worker threads; cpp-httplib holds one per open connection, keep-alive included.
  std::size_t threads = 16;
  /// Seconds a connection may sit idle or stall mid-request before it is closed, so a slow
  /// client holds a worker only this long.
  int io_timeout_seconds = 10;
};

/// Everything the handlers need. All references must outlive the server.
struct HttpDependencies {
  Ingestor& ingestor;
  Store& store;
  RcaService& rcas;
  Telemetry& telemetry;
  const Authenticator& authenticator;
  std::function<UnixNanos()> now;  ///< receipt time of a webhook
};

/// Sets limits, timeouts, JSON error and exception handling, and every route on `server`.
void install_http_api(httplib::Server& server, const HttpConfig& config, HttpDependencies deps);

}  // namespace pmx
