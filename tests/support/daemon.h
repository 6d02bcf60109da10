#pragma once
/// Test support: the real postmortem-exporter binary on a free port, and small HTTP helpers to
/// talk to it (and to Alertmanager) the way their users do.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process.h"

namespace pmx::testing {

/// The bearer token of the captured fixtures (see fixtures/alertmanager-0.25/request-headers.txt).
inline const std::string kFixtureToken = "s3cret-token";

struct HttpResponse {
  int status = 0;  ///< 0 when no response arrived (connection refused, reset, timeout)
  std::string body;
  std::string content_type;
  std::string error;  ///< transport error, when status == 0
  /// The body as JSON; throws with the body in the message when it is not JSON.
  nlohmann::json json() const;
};

/// One request on a fresh connection, with bounded connect and read timeouts.
HttpResponse http_get(int port, const std::string& path);
HttpResponse http_post(int port, const std::string& path, const std::string& body,
                       const std::map<std::string, std::string>& headers = {},
                       const std::string& content_type = "application/json");

/// One request of any method on a fresh connection. `token` empty: no Authorization header.
HttpResponse http_request(int port, const std::string& method, const std::string& path,
                          const std::string& body = "", const std::string& token = "",
                          const std::string& content_type = "application/json");

/// One HTTPS request to 127.0.0.1:port on a fresh connection, the server certificate verified
/// against `ca_file` (host name included). `headers` are sent as given.
HttpResponse https_request(int port, const std::string& ca_file, const std::string& method,
                           const std::string& path, const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {},
                           const std::string& content_type = "application/json");

/// Percent-encodes everything but unreserved characters (RFC 3986), for path segments.
std::string url_encode(const std::string& s);

/// A running daemon. Stopped (SIGTERM, deadline, SIGKILL) when destroyed.
class Daemon {
 public:
  struct Options {
    /// Empty: the embedded SQLite store, in a folder of this daemon's own (unless `flags`
    /// choose the store, or `working_dir` is given).
    std::string redis_url;
    std::string token = kFixtureToken;     ///< empty: no --web.auth-token-file
    std::vector<std::string> flags;        ///< extra flags, e.g. "--incident.reopen-window=0s"
    int port = 0;                          ///< 0: a free port; else this one (e.g. a restart)
    /// The daemon's current directory; when given, the daemon keeps its default --storage.path
    /// (data/, in that directory).
    std::string working_dir{};
    /// The path that must answer 200 before the constructor returns: /-/healthy for a daemon
    /// that is expected not to be ready (its store unreachable).
    std::string wait_path = "/-/ready";
  };

  /// Starts the daemon and waits for GET /-/ready (options.wait_path) == 200. Throws with the log
  /// tail when it does not get ready within 15 s (retrying on a fresh port if the one picked got
  /// taken).
  explicit Daemon(Options options);
  Daemon() : Daemon(Options{}) {}
  /// A daemon serving HTTPS (its --web.tls-* flags go in `options.flags`): the readiness check,
  /// get() and post_webhook() use HTTPS, the certificate verified against `tls_ca_file`.
  Daemon(Options options, std::string tls_ca_file);
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  int port() const { return port_; }
  ChildProcess& process() { return *process_; }
  std::string log_tail() const { return process_->log_tail(); }

  HttpResponse get(const std::string& path) const;
  /// POST /api/v1/webhook with `Authorization: Bearer <token>` (no header when token is "").
  HttpResponse post_webhook(const std::string& body) const;
  HttpResponse post_webhook(const std::string& body, const std::string& token) const;

  /// GET returning the JSON body; throws unless the answer is 200 with JSON.
  nlohmann::json get_json(const std::string& path) const;
  /// GET /api/v1/sources/{url-encoded canonical key}; nullopt on 404.
  std::optional<nlohmann::json> source(const std::string& key) const;
  /// The body of GET /metrics.
  std::string metrics() const;
  /// One series from /metrics (sum when several match); nullopt when absent.
  std::optional<double> metric(const std::string& name,
                               const std::map<std::string, std::string>& labels = {}) const;

 private:
  bool start_once(const std::vector<std::string>& argv_without_listen);
  Options options_;
  std::string tls_ca_file_;  ///< empty: plain HTTP
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace pmx::testing
