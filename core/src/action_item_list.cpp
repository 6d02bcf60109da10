#include "pmx/core/action_item_list.h"

#include <algorithm>
#include <tuple>

namespace pmx {
namespace {

bool passes(const Rca& rca, const ActionItem& item, const ActionItemFilter& filter, UnixNanos now) {
  // due_at is the end of the due date: its day began one day earlier.
  const UnixNanos due_day = item.due_at - kNanosPerDay;
  const auto among = [](const auto& wanted, const auto& value) {
    return wanted.empty() || wanted.count(value) > 0;
  };
  return (!filter.owner || item.owner == *filter.owner) && among(filter.statuses, item.status) &&
         among(filter.priorities, item.priority) && among(filter.types, item.type) &&
         (!filter.overdue_only || item.overdue(now)) && (!filter.rca || rca.id == *filter.rca) &&
         (!filter.due_from || (item.due_at != 0 && due_day >= *filter.due_from)) &&
         (!filter.due_to || (item.due_at != 0 && due_day < *filter.due_to));
}

auto order_key(const ListedActionItem& listed) {
  return std::tie(listed.item->due_at, listed.rca->id, listed.item->id);
}

}  // namespace

std::vector<ListedActionItem> list_action_items(const std::vector<Rca>& rcas,
                                                const ActionItemFilter& filter, UnixNanos now) {
  std::vector<ListedActionItem> listed;
  for (const auto& rca : rcas) {
    for (const auto& item : rca.action_items) {
      if (!passes(rca, item, filter, now)) continue;
      if (filter.after &&
          std::tie(item.due_at, rca.id, item.id) <=
              std::tie(filter.after->due_at, filter.after->rca, filter.after->item)) {
        continue;
      }
      listed.push_back({&rca, &item});
    }
  }
  const auto before = [](const ListedActionItem& a, const ListedActionItem& b) {
    return order_key(a) < order_key(b);
  };
  if (listed.size() > filter.limit) {
    std::partial_sort(listed.begin(), listed.begin() + static_cast<std::ptrdiff_t>(filter.limit),
                      listed.end(), before);
    listed.resize(filter.limit);
  } else {
    std::sort(listed.begin(), listed.end(), before);
  }
  return listed;
}

std::int64_t days_overdue(const ActionItem& item, UnixNanos now) {
  return item.overdue(now) ? (now - item.due_at) / kNanosPerDay : 0;
}

}  // namespace pmx
