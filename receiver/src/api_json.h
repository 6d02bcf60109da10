#pragma once
// The JSON API's documents, built from domain values. Storage has its own forms (store/); a
// field kept only for storage, such as a source's version, never reaches the API.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pmx/core/ui_links.h"
#include "pmx/receiver/http_api.h"
#include "pmx/service/queries.h"
#include "pmx/service/rca_service.h"

namespace pmx {

/// The web UI's links under --web.external-url, else the route prefix.
UiLinks ui_links(const HttpConfig& config);

/// The incident with its `ui_url`.
nlohmann::json api_json(const Incident& incident, const UiLinks& links);
/// The incident with its activity timeline.
nlohmann::json api_json(const IncidentDetail& detail, const UiLinks& links);
nlohmann::json api_json(const SourceState& source, const UiLinks& links);
/// The source with its incidents.
nlohmann::json api_json(const SourceHistory& history, const UiLinks& links);
nlohmann::json api_json(const std::vector<Incident>& incidents, const UiLinks& links);
/// {"rca": document, "version", "read_only", "action_items", "open_action_items", "ui_url"}.
nlohmann::json api_json(const Rca& rca, const UiLinks& links);
/// The answer of an RCA write: api_json of the RCA stored, with `warnings`, the quality checks
/// of its action items, each {"kind", "item" ("" for the RCA as a whole), "message"}.
nlohmann::json api_json(const StoredRca& written, const UiLinks& links);

}  // namespace pmx
