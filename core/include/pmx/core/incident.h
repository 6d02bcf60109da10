#pragma once
/// Incidents, their alerts and their activity timeline, and the per-source state that the
/// ingest rules move forward.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pmx/core/alert.h"
#include "pmx/core/source.h"

namespace pmx {

enum class IncidentState { kOpen, kResolved };
const char* to_string(IncidentState state);
std::optional<IncidentState> incident_state_from(const std::string& text);

/// The last known firing of one alert (by fingerprint) inside an incident.
struct AlertRecord {
  std::string fingerprint;
  Labels labels;
  Labels annotations;
  AlertStatus status = AlertStatus::kFiring;
  UnixNanos starts_at = 0;
  UnixNanos ends_at = 0;  ///< 0 while firing
  std::string generator_url;
  std::uint64_t occurrences = 0;  ///< firings of this fingerprint counted in this incident
};

enum class TimelineEventType {
  kOpened,
  kAlertFired,
  kAlertResolved,
  kResolved,
  kReopened,
  kFlaggedRepeat,
  kRcaLinked,
  kActionItemChanged,
};
const char* to_string(TimelineEventType type);
std::optional<TimelineEventType> timeline_event_type_from(const std::string& text);

/// One entry of an incident's activity timeline. `at` is Alertmanager's time (startsAt/endsAt),
/// `received_at` when this daemon got the notification: the gap is the detection delay.
struct TimelineEvent {
  TimelineEventType type = TimelineEventType::kOpened;
  UnixNanos at = 0;
  UnixNanos received_at = 0;
  std::string fingerprint;  ///< the alert concerned, empty for incident-level events
  std::string detail;
};

/// An earlier RCA related to a repeat, as it stood when the repeat opened.
struct RelatedRca {
  std::string id;
  std::string title;
  std::size_t action_items = 0;
  std::size_t open_action_items = 0;
};

/// Why an incident is a repeat. Recorded once, when it opens.
struct RepeatInfo {
  std::uint32_t ordinal = 1;  ///< this is the n-th incident of its source inside the window
  std::vector<std::string> earlier_incidents;  ///< of the same source, inside the window
  std::vector<RelatedRca> rcas;
  std::size_t open_action_items = 0;  ///< over all related RCAs
  /// Every action item of the related RCAs was closed before this opened, and it came back.
  bool ineffective_fix = false;
  std::vector<std::string> fixed_types;  ///< types of the done items, when ineffective_fix
};

/// An earlier incident of a source, as kept in the source state for repeat detection.
struct EarlierIncident {
  std::string id;
  UnixNanos opened_at = 0;
};

struct Incident {
  std::string id;  ///< `<source id>-<number>`: unique and stable without a shared sequence
  std::string source;     ///< canonical source key
  std::string source_id;  ///< SourceKey::id
  std::uint64_t number = 0;  ///< ordinal of this incident for its source (1st, 2nd, ...)
  IncidentState state = IncidentState::kOpen;
  UnixNanos opened_at = 0;           ///< startsAt of the first occurrence
  UnixNanos opened_received_at = 0;  ///< when the first notification arrived
  std::optional<UnixNanos> resolved_at;  ///< latest endsAt when the last alert resolved
  std::uint32_t reopened = 0;  ///< times it reopened inside the reopen window
  std::uint64_t occurrences = 0;
  // Aggregates over every alert of the incident, kept by the ingest rules so that a batch
  // needs only the records of its own fingerprints, whatever the size of the incident.
  std::uint64_t firing_alerts = 0;    ///< fingerprints firing now: 0 = every alert resolved
  UnixNanos last_alert_end = 0;       ///< the latest endsAt of a resolve; resolved_at when 0 fire
  std::set<std::string> severities;   ///< `severity` label values seen on its alerts
  /// By fingerprint. As the store reads an incident (get_incident, list_incidents): every
  /// alert. In SourceState::current as load() returns it: only the fingerprints the batch
  /// names (SourceLoad::fingerprints), which is all the ingest rules read.
  std::map<std::string, AlertRecord> alerts;
  std::optional<RepeatInfo> repeat;  ///< set when it opened as a repeat
  std::vector<std::string> rcas;     ///< ids of RCAs linked to this incident
};

/// Everything the ingest rules need to know about one source. Stored as one unit and updated
/// with compare-and-set on `version`, so concurrent daemons never lose a count.
struct SourceState {
  SourceKey key;
  std::int64_t version = 0;  ///< 0: never stored
  std::uint64_t occurrences = 0;
  UnixNanos first_seen = 0;  ///< startsAt of the first occurrence
  UnixNanos last_seen = 0;   ///< startsAt of the latest occurrence
  std::uint64_t incident_count = 0;
  std::optional<Incident> current;  ///< the latest incident, open or resolved
  /// Incidents before `current`, newest last, pruned to the repeat window (and a cap), so
  /// repeat detection needs nothing beyond this state.
  std::vector<EarlierIncident> earlier;
};

/// The id of incident `number` of a source.
std::string incident_id(const std::string& source_id, std::uint64_t number);

}  // namespace pmx
