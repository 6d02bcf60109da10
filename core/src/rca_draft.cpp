#include "pmx/core/rca_draft.h"

#include "incident_text.h"
#include "pmx/core/time.h"

namespace pmx {
namespace {

constexpr std::size_t kMaxIdLength = 64;

bool id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

std::string new_rca_id(const Incident& incident) {
  std::string id = "pm-" + incident.id;
  for (char& c : id) {
    if (!id_char(c)) c = '-';
  }
  if (id.size() > kMaxIdLength) id.resize(kMaxIdLength);
  return id;
}

nlohmann::json new_rca_document(const Incident& incident,
                                const std::vector<TimelineEvent>& timeline) {
  nlohmann::json doc{{"id", new_rca_id(incident)},
                     {"title", incident_title(incident)},
                     {"status", "draft"},
                     {"incidents", {incident.id}},
                     {"detected_by", "monitoring"},
                     {"impact_started_at", format_rfc3339_seconds(incident.opened_at)}};
  if (!incident.severities.empty()) doc["severity"] = *incident.severities.begin();
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& event : timeline) {
    entries.push_back({{"time", format_rfc3339_seconds(event.at)},
                       {"event", event_text(incident, event)},
                       {"source", "postmortem-exporter"}});
  }
  if (!entries.empty()) doc["timeline"] = std::move(entries);
  return doc;
}

}  // namespace pmx
