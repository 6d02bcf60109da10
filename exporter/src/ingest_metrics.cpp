#include "pmx/exporter/ingest_metrics.h"

#include <string>

namespace pmx {
namespace {

prometheus::Counter& counter(prometheus::Registry& registry, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

IngestMetrics::IngestMetrics(prometheus::Registry& registry)
    : webhook_requests_(prometheus::BuildCounter()
                            .Name("postmortem_webhook_requests_total")
                            .Help("Webhook requests by HTTP status code.")
                            .Register(registry)),
      alerts_received_(prometheus::BuildCounter()
                           .Name("postmortem_alerts_received_total")
                           .Help("Alerts received in accepted webhooks, by status.")
                           .Register(registry)),
      alerts_firing_(alerts_received_.Add({{"status", "firing"}})),
      alerts_resolved_(alerts_received_.Add({{"status", "resolved"}})),
      duplicates_(counter(registry, "postmortem_alerts_duplicate_total",
                          "Alerts already known: re-sends, retries, HA duplicates.")),
      ignored_(counter(registry, "postmortem_alerts_ignored_total",
                       "Alerts of --incident.ignore (meta-alerts, heartbeats): acknowledged, "
                       "never an incident, not in postmortem_alerts_received_total.")),
      truncated_(counter(registry, "postmortem_alerts_truncated_total",
                         "Alerts Alertmanager left out of webhooks (truncatedAlerts, max_alerts).")),
      occurrences_(counter(registry, "postmortem_occurrences_total", "New occurrences recorded.")),
      opened_(counter(registry, "postmortem_incidents_opened_total", "Incidents opened.")),
      resolved_(counter(registry, "postmortem_incidents_resolved_total", "Incidents resolved.")),
      reopened_(counter(registry, "postmortem_incidents_reopened_total",
                        "Incidents reopened inside the reopen window.")),
      store_errors_(counter(registry, "postmortem_store_errors_total",
                            "Store operations that failed (unavailable, conflict, corrupt).")),
      repeats_(prometheus::BuildCounter()
                   .Name("postmortem_repeat_incidents_total")
                   .Help("Incidents flagged as repeats; open_action_items=\"true\" when the "
                         "related RCAs still had open action items.")
                   .Register(registry)),
      recurrences_after_fix_(prometheus::BuildCounter()
                                 .Name("postmortem_recurrences_after_fix_total")
                                 .Help("Repeats whose related RCAs had every action item closed "
                                       "before they opened (the fix did not hold), by type of "
                                       "the completed items.")
                                 .Register(registry)),
      incident_duration_(
          prometheus::BuildHistogram()
              .Name("postmortem_incident_duration_seconds")
              .Help("From an incident's first firing to its resolution (MTTR); a reopened "
                    "incident is observed again when it resolves again.")
              .Register(registry)
              // A minute to three days: pages are minutes to hours, the slow ones days.
              .Add({}, prometheus::Histogram::BucketBoundaries{60, 300, 900, 1800, 3600, 7200,
                                                               14400, 28800, 86400, 259200})) {
  repeats_.Add({{"open_action_items", "true"}});
  repeats_.Add({{"open_action_items", "false"}});
  for (const char* type : {"prevent", "detect", "mitigate", "process"}) {
    recurrences_after_fix_.Add({{"type", type}});
  }
  for (const char* code : {"200", "400", "401", "413", "500", "503"}) {
    webhook_requests_.Add({{"code", code}});  // present from the first scrape, for rate()
  }
}

void IngestMetrics::webhook_answered(int http_status) {
  webhook_requests_.Add({{"code", std::to_string(http_status)}}).Increment();
}

void IngestMetrics::alerts_ingested(const IngestCounts& counts) {
  alerts_firing_.Increment(static_cast<double>(counts.firing_received));
  alerts_resolved_.Increment(static_cast<double>(counts.resolved_received));
  duplicates_.Increment(static_cast<double>(counts.duplicates));
  ignored_.Increment(static_cast<double>(counts.ignored));
  occurrences_.Increment(static_cast<double>(counts.occurrences));
  opened_.Increment(static_cast<double>(counts.opened));
  resolved_.Increment(static_cast<double>(counts.resolved));
  reopened_.Increment(static_cast<double>(counts.reopened));
  repeats_.Add({{"open_action_items", "true"}}).Increment(static_cast<double>(counts.repeats_with_open_items));
  repeats_.Add({{"open_action_items", "false"}})
      .Increment(static_cast<double>(counts.repeats_without_open_items));
  for (const auto& [type, n] : counts.recurrences_after_fix) {
    recurrences_after_fix_.Add({{"type", type}}).Increment(static_cast<double>(n));
  }
  for (const UnixNanos duration : counts.incident_durations) {
    incident_duration_.Observe(static_cast<double>(duration) / kNanosPerSecond);
  }
}

void IngestMetrics::alerts_truncated(std::uint64_t count) {
  truncated_.Increment(static_cast<double>(count));
}

void IngestMetrics::store_error() { store_errors_.Increment(); }

}  // namespace pmx
