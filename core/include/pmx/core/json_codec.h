#pragma once
/// JSON forms of the domain objects. Incidents and timeline entries have one shape for the API
/// and for storage, so what Redis holds is what `GET /api/v1/incidents/{id}` shows; a source's
/// stored form adds its version (a storage detail) to the summary the API shows. Times are
/// RFC 3339 strings.
#include <nlohmann/json.hpp>
#include <optional>

#include "pmx/core/incident.h"

namespace pmx {

/// Whether an incident's JSON carries its alert records. The API shows them; the stores keep
/// them apart (one record per key or map entry), so that a webhook writes the records it
/// changed and not the whole incident again.
enum class AlertRecords { kInclude, kOmit };

nlohmann::json to_json(const Incident& incident, AlertRecords records = AlertRecords::kInclude);
nlohmann::json to_json(const TimelineEvent& event);
/// A source as stored (with its version), with its current incident.
nlohmann::json to_json(const SourceState& state, AlertRecords records = AlertRecords::kInclude);
/// A source's own fields, without its current incident and without its version: the part of
/// a source every form shares.
nlohmann::json source_summary_json(const SourceState& state);
/// A state's stored JSON (with its version) and `"current": null`, for a writer that has the
/// current incident's JSON text already (RedisStore's commit writes that document on its own too).
nlohmann::json to_json_without_current(const SourceState& state);
nlohmann::json to_json(const AlertRecord& record);

/// Decoders for stored documents; nullopt when the document does not have the expected shape.
std::optional<Incident> incident_from_json(const nlohmann::json& doc);
std::optional<TimelineEvent> timeline_event_from_json(const nlohmann::json& doc);
std::optional<SourceState> source_state_from_json(const nlohmann::json& doc);
std::optional<AlertRecord> alert_record_from_json(const nlohmann::json& doc);

}  // namespace pmx
