#pragma once
/// Ingest of one webhook: group its alerts by source, load those sources, apply the core rules,
/// commit with compare-and-set, and retry the sources that lost a race with another daemon.
/// Two store round trips per webhook when there is no contention.
#include "pmx/core/ingest_rules.h"
#include "pmx/store/store.h"

namespace pmx {

class Ingestor {
 public:
  /// `store` must outlive the Ingestor. Thread-safe if the store is.
  Ingestor(Store& store, IngestConfig config) : store_(store), config_(std::move(config)) {}

  /// Records the alerts. On error nothing is counted and the caller answers 5xx, so
  /// Alertmanager retries; whatever was written before the error is deduplicated then.
  StoreResult<IngestCounts> ingest(const std::vector<Alert>& alerts, UnixNanos received_at);

  const IngestConfig& config() const { return config_; }

 private:
  Store& store_;
  IngestConfig config_;
};

}  // namespace pmx
