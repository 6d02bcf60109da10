#pragma once
/// The action items across post-mortems, as a weekly review reads them
/// (`GET /api/v1/action-items`): filtered, the earliest due first, in pages.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pmx/core/rca.h"
#include "pmx/core/time.h"

namespace pmx {

/// Where a listing of items stopped: its last item, by the listing's order.
struct ActionItemPosition {
  UnixNanos due_at = 0;
  std::string rca;
  std::string item;
};

/// Which items to list; an unset or empty field does not filter.
struct ActionItemFilter {
  std::optional<std::string> owner;
  std::set<ActionItemStatus> statuses;
  std::set<Priority> priorities;
  std::set<ActionItemType> types;
  bool overdue_only = false;  ///< open or in progress, past the end of the due date
  std::optional<std::string> rca;
  std::optional<UnixNanos> due_from;  ///< due on a date that begins at or after
  std::optional<UnixNanos> due_to;    ///< due on a date that begins before
  std::optional<ActionItemPosition> after;
  std::size_t limit = 100;
};

struct ListedActionItem {
  const Rca* rca = nullptr;
  const ActionItem* item = nullptr;
};

/// The items of `rcas` that pass `filter` as of `now`, by due date (the end of the due day),
/// then RCA id, then item id: the most overdue first. At most filter.limit; points into `rcas`.
std::vector<ListedActionItem> list_action_items(const std::vector<Rca>& rcas,
                                                const ActionItemFilter& filter, UnixNanos now);

/// Whole days since the end of the item's due date as of `now`; 0 when it is not overdue.
std::int64_t days_overdue(const ActionItem& item, UnixNanos now);

}  // namespace pmx
