// The views of the post-mortem pages: /rcas, /rcas/{id} and the action-item board.
#include <map>

#include "http_util.h"
#include "web_view_text.h"
#include "web_views.h"

namespace pmx::web {
namespace {

using nlohmann::json;

std::size_t overdue_items(const Rca& rca, UnixNanos now) {
  std::size_t n = 0;
  for (const auto& item : rca.action_items) n += overdue(item, now) ? 1 : 0;
  return n;
}

json item_json(const ActionItem& item, UnixNanos now) {
  return json{{"item_id", item.id},
              {"title", item.title},
              {"type", to_string(item.type)},
              {"priority", to_string(item.priority)},
              {"owner", item.owner},
              {"due", item.due},
              {"overdue", overdue(item, now)},
              {"status", to_string(item.status)},
              {"status_text", words(to_string(item.status))},
              {"ticket", linkable(item.ticket) ? json(item.ticket) : json()}};
}

std::string board_link(const ActionItemQuery& query, std::size_t page) {
  std::string link = "?page=" + std::to_string(page);
  for (const auto& [name, value] : {std::pair{"owner", &query.owner},
                                    {"priority", &query.priority},
                                    {"type", &query.type},
                                    {"status", &query.status}}) {
    if (!value->empty()) link += std::string("&") + name + "=" + url_encode(*value);
  }
  return link;
}

/// A text or a list of texts of the document, as points; empty when absent.
json points(const json& document, const char* key) {
  json list = json::array();
  const auto found = document.find(key);
  if (found == document.end()) return list;
  if (found->is_string()) list.push_back(*found);
  if (found->is_array()) {
    for (const auto& point : *found) {
      if (point.is_string()) list.push_back(point);
    }
  }
  return list;
}

json text_or_null(const json& document, const char* key) {
  const std::string text = text_field(document, key);
  return text.empty() ? json() : json(text);
}

/// The impact's known fields, in words.
json impact_lines(const json& document) {
  json lines = json::array();
  const auto impact = document.find("impact");
  if (impact == document.end() || !impact->is_object()) return lines;
  for (const auto& [name, value] : impact->items()) {
    lines.push_back({{"name", words(name)},
                     {"value", value.is_string() ? value.get<std::string>() : value.dump()}});
  }
  return lines;
}

/// The messages of the warnings about `item` ("" for the RCA as a whole).
json warnings_about(const std::vector<ActionItemWarning>& warnings, const std::string& item) {
  json messages = json::array();
  for (const auto& warning : warnings) {
    if (warning.item == item) {
      messages.push_back({{"kind", to_string(warning.kind)}, {"message", warning.message}});
    }
  }
  return messages;
}

}  // namespace

json rcas_view(const std::vector<Rca>& rcas, const std::string& status, bool open_only,
               UnixNanos now) {
  json rows = json::array();
  for (const auto& rca : rcas) {
    rows.push_back({{"id", rca.id},
                    {"title", rca.title.empty() ? rca.id : rca.title},
                    {"status", words(to_string(rca.status))},
                    {"read_only", rca.from_file},
                    {"incident_count", std::to_string(rca.incidents.size())},
                    {"items", std::to_string(rca.action_items.size())},
                    {"open_items", std::to_string(rca.open_action_items())},
                    {"overdue", count_or_null(overdue_items(rca, now))}});
  }
  return json{{"rcas", rows},
              {"has_rcas", !rows.empty()},
              {"status_any", status.empty()},
              {"statuses", options(kRcaStatuses, status)},
              {"open_only", open_only}};
}

json rca_view(const Rca& rca, const std::vector<ActionItemWarning>& warnings, UnixNanos now) {
  const json& doc = rca.document;
  json incidents = json::array();
  for (const auto& id : rca.incidents) incidents.push_back({{"id", id}});
  std::string matchers;
  for (const auto& matcher : rca.matchers) matchers += (matchers.empty() ? "" : ", ") + matcher;
  json timeline = json::array();
  if (const auto t = doc.find("timeline"); t != doc.end() && t->is_array()) {
    for (const auto& entry : *t) {
      if (!entry.is_object()) continue;
      timeline.push_back({{"time", text_field(entry, "time")},
                          {"event", text_field(entry, "event")},
                          {"source", text_or_null(entry, "source")}});
    }
  }
  json lists = json::array();
  for (const auto& [key, heading] : {std::pair{"contributing_factors", "Contributing factors"},
                                     std::pair{"what_went_well", "What went well"},
                                     std::pair{"what_could_be_improved", "What could be improved"},
                                     std::pair{"lessons_learned", "Lessons learned"}}) {
    json list = points(doc, key);
    if (!list.empty()) lists.push_back({{"heading", heading}, {"points", std::move(list)}});
  }
  json items = json::array();
  for (const auto& item : rca.action_items) {
    json shown = item_json(item, now);
    shown["status_choices"] = options(kItemStatuses, to_string(item.status));  // set in place
    shown["item_warnings"] = warnings_about(warnings, item.id);
    items.push_back(std::move(shown));
  }
  const json impact = impact_lines(doc);
  const json whys = points(doc, "five_whys");
  const json reviews = points(doc, "follow_up_reviews");
  return json{{"id", rca.id},
              {"rca_id", rca.id},
              {"title", rca.title.empty() ? rca.id : rca.title},
              {"status", words(to_string(rca.status))},
              {"severity", rca.severity.empty() ? json() : json(rca.severity)},
              {"owner", text_or_null(doc, "owner")},
              {"facilitator", text_or_null(doc, "facilitator")},
              {"published", time_or_null(rca.published_at)},
              {"read_only", rca.from_file},
              {"version", std::to_string(rca.version)},
              {"waiver_reason", text_or_null(doc, "waiver_reason")},
              {"summary", text_or_null(doc, "summary")},
              {"impact", impact},
              {"has_impact", !impact.empty()},
              {"incidents", incidents},
              {"has_incidents", !incidents.empty()},
              {"matchers", matchers},
              {"has_matchers", !matchers.empty()},
              {"timeline", timeline},
              {"has_timeline", !timeline.empty()},
              {"root_cause", text_or_null(doc, "root_cause")},
              {"five_whys", whys},
              {"has_whys", !whys.empty()},
              {"lists", lists},
              {"action_items", items},
              {"has_items", !items.empty()},
              {"rca_warnings", warnings_about(warnings, "")},
              {"items", std::to_string(rca.action_items.size())},
              {"open_items", std::to_string(rca.open_action_items())},
              {"follow_up_reviews", reviews},
              {"has_reviews", !reviews.empty()}};
}

json action_items_view(const std::vector<Rca>& rcas, const ActionItemQuery& query, UnixNanos now) {
  struct Line {
    const ActionItem* item;
    const Rca* rca;
  };
  std::map<std::string, std::vector<Line>> by_owner;
  std::size_t count = 0, overdue_count = 0;
  for (const auto& rca : rcas) {
    for (const auto& item : rca.action_items) {
      if (!query.owner.empty() && item.owner != query.owner) continue;
      if (!query.priority.empty() && query.priority != to_string(item.priority)) continue;
      if (!query.type.empty() && query.type != to_string(item.type)) continue;
      if (query.status.empty() ? item.closed() : query.status != to_string(item.status)) continue;
      by_owner[item.owner].push_back({&item, &rca});
      ++count;
      overdue_count += overdue(item, now) ? 1 : 0;
    }
  }
  struct Group {
    std::string owner;
    std::vector<Line> lines;
    std::size_t overdue = 0;
  };
  std::vector<Group> groups;
  for (auto& [owner, lines] : by_owner) {
    std::stable_sort(lines.begin(), lines.end(), [&](const Line& a, const Line& b) {
      const bool a_late = overdue(*a.item, now), b_late = overdue(*b.item, now);
      if (a_late != b_late) return a_late;
      return a.item->due_at < b.item->due_at;
    });
    Group group{owner, lines, 0};
    for (const auto& line : lines) group.overdue += overdue(*line.item, now) ? 1 : 0;
    groups.push_back(std::move(group));
  }
  std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
    return (a.overdue > 0) > (b.overdue > 0);
  });
  // This page's share of the items, in the board's order: whole groups, and the groups cut at
  // the page's edges.
  const std::size_t first = (query.page - 1) * kBoardPageSize;
  const std::size_t end = first + kBoardPageSize;
  std::size_t position = 0;
  json owners = json::array();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    json items = json::array();
    for (const auto& line : groups[g].lines) {
      const std::size_t at = position++;
      if (at < first || at >= end) continue;
      json item = item_json(*line.item, now);
      item["rca_id"] = line.rca->id;
      item["rca_title"] = line.rca->title.empty() ? line.rca->id : line.rca->title;
      items.push_back(std::move(item));
    }
    if (items.empty()) continue;
    owners.push_back({{"index", std::to_string(g)},
                      {"owner", groups[g].owner},
                      {"count", std::to_string(groups[g].lines.size())},
                      {"overdue", count_or_null(groups[g].overdue)},
                      {"items", std::move(items)}});
  }
  return json{{"owners", owners},
              {"owner", query.owner},
              {"priorities", options(kPriorities, query.priority)},
              {"types", options(kTypes, query.type)},
              {"statuses", options(kItemStatuses, query.status)},
              {"item_count", std::to_string(count)},
              {"item_plural", plural(count)},
              {"overdue_count", std::to_string(overdue_count)},
              {"paged", count > kBoardPageSize},
              {"page", std::to_string(query.page)},
              {"prev", query.page > 1 ? json(board_link(query, query.page - 1)) : json()},
              {"next", end < count ? json(board_link(query, query.page + 1)) : json()}};
}

}  // namespace pmx::web
