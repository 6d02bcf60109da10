#include <httplib.h>

#include <algorithm>

#include "connection_threads.h"
#include "guarded_server.h"
#include "http_util.h"
#include "pmx/log/log.h"
#include "pmx/receiver/http_api.h"
#include "routes.h"

namespace pmx {
namespace {

/// The daemon's own servers (guarded_server.h) refuse from the head alone what must not be read:
/// a body without credentials, or one over the limit. A plain httplib::Server (in-process
/// tests) gets the same threads; the handlers check credentials and the limit either way.
void guard_connections(httplib::Server& server, const HttpConfig& config, HttpDependencies deps) {
  // A thread per connection, started on demand (httplib's ThreadPool would start all 512 up
  // front, each held by a connection for its whole life).
  server.new_task_queue = [n = config.max_connections] { return new ConnectionThreads(n); };
  auto* guarded = dynamic_cast<GuardedConnections*>(&server);
  if (guarded == nullptr) return;
  RequestRules rules;
  rules.max_body_bytes = config.max_request_bytes;
  if (deps.authenticator.enabled()) {
    rules.authorized = [&authenticator = deps.authenticator](const std::string& authorization) {
      return authenticator.allows(authorization);
    };
    rules.challenge = deps.authenticator.challenge();
  }
  rules.on_refused = [&metrics = deps.telemetry.ingest(),
                      webhook = config.route_prefix + "/api/v1/webhook"](const RequestHead& head,
                                                                         const std::string& remote,
                                                                         const Refusal& refusal) {
    if (head.method != "POST" || head.path() != webhook) return;
    metrics.webhook_answered(refusal.status);
    // "unauthorized" unquoted, as the route's own line writes it.
    log_warn("webhook rejected",
             {refusal.status == 401 ? LogField("reason", "unauthorized")
                                    : LogField("reason", quoted(refusal.message)),
              {"remote", remote}});
  };
  guarded->guard(std::move(rules));
}

void install_limits(httplib::Server& server, const HttpConfig& config) {
  server.set_payload_max_length(config.max_request_bytes);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(config.io_timeout);
  const auto micros = (config.io_timeout - seconds).count();
  server.set_read_timeout(seconds.count(), micros);
  server.set_write_timeout(seconds.count(), micros);
  server.set_idle_interval(0, 0);
  // Alertmanager keeps connections alive; httplib's default of 5 requests per connection
  // would make it reconnect constantly under load.
  server.set_keep_alive_max_count(10000);
  // httplib writes a response's headers and body separately: with Nagle's algorithm on, the
  // body waits for the client's delayed ACK, ~40 ms per request on a keep-alive connection
  // (BENCHMARKS.md: single-alert p50 44 ms before, whatever the load).
  server.set_tcp_nodelay(true);
  // Whole seconds only in httplib; never 0, which would close every connection at once.
  server.set_keep_alive_timeout(std::max<time_t>(1, seconds.count()));
}

/// Before any route: a write a browser sends from another site is refused (the basic-auth
/// credentials a browser keeps would go with it), and with --web.read-auth reads need the
/// credentials writes need; the handlers of writes check those themselves (after the body,
/// which must be consumed on a keep-alive connection).
void install_request_checks(httplib::Server& server, const HttpConfig& config,
                            HttpDependencies deps) {
  server.set_pre_routing_handler([read_auth = config.read_auth, prefix = config.route_prefix,
                                  external_url = config.external_url,
                                  &authenticator = deps.authenticator](const httplib::Request& req,
                                                                       httplib::Response& res) {
    if (cross_site_write(req, external_url)) {
      send_error(res, 403,
                 "cross-site request refused: a browser may write only from this server's own "
                 "pages (Origin / Sec-Fetch-Site)");
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool read = req.method == "GET" || req.method == "HEAD";
    const bool open = req.path == prefix + "/-/healthy" || req.path == prefix + "/-/ready" ||
                      req.path == prefix + "/static/style.css";
    if (!read_auth || !read || open || authorized(authenticator, req, res)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    return httplib::Server::HandlerResponse::Handled;
  });
}

void install_error_handling(httplib::Server& server) {
  // httplib's default puts what() into a response header; never leak internals.
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                                  std::exception_ptr ep) {
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      log_error("handler failed",
                {{"method", req.method}, {"path", quoted(req.path)}, {"err", quoted(e.what())}});
    } catch (...) {
      log_error("handler failed", {{"method", req.method}, {"path", quoted(req.path)}});
    }
    send_error(res, 500, "internal error");
  });
  // Errors httplib produces itself (404 for unknown paths, 413 over the payload limit, 400 for
  // malformed requests) get the same JSON shape as ours; responses with a body are ours.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 413) {
      send_error(res, 413, "request body exceeds --web.max-request-bytes");
    } else if (res.status == 404) {
      send_error(res, 404, "not found: " + req.path);
    } else {
      send_error(res, res.status, "bad request");
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
}

void install_health(Routes& routes, const HttpConfig& config, HttpDependencies deps) {
  routes.Get("/-/healthy", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("Healthy.\n", "text/plain; charset=utf-8");
  });
  routes.Get("/-/ready",
             [&queries = deps.queries](const httplib::Request&, httplib::Response& res) {
               if (queries.ready()) {
                 res.set_content("Ready.\n", "text/plain; charset=utf-8");
               } else {
                 res.status = 503;
                 res.set_content("Not ready: store unavailable.\n", "text/plain; charset=utf-8");
               }
             });
  routes.Get(config.telemetry_path,
             [&telemetry = deps.telemetry](const httplib::Request&, httplib::Response& res) {
               res.set_content(telemetry.scrape(), kMetricsContentType);
             });
}

}  // namespace

void install_http_api(httplib::Server& server, const HttpConfig& config, HttpDependencies deps) {
  guard_connections(server, config, deps);
  install_limits(server, config);
  install_error_handling(server);
  install_request_checks(server, config, deps);
  Routes routes(server, config.route_prefix);
  install_health(routes, config, deps);
  install_webhook_route(routes, deps);
  install_list_routes(routes, config, deps);
  install_read_routes(routes, config, deps);
  install_rca_routes(routes, config, deps);
  install_postmortem_route(routes, deps);
  install_digest_routes(routes, config, deps);
  install_web_edit_routes(routes, config, deps);
  install_web_routes(routes, config, deps);
}

}  // namespace pmx
