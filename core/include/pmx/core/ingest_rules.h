#pragma once
/// The ingest rules: how a batch of alerts of one source moves that source's state.
/// Pure functions: the caller loads the state, passes time in and stores the result.
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "pmx/core/incident.h"

namespace pmx {

struct IngestConfig {
  std::vector<std::string> source_labels{"alertname", "service"};
  /// A firing this close to the resolution of the source's latest incident reopens it
  /// (flapping) instead of opening a new incident.
  UnixNanos reopen_window = 5 * 60 * kNanosPerSecond;
};

/// What one batch did, for the ingest counters.
struct IngestCounts {
  std::uint64_t firing_received = 0;
  std::uint64_t resolved_received = 0;
  std::uint64_t duplicates = 0;  ///< alerts that changed nothing (re-sends, retries, HA pairs)
  std::uint64_t occurrences = 0;
  std::uint64_t opened = 0;
  std::uint64_t resolved = 0;
  std::uint64_t reopened = 0;

  IngestCounts& operator+=(const IngestCounts& other);
};

/// The outcome of applying alerts to one source.
struct SourceUpdate {
  SourceState state;  ///< the new state (version unchanged: the store bumps it on commit)
  bool changed = false;
  std::vector<std::string> new_occurrences;  ///< occurrence ids recorded by this update
  /// Every incident this update touched, in its new form (usually just state.current; two
  /// when a batch resolves one incident and opens the next).
  std::vector<Incident> incidents;
  /// Timeline entries per incident id, in order.
  std::map<std::string, std::vector<TimelineEvent>> timeline;
  IngestCounts counts;
};

/// Groups a webhook's alerts by source, keeping their order within each source.
std::map<SourceKey, std::vector<Alert>> group_by_source(const std::vector<Alert>& alerts,
                                                        const std::vector<std::string>& labels);

/// Applies `alerts` (all of one source) to `state`. `known_occurrences` are the occurrence
/// ids among these alerts that were already recorded: each (fingerprint, startsAt) counts once,
/// ever. `received_at` is when the webhook arrived.
SourceUpdate apply_alerts(const SourceState& state, const std::vector<Alert>& alerts,
                          const std::set<std::string>& known_occurrences, UnixNanos received_at,
                          const IngestConfig& config);

}  // namespace pmx
