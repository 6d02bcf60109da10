#include "pmx/exporter/reminder_collector.h"

#include <cmath>
#include <map>

#include "gauge_families.h"
#include "pmx/core/kpi.h"
#include "pmx/core/reminders.h"
#include "pmx/exporter/action_item_warning_metrics.h"

namespace pmx {
namespace {

// Label values come from documents and alerts: capped, so one long title cannot bloat a scrape.
// Ids are short by the schema (64 characters); a ticket is a URL.
constexpr std::size_t kMaxLabelBytes = 128;
constexpr std::size_t kMaxUrlBytes = 512;

std::string capped(const std::string& value) { return capped_label_value(value, kMaxLabelBytes); }

// Whole seconds: what a reminder needs, and the same on every store (Redis keeps the awaiting
// index's times as double scores, to within a microsecond).
double seconds_between(UnixNanos from, UnixNanos to) {
  return std::round(static_cast<double>(to - from) / static_cast<double>(kNanosPerSecond));
}

void action_items(const std::vector<Rca>& rcas, UnixNanos now, const ReminderSettings& settings,
                  std::vector<prometheus::MetricFamily>& families) {
  auto overdue = gauges::family(
      "postmortem_action_item_overdue_seconds",
      "Seconds since the due date of an open action item ended, one series per overdue item "
      "(the longest overdue first, at most --metrics.max-overdue): route reminders on owner.");
  auto info = gauges::family(
      "postmortem_action_item_overdue_info",
      "Always 1, one series per item of postmortem_action_item_overdue_seconds: its title, "
      "ticket link and web UI link, for alert annotations (join on rca, item).");
  const auto items = overdue_action_items(rcas, now);
  const std::size_t listed = std::min(items.size(), settings.max_series);
  for (std::size_t i = 0; i < listed; ++i) {
    const Rca& rca = *items[i].rca;
    const ActionItem& item = *items[i].item;
    gauges::add(overdue, seconds_between(item.due_at, now),
                {{"item", item.id},
                 {"owner", capped(item.owner)},
                 {"priority", to_string(item.priority)},
                 {"rca", rca.id},
                 {"type", to_string(item.type)}});
    gauges::add(
        info, 1,
        {{"item", item.id},
         {"rca", rca.id},
         {"ticket", capped_label_value(item.ticket, kMaxUrlBytes)},
         {"title", capped(item.title)},
         {"url", capped_label_value(settings.links.action_item(rca.id, item.id), kMaxUrlBytes)}});
  }
  families.push_back(std::move(overdue));
  families.push_back(std::move(info));
  families.push_back(
      gauges::single("postmortem_action_item_overdue_unlisted",
                     "Overdue open action items beyond --metrics.max-overdue, left out of "
                     "postmortem_action_item_overdue_seconds.",
                     static_cast<double>(items.size() - listed)));
}

// The overdue part of the awaiting index, the longest overdue first, and how many more there are.
struct OverdueIncidents {
  std::vector<IndexMember> listed;
  std::int64_t unlisted = 0;
};

Result<OverdueIncidents> overdue_incidents(Store& store, UnixNanos now, std::size_t max) {
  const KpiRange overdue{"overdue", kpi_index::kAwaiting, kMinusInfinity, now};
  auto listed = store.index_members(overdue, max);
  if (!listed) return listed.error();
  OverdueIncidents result{std::move(*listed), 0};
  if (result.listed.size() < max) return result;  // all of them: no count needed
  const auto counted = store.read_kpis({overdue}, 0);
  if (!counted) return counted.error();
  result.unlisted = std::max<std::int64_t>(
      0, counted->range_counts.at(overdue.name) - static_cast<std::int64_t>(result.listed.size()));
  return result;
}

Result<Done> incidents(Store& store, const std::vector<Rca>& rcas, UnixNanos now,
                       const ReminderSettings& settings,
                       std::vector<prometheus::MetricFamily>& families) {
  auto overdue = overdue_incidents(store, now, settings.max_series);
  if (!overdue) return overdue.error();
  std::vector<std::string> ids;
  for (const auto& member : overdue->listed) ids.push_back(member.member);
  const auto found = store.get_incidents(ids);
  if (!found) return found.error();
  std::map<std::string, const Incident*> by_id;
  for (const auto& incident : *found) by_id[incident.id] = &incident;
  std::map<std::string, const Rca*> rca_by_id;
  for (const auto& rca : rcas) rca_by_id[rca.id] = &rca;

  auto seconds = gauges::family(
      "postmortem_incident_postmortem_overdue_seconds",
      "Seconds since the post-mortem of a resolved incident was due (--postmortem.due), one "
      "series per incident without a published or waived RCA (the longest overdue first, at "
      "most --metrics.max-overdue): route reminders on owner.");
  auto info = gauges::family(
      "postmortem_incident_postmortem_overdue_info",
      "Always 1, one series per incident of postmortem_incident_postmortem_overdue_seconds: its "
      "source and web UI link, for alert annotations (join on incident).");
  for (const auto& member : overdue->listed) {
    const auto incident = by_id.find(member.member);
    if (incident == by_id.end()) continue;  // deleted between the reads: nothing to remind
    std::vector<const Rca*> linked;
    for (const auto& id : incident->second->rcas) {
      if (const auto rca = rca_by_id.find(id); rca != rca_by_id.end())
        linked.push_back(rca->second);
    }
    const std::string owner = postmortem_owner(*incident->second, linked, settings.owner_label);
    gauges::add(seconds, seconds_between(member.at, now),
                {{"incident", member.member},
                 {"owner", capped(owner)},
                 {"source_id", incident->second->source_id}});
    gauges::add(info, 1,
                {{"incident", member.member},
                 {"source", capped_label_value(incident->second->source, kMaxUrlBytes)},
                 {"url", settings.links.incident(member.member)}});
  }
  families.push_back(std::move(seconds));
  families.push_back(std::move(info));
  families.push_back(gauges::single(
      "postmortem_incident_postmortem_overdue_unlisted",
      "Incidents whose post-mortem is overdue beyond --metrics.max-overdue, left out of "
      "postmortem_incident_postmortem_overdue_seconds.",
      static_cast<double>(overdue->unlisted)));
  return Done{};
}

}  // namespace

std::vector<prometheus::MetricFamily> ReminderCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  const UnixNanos now = now_();
  const auto cached = rcas_.rcas();
  if (!cached) return families;
  const std::vector<Rca>& rcas = **cached;
  families.push_back(action_item_warning_family(rcas, item_rules_));
  action_items(rcas, now, settings_, families);
  std::vector<prometheus::MetricFamily> incident_families;
  if (incidents(store_, rcas, now, settings_, incident_families)) {
    families.insert(families.end(), std::make_move_iterator(incident_families.begin()),
                    std::make_move_iterator(incident_families.end()));
  }
  return families;
}

}  // namespace pmx
