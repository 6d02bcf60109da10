#include "api_json.h"

#include "pmx/core/json_codec.h"

namespace pmx {

using nlohmann::json;

json api_json(const Incident& incident) { return to_json(incident); }

json api_json(const IncidentDetail& detail) {
  json doc = api_json(detail.incident);
  json timeline = json::array();
  for (const auto& event : detail.timeline) timeline.push_back(to_json(event));
  doc["timeline"] = std::move(timeline);
  return doc;
}

json api_json(const SourceState& source) {
  json doc = source_summary_json(source);
  doc["current"] = source.current ? api_json(*source.current) : json();
  return doc;
}

json api_json(const SourceHistory& history) {
  json doc = api_json(history.source);
  doc["incidents"] = api_json(history.incidents);
  return doc;
}

json api_json(const std::vector<Incident>& incidents) {
  json list = json::array();
  for (const auto& incident : incidents) list.push_back(api_json(incident));
  return list;
}

json api_json(const Rca& rca) {
  return json{{"rca", rca.document},
              {"version", rca.version},
              {"read_only", rca.from_file},
              {"action_items", rca.action_items.size()},
              {"open_action_items", rca.open_action_items()}};
}

}  // namespace pmx
