#pragma once
/// Scrape-time gauges read from the store's aggregates (never a scan of history), so every
/// replica on one Redis reports the same values: aggregate them with max, not sum.
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "pmx/store/store.h"

namespace pmx {

class StoreCollector final : public prometheus::Collectable {
 public:
  /// `store` must outlive the collector. `top_sources` caps postmortem_source_occurrences so a
  /// flood of distinct sources cannot explode the series count.
  StoreCollector(Store& store, std::size_t top_sources) : store_(store), top_sources_(top_sources) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Store& store_;
  std::size_t top_sources_;
};

}  // namespace pmx
