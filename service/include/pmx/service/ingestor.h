#pragma once
/// Ingest of one webhook: group its alerts by source, load those sources, apply the core rules,
/// commit with compare-and-set, and retry the sources that lost a race with another daemon.
/// Two store round trips per webhook when there is no contention. Repeat detection needs every
/// RCA's coverage: a copy is kept and reloaded (one more round trip) only when load() reports
/// that the RCA revision moved.
#include <mutex>

#include "pmx/core/ingest_rules.h"
#include "pmx/store/store.h"

namespace pmx {

class Ingestor {
 public:
  /// `store` must outlive the Ingestor. Thread-safe if the store is.
  Ingestor(Store& store, IngestConfig config) : store_(store), config_(std::move(config)) {}

  /// Records the alerts. On error nothing is counted and the caller answers 5xx, so
  /// Alertmanager retries; whatever was written before the error is deduplicated then.
  Result<IngestCounts> ingest(const std::vector<Alert>& alerts, UnixNanos received_at);

  const IngestConfig& config() const { return config_; }

 private:
  /// The RCA coverage for `revision`, reloading it if the copy is older.
  Result<std::shared_ptr<const std::vector<RcaCoverage>>> rcas_at(std::int64_t revision);

  Store& store_;
  IngestConfig config_;
  std::mutex rcas_mutex_;
  // Revision 0 is the empty RCA set (every RCA write bumps it), so a fresh daemon on an empty
  // store reads nothing extra.
  std::int64_t rcas_revision_ = 0;
  std::shared_ptr<const std::vector<RcaCoverage>> rcas_ =
      std::make_shared<std::vector<RcaCoverage>>();
};

}  // namespace pmx
