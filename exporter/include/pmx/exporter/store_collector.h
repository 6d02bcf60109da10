#pragma once
/// Scrape-time gauges read from the store's aggregates (never a scan of history), so every
/// replica on one Redis reports the same values: aggregate them with max, not sum.
#include <functional>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "pmx/core/kpi.h"
#include "pmx/store/store.h"

namespace pmx {

struct KpiSettings {
  /// Caps postmortem_source_occurrences so a flood of distinct sources cannot explode the
  /// series count (--metrics.top-sources).
  std::size_t top_sources = 50;
  KpiWindows windows;
};

class StoreCollector final : public prometheus::Collectable {
 public:
  /// `store` must outlive the collector; `now` is the scrape time (overdue is relative to it).
  StoreCollector(Store& store, KpiSettings settings, std::function<UnixNanos()> now)
      : store_(store), settings_(settings), now_(std::move(now)) {}

  /// One read of the store (one Redis round trip). When it fails only postmortem_store_up (0)
  /// is exported: absent means unknown, never a stale or partial value.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Store& store_;
  KpiSettings settings_;
  std::function<UnixNanos()> now_;
};

}  // namespace pmx
