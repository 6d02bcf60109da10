#include <spdlog/spdlog.h>

#include "api_json.h"
#include "http_util.h"
#include "routes.h"

namespace pmx {
namespace {

using nlohmann::json;

void list_rcas(Queries& queries, const httplib::Request& req, httplib::Response& res) {
  if (!known_params(req, res, {"status", "has_open_items", "source"})) return;
  RcaFilter filter;
  if (req.has_param("status")) {
    filter.status = rca_status_from(req.get_param_value("status"));
    if (!filter.status)
      return send_error(res, 400, "status must be draft, in_review or published", "status");
  }
  if (req.has_param("has_open_items")) {
    const std::string value = req.get_param_value("has_open_items");
    if (value != "true" && value != "false") {
      return send_error(res, 400, "has_open_items must be true or false", "has_open_items");
    }
    filter.has_open_items = value == "true";
  }
  if (req.has_param("source")) filter.source_id = source_id_of(req.get_param_value("source"));
  const auto rcas = queries.rcas(filter);
  if (!rcas) return send_error(res, rcas.error());
  json list = json::array();
  for (const auto& rca : *rcas) list.push_back(api_json(rca));
  send_json(res, 200, {{"rcas", std::move(list)}});
}

/// Answers a write with the RCA it stored: 201 when it created it.
void send_written(httplib::Response& res, const Result<StoredRca>& written) {
  if (!written) return send_error(res, written.error());
  send_json(res, written->created ? 201 : 200, api_json(written->rca));
}

}  // namespace

void install_rca_routes(httplib::Server& server, HttpDependencies deps) {
  server.Get("/api/v1/rcas", [deps](const httplib::Request& req, httplib::Response& res) {
    list_rcas(deps.queries, req, res);
  });
  server.Get(R"(/api/v1/rcas/([^/]+))",
             [deps](const httplib::Request& req, httplib::Response& res) {
               if (!known_params(req, res, {})) return;
    const auto rca = deps.queries.rca(req.matches[1]);
               if (!rca) return send_error(res, rca.error());
               send_json(res, 200, api_json(*rca));
             });
  server.Put(R"(/api/v1/rcas/([^/]+))",
             [deps](const httplib::Request& req, httplib::Response& res) {
               if (!authorized(deps.authenticator, req, res)) return;
               const auto body = json_body(req.body, res);
               if (!body) return;
               const std::string id = req.matches[1];
               const auto written = deps.rcas.put(id, *body, deps.now());
               if (written)
                 spdlog::info("msg=\"RCA stored\" id={} version={}", id, written->rca.version);
               send_written(res, written);
             });
  server.Delete(R"(/api/v1/rcas/([^/]+))",
                [deps](const httplib::Request& req, httplib::Response& res) {
                  if (!authorized(deps.authenticator, req, res)) return;
                  const auto removed = deps.rcas.remove(req.matches[1]);
                  if (!removed) return send_error(res, removed.error());
                  res.status = 204;
                });
  server.Patch(R"(/api/v1/rcas/([^/]+)/action-items/([^/]+))",
               [deps](const httplib::Request& req, httplib::Response& res) {
                 if (!authorized(deps.authenticator, req, res)) return;
                 const auto body = json_body(req.body, res);
                 if (!body) return;
                 send_written(res, deps.rcas.patch_action_item(req.matches[1], req.matches[2],
                                                               *body, deps.now()));
               });
  server.Put(R"(/api/v1/rcas/([^/]+)/incidents/([^/]+))", [deps](const httplib::Request& req,
                                                                 httplib::Response& res) {
    if (!authorized(deps.authenticator, req, res)) return;
    send_written(res, deps.rcas.link_incident(req.matches[1], req.matches[2], deps.now()));
  });
}

}  // namespace pmx
