#include "pmx/store/rca_service.h"

#include <algorithm>
#include <set>

#include "pmx/core/matcher.h"

namespace pmx {
namespace {

using nlohmann::json;

// A PATCH or link reads, changes and writes with compare-and-set; a concurrent writer of the
// same RCA makes it retry. People edit RCAs, not machines: a few rounds are plenty.
constexpr int kMaxRounds = 5;

RcaServiceError invalid(std::vector<RcaProblem> problems) {
  return RcaServiceError{RcaFailure::kInvalid, std::move(problems), StoreError::kUnavailable,
                         "invalid RCA document"};
}

RcaServiceError store_failure(StoreError error) {
  return RcaServiceError{RcaFailure::kStore, {}, error, to_string(error)};
}

RcaServiceError simple(RcaFailure failure, std::string message) {
  return RcaServiceError{failure, {}, StoreError::kUnavailable, std::move(message)};
}

/// A concurrent writer of the same RCA won the compare-and-set: read again and retry.
bool lost_race(const RcaServiceError& error) {
  return error.failure == RcaFailure::kStore && error.store_error == StoreError::kConflict;
}

TimelineEvent event(TimelineEventType type, UnixNanos now, std::string detail) {
  return TimelineEvent{type, now, now, {}, std::move(detail)};
}

/// Matchers must parse as Alertmanager's would; the schema only says they are strings (an
/// empty entry here is one the schema already rejected).
void check_matchers(const std::vector<std::string>& matchers, std::vector<RcaProblem>& problems) {
  for (std::size_t i = 0; i < matchers.size(); ++i) {
    if (matchers[i].empty()) continue;
    const auto parsed = parse_matcher(matchers[i]);
    if (const auto* error = std::get_if<MatcherError>(&parsed)) {
      problems.push_back({"/matchers/" + std::to_string(i),
                          "invalid matcher '" + matchers[i] + "': " + error->message});
    }
  }
}

}  // namespace

RcaOutcome<RcaWrite> RcaService::put(const std::string& id, const json& document, UnixNanos now,
                                     RcaOrigin origin) {
  for (int round = 0; round < kMaxRounds; ++round) {
    auto previous = store_.get_rca(id);
    if (!previous) return store_failure(previous.error());
    if (document.is_object() && document.contains("id") && document["id"] != id) {
      return invalid({{"/id", "must equal the id in the URL (" + id + ")"}});
    }
    auto written = write(document, *previous, now, origin, {});
    const auto* error = std::get_if<RcaServiceError>(&written);
    if (!error || !lost_race(*error)) return written;
  }
  return store_failure(StoreError::kConflict);
}

RcaOutcome<RcaWrite> RcaService::write(const json& document, const std::optional<Rca>& previous,
                                       UnixNanos now, RcaOrigin origin,
                                       std::map<std::string, std::vector<TimelineEvent>> timeline) {
  if (previous && previous->from_file && origin == RcaOrigin::kApi) {
    return simple(RcaFailure::kReadOnly,
                  "RCA " + previous->id + " is loaded from --rca.dir and read-only here: change its file");
  }
  // Every problem at once: the schema's, then matchers and incidents read from the raw
  // document, so a 422 lists all of them however the document is broken.
  auto loaded = load_rca(document);
  std::vector<RcaProblem> problems;
  if (auto* schema_problems = std::get_if<std::vector<RcaProblem>>(&loaded)) {
    problems = std::move(*schema_problems);
  }
  const auto strings = [&](const char* field) {
    std::vector<std::string> values;
    if (!document.is_object() || !document.contains(field) || !document[field].is_array()) return values;
    for (const auto& value : document[field]) values.push_back(value.is_string() ? value.get<std::string>() : "");
    return values;
  };
  check_matchers(strings("matchers"), problems);

  const std::set<std::string> before =
      previous ? std::set<std::string>(previous->incidents.begin(), previous->incidents.end())
               : std::set<std::string>();
  const auto text = [&](const char* field) {
    return document.is_object() && document.contains(field) && document[field].is_string()
               ? document[field].get<std::string>()
               : std::string();
  };
  const std::string link_detail = "RCA '" + text("title") + "' (" + text("id") + ") linked";
  const std::vector<std::string> incidents = strings("incidents");
  for (std::size_t i = 0; i < incidents.size(); ++i) {
    const std::string& incident = incidents[i];
    if (incident.empty() || before.count(incident)) continue;
    // A file may name incidents of another environment or an emptied store: link them anyway.
    if (origin == RcaOrigin::kApi) {
      const auto found = store_.get_incident(incident);
      if (!found) return store_failure(found.error());
      if (!*found) {
        problems.push_back({"/incidents/" + std::to_string(i), "no incident with id " + incident});
        continue;
      }
    }
    timeline[incident].push_back(event(TimelineEventType::kRcaLinked, now, link_detail));
  }
  if (!problems.empty()) return invalid(std::move(problems));
  Rca rca = std::get<Rca>(std::move(loaded));
  rca.from_file = origin == RcaOrigin::kFile;
  const auto written = store_.put_rca(rca, previous ? previous->version : 0, timeline);
  if (!written) return store_failure(written.error());
  tell_observer(previous, rca, *written);
  return *written;
}

void RcaService::tell_observer(const std::optional<Rca>& previous, const Rca& written,
                               const RcaWrite& write) const {
  if (observer_ == nullptr || written.status != RcaStatus::kPublished) return;
  if (!previous || previous->status != RcaStatus::kPublished) {
    observer_->rca_published(written.action_items.size());
  }
  // A published RCA has published_at (the schema requires it). One dated before the incident
  // resolved (written during it) counts as no delay.
  const UnixNanos published_at = written.published_at.value_or(0);
  for (const UnixNanos resolved_at : write.covered_resolved_at) {
    observer_->incident_covered(std::max<UnixNanos>(0, published_at - resolved_at));
  }
}

RcaOutcome<Rca> RcaService::patch_action_item(const std::string& rca_id, const std::string& item_id,
                                              const json& patch, UnixNanos now) {
  if (!patch.is_object()) return invalid({{"", "the patch must be a JSON object"}});
  for (const auto& [key, value] : patch.items()) {
    if (key != "status" && key != "owner" && key != "due") {
      return invalid({{"/" + key, "cannot be changed here (status, owner and due can)"}});
    }
  }
  for (int round = 0; round < kMaxRounds; ++round) {
    auto stored = store_.get_rca(rca_id);
    if (!stored) return store_failure(stored.error());
    if (!*stored) return simple(RcaFailure::kNotFound, "no RCA with id " + rca_id);
    Rca rca = **stored;
    const auto item = std::find_if(rca.action_items.begin(), rca.action_items.end(),
                                   [&](const ActionItem& i) { return i.id == item_id; });
    if (item == rca.action_items.end()) {
      return simple(RcaFailure::kNotFound, "RCA " + rca_id + " has no action item " + item_id);
    }
    const ActionItem before = *item;
    std::vector<RcaProblem> problems;
    if (patch.contains("status")) {
      const auto status = patch["status"].is_string()
                              ? action_item_status_from(patch["status"].get<std::string>())
                              : std::nullopt;
      if (!status) {
        problems.push_back({"/status", "must be one of open, in_progress, done, wont_do"});
      } else {
        item->status = *status;
        if (item->closed() && !before.closed()) item->completed_at = now;
        if (!item->closed()) item->completed_at.reset();
      }
    }
    if (patch.contains("owner")) {
      if (!patch["owner"].is_string() || patch["owner"].get<std::string>().empty()) {
        problems.push_back({"/owner", "must be a non-empty string"});
      } else {
        item->owner = patch["owner"].get<std::string>();
      }
    }
    if (patch.contains("due")) {
      const auto due = patch["due"].is_string() ? rca_due_end(patch["due"].get<std::string>()) : std::nullopt;
      if (!due) {
        problems.push_back({"/due", "must be a date, YYYY-MM-DD"});
      } else {
        item->due = patch["due"].get<std::string>();
        item->due_at = *due;
      }
    }
    if (!problems.empty()) return invalid(std::move(problems));

    std::string change = "action item " + item->id + " '" + item->title + "':";
    if (before.status != item->status) change += std::string(" status ") + to_string(before.status) + " → " + to_string(item->status);
    if (before.owner != item->owner) change += " owner " + before.owner + " → " + item->owner;
    if (before.due != item->due) change += " due " + before.due + " → " + item->due;
    std::map<std::string, std::vector<TimelineEvent>> timeline;
    for (const auto& incident : rca.incidents) {
      timeline[incident].push_back(event(TimelineEventType::kActionItemChanged, now, change));
    }
    auto written = write(rca_to_json(rca), *stored, now, RcaOrigin::kApi, std::move(timeline));
    if (auto* error = std::get_if<RcaServiceError>(&written)) {
      if (lost_race(*error)) continue;
      return std::move(*error);
    }
    rca.version = std::get<RcaWrite>(written).version;
    rca.document = rca_to_json(rca);
    return rca;
  }
  return store_failure(StoreError::kConflict);
}

RcaOutcome<Rca> RcaService::link_incident(const std::string& rca_id, const std::string& incident_id,
                                          UnixNanos now) {
  for (int round = 0; round < kMaxRounds; ++round) {
    auto stored = store_.get_rca(rca_id);
    if (!stored) return store_failure(stored.error());
    if (!*stored) return simple(RcaFailure::kNotFound, "no RCA with id " + rca_id);
    Rca rca = **stored;
    if (std::find(rca.incidents.begin(), rca.incidents.end(), incident_id) != rca.incidents.end()) {
      return rca;
    }
    json document = rca.document;
    if (!document.contains("incidents")) document["incidents"] = json::array();
    document["incidents"].push_back(incident_id);
    auto written = write(document, *stored, now, RcaOrigin::kApi, {});
    if (auto* error = std::get_if<RcaServiceError>(&written)) {
      if (lost_race(*error)) continue;
      return std::move(*error);
    }
    auto reread = store_.get_rca(rca_id);
    if (!reread) return store_failure(reread.error());
    if (!*reread) return simple(RcaFailure::kNotFound, "no RCA with id " + rca_id);
    return **reread;
  }
  return store_failure(StoreError::kConflict);
}

RcaOutcome<bool> RcaService::remove(const std::string& id, RcaOrigin origin) {
  auto stored = store_.get_rca(id);
  if (!stored) return store_failure(stored.error());
  if (!*stored) return simple(RcaFailure::kNotFound, "no RCA with id " + id);
  if ((*stored)->from_file && origin == RcaOrigin::kApi) {
    return simple(RcaFailure::kReadOnly, "RCA " + id + " is loaded from --rca.dir and read-only here: remove its file");
  }
  const auto removed = store_.delete_rca(id);
  if (!removed) return store_failure(removed.error());
  return *removed;
}

}  // namespace pmx
