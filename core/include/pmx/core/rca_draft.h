#pragma once
/// The document a new post-mortem of an incident starts from: what the daemon already knows,
/// so the author writes the analysis, not the facts (the web UI's "Write the post-mortem").
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pmx/core/incident.h"

namespace pmx {

/// An RCA id for a new post-mortem of the incident: `pm-<incident id>`, with characters an
/// id does not allow replaced by '-' and cut to the id's 64 characters.
std::string new_rca_id(const Incident& incident);

/// A draft RCA document (schema/rca.schema.json) of `incident`: id (new_rca_id), title as the
/// Markdown draft's, status draft, the incident linked, its alerts' severity, detected_by
/// monitoring, impact_started_at at the first alert's start (the author moves it back to when
/// users were first hurt: the detection gap is measured from it), and the incident's activity
/// as timeline entries (source "postmortem-exporter"). Pure: nothing is read or stored.
nlohmann::json new_rca_document(const Incident& incident,
                                const std::vector<TimelineEvent>& timeline);

}  // namespace pmx
