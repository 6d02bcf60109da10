#include "pmx/core/digest.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>

#include "calendar.h"
#include "report_text.h"

namespace pmx {
namespace {

constexpr UnixNanos kFourWeeks = 28 * kNanosPerDay;

Error bad_param(const std::string& field, const std::string& message) {
  return Error{ErrorCode::kInvalid, message, field, {{"", message}}};
}

/// `t` moved by `months` calendar months, the day clamped to the length of the month reached
/// and the time of day kept (2026-03-31T10:00Z - 1 → 2026-02-28T10:00Z).
UnixNanos shift_months(UnixNanos t, int months) {
  const std::string text = format_rfc3339(t);  // YYYY-MM-DDThh:mm:ss[.f]Z
  int year = std::stoi(text.substr(0, 4));
  int month = std::stoi(text.substr(5, 2)) - 1 + months;
  year += month >= 0 ? month / 12 : (month - 11) / 12;
  month = (month % 12 + 12) % 12 + 1;
  int day = std::stoi(text.substr(8, 2));
  while (!is_calendar_date(year, month, day)) --day;
  char date[48];
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, month, day);
  return parse_rfc3339(date + text.substr(10)).value_or(0);
}

/// Midnight UTC of the first day of `t`'s month.
UnixNanos month_start(UnixNanos t) {
  return parse_rfc3339(format_rfc3339(t).substr(0, 7) + "-01T00:00:00Z").value_or(0);
}

bool in(UnixNanos t, UnixNanos from, UnixNanos to) { return t >= from && t < to; }

/// When the RCAs naming an incident cover it.
struct Cover {
  bool covered = false;                ///< a published or waived RCA names it
  bool undated = false;                ///< ... one of them carries no date at all
  std::optional<UnixNanos> earliest;   ///< the earliest date of those that carry one
  std::optional<UnixNanos> published;  ///< the earliest published_at of the published ones
};

std::map<std::string, Cover> covers_by_incident(const std::vector<Rca>& rcas) {
  std::map<std::string, Cover> covers;
  const auto earliest = [](std::optional<UnixNanos>& slot, UnixNanos at) {
    if (!slot || at < *slot) slot = at;
  };
  for (const auto& rca : rcas) {
    if (!rca.covers_incidents()) continue;
    // A waiver may carry no published_at: the day it was written is the day it was decided.
    const std::optional<UnixNanos> dated = rca.published_at ? rca.published_at : rca.created_at;
    for (const auto& id : rca.incidents) {
      Cover& cover = covers[id];
      cover.covered = true;
      if (dated) {
        earliest(cover.earliest, *dated);
      } else {
        cover.undated = true;
      }
      if (rca.status == RcaStatus::kPublished && rca.published_at) {
        earliest(cover.published, *rca.published_at);
      }
    }
  }
  return covers;
}

/// Median (the mean of the middle two for an even count) and p90 (nearest rank) of sorted samples.
void time_to_postmortem_stats(DigestKpis& kpis) {
  auto& samples = kpis.time_to_postmortem;
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  if (n == 0) return;
  kpis.time_to_postmortem_median =
      n % 2 == 1 ? samples[n / 2] : samples[n / 2 - 1] + (samples[n / 2] - samples[n / 2 - 1]) / 2;
  const std::size_t rank = (n * 9 + 9) / 10;  // ceil(0.9 n), at least 1
  kpis.time_to_postmortem_p90 = samples[rank - 1];
}

void incident_figures(Digest& digest, const std::vector<Rca>& rcas,
                      const std::vector<Incident>& incidents, const PostmortemPolicy& policy) {
  const auto [from, to] = digest.period;
  DigestKpis& kpis = digest.kpis;
  const auto covers = covers_by_incident(rcas);
  std::map<std::string, const Incident*> by_id;  // each incident once, whatever was passed
  for (const auto& incident : incidents) by_id.emplace(incident.id, &incident);
  for (const auto& [id, incident] : by_id) {
    if (in(incident->opened_at, from, to)) {
      ++kpis.repeats.whole;
      if (incident->repeat) {
        ++kpis.repeats.part;
        const RepeatInfo& repeat = *incident->repeat;
        digest.repeats.push_back({id, incident->source, incident->opened_at, repeat.ordinal,
                                  repeat.rcas, repeat.open_action_items, repeat.ineffective_fix,
                                  repeat.fixed_types});
      }
    }
    if (!incident->resolved_at || !needs_postmortem(*incident, policy)) continue;
    const UnixNanos resolved = *incident->resolved_at;
    const auto found = covers.find(id);
    const Cover cover = found == covers.end() ? Cover{} : found->second;
    if (cover.published && in(*cover.published, from, to)) {
      kpis.time_to_postmortem.push_back(std::max<UnixNanos>(0, *cover.published - resolved));
      ++kpis.time_to_postmortem_within_due.whole;
      if (*cover.published <= postmortem_deadline(resolved, policy.due)) {
        ++kpis.time_to_postmortem_within_due.part;
      }
    }
    if (!in(resolved, from, to)) continue;
    ++kpis.coverage.whole;
    if (cover.covered) {
      ++kpis.coverage.part;
    } else {
      digest.awaiting.push_back(
          {id, incident->source, resolved, postmortem_deadline(resolved, policy.due)});
    }
    const bool met =
        cover.covered &&
        (cover.undated || (cover.earliest && *cover.earliest <= resolved + kFourWeeks));
    if (met || resolved + kFourWeeks <= digest.now) {
      ++kpis.within_four_weeks.whole;
      kpis.within_four_weeks.part += met ? 1 : 0;
    } else {
      ++kpis.within_four_weeks_pending;
    }
  }
  time_to_postmortem_stats(kpis);
  std::sort(digest.repeats.begin(), digest.repeats.end(), [](const auto& a, const auto& b) {
    return std::tie(a.opened_at, a.incident) < std::tie(b.opened_at, b.incident);
  });
  std::sort(digest.awaiting.begin(), digest.awaiting.end(), [](const auto& a, const auto& b) {
    return std::tie(a.resolved_at, a.incident) < std::tie(b.resolved_at, b.incident);
  });
}

void published_postmortems(Digest& digest, const std::vector<Rca>& rcas) {
  const auto [from, to] = digest.period;
  DigestKpis& kpis = digest.kpis;
  for (const auto& rca : rcas) {
    if (rca.status != RcaStatus::kPublished || !rca.published_at ||
        !in(*rca.published_at, from, to)) {
      continue;
    }
    DigestPostmortem pm;
    pm.id = rca.id;
    pm.title = rca.title;
    pm.severity = rca.severity;
    pm.published_at = *rca.published_at;
    pm.incidents = rca.incidents;
    pm.root_cause = text_of(rca.document, "root_cause");
    pm.lessons_learned = list_of(rca.document, "lessons_learned");
    pm.action_items = rca.action_items.size();
    pm.open_action_items = rca.open_action_items();
    const auto items = static_cast<int>(pm.action_items);
    ++kpis.items_per_postmortem.whole;
    kpis.items_per_postmortem.part += items;
    if (items < digest.targets.min_items || items > digest.targets.max_items) {
      ++kpis.postmortems_outside_item_target;
    }
    digest.postmortems.push_back(std::move(pm));
  }
  std::sort(digest.postmortems.begin(), digest.postmortems.end(), [](const auto& a, const auto& b) {
    return std::tie(a.published_at, a.id) < std::tie(b.published_at, b.id);
  });
}

void action_item_figures(Digest& digest, const std::vector<Rca>& rcas) {
  const auto [from, to] = digest.period;
  const UnixNanos as_of = digest.as_of;
  DigestKpis& kpis = digest.kpis;
  std::map<std::string, DigestOwner> owners;
  for (const auto& rca : rcas) {
    for (const auto& item : rca.action_items) {
      const auto entry = [&](UnixNanos late_by) {
        return DigestItem{rca.id, rca.title, item, late_by};
      };
      const bool done = item.status == ActionItemStatus::kDone;
      // Done without a completion time cannot be shown late (as kpi.cpp counts it).
      const UnixNanos done_late_by =
          done && item.completed_at ? std::max<UnixNanos>(0, *item.completed_at - item.due_at) : 0;
      if (done && item.completed_at && in(*item.completed_at, from, to)) {
        digest.completed.push_back(entry(done_late_by));
        ++owners[item.owner].completed;
      }
      if (item.due_at <= 0 || item.status == ActionItemStatus::kWontDo) continue;
      if (item.due_at > from && item.due_at <= as_of) {
        DigestRatio& ratio = kpis.on_time[static_cast<std::size_t>(item.priority)];
        const bool on_time = done && done_late_by == 0;
        ++ratio.whole;
        ratio.part += on_time ? 1 : 0;
        if (!on_time) {
          digest.slipped.push_back(entry(done ? done_late_by : as_of - item.due_at));
          ++owners[item.owner].slipped;
        }
      }
      if (!item.closed() && item.due_at <= as_of) {
        digest.overdue.push_back(entry(as_of - item.due_at));
        ++owners[item.owner].overdue;
      }
    }
  }
  for (const Priority p : {Priority::kP0, Priority::kP1}) {
    kpis.p0_p1_on_time.part += kpis.on_time[static_cast<std::size_t>(p)].part;
    kpis.p0_p1_on_time.whole += kpis.on_time[static_cast<std::size_t>(p)].whole;
  }
  for (auto& [owner, figures] : owners) {
    figures.owner = owner;
    digest.owners.push_back(figures);
  }
  // Each list by owner (as the owners table), then the oldest first: completed by when, slipped
  // and overdue by due date.
  const auto by_owner = [](UnixNanos (*when)(const DigestItem&)) {
    return [when](const DigestItem& a, const DigestItem& b) {
      return std::make_tuple(std::cref(a.item.owner), when(a), std::cref(a.rca),
                             std::cref(a.item.id)) < std::make_tuple(std::cref(b.item.owner),
                                                                     when(b), std::cref(b.rca),
                                                                     std::cref(b.item.id));
    };
  };
  const auto due = [](const DigestItem& i) { return i.item.due_at; };
  const auto completion = [](const DigestItem& i) { return i.item.completed_at.value_or(0); };
  std::sort(digest.completed.begin(), digest.completed.end(), by_owner(completion));
  std::sort(digest.slipped.begin(), digest.slipped.end(), by_owner(due));
  std::sort(digest.overdue.begin(), digest.overdue.end(), by_owner(due));
}

}  // namespace

Result<DigestPeriod> digest_period(const std::optional<std::string>& from,
                                   const std::optional<std::string>& to, UnixNanos now) {
  DigestPeriod period;
  for (const auto& [text, name, slot] :
       {std::tuple{&from, "from", &period.from}, std::tuple{&to, "to", &period.to}}) {
    if (!*text) continue;
    const auto parsed = parse_rfc3339(**text);
    if (!parsed) {
      return bad_param(
          name, std::string(name) + " must be an RFC 3339 time such as 2026-10-01T00:00:00Z");
    }
    *slot = *parsed;
  }
  if (!from && !to) {
    period.to = month_start(now);
    period.from = shift_months(period.to, -1);
  } else if (!to) {
    period.to = now;
  } else if (!from) {
    period.from = shift_months(period.to, -1);
  }
  if (period.from >= period.to) return bad_param(to ? "to" : "from", "from must be before to");
  if (period.to - period.from > kMaxDigestPeriod) {
    return bad_param(to ? "to" : "from", "the period from from to to must be at most 366 days");
  }
  return period;
}

Digest build_digest(const DigestPeriod& period, UnixNanos now, const std::vector<Rca>& rcas,
                    const std::vector<Incident>& incidents, const PostmortemPolicy& policy) {
  Digest digest;
  digest.period = period;
  digest.now = now;
  digest.as_of = std::min(period.to, now);
  digest.targets.postmortem_due = to_string(policy.due);
  incident_figures(digest, rcas, incidents, policy);
  published_postmortems(digest, rcas);
  action_item_figures(digest, rcas);
  return digest;
}

}  // namespace pmx
