#pragma once
// An incident in words, as the Markdown draft and the web UI's new post-mortem both write it:
// its title, the alert an event concerns and each activity event.
#include <string>

#include "pmx/core/incident.h"

namespace pmx {

/// The first non-empty value of label `name` over the incident's alerts, or "".
std::string label_of(const Incident& incident, const char* name);

/// `HighLatency on checkout`: alertname and service, else the source key, else the id.
std::string incident_title(const Incident& incident);

/// The alert an event concerns: its `summary` annotation (what the rule's author wrote for
/// humans), else its `instance` label, else its fingerprint.
std::string alert_text(const Incident& incident, const std::string& fingerprint);

/// `alert fired: web-1`, `flagged as repeat: 3rd incident of this source in 180d`.
std::string event_text(const Incident& incident, const TimelineEvent& event);

}  // namespace pmx
