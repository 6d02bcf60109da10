#include "pmx/core/incident.h"

#include <utility>

namespace pmx {

const char* to_string(IncidentState state) {
  return state == IncidentState::kOpen ? "open" : "resolved";
}

std::optional<IncidentState> incident_state_from(const std::string& text) {
  if (text == "open") return IncidentState::kOpen;
  if (text == "resolved") return IncidentState::kResolved;
  return std::nullopt;
}

namespace {
// One table for both directions, so the two cannot drift apart. The names are stored with the
// timeline (json_codec), so an existing one is never renamed.
constexpr std::pair<TimelineEventType, const char*> kEventNames[] = {
    {TimelineEventType::kOpened, "opened"},
    {TimelineEventType::kAlertFired, "alert_fired"},
    {TimelineEventType::kAlertResolved, "alert_resolved"},
    {TimelineEventType::kResolved, "resolved"},
    {TimelineEventType::kReopened, "reopened"},
    {TimelineEventType::kFlaggedRepeat, "flagged_repeat"},
    {TimelineEventType::kRcaLinked, "rca_linked"},
    {TimelineEventType::kActionItemChanged, "action_item_changed"},
};
}  // namespace

const char* to_string(TimelineEventType type) {
  for (const auto& [t, name] : kEventNames) {
    if (t == type) return name;
  }
  return "unknown";
}

std::optional<TimelineEventType> timeline_event_type_from(const std::string& text) {
  for (const auto& [t, name] : kEventNames) {
    if (text == name) return t;
  }
  return std::nullopt;
}

std::string incident_id(const std::string& source_id, std::uint64_t number) {
  return source_id + "-" + std::to_string(number);
}

}  // namespace pmx
