#include "pmx/core/repeat.h"

#include <algorithm>

namespace pmx {

std::string ordinal(std::uint32_t n) {
  const char* suffix = "th";
  // 11th, 12th and 13th (and 111th, ...) break the rule of the last digit.
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

RcaCoverage coverage_of(const Rca& rca) {
  RcaCoverage coverage;
  coverage.id = rca.id;
  coverage.title = rca.title;
  coverage.action_items = rca.action_items;
  for (const auto& text : rca.matchers) {
    auto parsed = parse_matcher(text);
    if (auto* matcher = std::get_if<Matcher>(&parsed)) coverage.matchers.push_back(std::move(*matcher));
  }
  for (const auto& incident : rca.incidents) {
    const std::string source = source_id_of_incident(incident);
    if (!source.empty()) coverage.source_ids.insert(source);
  }
  return coverage;
}

std::string source_id_of_incident(const std::string& incident_id) {
  const auto dash = incident_id.rfind('-');
  if (dash == std::string::npos || dash == 0) return {};
  return incident_id.substr(0, dash);
}

namespace {

bool covers(const RcaCoverage& rca, const Incident& incident) {
  if (rca.matchers.empty()) return rca.source_ids.count(incident.source_id) > 0;
  return std::any_of(incident.alerts.begin(), incident.alerts.end(), [&](const auto& entry) {
    return matches_all(rca.matchers, entry.second.labels);
  });
}

/// Closed before `t`: done or won't-do, with the completion recorded no later than `t`.
bool closed_before(const ActionItem& item, UnixNanos t) {
  return item.closed() && item.completed_at && *item.completed_at <= t;
}

}  // namespace

std::optional<RepeatInfo> detect_repeat(const Incident& opening,
                                        const std::vector<EarlierIncident>& earlier,
                                        const std::vector<RcaCoverage>& rcas, UnixNanos window) {
  RepeatInfo info;
  for (const auto& previous : earlier) {
    if (previous.id != opening.id && opening.opened_at - previous.opened_at <= window) {
      info.earlier_incidents.push_back(previous.id);
    }
  }
  info.ordinal = static_cast<std::uint32_t>(info.earlier_incidents.size() + 1);

  std::size_t items = 0;
  bool all_closed_before = true;
  std::set<std::string> fixed_types;
  for (const auto& rca : rcas) {
    if (!covers(rca, opening)) continue;
    RelatedRca related{rca.id, rca.title, rca.action_items.size(), 0};
    for (const auto& item : rca.action_items) {
      if (!item.closed()) ++related.open_action_items;
      if (!closed_before(item, opening.opened_at)) all_closed_before = false;
      if (item.status == ActionItemStatus::kDone) fixed_types.insert(to_string(item.type));
    }
    items += rca.action_items.size();
    info.open_action_items += related.open_action_items;
    info.rcas.push_back(std::move(related));
  }
  if (info.earlier_incidents.empty() && info.rcas.empty()) return std::nullopt;
  info.ineffective_fix = items > 0 && all_closed_before;
  if (info.ineffective_fix) info.fixed_types.assign(fixed_types.begin(), fixed_types.end());
  return info;
}

}  // namespace pmx
