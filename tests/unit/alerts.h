#pragma once
// Unit tests' alerts, as Alertmanager sends them, and a source's first batch of them.
#include <string>
#include <vector>

#include "pmx/core/ingest_rules.h"

namespace pmx::unit {

/// A firing HighLatency alert of checkout on web-1, with a `severity` label unless it is empty.
inline Alert firing(const std::string& fingerprint, UnixNanos starts_at,
                    const std::string& severity = "") {
  Alert alert;
  alert.status = AlertStatus::kFiring;
  alert.fingerprint = fingerprint;
  alert.starts_at = starts_at;
  alert.labels = {{"alertname", "HighLatency"}, {"service", "checkout"}, {"instance", "web-1"}};
  if (!severity.empty()) alert.labels["severity"] = severity;
  return alert;
}

/// The same alert, resolved at `ends_at`.
inline Alert resolved(Alert alert, UnixNanos ends_at) {
  alert.status = AlertStatus::kResolved;
  alert.ends_at = ends_at;
  return alert;
}

/// What `alerts` (all of one source) do to that source when it was never seen before.
inline SourceUpdate first_batch(const std::vector<Alert>& alerts, UnixNanos received_at) {
  const IngestConfig config;
  SourceState state;
  state.key = source_key_for(alerts.front().labels, config.source_labels);
  return apply_alerts(state, alerts, {}, received_at, config);
}

/// The source as a store has it once `update` is committed and loaded again: the new state with
/// its current incident's records, which apply_alerts hands to update.incidents.
inline SourceState state_after(const SourceUpdate& update) {
  SourceState state = update.state;
  if (!state.current) return state;
  for (const auto& incident : update.incidents) {
    if (incident.id == state.current->id) state.current->alerts = incident.alerts;
  }
  return state;
}

}  // namespace pmx::unit
