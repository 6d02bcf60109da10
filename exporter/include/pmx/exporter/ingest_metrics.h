#pragma once
/// Event counters and the incident duration histogram of the ingest path (per replica: sum
/// them across replicas). Thread-safe: prometheus-cpp counters and histograms are.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "pmx/core/ingest_rules.h"

namespace pmx {

class IngestMetrics {
 public:
  /// Registers the families in `registry`, which must outlive this object.
  explicit IngestMetrics(prometheus::Registry& registry);
  IngestMetrics(const IngestMetrics&) = delete;
  IngestMetrics& operator=(const IngestMetrics&) = delete;

  void webhook_answered(int http_status);
  void alerts_ingested(const IngestCounts& counts);
  void alerts_truncated(std::uint64_t count);
  void store_error();

 private:
  prometheus::Family<prometheus::Counter>& webhook_requests_;
  prometheus::Family<prometheus::Counter>& alerts_received_;
  prometheus::Counter& alerts_firing_;
  prometheus::Counter& alerts_resolved_;
  prometheus::Counter& duplicates_;
  prometheus::Counter& ignored_;
  prometheus::Counter& truncated_;
  prometheus::Counter& occurrences_;
  prometheus::Counter& opened_;
  prometheus::Counter& resolved_;
  prometheus::Counter& reopened_;
  prometheus::Counter& store_errors_;
  prometheus::Family<prometheus::Counter>& repeats_;
  prometheus::Family<prometheus::Counter>& recurrences_after_fix_;
  prometheus::Histogram& incident_duration_;
};

}  // namespace pmx
