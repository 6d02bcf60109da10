#pragma once
/// The per-owner reminder series: one gauge series per overdue action item and per incident
/// whose post-mortem is overdue, each naming the person to remind, so that a Prometheus rule
/// alerts per item and an Alertmanager route on `owner` reaches that person. Bounded: at most
/// `max_series` of each, the longest overdue first, the rest counted in an `..._unlisted` gauge.
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <string>

#include "pmx/core/action_item_checks.h"
#include "pmx/core/ui_links.h"
#include "pmx/service/rca_cache.h"
#include "pmx/store/store.h"

namespace pmx {

struct ReminderSettings {
  std::size_t max_series = 500;  ///< --metrics.max-overdue, for items and incidents each
  /// --postmortem.owner-label: the alert label naming whom to remind of a missing post-mortem
  /// when no RCA linked to the incident names its owner ("" for none).
  std::string owner_label;
  UiLinks links;  ///< where the info series' `url` points
};

class ReminderCollector final : public prometheus::Collectable {
 public:
  /// `store` must outlive the collector; `now` is the scrape time (overdue is relative to it).
  /// `item_rules` decide postmortem_action_item_warnings, exported from the same read of the RCAs.
  ReminderCollector(Store& store, ReminderSettings settings, ActionItemRules item_rules,
                    std::function<UnixNanos()> now)
      : store_(store),
        rcas_(store),
        settings_(std::move(settings)),
        item_rules_(std::move(item_rules)),
        now_(std::move(now)) {}

  /// Reads the RCA revision (and the RCAs when it moved: RcaCache), the overdue part of the
  /// awaiting index and those incidents: three round trips, four after an RCA write. When a read
  /// fails its families are left out (absent: unknown, never stale), as postmortem_store_up says.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Store& store_;
  mutable RcaCache rcas_;
  ReminderSettings settings_;
  ActionItemRules item_rules_;
  std::function<UnixNanos()> now_;
};

}  // namespace pmx
