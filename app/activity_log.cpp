#include "activity_log.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <set>
#include <vector>

#include "pmx/core/logfmt.h"

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
  spdlog::info(
      "msg=\"incident flagged repeat\" incident={} source={} occurrence={} earlier={} rcas={} "
      "open_action_items={} ineffective_fix={}",
      logfmt_value(incident.id), logfmt_quote(incident.source), repeat.ordinal,
      logfmt_value(joined(repeat.earlier_incidents, ",")),
      logfmt_value(joined(rca_ids(repeat.rcas), ",")), repeat.open_action_items,
      repeat.ineffective_fix);
}

}  // namespace

std::string log_seconds(double seconds) {
  return seconds < 10 ? fmt::format("{:.1f}s", seconds) : fmt::format("{:.0f}s", seconds);
}

void ActivityLog::incident_step(const Incident& incident, const TimelineEvent& step) {
  const std::string id = logfmt_value(incident.id);
  const std::string source = logfmt_quote(incident.source);
  switch (step.type) {
    case TimelineEventType::kOpened:
      spdlog::info("msg=\"incident opened\" incident={} source={} severity={}", id, source,
                   logfmt_value(joined(incident.severities)));
      return;
    case TimelineEventType::kResolved:
      // From the first firing: a reopened incident's duration includes its earlier spells.
      spdlog::info(
          "msg=\"incident resolved\" incident={} source={} duration={}", id, source,
          log_seconds(static_cast<double>(step.at - incident.opened_at) / kNanosPerSecond));
      return;
    case TimelineEventType::kReopened:
      spdlog::info("msg=\"incident reopened\" incident={} source={} reopened={}", id, source,
                   incident.reopened);
      return;
    case TimelineEventType::kFlaggedRepeat:
      log_repeat(incident);
      return;
    default:
      return;  // per-alert and RCA entries: not lifecycle steps
  }
}

void ActivityLog::rca_written(const RcaWritten& write) {
  spdlog::info("msg=\"RCA stored\" rca={} version={} write={} origin={} changed={}",
               logfmt_value(write.id), write.version, to_string(write.kind),
               to_string(write.origin),
               logfmt_quote(write.changes.empty() ? "nothing" : joined(write.changes, "; ")));
}

void ActivityLog::rca_deleted(const std::string& id, std::int64_t version, RcaOrigin origin) {
  spdlog::info("msg=\"RCA deleted\" rca={} version={} origin={}", logfmt_value(id), version,
               to_string(origin));
}

void log_store_availability(const RedisAvailability& change) {
  if (!change.available) {
    spdlog::warn("msg=\"store unavailable\" address={} error={}", logfmt_value(change.address),
                 logfmt_quote(change.error));
    return;
  }
  spdlog::info("msg=\"store available again\" address={} after={}", logfmt_value(change.address),
               log_seconds(static_cast<double>(change.outage.count()) / 1000));
}

}  // namespace pmx
