#pragma once
/// postmortem_action_item_warnings{kind}: the quality debt of the action items, the warnings of
/// pmx/core/action_item_checks.h counted over the RCAs at scrape time.
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "pmx/core/action_item_checks.h"
#include "pmx/store/store.h"

namespace pmx {

/// The gauge family: one series per kind (every kind, 0 included), counting the warnings of
/// the RCAs that left draft (in review, published, waived). A draft is work in progress, and
/// only open and in-progress items are checked, so the figure is what is left to fix on the
/// post-mortems the team stands by.
prometheus::MetricFamily action_item_warning_family(const std::vector<Rca>& rcas,
                                                    const ActionItemRules& rules);

/// Reads every RCA (Store::list_rcas: RCAs are few, one per post-mortem) at each scrape and
/// exports action_item_warning_family. Computed from the documents rather than kept as a store
/// aggregate, so a change of --rca.team-owner-pattern or --rca.vague-phrases applies to every
/// RCA at the next scrape. When the store does not answer, nothing is exported (the store
/// collector's postmortem_store_up says why). Thread-safe if the store is.
class ActionItemWarningCollector final : public prometheus::Collectable {
 public:
  /// `store` must outlive the collector.
  ActionItemWarningCollector(Store& store, ActionItemRules rules)
      : store_(store), rules_(std::move(rules)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Store& store_;
  ActionItemRules rules_;
};

}  // namespace pmx
