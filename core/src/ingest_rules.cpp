#include "pmx/core/ingest_rules.h"

#include <algorithm>

namespace pmx {

IngestCounts& IngestCounts::operator+=(const IngestCounts& o) {
  ignored += o.ignored;
  firing_received += o.firing_received;
  resolved_received += o.resolved_received;
  duplicates += o.duplicates;
  occurrences += o.occurrences;
  opened += o.opened;
  resolved += o.resolved;
  reopened += o.reopened;
  repeats_with_open_items += o.repeats_with_open_items;
  repeats_without_open_items += o.repeats_without_open_items;
  for (const auto& [type, n] : o.recurrences_after_fix) recurrences_after_fix[type] += n;
  incident_durations.insert(incident_durations.end(), o.incident_durations.begin(),
                            o.incident_durations.end());
  return *this;
}

bool is_ignored(const Alert& alert, const IngestConfig& config) {
  // matches_all of no matchers is true (it matches everything): no matchers ignore nothing.
  return !config.ignore.empty() && matches_all(config.ignore, alert.labels);
}

std::map<SourceKey, std::vector<Alert>> group_by_source(std::vector<Alert> alerts,
                                                        const std::vector<std::string>& labels) {
  std::map<SourceKey, std::vector<Alert>> groups;
  for (auto& alert : alerts) {
    auto& group = groups[source_key_for(alert.labels, labels)];
    group.push_back(std::move(alert));
  }
  return groups;
}

namespace {

/// Applies alerts one by one; holds the update being built.
class SourceUpdater {
 public:
  SourceUpdater(SourceState state, const std::set<std::string>& known, UnixNanos received_at,
                const IngestConfig& config, const std::vector<RcaCoverage>& rcas)
      : known_(known), received_at_(received_at), config_(config), rcas_(rcas) {
    update_.state = std::move(state);
  }

  void apply(const Alert& alert) {
    const std::string occurrence = occurrence_id(alert);
    const bool seen = known_.count(occurrence) > 0 || recorded_.count(occurrence) > 0;
    if (alert.status == AlertStatus::kFiring) {
      ++update_.counts.firing_received;
      if (seen) {
        ++update_.counts.duplicates;
        return;
      }
      record_firing(alert, occurrence);
      return;
    }
    ++update_.counts.resolved_received;
    if (!seen) {
      // A resolve for a firing we never saw (the daemon was down, or the firing notification
      // was lost): it did fire, so count it, then resolve it.
      record_firing(alert, occurrence);
    }
    if (!record_resolve(alert)) ++update_.counts.duplicates;
  }

  SourceUpdate finish() {
    flag_if_repeat();
    if (touched_current_) hand_over_current();
    update_.kpi_ops = incident_kpi_ops(update_.incidents, update_.timeline, config_.postmortem);
    return std::move(update_);
  }

 private:
  Incident& current() { return *update_.state.current; }

  /// Adds the current incident to update_.incidents with its records, which leave the state's
  /// copy: no store keeps records in the state (they are written from incidents), and a
  /// webhook of 100 alerts would otherwise copy 100 records.
  void hand_over_current() {
    Incident& incident = current();
    auto records = std::move(incident.alerts);
    incident.alerts.clear();
    update_.incidents.push_back(incident);
    update_.incidents.back().alerts = std::move(records);
  }

  void add_event(TimelineEventType type, UnixNanos at, const std::string& fingerprint = {},
                 std::string detail = {}) {
    update_.timeline[current().id].push_back(
        TimelineEvent{type, at, received_at_, fingerprint, std::move(detail)});
  }

  /// Makes sure an open incident exists for a new firing at `starts_at`.
  void ensure_open_incident(UnixNanos starts_at) {
    SourceState& state = update_.state;
    if (state.current && state.current->state == IncidentState::kOpen) return;
    if (state.current && state.current->resolved_at &&
        starts_at - *state.current->resolved_at <= config_.reopen_window) {
      current().state = IncidentState::kOpen;
      current().resolved_at.reset();
      ++current().reopened;
      ++update_.counts.reopened;
      touched_current_ = true;
      add_event(TimelineEventType::kReopened, starts_at);
      return;
    }
    flag_if_repeat();
    if (state.current) remember_earlier(*state.current, starts_at);
    if (state.current && touched_current_) update_.incidents.push_back(std::move(*state.current));
    Incident incident;
    incident.number = ++state.incident_count;
    incident.source = state.key.canonical;
    incident.source_id = state.key.id;
    incident.id = incident_id(state.key.id, incident.number);
    incident.opened_at = starts_at;
    incident.opened_received_at = received_at_;
    state.current = std::move(incident);
    touched_current_ = true;
    ++update_.counts.opened;
    add_event(TimelineEventType::kOpened, starts_at);
    repeat_check_pending_ = true;
  }

  /// Keeps the previous incident for repeat detection, dropping what left the window.
  void remember_earlier(const Incident& previous, UnixNanos now) {
    auto& earlier = update_.state.earlier;
    earlier.push_back(EarlierIncident{previous.id, previous.opened_at});
    const UnixNanos horizon = now - config_.repeat_window;
    earlier.erase(std::remove_if(earlier.begin(), earlier.end(),
                                 [&](const EarlierIncident& e) { return e.opened_at < horizon; }),
                  earlier.end());
    if (earlier.size() > config_.max_earlier_incidents) {
      earlier.erase(earlier.begin(),
                    earlier.end() - static_cast<std::ptrdiff_t>(config_.max_earlier_incidents));
    }
  }

  /// Runs once per opened incident, after the batch added its alerts (RCA matchers look at
  /// their labels).
  void flag_if_repeat() {
    if (!repeat_check_pending_) return;
    repeat_check_pending_ = false;
    Incident& incident = current();
    incident.repeat = detect_repeat(incident, update_.state.earlier, rcas_, config_.repeat_window);
    if (!incident.repeat) return;
    const RepeatInfo& repeat = *incident.repeat;
    if (repeat.open_action_items > 0) {
      ++update_.counts.repeats_with_open_items;
    } else {
      ++update_.counts.repeats_without_open_items;
    }
    if (repeat.ineffective_fix) {
      for (const auto& type : repeat.fixed_types) ++update_.counts.recurrences_after_fix[type];
    }
    add_event(TimelineEventType::kFlaggedRepeat, incident.opened_at, {},
              describe_repeat(repeat, config_.repeat_window));
  }

  void record_firing(const Alert& alert, const std::string& occurrence) {
    ensure_open_incident(alert.starts_at);
    SourceState& state = update_.state;
    ++state.occurrences;
    if (state.first_seen == 0 || alert.starts_at < state.first_seen) state.first_seen = alert.starts_at;
    state.last_seen = std::max(state.last_seen, alert.starts_at);

    Incident& incident = current();
    ++incident.occurrences;
    AlertRecord& record = incident.alerts[alert.fingerprint];
    // A new record is firing from 0 occurrences; a refire of a still-firing fingerprint (a new
    // startsAt without a resolve in between) is one more occurrence of one firing alert.
    if (record.occurrences == 0 || record.status == AlertStatus::kResolved) ++incident.firing_alerts;
    const auto severity = alert.labels.find("severity");
    if (severity != alert.labels.end()) incident.severities.insert(severity->second);
    record.fingerprint = alert.fingerprint;
    record.labels = alert.labels;
    record.annotations = alert.annotations;
    record.generator_url = alert.generator_url;
    record.status = AlertStatus::kFiring;
    record.starts_at = alert.starts_at;
    record.ends_at = 0;
    ++record.occurrences;

    recorded_.insert(occurrence);
    update_.new_occurrences.push_back(occurrence);
    ++update_.counts.occurrences;
    update_.changed = true;
    touched_current_ = true;
    add_event(TimelineEventType::kAlertFired, alert.starts_at, alert.fingerprint);
  }

  /// Returns false when the resolve changes nothing (a re-send, or a stale resolve of an
  /// earlier firing of the same fingerprint).
  bool record_resolve(const Alert& alert) {
    if (!update_.state.current) return false;
    Incident& incident = current();
    const auto it = incident.alerts.find(alert.fingerprint);
    if (it == incident.alerts.end() || it->second.status == AlertStatus::kResolved ||
        it->second.starts_at != alert.starts_at) {
      return false;
    }
    // Alertmanager sets endsAt on resolved alerts; fall back to receipt if it did not.
    const UnixNanos ends_at = alert.ends_at != 0 ? alert.ends_at : received_at_;
    it->second.status = AlertStatus::kResolved;
    it->second.ends_at = ends_at;
    if (incident.firing_alerts > 0) --incident.firing_alerts;
    incident.last_alert_end = std::max(incident.last_alert_end, ends_at);
    update_.changed = true;
    touched_current_ = true;
    add_event(TimelineEventType::kAlertResolved, ends_at, alert.fingerprint);

    if (incident.firing_alerts == 0 && incident.state == IncidentState::kOpen) {
      const UnixNanos resolved_at = incident.last_alert_end;
      incident.state = IncidentState::kResolved;
      incident.resolved_at = resolved_at;
      ++update_.counts.resolved;
      update_.counts.incident_durations.push_back(resolved_at - incident.opened_at);
      add_event(TimelineEventType::kResolved, resolved_at);
    }
    return true;
  }

  SourceUpdate update_;
  const std::set<std::string>& known_;
  std::set<std::string> recorded_;  // occurrences recorded earlier in this same batch
  UnixNanos received_at_;
  const IngestConfig& config_;
  const std::vector<RcaCoverage>& rcas_;
  bool touched_current_ = false;
  bool repeat_check_pending_ = false;
};

std::string window_text(UnixNanos window) {
  if (window % kNanosPerDay == 0) return std::to_string(window / kNanosPerDay) + "d";
  return std::to_string(window / kNanosPerSecond) + "s";
}

}  // namespace

std::string describe_repeat(const RepeatInfo& repeat, UnixNanos window) {
  std::string text = ordinal(repeat.ordinal) + " incident of this source in " + window_text(window);
  for (const auto& rca : repeat.rcas) {
    text += "; RCA '" + rca.title + "' has " + std::to_string(rca.open_action_items) + " of " +
            std::to_string(rca.action_items) + " action items still open";
  }
  if (repeat.ineffective_fix) {
    text += "; every earlier action item was closed and it came back: the fix did not hold";
  }
  return text;
}

SourceUpdate apply_alerts(SourceState state, const std::vector<Alert>& alerts,
                          const std::set<std::string>& known_occurrences, UnixNanos received_at,
                          const IngestConfig& config, const std::vector<RcaCoverage>& rcas) {
  SourceUpdater updater(std::move(state), known_occurrences, received_at, config, rcas);
  for (const auto& alert : alerts) updater.apply(alert);
  return updater.finish();
}

}  // namespace pmx
