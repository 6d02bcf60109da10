#include "api_json.h"

#include "http_util.h"
#include "pmx/core/json_codec.h"

namespace pmx {

using nlohmann::json;

UiLinks ui_links(const HttpConfig& config) {
  return {config.external_url.empty() ? config.route_prefix : config.external_url};
}

json api_json(const Incident& incident, const UiLinks& links) {
  json doc = to_json(incident);
  doc["ui_url"] = links.incident(incident.id);
  return doc;
}

json api_json(const IncidentDetail& detail, const UiLinks& links) {
  json doc = api_json(detail.incident, links);
  json timeline = json::array();
  for (const auto& event : detail.timeline) timeline.push_back(to_json(event));
  doc["timeline"] = std::move(timeline);
  return doc;
}

json api_json(const SourceState& source, const UiLinks& links) {
  json doc = source_summary_json(source);
  doc["current"] = source.current ? api_json(*source.current, links) : json();
  return doc;
}

json api_json(const SourceHistory& history, const UiLinks& links) {
  json doc = api_json(history.source, links);
  doc["incidents"] = api_json(history.incidents, links);
  return doc;
}

json api_json(const std::vector<Incident>& incidents, const UiLinks& links) {
  json list = json::array();
  for (const auto& incident : incidents) list.push_back(api_json(incident, links));
  return list;
}

json api_json(const Rca& rca, const UiLinks& links) {
  return json{{"rca", rca.document},
              {"version", rca.version},
              {"read_only", rca.from_file},
              {"action_items", rca.action_items.size()},
              {"open_action_items", rca.open_action_items()},
              {"ui_url", links.rca(rca.id)}};
}

json api_json(const StoredRca& written, const UiLinks& links) {
  json doc = api_json(written.rca, links);
  json warnings = json::array();
  for (const auto& warning : written.warnings) {
    warnings.push_back(
        {{"kind", to_string(warning.kind)}, {"item", warning.item}, {"message", warning.message}});
  }
  doc["warnings"] = std::move(warnings);
  return doc;
}

}  // namespace pmx
