#include "pmx/store/kpi_ledger.h"

#include <algorithm>

namespace pmx {

void TimeIndex::put(const std::string& member, UnixNanos at) {
  erase(member);
  times_[member] = at;
  sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), at), at);
}

void TimeIndex::erase(const std::string& member) {
  const auto it = times_.find(member);
  if (it == times_.end()) return;
  sorted_.erase(std::lower_bound(sorted_.begin(), sorted_.end(), it->second));
  times_.erase(it);
}

std::int64_t TimeIndex::count(UnixNanos from, UnixNanos to) const {
  if (from >= to) return 0;
  const auto first = std::lower_bound(sorted_.begin(), sorted_.end(), from);
  const auto last = std::lower_bound(sorted_.begin(), sorted_.end(), to);
  return last - first;
}

std::vector<UnixNanos> KpiLedger::apply(const std::vector<KpiOp>& ops) {
  std::vector<UnixNanos> covered;
  for (const auto& op : ops) {
    switch (op.kind) {
      case KpiOp::Kind::kCount:
        if ((action_items_[op.target] += op.delta) == 0) action_items_.erase(op.target);
        break;
      case KpiOp::Kind::kIndexAdd:
        index(op.target).put(op.member, op.at);
        break;
      case KpiOp::Kind::kIndexRemove:
        index(op.target).erase(op.member);
        break;
      case KpiOp::Kind::kResolvedNeedingPostmortem:
        resolved(op);
        break;
      case KpiOp::Kind::kReopened:
        reopened(op.target);
        break;
      case KpiOp::Kind::kPublishedLink:
        published_link(op, covered);
        break;
    }
  }
  return covered;
}

void KpiLedger::resolved(const KpiOp& op) {
  resolved_[op.target] = Resolved{op.at, op.due};
  index(kpi_index::kNeeded).put(op.target, op.at);
  const auto links = links_.find(op.target);
  if (links != links_.end() && links->second > 0) {
    index(kpi_index::kCovered).put(op.target, op.at);
    index(kpi_index::kAwaiting).erase(op.target);
  } else {
    index(kpi_index::kAwaiting).put(op.target, op.due);
    index(kpi_index::kCovered).erase(op.target);
  }
}

void KpiLedger::reopened(const std::string& incident) {
  resolved_.erase(incident);
  for (const char* name : {kpi_index::kNeeded, kpi_index::kCovered, kpi_index::kAwaiting}) {
    index(name).erase(incident);
  }
}

void KpiLedger::published_link(const KpiOp& op, std::vector<UnixNanos>& covered) {
  const std::int64_t links = links_[op.target] += op.delta;
  if (links <= 0) links_.erase(op.target);
  const auto record = resolved_.find(op.target);
  if (record == resolved_.end()) return;  // open, not needing one, or never seen
  if (op.delta > 0 && links == 1) {
    index(kpi_index::kAwaiting).erase(op.target);
    index(kpi_index::kCovered).put(op.target, record->second.at);
    covered.push_back(record->second.at);
  } else if (op.delta < 0 && links <= 0) {
    index(kpi_index::kCovered).erase(op.target);
    index(kpi_index::kAwaiting).put(op.target, record->second.due);
  }
}

std::int64_t KpiLedger::count(const KpiRange& range) const {
  const auto it = indices_.find(range.index);
  return it == indices_.end() ? 0 : it->second.count(range.from, range.to);
}

std::vector<IndexMember> KpiLedger::members(const KpiRange& range, std::size_t limit) const {
  std::vector<IndexMember> found;
  const auto it = indices_.find(range.index);
  if (it == indices_.end()) return found;
  for (const auto& [member, at] : it->second.members()) {
    if (at >= range.from && at < range.to) found.push_back({member, at});
  }
  const auto oldest_first = [](const IndexMember& a, const IndexMember& b) {
    return a.at != b.at ? a.at < b.at : a.member < b.member;
  };
  const std::size_t n = std::min(limit, found.size());
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(n), found.end(),
                    oldest_first);
  found.resize(n);
  return found;
}

}  // namespace pmx
