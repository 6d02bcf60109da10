#include <charconv>

#include "http_util.h"
#include "pmx/core/json_codec.h"
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

json incident_list(const std::vector<Incident>& incidents) {
  json list = json::array();
  for (const auto& incident : incidents) list.push_back(to_json(incident));
  return list;
}

json source_json(const SourceState& state) {
  json doc = to_json(state);
  doc.erase("version");  // storage detail
  return doc;
}

void list_incidents(Store& store, const httplib::Request& req, httplib::Response& res) {
  IncidentFilter filter;
  if (req.has_param("source")) filter.source_id = source_id_from_param(req.get_param_value("source"));
  if (req.has_param("state")) {
    filter.state = incident_state_from(req.get_param_value("state"));
    if (!filter.state) return send_error(res, 400, "state must be \"open\" or \"resolved\"", "state");
  }
  const auto limit = limit_param(req, res);
  if (!limit) return;
  filter.limit = *limit;
  const auto incidents = store.list_incidents(filter);
  if (!incidents) return send_store_error(res, incidents.error());
  send_json(res, 200, {{"incidents", incident_list(*incidents)}});
}

void get_incident(Store& store, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  const auto detail = store.get_incident(id);
  if (!detail) return send_store_error(res, detail.error());
  if (!*detail) return send_error(res, 404, "no incident with id " + id, "id");
  json doc = to_json((*detail)->incident);
  json timeline = json::array();
  for (const auto& event : (*detail)->timeline) timeline.push_back(to_json(event));
  doc["timeline"] = std::move(timeline);
  send_json(res, 200, doc);
}

void list_sources(Store& store, const httplib::Request& req, httplib::Response& res) {
  const auto limit = limit_param(req, res);
  if (!limit) return;
  const auto sources = store.list_sources(*limit);
  if (!sources) return send_store_error(res, sources.error());
  json list = json::array();
  for (const auto& source : *sources) list.push_back(source_json(source));
  send_json(res, 200, {{"sources", std::move(list)}});
}

void get_source(Store& store, const httplib::Request& req, httplib::Response& res) {
  const std::string key = req.matches[1];
  const std::string id = source_id_from_param(key);
  const auto source = store.get_source(id);
  if (!source) return send_store_error(res, source.error());
  if (!*source) return send_error(res, 404, "no source " + key, "key");
  IncidentFilter filter;
  filter.source_id = id;
  filter.limit = kMaxLimit;
  const auto incidents = store.list_incidents(filter);
  if (!incidents) return send_store_error(res, incidents.error());
  json doc = source_json(**source);
  doc["incidents"] = incident_list(*incidents);
  send_json(res, 200, doc);
}

}  // namespace

std::string source_id_from_param(const std::string& value) {
  const bool is_id = value.size() == 16 && value.find_first_not_of("0123456789abcdef") == std::string::npos;
  return is_id ? value : source_id_for(value);
}

void install_read_routes(httplib::Server& server, HttpDependencies deps) {
  Store& store = deps.store;
  server.Get("/api/v1/incidents", [&store](const httplib::Request& req, httplib::Response& res) {
    list_incidents(store, req, res);
  });
  server.Get(R"(/api/v1/incidents/([^/]+))", [&store](const httplib::Request& req, httplib::Response& res) {
    get_incident(store, req, res);
  });
  server.Get("/api/v1/sources", [&store](const httplib::Request& req, httplib::Response& res) {
    list_sources(store, req, res);
  });
  // [\s\S], not `.`: ECMAScript's `.` stops at \r, which a label value (so a key) may hold.
  server.Get(R"(/api/v1/sources/([\s\S]+))", [&store](const httplib::Request& req, httplib::Response& res) {
    get_source(store, req, res);
  });
}

}  // namespace pmx
