#include "pmx/service/rca_service.h"

#include <algorithm>
#include <set>

#include "not_found.h"
#include "pmx/core/matcher.h"

namespace pmx {
namespace {

using nlohmann::json;

// A PATCH or link reads, changes and writes with compare-and-set; a concurrent writer of the
// same RCA makes it retry. People edit RCAs, not machines: a few rounds are plenty.
constexpr int kMaxRounds = 5;

Error invalid(std::vector<Problem> problems) {
  return Error{ErrorCode::kInvalid, "invalid RCA document", {}, std::move(problems)};
}

Error read_only(const std::string& id, const char* what_to_do) {
  return Error{ErrorCode::kReadOnly,
               "RCA " + id + " is loaded from --rca.dir and read-only here: " + what_to_do,
               {},
               {}};
}

/// The caller's copy is not the stored one: kStale with the stored version.
Result<Done> check_version(const std::string& id, const std::optional<Rca>& stored,
                           std::optional<std::int64_t> expected) {
  const std::int64_t current = stored ? stored->version : 0;
  if (!expected || *expected == current) return Done{};
  Error stale(ErrorCode::kStale,
              "RCA " + id + (current == 0 ? " does not exist" : " is at version " + std::to_string(current)) +
                  ", not " + std::to_string(*expected) + ": read it again, merge, and retry");
  stale.version = current;
  return stale;
}

TimelineEvent event(TimelineEventType type, UnixNanos now, std::string detail) {
  return TimelineEvent{type, now, now, {}, std::move(detail)};
}

/// Matchers must parse as Alertmanager's would; the schema only says they are strings (an
/// empty entry here is one the schema already rejected).
void check_matchers(const std::vector<std::string>& matchers, std::vector<Problem>& problems) {
  for (std::size_t i = 0; i < matchers.size(); ++i) {
    if (matchers[i].empty()) continue;
    const auto parsed = parse_matcher(matchers[i]);
    if (const auto* error = std::get_if<MatcherError>(&parsed)) {
      problems.push_back({"/matchers/" + std::to_string(i),
                          "invalid matcher '" + matchers[i] + "': " + error->message});
    }
  }
}

/// The document with published_at set to `now` when it is published without one.
json with_published_at(json document, UnixNanos now) {
  if (!document.is_object()) return document;
  const auto status = document.find("status");
  const auto published_at = document.find("published_at");
  if (status != document.end() && *status == "published" &&
      (published_at == document.end() || published_at->is_null())) {
    document["published_at"] = format_rfc3339(now);
  }
  return document;
}

/// Applies the fields of `patch` to `item`; the problems of those that are invalid.
std::vector<Problem> apply_patch(const json& patch, UnixNanos now, ActionItem& item) {
  const ActionItem before = item;
  std::vector<Problem> problems;
  if (patch.contains("status")) {
    const auto status = patch["status"].is_string()
                            ? action_item_status_from(patch["status"].get<std::string>())
                            : std::nullopt;
    if (!status) {
      problems.push_back({"/status", "must be one of open, in_progress, done, wont_do"});
    } else {
      item.status = *status;
      if (item.closed() && !before.closed()) item.completed_at = now;
      if (!item.closed()) item.completed_at.reset();
    }
  }
  if (patch.contains("completed_at")) {
    // A backfill: the item was done earlier than it was marked so.
    const json& value = patch["completed_at"];
    const auto at = value.is_string() ? rca_date_time(value.get<std::string>()) : std::nullopt;
    if (!at) {
      problems.push_back({"/completed_at", "must be an RFC 3339 date-time"});
    } else if (*at > now) {
      problems.push_back({"/completed_at", "must not be in the future"});
    } else if (!item.closed()) {
      problems.push_back({"/completed_at", "only a done or won't-do item has one"});
    } else {
      item.completed_at = *at;
    }
  }
  if (patch.contains("owner")) {
    if (!patch["owner"].is_string() || patch["owner"].get<std::string>().empty()) {
      problems.push_back({"/owner", "must be a non-empty string"});
    } else {
      item.owner = patch["owner"].get<std::string>();
    }
  }
  if (patch.contains("due")) {
    const auto due =
        patch["due"].is_string() ? rca_due_end(patch["due"].get<std::string>()) : std::nullopt;
    if (!due) {
      problems.push_back({"/due", "must be a date, YYYY-MM-DD"});
    } else {
      item.due = patch["due"].get<std::string>();
      item.due_at = *due;
    }
  }
  return problems;
}

/// The timeline details of the action items whose status, owner or due date differ between
/// two versions of an RCA, one line per item: "action item a1 'Add alert': status open → done
/// owner ann → bob". Items added or dropped are not changes of an item.
std::vector<std::string> item_changes(const Rca& before, const Rca& after) {
  std::vector<std::string> changes;
  for (const auto& item : after.action_items) {
    const auto old = std::find_if(before.action_items.begin(), before.action_items.end(),
                                  [&](const ActionItem& i) { return i.id == item.id; });
    if (old == before.action_items.end()) continue;
    std::string change;
    if (old->status != item.status) {
      change += std::string(" status ") + to_string(old->status) + " → " + to_string(item.status);
    }
    if (old->owner != item.owner) change += " owner " + old->owner + " → " + item.owner;
    if (old->due != item.due) change += " due " + old->due + " → " + item.due;
    if (!change.empty()) changes.push_back("action item " + item.id + " '" + item.title + "':" + change);
  }
  return changes;
}

/// The entries of `after` missing from `before`.
std::vector<std::string> missing_from(const std::vector<std::string>& before,
                                      const std::vector<std::string>& after) {
  std::vector<std::string> missing;
  for (const auto& value : after) {
    if (std::find(before.begin(), before.end(), value) == before.end()) missing.push_back(value);
  }
  return missing;
}

std::vector<std::string> item_ids(const Rca& rca) {
  std::vector<std::string> ids;
  for (const auto& item : rca.action_items) ids.push_back(item.id);
  return ids;
}

/// "fields a,b": the top-level fields of the document whose value changed, but `described`
/// ones; "" if none. Named, not quoted: what they hold is for the API to show, not the log.
std::string field_changes(const json& before, const json& after,
                          const std::set<std::string>& described) {
  std::set<std::string> names;
  for (const json* doc : {&before, &after}) {
    if (!doc->is_object()) continue;
    for (const auto& [name, value] : doc->items()) names.insert(name);
  }
  const auto value = [](const json& doc, const std::string& name) {
    return doc.is_object() ? doc.value(name, json()) : json();
  };
  std::string fields;
  for (const auto& name : names) {
    if (described.count(name) || value(before, name) == value(after, name)) continue;
    fields += (fields.empty() ? "" : ",") + name;
  }
  return fields.empty() ? "" : "fields " + fields;
}

/// What a write changed, for RcaWritten::changes.
std::vector<std::string> rca_changes(const std::optional<Rca>& before, const Rca& after) {
  if (!before) return {"created"};
  std::vector<std::string> changes;
  if (before->status != after.status) {
    changes.push_back(std::string("status ") + to_string(before->status) + " → " +
                      to_string(after.status));
  }
  for (const auto& id : missing_from(before->incidents, after.incidents))
    changes.push_back("incident " + id + " linked");
  for (const auto& id : missing_from(after.incidents, before->incidents))
    changes.push_back("incident " + id + " unlinked");
  const std::size_t before_items = changes.size();
  for (const auto& id : missing_from(item_ids(*before), item_ids(after)))
    changes.push_back("action item " + id + " added");
  for (const auto& id : missing_from(item_ids(after), item_ids(*before)))
    changes.push_back("action item " + id + " removed");
  for (auto& change : item_changes(*before, after)) changes.push_back(std::move(change));
  // An item change these lines do not describe (a title, a backfilled completed_at) still
  // shows as a change of the field action_items.
  std::set<std::string> described{"status", "incidents"};
  if (changes.size() > before_items) described.insert("action_items");
  std::string fields = field_changes(before->document, after.document, described);
  if (!fields.empty()) changes.push_back(std::move(fields));
  return changes;
}

}  // namespace

const char* to_string(RcaWriteKind kind) {
  switch (kind) {
    case RcaWriteKind::kPut:
      return "put";
    case RcaWriteKind::kPatch:
      return "patch";
    case RcaWriteKind::kLink:
      return "link";
  }
  return "put";
}

const char* to_string(RcaOrigin origin) { return origin == RcaOrigin::kFile ? "file" : "api"; }

template <typename Attempt>
Result<StoredRca> RcaService::with_retries(const std::string& id,
                                           std::optional<std::int64_t> expected_version,
                                           Attempt attempt) {
  for (int round = 0; round < kMaxRounds; ++round) {
    auto previous = store_.get_rca(id);
    if (!previous) return std::move(previous).error();
    const auto fresh = check_version(id, *previous, expected_version);
    if (!fresh) return fresh.error();
    auto written = attempt(*previous);
    // kConflict: a concurrent writer of the same RCA won the compare-and-set; read again.
    if (written || written.error().code != ErrorCode::kConflict) return written;
  }
  return ErrorCode::kConflict;
}

Result<StoredRca> RcaService::put(const std::string& id, const json& document, UnixNanos now,
                                  RcaOrigin origin, std::optional<std::int64_t> expected_version) {
  if (document.is_object() && document.contains("id") && document["id"] != id) {
    return invalid({{"/id", "must equal the id in the URL (" + id + ")"}});
  }
  // Published through the API without a date: the daemon knows when. (Not a file: its
  // document must stay as written, or every reload would see it changed.)
  const json stamped = origin == RcaOrigin::kApi ? with_published_at(document, now) : document;
  return with_retries(id, expected_version, [&](const std::optional<Rca>& previous) {
    return write(stamped, previous, now, origin, RcaWriteKind::kPut);
  });
}

Result<StoredRca> RcaService::write(const json& document, const std::optional<Rca>& previous,
                                    UnixNanos now, RcaOrigin origin, RcaWriteKind kind) {
  std::map<std::string, std::vector<TimelineEvent>> timeline;
  if (previous && previous->from_file && origin == RcaOrigin::kApi) {
    return read_only(previous->id, "change its file");
  }
  // Every problem at once: the schema's, then matchers and incidents read from the raw
  // document, so a 422 lists all of them however the document is broken.
  auto loaded = load_rca(document);
  std::vector<Problem> problems;
  if (!loaded) problems = loaded.error().problems;
  const auto strings = [&](const char* field) {
    std::vector<std::string> values;
    if (!document.is_object() || !document.contains(field) || !document[field].is_array())
      return values;
    for (const auto& value : document[field])
      values.push_back(value.is_string() ? value.get<std::string>() : "");
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
      if (!found) return std::move(found).error();
      if (!*found) {
        problems.push_back({"/incidents/" + std::to_string(i), "no incident with id " + incident});
        continue;
      }
    }
    timeline[incident].push_back(event(TimelineEventType::kRcaLinked, now, link_detail));
  }
  if (!problems.empty()) return invalid(std::move(problems));
  Rca rca = std::move(*loaded);
  if (previous) {
    for (const auto& change : item_changes(*previous, rca)) {
      for (const auto& incident : rca.incidents) {
        timeline[incident].push_back(event(TimelineEventType::kActionItemChanged, now, change));
      }
    }
  }
  rca.from_file = origin == RcaOrigin::kFile;
  const auto written = store_.put_rca(rca, previous ? previous->version : 0, timeline);
  if (!written) return written.error();
  tell_observer(previous, rca, *written);
  rca.version = written->version;
  if (writes_ != nullptr) {
    writes_->rca_written(RcaWritten{rca.id, rca.version, kind, origin, rca_changes(previous, rca)});
  }
  return answer(std::move(rca), written->created);
}

StoredRca RcaService::answer(Rca rca, bool created) const {
  auto warnings = check_action_items(rca, item_rules_);
  return StoredRca{std::move(rca), created, std::move(warnings)};
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

Result<StoredRca> RcaService::patch_action_item(const std::string& rca_id,
                                                const std::string& item_id, const json& patch,
                                                UnixNanos now,
                                                std::optional<std::int64_t> expected_version) {
  if (!patch.is_object()) return invalid({{"", "the patch must be a JSON object"}});
  for (const auto& [key, value] : patch.items()) {
    if (key != "status" && key != "owner" && key != "due" && key != "completed_at") {
      return invalid(
          {{"/" + key, "cannot be changed here (status, owner, due and completed_at can)"}});
    }
  }
  return with_retries(rca_id, expected_version, [&](const std::optional<Rca>& stored) -> Result<StoredRca> {
    if (!stored) return not_found("no RCA with id " + rca_id);
    Rca rca = *stored;
    const auto item = std::find_if(rca.action_items.begin(), rca.action_items.end(),
                                   [&](const ActionItem& i) { return i.id == item_id; });
    if (item == rca.action_items.end()) {
      return not_found("RCA " + rca_id + " has no action item " + item_id);
    }
    std::vector<Problem> problems = apply_patch(patch, now, *item);
    if (!problems.empty()) return invalid(std::move(problems));
    // write() records the change on the linked incidents' timelines, as for a PUT.
    return write(rca_to_json(rca), stored, now, RcaOrigin::kApi, RcaWriteKind::kPatch);
  });
}

Result<StoredRca> RcaService::link_incident(const std::string& rca_id,
                                            const std::string& incident_id, UnixNanos now,
                                            std::optional<std::int64_t> expected_version) {
  return with_retries(rca_id, expected_version, [&](const std::optional<Rca>& stored) -> Result<StoredRca> {
    if (!stored) return not_found("no RCA with id " + rca_id);
    if (std::find(stored->incidents.begin(), stored->incidents.end(), incident_id) !=
        stored->incidents.end()) {
      return answer(*stored, false);
    }
    json document = stored->document;
    if (!document.contains("incidents")) document["incidents"] = json::array();
    document["incidents"].push_back(incident_id);
    return write(document, stored, now, RcaOrigin::kApi, RcaWriteKind::kLink);
  });
}

Result<Done> RcaService::remove(const std::string& id, RcaOrigin origin,
                                std::optional<std::int64_t> expected_version) {
  const auto stored = stored_rca(store_, id);
  if (!stored) return stored.error();
  const auto fresh = check_version(id, *stored, expected_version);
  if (!fresh) return fresh.error();
  if (stored->from_file && origin == RcaOrigin::kApi) return read_only(id, "remove its file");
  const auto removed = store_.delete_rca(id);
  if (!removed) return removed.error();
  // Deleted meanwhile by another writer: the caller's wish holds all the same (and that
  // writer tells of the deletion).
  if (*removed && writes_ != nullptr) writes_->rca_deleted(id, stored->version, origin);
  return Done{};
}

}  // namespace pmx
