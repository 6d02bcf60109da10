#include "pmx/exporter/store_collector.h"

#include <array>

#include "gauge_families.h"

namespace pmx {
namespace {

using gauges::add;
using gauges::single;
constexpr auto gauge_family = gauges::family;

constexpr std::array<Priority, 4> kPriorities{Priority::kP0, Priority::kP1, Priority::kP2,
                                              Priority::kP3};
constexpr std::array<ActionItemStatus, 4> kStatuses{
    ActionItemStatus::kOpen, ActionItemStatus::kInProgress, ActionItemStatus::kDone,
    ActionItemStatus::kWontDo};
constexpr std::array<ActionItemType, 4> kTypes{ActionItemType::kPrevent, ActionItemType::kDetect,
                                               ActionItemType::kMitigate, ActionItemType::kProcess};

/// Every status, priority and type, 0 included: a dashboard shows a flat line, not a gap.
prometheus::MetricFamily action_items(const KpiSnapshot& snapshot) {
  auto family = gauge_family("postmortem_action_items",
                             "Action items of all RCAs by status, priority and type.");
  for (const auto status : kStatuses) {
    for (const auto priority : kPriorities) {
      for (const auto type : kTypes) {
        const auto count = snapshot.action_items.find(item_count_key(status, priority, type));
        add(family, count == snapshot.action_items.end() ? 0 : static_cast<double>(count->second),
            {{"priority", to_string(priority)}, {"status", to_string(status)}, {"type", to_string(type)}});
      }
    }
  }
  return family;
}

}  // namespace

std::vector<prometheus::MetricFamily> StoreCollector::Collect() const {
  const UnixNanos now = now_();
  const auto snapshot = store_.read_kpis(kpi_ranges(now, settings_.windows), settings_.top_sources);
  const auto values =
      snapshot ? kpi_values(snapshot->range_counts) : Result<KpiValues>(snapshot.error());
  std::vector<prometheus::MetricFamily> families;
  families.push_back(single("postmortem_store_up", "1 when the store answered this scrape, else 0.",
                            values ? 1 : 0));
  if (!values) return families;
  const KpiValues& kpis = *values;

  families.push_back(single("postmortem_incidents_open", "Incidents currently open.",
                            static_cast<double>(snapshot->open_incidents)));
  auto sources = gauge_family("postmortem_source_occurrences",
                              "Occurrences recorded per source, for the top sources only.");
  for (const auto& source : snapshot->top_sources) {
    add(sources, static_cast<double>(source.occurrences), {{"source", source.source}});
  }
  families.push_back(std::move(sources));
  families.push_back(action_items(*snapshot));

  auto overdue = gauge_family("postmortem_action_items_overdue",
                              "Open action items (open or in progress) past their due date.");
  auto on_time = gauge_family(
      "postmortem_action_items_on_time_ratio",
      "Action items due in the KPI window: done by their due date / (done + open past due). "
      "Absent for a priority with none.");
  for (const auto priority : kPriorities) {
    const PriorityKpis& values = kpis.priorities[static_cast<std::size_t>(priority)];
    add(overdue, static_cast<double>(values.overdue), {{"priority", to_string(priority)}});
    if (values.on_time_ratio) add(on_time, *values.on_time_ratio, {{"priority", to_string(priority)}});
  }
  families.push_back(std::move(overdue));
  families.push_back(std::move(on_time));

  auto repeat_ratio = gauge_family(
      "postmortem_repeat_incident_ratio",
      "Repeat incidents / incidents opened in the repeat window. Absent when none opened.");
  if (kpis.repeat_ratio) add(repeat_ratio, *kpis.repeat_ratio);
  families.push_back(std::move(repeat_ratio));

  auto awaiting = gauge_family(
      "postmortem_incidents_awaiting_postmortem",
      "Resolved incidents that need a post-mortem and have no published or waived RCA; "
      "overdue=\"true\" "
      "once past --postmortem.due.");
  add(awaiting, static_cast<double>(kpis.awaiting_overdue), {{"overdue", "true"}});
  add(awaiting, static_cast<double>(kpis.awaiting - kpis.awaiting_overdue), {{"overdue", "false"}});
  families.push_back(std::move(awaiting));

  auto coverage = gauge_family(
      "postmortem_coverage_ratio",
      "Incidents resolved in the KPI window that need a post-mortem: share with a published "
      "or waived RCA. Absent when none needed one.");
  if (kpis.coverage_ratio) add(coverage, *kpis.coverage_ratio);
  families.push_back(std::move(coverage));

  families.push_back(single(
      "postmortem_followup_reviews_due",
      "Follow-up reviews of published RCAs (their follow_up_reviews, else +2 and +4 weeks) whose "
      "date has come while the RCA still has open action items.",
      static_cast<double>(kpis.reviews_due)));
  return families;
}

}  // namespace pmx
