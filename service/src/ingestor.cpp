#include "pmx/service/ingestor.h"

#include <algorithm>
#include <set>

#include "pmx/core/source_ids.h"

namespace pmx {
namespace {

// Each retry round is one more load + commit; contention needs several daemons writing the
// same source within microseconds, so a handful of rounds is plenty.
constexpr int kMaxRounds = 8;

/// The steps of an incident as a whole; alert fired/resolved entries are per alert (many per
/// incident), and RCA entries come from RCA writes.
bool is_lifecycle_step(TimelineEventType type) {
  return type == TimelineEventType::kOpened || type == TimelineEventType::kResolved ||
         type == TimelineEventType::kReopened || type == TimelineEventType::kFlaggedRepeat;
}

}  // namespace

void Ingestor::tell_observer(const SourceUpdate& update) const {
  if (observer_ == nullptr) return;
  // In the order the batch touched the incidents: one resolved before the next opened.
  for (const Incident& incident : update.incidents) {
    const auto events = update.timeline.find(incident.id);
    if (events == update.timeline.end()) continue;
    for (const TimelineEvent& event : events->second) {
      if (is_lifecycle_step(event.type)) observer_->incident_step(incident, event);
    }
  }
}

Result<std::shared_ptr<const std::vector<RcaCoverage>>> Ingestor::rcas_at(std::int64_t revision) {
  {
    std::lock_guard lock(rcas_mutex_);
    if (revision == rcas_revision_) return rcas_;
  }
  auto rcas = store_.list_rcas();
  if (!rcas) return rcas.error();
  auto coverage = std::make_shared<std::vector<RcaCoverage>>();
  for (const auto& rca : *rcas) coverage->push_back(coverage_of(rca));
  std::lock_guard lock(rcas_mutex_);
  // Another webhook may have loaded a newer revision meanwhile; never go back.
  if (revision > rcas_revision_) {
    rcas_revision_ = revision;
    rcas_ = coverage;
  }
  return std::shared_ptr<const std::vector<RcaCoverage>>(coverage);
}

Result<IngestCounts> Ingestor::ingest(std::vector<Alert> alerts, UnixNanos received_at) {
  IngestCounts total;
  // Alerts of --incident.ignore are counted and dropped.
  const auto ignored = std::remove_if(alerts.begin(), alerts.end(), [this](const Alert& alert) {
    return is_ignored(alert, config_);
  });
  total.ignored = static_cast<std::uint64_t>(alerts.end() - ignored);
  alerts.erase(ignored, alerts.end());
  auto pending = group_by_source(std::move(alerts), config_.source_labels);
  // The candidate id (pmx/core/source_ids.h) each source is at, when not its first.
  std::map<std::string, unsigned> candidate;
  std::vector<std::string> unplaced;  // sources whose every candidate is another source's
  const int max_rounds = kMaxRounds + static_cast<int>(kSourceIdCandidates);
  for (int round = 0; round < max_rounds && !pending.empty(); ++round) {
    std::vector<SourceLoad> loads;
    loads.reserve(pending.size());
    for (const auto& [key, source_alerts] : pending) {
      SourceLoad load{key, {}, {}};
      std::set<std::string> fingerprints;
      for (const auto& alert : source_alerts) {
        load.occurrence_ids.push_back(occurrence_id(alert));
        fingerprints.insert(alert.fingerprint);
      }
      load.fingerprints.assign(fingerprints.begin(), fingerprints.end());
      loads.push_back(std::move(load));
    }
    auto loaded = store_.load(loads);
    if (!loaded) return loaded.error();
    const auto rcas = rcas_at(loaded->rca_revision);
    if (!rcas) return rcas.error();

    std::vector<SourceCommit> commits;
    std::vector<SourceKey> committed_keys;
    std::map<SourceKey, std::vector<Alert>> next_round;  // lost races, sources at a new id
    std::size_t i = 0;
    for (auto& [key, source_alerts] : pending) {
      LoadedSource& source = loaded->sources[i++];
      if (source.state.key.canonical != key.canonical) {
        // Another source holds this id (a hash collision): never merge, try the next one.
        const unsigned next = ++candidate[key.canonical];
        if (next == kSourceIdCandidates) {
          unplaced.push_back(key.canonical);
          continue;
        }
        SourceKey moved = key;
        moved.id = source_id_candidate(key.canonical, next);
        next_round.emplace(std::move(moved), std::move(source_alerts));
        continue;
      }
      const std::int64_t version = source.state.version;
      SourceUpdate update = apply_alerts(std::move(source.state), source_alerts,
                                         source.known_occurrences, received_at, config_, **rcas);
      if (!update.changed) {
        total += update.counts;  // pure duplicates: nothing to write
        continue;
      }
      committed_keys.push_back(key);
      commits.push_back(SourceCommit{version, std::move(update)});
    }
    if (!commits.empty()) {
      auto applied = store_.commit(commits);
      if (!applied) return applied.error();
      for (std::size_t c = 0; c < commits.size(); ++c) {
        if ((*applied)[c]) {
          total += commits[c].update.counts;
          tell_observer(commits[c].update);
        } else {
          next_round[committed_keys[c]] = std::move(pending[committed_keys[c]]);
        }
      }
    }
    pending = std::move(next_round);
  }
  if (!pending.empty()) return ErrorCode::kConflict;
  if (!unplaced.empty()) {
    // Permanent (a retry meets the same collisions), so not a 503. The batch's other sources
    // are recorded.
    return Error(ErrorCode::kInvalid,
                 "every id source " + unplaced.front() +
                     " could have is another source's (crafted hash collisions?): its alerts "
                     "are not recorded",
                 "alerts");
  }
  return total;
}

}  // namespace pmx
