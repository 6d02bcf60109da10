#pragma once
// Route groups of the HTTP API, each in its own file, registered through Routes: the one place
// a route gets the --web.route-prefix.
#include <httplib.h>

#include "pmx/receiver/http_api.h"

namespace pmx {

/// Registers routes on a server under the route prefix ("/pmx" or ""): the pattern
/// `/api/v1/webhook` answers at `/pmx/api/v1/webhook`, and nowhere else. Patterns are regexes;
/// the prefix is matched as it is written (its metacharacters escaped). Copyable; the server
/// must outlive it.
class Routes {
 public:
  Routes(httplib::Server& server, const std::string& prefix);

  Routes& Get(const std::string& pattern, httplib::Server::Handler handler);
  Routes& Post(const std::string& pattern, httplib::Server::Handler handler);
  Routes& Post(const std::string& pattern, httplib::Server::HandlerWithContentReader handler);
  Routes& Put(const std::string& pattern, httplib::Server::Handler handler);
  Routes& Patch(const std::string& pattern, httplib::Server::Handler handler);
  Routes& Delete(const std::string& pattern, httplib::Server::Handler handler);

  /// The prefix as given (not escaped): what a path compared by hand starts with.
  const std::string& prefix() const { return prefix_; }

 private:
  std::string under_prefix(const std::string& pattern) const;

  httplib::Server* server_;
  std::string prefix_;
  std::string escaped_prefix_;
};

/// Where the web UI's links point: the path of --web.external-url when it is set (a proxy may
/// strip the prefix it serves under, --web.route-prefix=/), else the route prefix.
std::string link_prefix(const HttpConfig& config);

/// POST /api/v1/webhook: Alertmanager's notifications.
void install_webhook_route(Routes& routes, HttpDependencies deps);
/// GET /api/v1/incidents/{id}, GET /api/v1/sources/{key}.
void install_read_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps);
/// The lists (list_routes.cpp): GET /api/v1/incidents, /api/v1/sources, /api/v1/rcas and
/// /api/v1/action-items, in pages, as JSON or CSV.
void install_list_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps);
/// GET|PUT|DELETE /api/v1/rcas/{id}, PATCH .../action-items/{item}, PUT .../incidents/{id}.
void install_rca_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps);

/// The web UI: GET /, /incidents/{id}, /sources/{id}, /rcas[/{id}], /action-items and
/// /static/style.css (web_routes.cpp).
void install_web_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps);
/// The web UI's forms: the post-mortem editor, publish, an action item's status.
void install_web_edit_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps);

/// GET /api/v1/incidents/{id}/postmortem.md: a Markdown draft in the standard template.
void install_postmortem_route(Routes& routes, HttpDependencies deps);

/// GET /api/v1/digest.md and /api/v1/digest?from=&to=: the post-mortem digest of a period
/// (pmx/core/digest.h), by default the last calendar month.
void install_digest_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps);

}  // namespace pmx
