#include "rca_api.h"

#include <algorithm>
#include <stdexcept>

namespace pmx::testing {

nlohmann::json action_item(const std::string& id, const std::string& type,
                           const std::string& status, const std::string& priority) {
  return {{"id", id},
          {"title", "Action " + id + " (" + type + ")"},
          {"type", type},
          {"priority", priority},
          {"owner", "sre-oncall"},
          {"due", "2030-01-31"},
          {"status", status}};
}

nlohmann::json rca_document(const std::string& id, const std::string& title,
                            const std::vector<nlohmann::json>& action_items,
                            const std::vector<std::string>& incidents,
                            const std::vector<std::string>& matchers) {
  nlohmann::json doc{{"id", id}, {"title", title}, {"status", "draft"}};
  if (!action_items.empty()) doc["action_items"] = action_items;
  if (!incidents.empty()) doc["incidents"] = incidents;
  if (!matchers.empty()) doc["matchers"] = matchers;
  return doc;
}

HttpResponse RcaApi::put(const std::string& id, const nlohmann::json& document) const {
  return put_raw(id, document.dump());
}

HttpResponse RcaApi::put_raw(const std::string& id, const std::string& body) const {
  return http_request(daemon_.port(), "PUT", "/api/v1/rcas/" + url_encode(id), body, token_);
}

HttpResponse RcaApi::get(const std::string& id) const {
  return http_request(daemon_.port(), "GET", "/api/v1/rcas/" + url_encode(id));
}

HttpResponse RcaApi::list(const std::string& query) const {
  return http_request(daemon_.port(), "GET", "/api/v1/rcas" + query);
}

HttpResponse RcaApi::remove(const std::string& id) const {
  return http_request(daemon_.port(), "DELETE", "/api/v1/rcas/" + url_encode(id), "", token_);
}

HttpResponse RcaApi::patch_item(const std::string& id, const std::string& item,
                                const nlohmann::json& patch) const {
  return http_request(daemon_.port(), "PATCH",
                      "/api/v1/rcas/" + url_encode(id) + "/action-items/" + url_encode(item),
                      patch.dump(), token_);
}

HttpResponse RcaApi::link(const std::string& id, const std::string& incident) const {
  return http_request(daemon_.port(), "PUT",
                      "/api/v1/rcas/" + url_encode(id) + "/incidents/" + url_encode(incident), "",
                      token_);
}

std::vector<std::string> RcaApi::list_ids(const std::string& query) const {
  const HttpResponse response = list(query);
  if (response.status != 200) {
    throw std::runtime_error("GET /api/v1/rcas" + query + " -> " +
                             std::to_string(response.status) + " " + response.error + " " +
                             response.body.substr(0, 500));
  }
  std::vector<std::string> ids;
  const nlohmann::json body = response.json();  // not in the for: .at() of a temporary dangles
  for (const auto& entry : body.at("rcas")) {
    ids.push_back(entry.at("rca").at("id").get<std::string>());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<nlohmann::json> RcaApi::listed(const std::string& id) const {
  const HttpResponse response = list();
  if (response.status != 200) {
    throw std::runtime_error("GET /api/v1/rcas -> " + std::to_string(response.status) + " " +
                             response.error + " " + response.body.substr(0, 500));
  }
  const nlohmann::json body = response.json();
  for (const auto& entry : body.at("rcas")) {
    if (entry.at("rca").value("id", "") == id) return entry;
  }
  return std::nullopt;
}

nlohmann::json get_incident(const Daemon& daemon, const std::string& id) {
  return daemon.get_json("/api/v1/incidents/" + url_encode(id));
}

std::vector<std::string> timeline_details(const nlohmann::json& incident, const std::string& type) {
  std::vector<std::string> details;
  for (const auto& entry : incident.value("timeline", nlohmann::json::array())) {
    if (entry.value("type", "") == type) details.push_back(entry.value("detail", ""));
  }
  return details;
}

}  // namespace pmx::testing
