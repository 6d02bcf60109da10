#pragma once
/// The daemon's /metrics: the registry of event counters, the store gauges and build info,
/// serialised in the Prometheus text format.
#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "pmx/exporter/ingest_metrics.h"
#include "pmx/exporter/publication_metrics.h"
#include "pmx/exporter/reminder_collector.h"
#include "pmx/exporter/store_collector.h"

namespace pmx {

/// Content type of the Prometheus text exposition format 0.0.4.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

class Telemetry {
 public:
  /// `store` must outlive this object; `now` is the clock the KPI gauges are relative to;
  /// `item_rules` decide postmortem_action_item_warnings.
  Telemetry(Store& store, const KpiSettings& kpis, const ReminderSettings& reminders,
            const std::string& version, std::function<UnixNanos()> now,
            ActionItemRules item_rules = {});
  Telemetry(const Telemetry&) = delete;
  Telemetry& operator=(const Telemetry&) = delete;

  IngestMetrics& ingest() { return ingest_; }
  /// For RcaService: observes the post-mortem publication histograms.
  PublicationObserver& publication() { return publication_; }
  /// One scrape: counters plus gauges read from the store now.
  std::string scrape() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  IngestMetrics ingest_;
  PublicationMetrics publication_;
  StoreCollector store_collector_;
  ReminderCollector reminder_collector_;
};

}  // namespace pmx
