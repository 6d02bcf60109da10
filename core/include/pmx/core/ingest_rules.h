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
#include "pmx/core/kpi.h"
#include "pmx/core/matcher.h"
#include "pmx/core/postmortem_policy.h"
#include "pmx/core/repeat.h"

namespace pmx {

struct IngestConfig {
  std::vector<std::string> source_labels{"alertname", "service"};
  /// A firing this close to the resolution of the source's latest incident reopens it
  /// (flapping) instead of opening a new incident.
  UnixNanos reopen_window = 5 * 60 * kNanosPerSecond;
  /// An incident is a repeat when its source had another incident this recently.
  UnixNanos repeat_window = 180 * kNanosPerDay;
  /// Earlier incidents kept per source for repeat detection (newest win).
  std::size_t max_earlier_incidents = 100;
  /// Which resolved incidents need a post-mortem, and by when.
  PostmortemPolicy postmortem;
  /// Alerts matching all of these never become incidents (--incident.ignore): the daemon's own
  /// meta-alerts and heartbeats such as Watchdog. Empty: none is ignored.
  std::vector<Matcher> ignore;
};

/// What one batch did, for the ingest counters.
struct IngestCounts {
  std::uint64_t ignored = 0;  ///< alerts of --incident.ignore: acknowledged, not recorded
  std::uint64_t firing_received = 0;
  std::uint64_t resolved_received = 0;
  std::uint64_t duplicates = 0;  ///< alerts that changed nothing (re-sends, retries, HA pairs)
  std::uint64_t occurrences = 0;
  std::uint64_t opened = 0;
  std::uint64_t resolved = 0;
  std::uint64_t reopened = 0;
  std::uint64_t repeats_with_open_items = 0;
  std::uint64_t repeats_without_open_items = 0;
  /// Repeats that came back after every earlier action item was closed, by item type.
  std::map<std::string, std::uint64_t> recurrences_after_fix;
  /// opened -> resolved of each incident this batch resolved (a reopened one is measured again
  /// when it resolves again, from when it first opened).
  std::vector<UnixNanos> incident_durations;

  IngestCounts& operator+=(const IngestCounts& other);
};

/// The outcome of applying alerts to one source.
struct SourceUpdate {
  /// The new state (version unchanged: the store bumps it on commit). Its current incident
  /// has no alert records: the changed ones are in `incidents`.
  SourceState state;
  bool changed = false;
  std::vector<std::string> new_occurrences;  ///< occurrence ids recorded by this update
  /// Every incident this update touched, in its new form (usually just state.current; two
  /// when a batch resolves one incident and opens the next).
  std::vector<Incident> incidents;
  /// Timeline entries per incident id, in order.
  std::map<std::string, std::vector<TimelineEvent>> timeline;
  /// What the lifecycle steps change in the KPI aggregates (see kpi.h).
  std::vector<KpiOp> kpi_ops;
  IngestCounts counts;
};

/// Whether the alert is one of --incident.ignore's, which never become incidents.
bool is_ignored(const Alert& alert, const IngestConfig& config);

/// Groups a webhook's alerts by source, keeping their order within each source. The alerts are
/// moved, not copied: copying every label map was a fifteenth of the daemon's CPU on webhooks
/// of 100 alerts.
std::map<SourceKey, std::vector<Alert>> group_by_source(std::vector<Alert> alerts,
                                                        const std::vector<std::string>& labels);

/// Applies `alerts` (all of one source) to `state`. `known_occurrences` are the occurrence
/// ids among these alerts that were already recorded: each (fingerprint, startsAt) counts once,
/// ever. `received_at` is when the webhook arrived. `rcas` are every RCA's coverage, for
/// repeat detection of incidents this batch opens.
SourceUpdate apply_alerts(SourceState state, const std::vector<Alert>& alerts,
                          const std::set<std::string>& known_occurrences, UnixNanos received_at,
                          const IngestConfig& config, const std::vector<RcaCoverage>& rcas = {});

/// The sentence a repeat's timeline entry shows: "3rd incident of this source in 180d; RCA
/// 'pool exhaustion' has 2 of 3 action items still open".
std::string describe_repeat(const RepeatInfo& repeat, UnixNanos window);

}  // namespace pmx
