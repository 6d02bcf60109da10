#include "pmx/service/queries.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "not_found.h"
#include "pmx/core/matcher.h"
#include "pmx/core/postmortem_markdown.h"
#include "pmx/core/repeat.h"
#include "pmx/core/source_ids.h"

namespace pmx {
namespace {

constexpr std::size_t kDigestFirstPage = 500;
// Index members read at a time for the awaiting list (more when a filter thins them).
constexpr std::size_t kAwaitingPage = 500;

/// Does the RCA cover the source: linked to one of its incidents, or matchers matching its labels.
bool covers_source(const Rca& rca, const SourceState& source) {
  const RcaCoverage coverage = coverage_of(rca);
  if (coverage.source_ids.count(source.key.id)) return true;
  return !coverage.matchers.empty() && matches_all(coverage.matchers, source.key.labels);
}

}  // namespace

Result<std::vector<Incident>> Queries::incidents(const IncidentFilter& filter) {
  return store_.list_incidents(filter);
}

Result<IncidentDetail> Queries::incident(const std::string& id) {
  auto detail = store_.get_incident(id);
  if (!detail) return std::move(detail).error();
  if (!*detail) return not_found("no incident with id " + id, "id");
  return std::move(**detail);
}

Result<std::vector<SourceState>> Queries::sources(const SourceFilter& filter) {
  return store_.list_sources(filter);
}

Result<std::vector<AwaitingIncident>> Queries::awaiting_postmortem(const AwaitingFilter& filter,
                                                                   UnixNanos now) {
  std::vector<AwaitingIncident> result;
  std::optional<IndexMember> position = filter.after;
  const auto after_position = [&](const IndexMember& member) {
    return !position ||
           std::tie(member.at, member.member) > std::tie(position->at, position->member);
  };
  // Keyset pages of the index from the position (inclusive of its time: ties by id). A page
  // that holds nothing after the position (many incidents due at the same time, as those
  // resolved over a weekend are) is read again twice as large.
  std::size_t page = std::min<std::size_t>(filter.limit, kAwaitingPage) + 1;
  while (result.size() < filter.limit) {
    const KpiRange range{"awaiting", kpi_index::kAwaiting, position ? position->at : kMinusInfinity,
                         filter.overdue_only ? now : kPlusInfinity};
    auto members = store_.index_members(range, page);
    if (!members) return std::move(members).error();
    std::vector<IndexMember> fresh;
    for (auto& member : *members) {
      if (after_position(member)) fresh.push_back(std::move(member));
    }
    if (fresh.empty()) {
      if (members->size() < page) break;
      page *= 2;
      continue;
    }
    std::vector<std::string> ids;
    for (const auto& member : fresh) ids.push_back(member.member);
    auto incidents = store_.get_incidents(ids);
    if (!incidents) return std::move(incidents).error();
    std::map<std::string, Incident*> by_id;
    for (auto& incident : *incidents) by_id[incident.id] = &incident;
    for (const auto& member : fresh) {
      const auto found = by_id.find(member.member);
      if (found == by_id.end() || result.size() == filter.limit) continue;  // deleted since
      Incident& incident = *found->second;
      if (filter.source_id && incident.source_id != *filter.source_id) continue;
      if (filter.opened_from && incident.opened_at < *filter.opened_from) continue;
      if (filter.opened_to && incident.opened_at >= *filter.opened_to) continue;
      result.push_back({std::move(incident), member.at});
    }
    if (members->size() < page) break;
    position = fresh.back();
  }
  return result;
}

Result<ActionItemList> Queries::action_items(const ActionItemFilter& filter, UnixNanos now) {
  auto rcas = store_.list_rcas();
  if (!rcas) return std::move(rcas).error();
  ActionItemList list;
  list.rcas = std::move(*rcas);
  list.items = list_action_items(list.rcas, filter, now);
  return list;
}

Result<std::optional<SourceState>> Queries::find_source(const std::string& key_or_id) {
  const bool is_id = key_or_id.size() == 16 &&
                     key_or_id.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (is_id) return store_.get_source(key_or_id);
  for (unsigned attempt = 0; attempt < kSourceIdCandidates; ++attempt) {
    auto source = store_.get_source(source_id_candidate(key_or_id, attempt));
    if (!source || !*source || (*source)->key.canonical == key_or_id) return source;
  }
  return std::optional<SourceState>();
}

Result<std::string> Queries::source_id_of(const std::string& key_or_id) {
  auto source = find_source(key_or_id);
  if (!source) return std::move(source).error();
  return *source ? (*source)->key.id : std::string();
}

Result<SourceHistory> Queries::source(const std::string& key_or_id, std::size_t incident_limit) {
  auto source = find_source(key_or_id);
  if (!source) return std::move(source).error();
  if (!*source) return not_found("no source " + key_or_id, "key");
  IncidentFilter filter;
  filter.source_id = (*source)->key.id;
  filter.limit = incident_limit;
  auto incidents = store_.list_incidents(filter);
  if (!incidents) return std::move(incidents).error();
  return SourceHistory{std::move(**source), std::move(*incidents)};
}

Result<std::vector<Rca>> Queries::rcas(const RcaFilter& filter) {
  std::optional<SourceState> source;
  if (filter.source_id) {
    auto found = store_.get_source(*filter.source_id);
    if (!found) return std::move(found).error();
    if (!*found) return std::vector<Rca>{};
    source = std::move(**found);
  }
  auto all = store_.list_rcas();
  if (!all) return std::move(all).error();
  std::vector<Rca> listed;
  for (auto& rca : *all) {
    if (filter.status && rca.status != *filter.status) continue;
    if (filter.has_open_items && (rca.open_action_items() > 0) != *filter.has_open_items) continue;
    if (source && !covers_source(rca, *source)) continue;
    if (filter.after && rca.id <= *filter.after) continue;
    if (filter.created_from || filter.created_to) {
      const auto written = rca.created_at ? rca.created_at : rca.published_at;
      if (!written) continue;
      if (filter.created_from && *written < *filter.created_from) continue;
      if (filter.created_to && *written >= *filter.created_to) continue;
    }
    if (listed.size() == filter.limit) break;
    listed.push_back(std::move(rca));
  }
  return listed;
}

Result<Rca> Queries::rca(const std::string& id) { return stored_rca(store_, id); }

Result<std::vector<Rca>> Queries::rcas_by_id(const std::vector<std::string>& ids) {
  std::vector<Rca> rcas;
  for (const auto& id : ids) {
    auto rca = store_.get_rca(id);
    if (!rca) return std::move(rca).error();
    if (*rca) rcas.push_back(std::move(**rca));
  }
  return rcas;
}

Result<std::vector<Rca>> Queries::earlier_rcas(const Incident& incident) {
  if (!incident.repeat) return std::vector<Rca>{};
  auto source = store_.get_source(source_id_of_incident(incident.id));
  if (!source) return std::move(source).error();
  auto all = store_.list_rcas();
  if (!all) return std::move(all).error();
  const RepeatInfo& repeat = *incident.repeat;
  const auto among = [](const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  std::vector<Rca> earlier;
  for (auto& rca : *all) {
    const bool names_earlier =
        std::any_of(rca.incidents.begin(), rca.incidents.end(),
                    [&](const std::string& id) { return among(repeat.earlier_incidents, id); });
    const bool related_then = std::any_of(repeat.rcas.begin(), repeat.rcas.end(),
                                          [&](const RelatedRca& r) { return r.id == rca.id; });
    // This incident's own post-mortem covers its source too, but it is not an earlier one.
    const bool covers = *source && covers_source(rca, **source) && !among(incident.rcas, rca.id);
    if (names_earlier || related_then || covers) earlier.push_back(std::move(rca));
  }
  return earlier;
}

Result<std::string> Queries::postmortem_draft(const std::string& incident_id, UnixNanos now) {
  const auto detail = incident(incident_id);
  if (!detail) return detail.error();
  const Incident& incident = detail->incident;
  const auto linked = rcas_by_id(incident.rcas);
  if (!linked) return linked.error();
  const auto earlier = earlier_rcas(incident);
  if (!earlier) return earlier.error();
  return render_postmortem_markdown(incident, detail->timeline, *linked, *earlier, now,
                                    item_rules_);
}

Result<Digest> Queries::digest(const DigestPeriod& period, UnixNanos now,
                               const PostmortemPolicy& policy) {
  auto rcas = store_.list_rcas();
  if (!rcas) return std::move(rcas).error();
  // Pages grow (500, 1000, 2000, ...): each read starts again from the newest, so the whole
  // costs at most twice the last page. A store filter by time would make this one read.
  const UnixNanos oldest_needed = period.from - kDigestLookback;
  std::vector<Incident> incidents;
  std::string incomplete;
  for (std::size_t limit = kDigestFirstPage;; limit = std::min(limit * 2, kDigestMaxIncidents)) {
    IncidentFilter filter;
    filter.limit = limit;
    auto page = store_.list_incidents(filter);
    if (!page) return std::move(page).error();
    incidents = std::move(*page);
    if (incidents.size() < limit || incidents.back().opened_at < oldest_needed) break;
    if (limit == kDigestMaxIncidents) {
      incomplete = "only the newest " + std::to_string(limit) +
                   " incidents were read: those opened before " +
                   format_rfc3339_seconds(incidents.back().opened_at) + " are not counted";
      break;
    }
  }
  std::set<std::string> read;
  for (const auto& incident : incidents) read.insert(incident.id);
  std::vector<std::string> linked;  // read together: one round trip
  std::size_t skipped = 0;
  for (const auto& rca : *rcas) {
    if (rca.status != RcaStatus::kPublished || !rca.published_at ||
        *rca.published_at < period.from || *rca.published_at >= period.to) {
      continue;
    }
    for (const auto& id : rca.incidents) {
      if (!read.insert(id).second) continue;
      if (linked.size() == kDigestMaxLinked) {
        ++skipped;
        continue;
      }
      linked.push_back(id);
    }
  }
  auto older = store_.get_incidents(linked);
  if (!older) return std::move(older).error();
  incidents.insert(incidents.end(), std::make_move_iterator(older->begin()),
                   std::make_move_iterator(older->end()));
  if (skipped > 0) {
    incomplete += std::string(incomplete.empty() ? "" : "; ") + std::to_string(skipped) +
                  " older incidents of the post-mortems published were not read";
  }
  Digest digest = build_digest(period, now, *rcas, incidents, policy);
  digest.incomplete = std::move(incomplete);
  // The quality checks of each post-mortem published, by the configured rules.
  for (auto& postmortem : digest.postmortems) {
    const auto rca = std::find_if(rcas->begin(), rcas->end(),
                                  [&](const Rca& r) { return r.id == postmortem.id; });
    if (rca == rcas->end()) continue;
    for (const auto& warning : action_item_warnings(*rca)) {
      postmortem.warnings.push_back(
          (warning.item.empty() ? std::string() : "Item " + warning.item + ": ") + warning.message);
    }
  }
  return digest;
}

}  // namespace pmx
