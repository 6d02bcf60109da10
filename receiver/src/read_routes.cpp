#include "api_json.h"
#include "http_util.h"
#include "routes.h"

namespace pmx {
namespace {

/// A source's page of incidents: as many as a list's page may hold.
constexpr std::size_t kSourceIncidents = 1000;

void get_source(Queries& queries, const UiLinks& links, const httplib::Request& req,
                httplib::Response& res) {
  if (!known_params(req, res, {})) return;
  const auto history = queries.source(req.matches[1], kSourceIncidents);
  if (!history) return send_error(res, history.error());
  send_json(res, 200, api_json(*history, links));
}

}  // namespace

void install_read_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps) {
  Queries& queries = deps.queries;
  const UiLinks links = ui_links(config);
  routes.Get(R"(/api/v1/incidents/([^/]+))",
             [&queries, links](const httplib::Request& req, httplib::Response& res) {
               if (!known_params(req, res, {})) return;
               const auto detail = queries.incident(req.matches[1]);
               if (!detail) return send_error(res, detail.error());
               send_json(res, 200, api_json(*detail, links));
             });
  // [\s\S], not `.`: ECMAScript's `.` stops at \r, which a label value (so a key) may hold.
  routes.Get(R"(/api/v1/sources/([\s\S]+))",
             [&queries, links](const httplib::Request& req, httplib::Response& res) {
               get_source(queries, links, req, res);
             });
}

}  // namespace pmx
