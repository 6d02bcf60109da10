#pragma once
// The JSON API's documents, built from domain values. Storage has its own forms (store/); a
// field kept only for storage, such as a source's version, never reaches the API.
#include <nlohmann/json.hpp>
#include <vector>

#include "pmx/service/queries.h"

namespace pmx {

nlohmann::json api_json(const Incident& incident);
/// The incident with its activity timeline.
nlohmann::json api_json(const IncidentDetail& detail);
nlohmann::json api_json(const SourceState& source);
/// The source with its incidents.
nlohmann::json api_json(const SourceHistory& history);
nlohmann::json api_json(const std::vector<Incident>& incidents);
/// {"rca": document, "version", "read_only", "action_items", "open_action_items"}.
nlohmann::json api_json(const Rca& rca);

}  // namespace pmx
