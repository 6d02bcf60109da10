#pragma once
/// postmortem_action_item_warnings{kind}: the quality debt of the action items, the warnings of
/// pmx/core/action_item_checks.h counted over the RCAs at scrape time (ReminderCollector reads
/// the RCAs once for it and the reminder series). Worked out from the documents rather than kept
/// as a store aggregate, so a change of --rca.team-owner-pattern or --rca.vague-phrases applies
/// to every RCA at the next scrape.
#include <prometheus/metric_family.h>

#include <vector>

#include "pmx/core/action_item_checks.h"
#include "pmx/core/rca.h"

namespace pmx {

/// The gauge family: one series per kind (every kind, 0 included), counting the warnings of
/// the RCAs that left draft (in review, published, waived). A draft is work in progress, and
/// only open and in-progress items are checked, so the figure is what is left to fix on the
/// post-mortems the team stands by.
prometheus::MetricFamily action_item_warning_family(const std::vector<Rca>& rcas,
                                                    const ActionItemRules& rules);

}  // namespace pmx
