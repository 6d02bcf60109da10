#include "web_views.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "http_util.h"
#include "pmx/core/repeat.h"
#include "web_view_text.h"

namespace pmx::web {
namespace {

using nlohmann::json;

std::string list_link(const IncidentListQuery& query, std::size_t page) {
  std::string link = "?page=" + std::to_string(page);
  if (!query.state.empty()) link += "&state=" + url_encode(query.state);
  if (!query.source.empty()) link += "&source=" + url_encode(query.source);
  if (query.repeat_only) link += "&repeat=1";
  if (query.awaiting_only) link += "&awaiting=1";
  return link;
}

UnixNanos end_of(const Incident& incident, UnixNanos now) {
  return incident.resolved_at ? *incident.resolved_at : now;
}

/// The fields every incident line shows (list, source history).
json incident_summary(const Incident& incident, const ViewContext& context) {
  return json{{"id", incident.id},
              {"source", incident.source},
              {"source_id", incident.source_id},
              {"number_ordinal", ordinal(static_cast<std::uint32_t>(incident.number))},
              {"state", to_string(incident.state)},
              {"opened_at", format_rfc3339(incident.opened_at)},
              {"opened", display_time(incident.opened_at)},
              {"resolved_at", time_or_null(incident.resolved_at)},
              {"resolved", incident.resolved_at ? display_time(*incident.resolved_at) : ""},
              {"duration", display_duration(end_of(incident, context.now) - incident.opened_at)},
              {"occurrences", std::to_string(incident.occurrences)},
              {"occurrences_plural", plural(incident.occurrences)}};
}

json repeat_badge(const Incident& incident, const ViewContext& context) {
  if (!incident.repeat) return json();
  const RepeatInfo& repeat = *incident.repeat;
  const std::string window = display_duration(context.repeat_window);
  return json{{"ordinal", ordinal(repeat.ordinal)},
              {"window", window},
              {"repeat_title", "the " + ordinal(repeat.ordinal) + " incident of this source in " +
                                   window + " when it opened"}};
}

json items_json(const std::vector<ActionItem>& items, UnixNanos now) {
  json list = json::array();
  for (const auto& item : items) {
    if (item.closed()) continue;
    list.push_back({{"title", item.title},
                    {"owner", item.owner},
                    {"due", item.due.empty() ? json() : json(item.due)},
                    {"overdue", overdue(item, now)}});
  }
  return list;
}

json rca_line(const Rca& rca, UnixNanos now) {
  const std::size_t open = rca.open_action_items();
  json open_list = items_json(rca.action_items, now);
  return json{{"id", rca.id},
              {"title", rca.title.empty() ? rca.id : rca.title},
              {"status", to_string(rca.status)},
              {"items", std::to_string(rca.action_items.size())},
              {"items_plural", plural(rca.action_items.size())},
              {"open_items", std::to_string(open)},
              {"open_list", open_list.empty() ? json() : std::move(open_list)}};
}

json rca_lines(const std::vector<Rca>& rcas, UnixNanos now) {
  json list = json::array();
  for (const auto& rca : rcas) list.push_back(rca_line(rca, now));
  return list;
}

json labels_json(const Labels& labels) {
  json list = json::array();
  for (const auto& [name, value] : labels) list.push_back({{"name", name}, {"value", value}});
  return list;
}

}  // namespace

std::string display_time(UnixNanos t) {
  const std::time_t seconds = static_cast<std::time_t>(t / kNanosPerSecond);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &utc);
  return text;
}

std::string display_duration(UnixNanos span) {
  const std::int64_t s = std::max<UnixNanos>(span, 0) / kNanosPerSecond;
  const std::int64_t days = s / 86400, hours = s % 86400 / 3600, minutes = s % 3600 / 60;
  if (days > 0)
    return std::to_string(days) + "d" + (hours ? " " + std::to_string(hours) + "h" : "");
  if (hours > 0) {
    return std::to_string(hours) + "h" + (minutes ? " " + std::to_string(minutes) + "m" : "");
  }
  if (minutes > 0) return std::to_string(minutes) + "m";
  return std::to_string(s) + "s";
}

bool awaiting_postmortem(const Incident& incident, const PostmortemPolicy& policy) {
  return incident.state == IncidentState::kResolved && incident.rcas.empty() &&
         needs_postmortem(incident, policy);
}

json incidents_view(const std::vector<Incident>& incidents, const IncidentListQuery& query,
                    bool more, const ViewContext& context, const OpenItemsNow& open_now) {
  json rows = json::array();
  for (const auto& incident : incidents) {
    json row = incident_summary(incident, context);
    row["repeat"] = repeat_badge(incident, context);
    std::size_t open_items = 0;
    for (const auto& rca : incident.repeat ? incident.repeat->rcas : std::vector<RelatedRca>()) {
      const auto now = open_now.find(rca.id);
      open_items += now == open_now.end() ? 0 : now->second;  // deleted since: nothing open
    }
    row["open_items"] = count_or_null(open_items);
    row["open_items_plural"] = plural(open_items);
    row["ineffective_fix"] = incident.repeat && incident.repeat->ineffective_fix;
    row["rca_count"] = count_or_null(incident.rcas.size());
    row["awaiting"] = awaiting_postmortem(incident, context.policy);
    rows.push_back(std::move(row));
  }
  return json{{"incidents", rows},
              {"has_incidents", !rows.empty()},
              {"state_any", query.state.empty()},
              {"state_open", query.state == "open"},
              {"state_resolved", query.state == "resolved"},
              {"source", query.source},
              {"repeat_only", query.repeat_only},
              {"awaiting_only", query.awaiting_only},
              {"page", std::to_string(query.page)},
              {"prev", query.page > 1 ? json(list_link(query, query.page - 1)) : json()},
              {"next", more ? json(list_link(query, query.page + 1)) : json()}};
}

json incident_view(const IncidentDetail& detail, const std::vector<Rca>& linked,
                   const std::vector<Rca>& earlier, const ViewContext& context) {
  const Incident& incident = detail.incident;
  json view = incident_summary(incident, context);
  view["reopened"] = count_or_null(incident.reopened);
  if (incident.repeat) {
    const RepeatInfo& repeat = *incident.repeat;
    json earlier_ids = json::array();
    for (const auto& id : repeat.earlier_incidents) earlier_ids.push_back({{"id", id}});
    std::string fixed;
    for (const auto& type : repeat.fixed_types) fixed += (fixed.empty() ? "" : ", ") + type;
    view["repeat"] = {{"ordinal", ordinal(repeat.ordinal)},
                      {"window", display_duration(context.repeat_window)},
                      {"ineffective_fix", repeat.ineffective_fix},
                      {"fixed_types", fixed.empty() ? json() : json(fixed)},
                      {"rcas", rca_lines(earlier, context.now)},
                      {"has_rcas", !earlier.empty()},
                      {"earlier", earlier_ids}};
  } else {
    view["repeat"] = nullptr;
  }
  view["linked"] = rca_lines(linked, context.now);
  view["has_linked"] = !linked.empty();
  json alerts = json::array();
  for (const auto& [fingerprint, record] : incident.alerts) {
    const auto summary = record.annotations.find("summary");
    alerts.push_back(
        {{"fingerprint", fingerprint},
         {"labels", labels_json(record.labels)},
         {"summary", summary == record.annotations.end() ? json() : json(summary->second)},
         {"status", to_string(record.status)},
         {"starts_at", format_rfc3339(record.starts_at)},
         {"started", display_time(record.starts_at)},
         {"occurrences", std::to_string(record.occurrences)}});
  }
  view["alert_count"] = std::to_string(alerts.size());
  view["alerts"] = std::move(alerts);
  json timeline = json::array();
  for (const auto& event : detail.timeline) {
    timeline.push_back({{"at_rfc3339", format_rfc3339(event.at)},
                        {"at", display_time(event.at)},
                        {"type", words(to_string(event.type))},
                        {"detail", event.detail.empty() ? json() : json(event.detail)}});
  }
  view["timeline"] = std::move(timeline);
  return view;
}

json source_view(const SourceHistory& history, const std::vector<Rca>& rcas,
                 const ViewContext& context) {
  const SourceState& source = history.source;
  json incidents = json::array();
  for (const auto& incident : history.incidents) {
    json row = incident_summary(incident, context);
    row["repeat"] = incident.repeat.has_value();
    incidents.push_back(std::move(row));
  }
  return json{{"source", source.key.canonical},
              {"incident_count", std::to_string(source.incident_count)},
              {"occurrences", std::to_string(source.occurrences)},
              {"first_seen_at", format_rfc3339(source.first_seen)},
              {"first_seen", display_time(source.first_seen)},
              {"last_seen_at", format_rfc3339(source.last_seen)},
              {"last_seen", display_time(source.last_seen)},
              {"rcas", rca_lines(rcas, context.now)},
              {"has_rcas", !rcas.empty()},
              {"incidents", std::move(incidents)}};
}

}  // namespace pmx::web
