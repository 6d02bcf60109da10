#include "incident_text.h"

#include <utility>

namespace pmx {

std::string label_of(const Incident& incident, const char* name) {
  for (const auto& [fingerprint, alert] : incident.alerts) {
    const auto it = alert.labels.find(name);
    if (it != alert.labels.end() && !it->second.empty()) return it->second;
  }
  return "";
}

std::string incident_title(const Incident& incident) {
  std::string name = label_of(incident, "alertname");
  const std::string service = label_of(incident, "service");
  if (!name.empty() && !service.empty()) name += " on " + service;
  if (name.empty()) name = incident.source.empty() ? incident.id : incident.source;
  return name;
}

std::string alert_text(const Incident& incident, const std::string& fingerprint) {
  const auto it = incident.alerts.find(fingerprint);
  if (it == incident.alerts.end()) return fingerprint;
  const auto summary = it->second.annotations.find("summary");
  if (summary != it->second.annotations.end() && !summary->second.empty()) return summary->second;
  const auto instance = it->second.labels.find("instance");
  if (instance != it->second.labels.end() && !instance->second.empty()) return instance->second;
  return fingerprint;
}

namespace {

constexpr std::pair<TimelineEventType, const char*> kEventWords[] = {
    {TimelineEventType::kOpened, "incident opened"},
    {TimelineEventType::kAlertFired, "alert fired"},
    {TimelineEventType::kAlertResolved, "alert resolved"},
    {TimelineEventType::kResolved, "incident resolved"},
    {TimelineEventType::kReopened, "incident reopened"},
    {TimelineEventType::kFlaggedRepeat, "flagged as repeat"},
    {TimelineEventType::kRcaLinked, "RCA linked"},
    {TimelineEventType::kActionItemChanged, "action item changed"},
};

}  // namespace

std::string event_text(const Incident& incident, const TimelineEvent& event) {
  std::string text = to_string(event.type);
  for (const auto& [type, words] : kEventWords) {
    if (type == event.type) text = words;
  }
  const bool about_alert = event.type == TimelineEventType::kAlertFired ||
                           event.type == TimelineEventType::kAlertResolved;
  const std::string detail = about_alert ? alert_text(incident, event.fingerprint) : event.detail;
  return detail.empty() ? text : text + ": " + detail;
}

}  // namespace pmx
