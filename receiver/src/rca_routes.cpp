#include <spdlog/spdlog.h>

#include "http_util.h"
#include "pmx/core/matcher.h"
#include "pmx/core/repeat.h"
#include "routes.h"

namespace pmx {
namespace {

using nlohmann::json;

json rca_json(const Rca& rca) {
  return json{{"rca", rca.document},
              {"version", rca.version},
              {"read_only", rca.from_file},
              {"action_items", rca.action_items.size()},
              {"open_action_items", rca.open_action_items()}};
}

void send_failure(httplib::Response& res, const RcaServiceError& error) {
  switch (error.failure) {
    case RcaFailure::kInvalid: {
      json problems = json::array();
      for (const auto& p : error.problems) problems.push_back({{"field", p.path}, {"message", p.message}});
      json body{{"error", error.message}, {"problems", problems}};
      if (!error.problems.empty()) body["field"] = error.problems.front().path;
      return send_json(res, 422, body);
    }
    case RcaFailure::kNotFound: return send_error(res, 404, error.message);
    case RcaFailure::kReadOnly: return send_error(res, 409, error.message);
    case RcaFailure::kStore: return send_store_error(res, error.store_error);
  }
}

/// Writes need credentials when they are configured; answers 401 itself and returns false.
bool authorized(const HttpDependencies& deps, const httplib::Request& req, httplib::Response& res) {
  if (deps.authenticator.allows(req.get_header_value("Authorization"))) return true;
  res.set_header("WWW-Authenticate", "Bearer realm=\"postmortem-exporter\"");
  send_error(res, 401, "missing or invalid credentials");
  return false;
}

/// Parses a JSON body; answers 400 with the position itself and returns nullopt on bad JSON.
std::optional<json> json_body(const httplib::Request& req, httplib::Response& res) {
  try {
    return json::parse(req.body);
  } catch (const json::parse_error& e) {
    send_error(res, 400, "invalid JSON at byte " + std::to_string(e.byte));
    return std::nullopt;
  } catch (const json::exception&) {
    // A number beyond a double (1e309) is out_of_range, not parse_error: still the body's fault.
    send_error(res, 400, "invalid JSON: a number is out of range");
    return std::nullopt;
  }
}

/// Does the RCA cover the source: linked to one of its incidents, or matchers matching its labels.
bool covers_source(const Rca& rca, const SourceState& source) {
  const RcaCoverage coverage = coverage_of(rca);
  if (coverage.source_ids.count(source.key.id)) return true;
  return !coverage.matchers.empty() && matches_all(coverage.matchers, source.key.labels);
}

void list_rcas(HttpDependencies& deps, const httplib::Request& req, httplib::Response& res) {
  std::optional<RcaStatus> status;
  if (req.has_param("status")) {
    status = rca_status_from(req.get_param_value("status"));
    if (!status) return send_error(res, 400, "status must be draft, in_review or published", "status");
  }
  std::optional<bool> has_open_items;
  if (req.has_param("has_open_items")) {
    const std::string value = req.get_param_value("has_open_items");
    if (value != "true" && value != "false") {
      return send_error(res, 400, "has_open_items must be true or false", "has_open_items");
    }
    has_open_items = value == "true";
  }
  std::optional<SourceState> source;
  if (req.has_param("source")) {
    const std::string key = req.get_param_value("source");
    const auto found = deps.store.get_source(source_id_from_param(key));
    if (!found) return send_store_error(res, found.error());
    if (!*found) return send_json(res, 200, {{"rcas", json::array()}});
    source = **found;
  }
  const auto rcas = deps.store.list_rcas();
  if (!rcas) return send_store_error(res, rcas.error());
  json list = json::array();
  for (const auto& rca : *rcas) {
    if (status && rca.status != *status) continue;
    if (has_open_items && (rca.open_action_items() > 0) != *has_open_items) continue;
    if (source && !covers_source(rca, *source)) continue;
    list.push_back(rca_json(rca));
  }
  send_json(res, 200, {{"rcas", std::move(list)}});
}

}  // namespace

void install_rca_routes(httplib::Server& server, HttpDependencies deps) {
  server.Get("/api/v1/rcas", [deps](const httplib::Request& req, httplib::Response& res) mutable {
    list_rcas(deps, req, res);
  });
  server.Get(R"(/api/v1/rcas/([^/]+))", [deps](const httplib::Request& req, httplib::Response& res) {
    const auto rca = deps.store.get_rca(req.matches[1]);
    if (!rca) return send_store_error(res, rca.error());
    if (!*rca) return send_error(res, 404, "no RCA with id " + std::string(req.matches[1]), "id");
    send_json(res, 200, rca_json(**rca));
  });
  server.Put(R"(/api/v1/rcas/([^/]+))", [deps](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(deps, req, res)) return;
    const auto body = json_body(req, res);
    if (!body) return;
    const std::string id = req.matches[1];
    const auto outcome = deps.rcas.put(id, *body, deps.now());
    if (const auto* error = std::get_if<RcaServiceError>(&outcome)) return send_failure(res, *error);
    const auto stored = deps.store.get_rca(id);
    if (!stored || !*stored) return send_store_error(res, stored ? StoreError::kConflict : stored.error());
    spdlog::info("msg=\"RCA stored\" id={} version={}", id, (*stored)->version);
    send_json(res, std::get<RcaWrite>(outcome).created ? 201 : 200, rca_json(**stored));
  });
  server.Delete(R"(/api/v1/rcas/([^/]+))", [deps](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(deps, req, res)) return;
    const auto outcome = deps.rcas.remove(req.matches[1]);
    if (const auto* error = std::get_if<RcaServiceError>(&outcome)) return send_failure(res, *error);
    res.status = 204;
  });
  server.Patch(R"(/api/v1/rcas/([^/]+)/action-items/([^/]+))",
               [deps](const httplib::Request& req, httplib::Response& res) {
                 if (!authorized(deps, req, res)) return;
                 const auto body = json_body(req, res);
                 if (!body) return;
                 const auto outcome =
                     deps.rcas.patch_action_item(req.matches[1], req.matches[2], *body, deps.now());
                 if (const auto* error = std::get_if<RcaServiceError>(&outcome)) {
                   return send_failure(res, *error);
                 }
                 send_json(res, 200, rca_json(std::get<Rca>(outcome)));
               });
  server.Put(R"(/api/v1/rcas/([^/]+)/incidents/([^/]+))",
             [deps](const httplib::Request& req, httplib::Response& res) {
               if (!authorized(deps, req, res)) return;
               const auto outcome = deps.rcas.link_incident(req.matches[1], req.matches[2], deps.now());
               if (const auto* error = std::get_if<RcaServiceError>(&outcome)) {
                 return send_failure(res, *error);
               }
               send_json(res, 200, rca_json(std::get<Rca>(outcome)));
             });
}

}  // namespace pmx
