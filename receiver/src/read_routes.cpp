#include <charconv>

#include "api_json.h"
#include "http_util.h"
#include "routes.h"

namespace pmx {
namespace {

using nlohmann::json;

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;

/// Parses ?limit=; answers 400 itself and returns nullopt when it is not in 1..kMaxLimit.
std::optional<std::size_t> limit_param(const httplib::Request& req, httplib::Response& res) {
  if (!req.has_param("limit")) return kDefaultLimit;
  const std::string text = req.get_param_value("limit");
  std::size_t limit = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (ec != std::errc() || end != text.data() + text.size() || limit == 0 || limit > kMaxLimit) {
    send_error(res, 400, "limit must be an integer from 1 to " + std::to_string(kMaxLimit), "limit");
    return std::nullopt;
  }
  return limit;
}

void list_incidents(Queries& queries, const UiLinks& links, const httplib::Request& req,
                    httplib::Response& res) {
  if (!known_params(req, res, {"source", "state", "limit"})) return;
  IncidentFilter filter;
  if (req.has_param("source")) {
    auto source_id = queries.source_id_of(req.get_param_value("source"));
    if (!source_id) return send_error(res, source_id.error());
    filter.source_id = std::move(*source_id);
  }
  if (req.has_param("state")) {
    filter.state = incident_state_from(req.get_param_value("state"));
    if (!filter.state) return send_error(res, 400, "state must be \"open\" or \"resolved\"", "state");
  }
  const auto limit = limit_param(req, res);
  if (!limit) return;
  filter.limit = *limit;
  const auto incidents = queries.incidents(filter);
  if (!incidents) return send_error(res, incidents.error());
  send_json(res, 200, {{"incidents", api_json(*incidents, links)}});
}

void list_sources(Queries& queries, const UiLinks& links, const httplib::Request& req,
                  httplib::Response& res) {
  if (!known_params(req, res, {"limit"})) return;
  const auto limit = limit_param(req, res);
  if (!limit) return;
  const auto sources = queries.sources(*limit);
  if (!sources) return send_error(res, sources.error());
  json list = json::array();
  for (const auto& source : *sources) list.push_back(api_json(source, links));
  send_json(res, 200, {{"sources", std::move(list)}});
}

void get_source(Queries& queries, const UiLinks& links, const httplib::Request& req,
                httplib::Response& res) {
  if (!known_params(req, res, {})) return;
  const auto history = queries.source(req.matches[1], kMaxLimit);
  if (!history) return send_error(res, history.error());
  send_json(res, 200, api_json(*history, links));
}

}  // namespace

void install_read_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps) {
  Queries& queries = deps.queries;
  const UiLinks links = ui_links(config);
  routes.Get("/api/v1/incidents",
             [&queries, links](const httplib::Request& req, httplib::Response& res) {
               list_incidents(queries, links, req, res);
             });
  routes.Get(R"(/api/v1/incidents/([^/]+))",
             [&queries, links](const httplib::Request& req, httplib::Response& res) {
               if (!known_params(req, res, {})) return;
               const auto detail = queries.incident(req.matches[1]);
               if (!detail) return send_error(res, detail.error());
               send_json(res, 200, api_json(*detail, links));
             });
  routes.Get("/api/v1/sources",
             [&queries, links](const httplib::Request& req, httplib::Response& res) {
               list_sources(queries, links, req, res);
             });
  // [\s\S], not `.`: ECMAScript's `.` stops at \r, which a label value (so a key) may hold.
  routes.Get(R"(/api/v1/sources/([\s\S]+))",
             [&queries, links](const httplib::Request& req, httplib::Response& res) {
               get_source(queries, links, req, res);
             });
}

}  // namespace pmx
