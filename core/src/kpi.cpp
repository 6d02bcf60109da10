#include "pmx/core/kpi.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "pmx/core/follow_up_reviews.h"

namespace pmx {
namespace {

constexpr std::array<Priority, 4> kPriorities{Priority::kP0, Priority::kP1, Priority::kP2,
                                              Priority::kP3};

KpiOp op(KpiOp::Kind kind, std::string target, std::string member = {}, UnixNanos at = 0) {
  KpiOp result;
  result.kind = kind;
  result.target = std::move(target);
  result.member = std::move(member);
  result.at = at;
  return result;
}

/// What one RCA contributes to the aggregates.
struct RcaContribution {
  std::map<std::string, std::int64_t> counts;
  std::map<std::pair<std::string, std::string>, UnixNanos> entries;  // (index, member) -> at
  std::set<std::string> covered_incidents;  ///< by a published or waived RCA
};

RcaContribution contribution_of(const Rca* rca) {
  RcaContribution result;
  if (rca == nullptr) return result;
  for (const auto& item : rca->action_items) {
    ++result.counts[item_count_key(item.status, item.priority, item.type)];
    const std::string member = rca->id + "/" + item.id;
    switch (item.status) {
      case ActionItemStatus::kOpen:
      case ActionItemStatus::kInProgress:
        result.entries[{kpi_index::open_items(item.priority), member}] = item.due_at;
        break;
      case ActionItemStatus::kDone: {
        // Done without a completion time (a document written elsewhere): it cannot be shown
        // late, so it counts as on time.
        const bool late = item.completed_at && *item.completed_at > item.due_at;
        const std::string index =
            late ? kpi_index::done_late(item.priority) : kpi_index::done_on_time(item.priority);
        result.entries[{index, member}] = item.due_at;
        break;
      }
      case ActionItemStatus::kWontDo:
        break;  // neither on time nor late: it left the plan
    }
  }
  if (rca->covers_incidents()) {
    result.covered_incidents.insert(rca->incidents.begin(), rca->incidents.end());
  }
  if (rca->status == RcaStatus::kPublished) {
    // A review is due only while there is something left to review.
    if (rca->open_action_items() > 0) {
      // Those it names, else two and four weeks after publication.
      const auto reviews = follow_up_reviews(*rca, rca->published_at);
      for (std::size_t n = 0; n < reviews.size(); ++n) {
        result.entries[{kpi_index::kReviews, rca->id + "/" + std::to_string(n + 1)}] =
            reviews[n].at;
      }
    }
  }
  return result;
}

}  // namespace

namespace kpi_index {
std::string open_items(Priority priority) { return std::string("items:open:") + to_string(priority); }
std::string done_on_time(Priority priority) {
  return std::string("items:on_time:") + to_string(priority);
}
std::string done_late(Priority priority) { return std::string("items:late:") + to_string(priority); }
}  // namespace kpi_index

bool KpiOp::operator==(const KpiOp& other) const {
  return std::tie(kind, target, member, at, due, delta) ==
         std::tie(other.kind, other.target, other.member, other.at, other.due, other.delta);
}

std::string item_count_key(ActionItemStatus status, Priority priority, ActionItemType type) {
  return std::string(to_string(status)) + "|" + to_string(priority) + "|" + to_string(type);
}

std::vector<KpiOp> incident_kpi_ops(const std::vector<Incident>& incidents,
                                    const std::map<std::string, std::vector<TimelineEvent>>& timeline,
                                    const PostmortemPolicy& policy) {
  std::vector<KpiOp> ops;
  for (const auto& [id, events] : timeline) {
    // The latest form of the incident (an update lists an incident once, or twice when it
    // resolved and the next one opened in the same batch: then they differ by id).
    const auto incident = std::find_if(incidents.rbegin(), incidents.rend(),
                                       [&id = id](const Incident& i) { return i.id == id; });
    if (incident == incidents.rend()) continue;  // only RCA entries: no lifecycle change
    for (const auto& event : events) {
      switch (event.type) {
        case TimelineEventType::kOpened:
          ops.push_back(op(KpiOp::Kind::kIndexAdd, kpi_index::kOpened, id, event.at));
          if (incident->repeat) {
            ops.push_back(op(KpiOp::Kind::kIndexAdd, kpi_index::kRepeats, id, event.at));
          }
          break;
        case TimelineEventType::kResolved:
          if (needs_postmortem(*incident, policy)) {
            KpiOp resolved = op(KpiOp::Kind::kResolvedNeedingPostmortem, id, {}, event.at);
            resolved.due = postmortem_deadline(event.at, policy.due);
            ops.push_back(std::move(resolved));
          }
          break;
        case TimelineEventType::kReopened:
          ops.push_back(op(KpiOp::Kind::kReopened, id));
          break;
        default:
          break;
      }
    }
  }
  return ops;
}

std::vector<KpiOp> rca_kpi_ops(const Rca* before, const Rca* after) {
  const RcaContribution old_part = contribution_of(before);
  const RcaContribution new_part = contribution_of(after);
  std::vector<KpiOp> ops;

  std::map<std::string, std::int64_t> deltas = new_part.counts;
  for (const auto& [key, count] : old_part.counts) deltas[key] -= count;
  for (const auto& [key, delta] : deltas) {
    if (delta == 0) continue;
    KpiOp count = op(KpiOp::Kind::kCount, key);
    count.delta = delta;
    ops.push_back(std::move(count));
  }
  for (const auto& [entry, at] : old_part.entries) {
    if (!new_part.entries.count(entry)) {
      ops.push_back(op(KpiOp::Kind::kIndexRemove, entry.first, entry.second));
    }
  }
  for (const auto& [entry, at] : new_part.entries) {
    const auto old_entry = old_part.entries.find(entry);
    if (old_entry == old_part.entries.end() || old_entry->second != at) {
      ops.push_back(op(KpiOp::Kind::kIndexAdd, entry.first, entry.second, at));
    }
  }
  for (const auto& incident : old_part.covered_incidents) {
    if (new_part.covered_incidents.count(incident)) continue;
    KpiOp unlink = op(KpiOp::Kind::kPublishedLink, incident);
    unlink.delta = -1;
    ops.push_back(std::move(unlink));
  }
  for (const auto& incident : new_part.covered_incidents) {
    if (old_part.covered_incidents.count(incident)) continue;
    KpiOp link = op(KpiOp::Kind::kPublishedLink, incident);
    link.delta = 1;
    ops.push_back(std::move(link));
  }
  return ops;
}

namespace kpi_range {
std::string overdue(Priority priority) { return std::string("overdue:") + to_string(priority); }
std::string done_on_time(Priority priority) {
  return std::string("on_time:") + to_string(priority);
}
std::string done_late(Priority priority) { return std::string("late:") + to_string(priority); }
std::string open_past_due(Priority priority) {
  return std::string("open_past_due:") + to_string(priority);
}
}  // namespace kpi_range

std::vector<KpiRange> kpi_ranges(UnixNanos now, const KpiWindows& windows) {
  const UnixNanos kpi_start = now - windows.kpi;
  const UnixNanos repeat_start = now - windows.repeat;
  std::vector<KpiRange> ranges;
  for (const Priority priority : kPriorities) {
    const std::string open = kpi_index::open_items(priority);
    ranges.push_back({kpi_range::overdue(priority), open, kMinusInfinity, now});
    ranges.push_back(
        {kpi_range::done_on_time(priority), kpi_index::done_on_time(priority), kpi_start, now});
    ranges.push_back(
        {kpi_range::done_late(priority), kpi_index::done_late(priority), kpi_start, now});
    ranges.push_back({kpi_range::open_past_due(priority), open, kpi_start, now});
  }
  ranges.push_back({kpi_range::kOpened, kpi_index::kOpened, repeat_start, kPlusInfinity});
  ranges.push_back({kpi_range::kRepeats, kpi_index::kRepeats, repeat_start, kPlusInfinity});
  ranges.push_back({kpi_range::kAwaiting, kpi_index::kAwaiting, kMinusInfinity, kPlusInfinity});
  ranges.push_back({kpi_range::kAwaitingOverdue, kpi_index::kAwaiting, kMinusInfinity, now});
  ranges.push_back({kpi_range::kNeeded, kpi_index::kNeeded, kpi_start, kPlusInfinity});
  ranges.push_back({kpi_range::kCovered, kpi_index::kCovered, kpi_start, kPlusInfinity});
  ranges.push_back({kpi_range::kReviewsDue, kpi_index::kReviews, kMinusInfinity, now});
  return ranges;
}

Result<KpiValues> kpi_values(const KpiCounts& counts) {
  const auto ratio = [](std::int64_t part, std::int64_t whole) -> std::optional<double> {
    if (whole <= 0) return std::nullopt;
    return static_cast<double>(part) / static_cast<double>(whole);
  };
  std::string missing;
  const auto count = [&](const std::string& name) -> std::int64_t {
    const auto it = counts.find(name);
    if (it != counts.end()) return it->second;
    if (missing.empty()) missing = name;
    return 0;
  };
  KpiValues values;
  for (const Priority priority : kPriorities) {
    PriorityKpis& figures = values.priorities[static_cast<std::size_t>(priority)];
    figures.overdue = count(kpi_range::overdue(priority));
    const std::int64_t on_time = count(kpi_range::done_on_time(priority));
    const std::int64_t late = count(kpi_range::done_late(priority));
    const std::int64_t open_past_due = count(kpi_range::open_past_due(priority));
    figures.on_time_ratio = ratio(on_time, on_time + late + open_past_due);
  }
  values.repeat_ratio = ratio(count(kpi_range::kRepeats), count(kpi_range::kOpened));
  values.awaiting = count(kpi_range::kAwaiting);
  values.awaiting_overdue = count(kpi_range::kAwaitingOverdue);
  values.coverage_ratio = ratio(count(kpi_range::kCovered), count(kpi_range::kNeeded));
  values.reviews_due = count(kpi_range::kReviewsDue);
  if (!missing.empty())
    return Error{ErrorCode::kCorrupt, "no count for KPI range " + missing, {}, {}};
  return values;
}

}  // namespace pmx
