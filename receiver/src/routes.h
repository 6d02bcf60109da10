#pragma once
// Route groups of the HTTP API, each in its own file.
#include <httplib.h>

#include "pmx/receiver/http_api.h"

namespace pmx {

/// POST /api/v1/webhook: Alertmanager's notifications.
void install_webhook_route(httplib::Server& server, HttpDependencies deps);
/// GET /api/v1/incidents[/{id}], GET /api/v1/sources[/{key}].
void install_read_routes(httplib::Server& server, HttpDependencies deps);
/// GET|PUT|DELETE /api/v1/rcas[/{id}], PATCH .../action-items/{item}, PUT .../incidents/{id}.
void install_rca_routes(httplib::Server& server, HttpDependencies deps);

/// The web UI: GET /, /incidents/{id}, /sources/{id}, /rcas[/{id}], /action-items and
/// /static/style.css (web_routes.cpp).
void install_web_routes(httplib::Server& server, const HttpConfig& config, HttpDependencies deps);
/// The web UI's forms: the post-mortem editor, publish, an action item's status.
void install_web_edit_routes(httplib::Server& server, const HttpConfig& config,
                             HttpDependencies deps);

/// GET /api/v1/incidents/{id}/postmortem.md: a Markdown draft in the standard template.
void install_postmortem_route(httplib::Server& server, HttpDependencies deps);

}  // namespace pmx
