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

/// Told about the incident lifecycle steps that ingest stored, e.g. for the operator's log.
class IncidentObserver {
 public:
  virtual ~IncidentObserver() = default;
  /// `incident` (as the batch left it) took `step`: opened, resolved, reopened or flagged
  /// repeat. Told once per step the store accepted: never for a re-send or a retry (they
  /// change nothing), nor for a commit that lost a race with another daemon. Called from the
  /// thread that ingests, so it must be thread-safe.
  virtual void incident_step(const Incident& incident, const TimelineEvent& step) = 0;
};

class Ingestor {
 public:
  /// `store` (and `observer`, if any) must outlive the Ingestor. Thread-safe if they are.
  Ingestor(Store& store, IngestConfig config, IncidentObserver* observer = nullptr)
      : store_(store), config_(std::move(config)), observer_(observer) {}

  /// Records the alerts. On error nothing is counted and the caller answers 5xx, so
  /// Alertmanager retries; whatever was written before the error is deduplicated then. The
  /// exception is permanent: kInvalid when a source's every candidate id is another source's
  /// (pmx/core/source_ids.h); the batch's other sources are recorded, and the caller answers 4xx.
  /// The alerts are taken by value: the webhook route hands its decoded alerts over (std::move)
  /// and they are moved on into their sources' groups, never copied.
  Result<IngestCounts> ingest(std::vector<Alert> alerts, UnixNanos received_at);

  const IngestConfig& config() const { return config_; }

 private:
  /// The RCA coverage for `revision`, reloading it if the copy is older.
  Result<std::shared_ptr<const std::vector<RcaCoverage>>> rcas_at(std::int64_t revision);
  /// Tells the observer the lifecycle steps of a committed update.
  void tell_observer(const SourceUpdate& update) const;

  Store& store_;
  IngestConfig config_;
  IncidentObserver* observer_;
  std::mutex rcas_mutex_;
  // Revision 0 is the empty RCA set (every RCA write bumps it), so a fresh daemon on an empty
  // store reads nothing extra.
  std::int64_t rcas_revision_ = 0;
  std::shared_ptr<const std::vector<RcaCoverage>> rcas_ =
      std::make_shared<std::vector<RcaCoverage>>();
};

}  // namespace pmx
