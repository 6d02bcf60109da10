#pragma once
/// The HTTP surface: Alertmanager's webhook, the read API, health and /metrics, on a
/// cpp-httplib server. Handlers call the use cases of service/ and map their Errors to HTTP in
/// one place (http_util.h); nothing below knows about HTTP.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "pmx/core/postmortem_policy.h"
#include "pmx/core/time.h"
#include "pmx/exporter/telemetry.h"
#include "pmx/receiver/auth.h"
#include "pmx/service/ingestor.h"
#include "pmx/service/queries.h"
#include "pmx/service/rca_service.h"

namespace httplib {
class Server;
}

namespace pmx {

struct HttpConfig {
  std::string telemetry_path = "/metrics";
  std::size_t max_request_bytes = 8 * 1024 * 1024;
  /// Connections served at once, each on a thread of its own (--web.max-connections).
  std::size_t max_connections = 512;
  /// How long a whole request may take to arrive, a write may stall, and an idle keep-alive
  /// connection is kept (--web.read-timeout).
  std::chrono::microseconds io_timeout = std::chrono::seconds(10);
  /// --web.read-auth: GET/HEAD of the API, the web UI's pages and the telemetry path need the
  /// credentials too. The health endpoints and the stylesheet stay open.
  bool read_auth = false;
  /// What the web UI shows beside the stored data: the repeat window ("3rd in 180d") and which
  /// resolved incidents await a post-mortem (the ingest configuration's).
  UnixNanos repeat_window = 180 * kNanosPerDay;
  /// Unset: PostmortemPolicy's defaults. (Optional, because a PostmortemPolicy member makes
  /// g++ 12 crash on `HttpConfig{}`.)
  std::optional<PostmortemPolicy> postmortem;
  /// --web.external-url without its trailing slash, "" when unset: the `ui_url` of incidents
  /// and RCAs in the API is absolute under it, and the web UI's links start with its path.
  std::string external_url;
  /// The path every route is served under, such as "/pmx" ("" for none; never a trailing
  /// slash): --web.route-prefix, by default the path of --web.external-url.
  std::string route_prefix;
};

/// --web.external-url checked: an absolute http(s) URL with a host and no query or fragment,
/// returned without its trailing slash ("" stays ""). Throws std::invalid_argument naming the
/// flag otherwise (a start-up error).
std::string external_url_flag(const std::string& url);
/// The path of a checked external URL, without its trailing slash: "/pmx" for
/// `http://proxy.example/pmx/`, "" for `http://proxy.example/`.
std::string external_url_path(const std::string& url);
/// --web.route-prefix as Alertmanager reads it: slashes trimmed, one leading slash added, "/"
/// meaning no prefix (""). Throws std::invalid_argument naming the flag for characters a URL
/// path cannot hold as they are.
std::string route_prefix_flag(const std::string& prefix);

/// Everything the handlers need. All references must outlive the server.
struct HttpDependencies {
  Ingestor& ingestor;
  Queries& queries;
  RcaService& rcas;
  Telemetry& telemetry;
  const Authenticator& authenticator;
  std::function<UnixNanos()> now;  ///< receipt time of a webhook
};

/// Sets limits, timeouts, JSON error and exception handling, and every route on `server`.
void install_http_api(httplib::Server& server, const HttpConfig& config, HttpDependencies deps);

}  // namespace pmx
