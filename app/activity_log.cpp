#include "activity_log.h"

#include <spdlog/fmt/fmt.h>

#include <set>
#include <vector>

#include "pmx/log/log.h"

namespace pmx {
namespace {

std::string joined(const std::vector<std::string>& values, const char* separator) {
  std::string out;
  for (const auto& value : values) out += (out.empty() ? "" : separator) + value;
  return out;
}

std::string joined(const std::set<std::string>& values) {
  return joined(std::vector<std::string>(values.begin(), values.end()), ",");
}

std::vector<std::string> rca_ids(const std::vector<RelatedRca>& rcas) {
  std::vector<std::string> ids;
  for (const auto& rca : rcas) ids.push_back(rca.id);
  return ids;
}

void log_repeat(const Incident& incident) {
  // Flagged only when it opened as a repeat, so repeat is set; an empty one is still a line.
  const RepeatInfo repeat = incident.repeat.value_or(RepeatInfo{});
  log_info("incident flagged repeat", {{"incident", incident.id},
                                       {"source", quoted(incident.source)},
                                       {"occurrence", repeat.ordinal},
                                       {"earlier", joined(repeat.earlier_incidents, ",")},
                                       {"rcas", joined(rca_ids(repeat.rcas), ",")},
                                       {"open_action_items", repeat.open_action_items},
                                       {"ineffective_fix", repeat.ineffective_fix}});
}

}  // namespace

std::string log_seconds(double seconds) {
  return seconds < 10 ? fmt::format("{:.1f}s", seconds) : fmt::format("{:.0f}s", seconds);
}

void ActivityLog::incident_step(const Incident& incident, const TimelineEvent& step) {
  const LogField id("incident", incident.id);
  const LogField source("source", quoted(incident.source));
  switch (step.type) {
    case TimelineEventType::kOpened:
      log_info("incident opened", {id, source, {"severity", joined(incident.severities)}});
      return;
    case TimelineEventType::kResolved:
      // From the first firing: a reopened incident's duration includes its earlier spells.
      log_info("incident resolved",
               {id,
                source,
                {"duration", log_seconds(static_cast<double>(step.at - incident.opened_at) /
                                         kNanosPerSecond)}});
      return;
    case TimelineEventType::kReopened:
      log_info("incident reopened", {id, source, {"reopened", incident.reopened}});
      return;
    case TimelineEventType::kFlaggedRepeat:
      log_repeat(incident);
      return;
    default:
      return;  // per-alert and RCA entries: not lifecycle steps
  }
}

void ActivityLog::rca_written(const RcaWritten& write) {
  log_info("RCA stored",
           {{"rca", write.id},
            {"version", write.version},
            {"write", to_string(write.kind)},
            {"origin", to_string(write.origin)},
            {"changed", quoted(write.changes.empty() ? "nothing" : joined(write.changes, "; "))}});
}

void ActivityLog::rca_deleted(const std::string& id, std::int64_t version, RcaOrigin origin) {
  log_info("RCA deleted", {{"rca", id}, {"version", version}, {"origin", to_string(origin)}});
}

void log_store_availability(const RedisAvailability& change) {
  if (!change.available) {
    log_warn(change.ongoing ? "store still unavailable" : "store unavailable",
             {{"address", change.address}, {"error", quoted(change.error)}});
    return;
  }
  log_info("store available again",
           {{"address", change.address},
            {"after", log_seconds(static_cast<double>(change.outage.count()) / 1000)}});
}

}  // namespace pmx
