#pragma once
/// Test support: the RCA half of the daemon's REST API (PUT/GET/DELETE /api/v1/rcas/{id},
/// PATCH .../action-items/{item}, PUT .../incidents/{incident}) spoken the way an operator's
/// script would, with or without a bearer token, and small builders for RCA documents.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon.h"

namespace pmx::testing {

/// An action item of an RCA document; `type` is prevent|detect|mitigate|process.
nlohmann::json action_item(const std::string& id, const std::string& type,
                           const std::string& status = "open", const std::string& priority = "P1");

/// A valid draft RCA document: id, title, status, the action items, and the optional parts.
nlohmann::json rca_document(const std::string& id, const std::string& title,
                            const std::vector<nlohmann::json>& action_items = {},
                            const std::vector<std::string>& incidents = {},
                            const std::vector<std::string>& matchers = {});

/// The RCA routes of one daemon, writing with `token` (the daemon's own by default).
class RcaApi {
 public:
  explicit RcaApi(const Daemon& daemon, std::string token = kFixtureToken)
      : daemon_(daemon), token_(std::move(token)) {}

  /// The same API with another token ("" sends no Authorization header).
  RcaApi with_token(std::string token) const { return RcaApi(daemon_, std::move(token)); }

  HttpResponse put(const std::string& id, const nlohmann::json& document) const;
  HttpResponse put_raw(const std::string& id, const std::string& body) const;
  HttpResponse get(const std::string& id) const;
  /// GET /api/v1/rcas with a query string such as "?status=draft" ("" for none).
  HttpResponse list(const std::string& query = "") const;
  HttpResponse remove(const std::string& id) const;
  HttpResponse patch_item(const std::string& id, const std::string& item,
                          const nlohmann::json& patch) const;
  HttpResponse link(const std::string& id, const std::string& incident) const;

  /// The ids of GET /api/v1/rcas<query>, sorted; throws unless 200 with {"rcas":[...]}.
  std::vector<std::string> list_ids(const std::string& query = "") const;
  /// One listed RCA (the full list entry) by id; nullopt when it is not listed.
  std::optional<nlohmann::json> listed(const std::string& id) const;

 private:
  const Daemon& daemon_;
  std::string token_;
};

/// GET /api/v1/incidents/{id}; throws unless 200.
nlohmann::json get_incident(const Daemon& daemon, const std::string& id);

/// The "detail" strings of the timeline entries of `type` of an incident document.
std::vector<std::string> timeline_details(const nlohmann::json& incident, const std::string& type);

}  // namespace pmx::testing
