// The lists of the API, for a weekly review as much as for scripts: GET /api/v1/incidents
// (also those awaiting a post-mortem), /api/v1/sources, /api/v1/rcas and /api/v1/action-items.
// Each takes the common parameters of list_params.h and pages by cursor: a page reads one more
// entry than it shows, to know whether there is a next one.
#include "api_json.h"
#include "http_util.h"
#include "list_params.h"
#include "pmx/core/csv.h"
#include "pmx/core/list_cursor.h"
#include "routes.h"

namespace pmx {
namespace {

using httplib::Request;
using httplib::Response;
using nlohmann::json;

std::string time_text(const std::optional<UnixNanos>& t) {
  return t ? format_rfc3339_seconds(*t) : std::string();
}

std::string joined(const std::vector<std::string>& values) {
  std::string text;
  for (const auto& value : values) text += (text.empty() ? "" : " ") + value;
  return text;
}

/// Reads ?<name>=true|false into `value` (left unset when absent); false having answered 400
/// naming it for any other value.
bool bool_param(const Request& req, Response& res, const char* name, std::optional<bool>& value) {
  if (!req.has_param(name)) return true;
  const std::string text = req.get_param_value(name);
  if (text != "true" && text != "false") {
    send_error(res, 400, std::string(name) + " must be true or false", name);
    return false;
  }
  value = text == "true";
  return true;
}

/// The comma-separated values of `name`, each parsed by `from`; nullopt having answered 400.
template <typename T, typename Parse>
std::optional<std::set<T>> set_param(const Request& req, Response& res, const char* name,
                                     Parse from, const std::string& expected) {
  std::set<T> values;
  if (!req.has_param(name)) return values;
  std::string text = req.get_param_value(name);
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const auto value = from(text.substr(start, comma - start));
    if (!value) {
      send_error(res, 400, std::string(name) + " must be " + expected + " (comma-separated)", name);
      return std::nullopt;
    }
    values.insert(*value);
    start = comma + 1;
  }
  return values;
}

const std::vector<std::string> kIncidentColumns{
    "id",          "source", "state",      "opened_at", "resolved_at",
    "occurrences", "repeat", "severities", "rcas",      "ui_url"};

std::vector<std::string> incident_row(const Incident& incident, const UiLinks& links) {
  return {csv_field(incident.id),
          csv_field(incident.source),
          csv_field(to_string(incident.state)),
          csv_field(format_rfc3339_seconds(incident.opened_at)),
          csv_field(time_text(incident.resolved_at)),
          csv_number(std::to_string(incident.occurrences)),
          csv_field(incident.repeat ? "true" : "false"),
          csv_field(joined({incident.severities.begin(), incident.severities.end()})),
          csv_field(joined(incident.rcas)),
          csv_field(links.incident(incident.id))};
}

void list_all_incidents(Queries& queries, const UiLinks& links, IncidentFilter filter,
                        const ListRequest& request, const Request& req, Response& res) {
  filter.opened_from = request.from;
  filter.opened_to = request.to;
  if (request.cursor) {
    const auto at = cursor_time((*request.cursor)[0], res);
    if (!at) return;
    filter.after = IncidentPosition{*at, (*request.cursor)[1]};
  }
  filter.limit = request.limit + 1;
  auto incidents = queries.incidents(filter);
  if (!incidents) return send_error(res, incidents.error());
  ListPage page;
  if (incidents->size() > request.limit) {
    incidents->resize(request.limit);
    const Incident& last = incidents->back();
    page.next = encode_cursor("incidents", {std::to_string(last.opened_at), last.id});
  }
  for (const auto& incident : *incidents) {
    page.items.push_back(api_json(incident, links));
    page.rows.push_back(incident_row(incident, links));
  }
  send_list(req, res, request, "incidents", kIncidentColumns, std::move(page));
}

void list_awaiting_incidents(Queries& queries, const UiLinks& links, const AwaitingFilter& base,
                             const ListRequest& request, UnixNanos now, const Request& req,
                             Response& res) {
  AwaitingFilter filter = base;
  filter.opened_from = request.from;
  filter.opened_to = request.to;
  if (request.cursor) {
    const auto at = cursor_time((*request.cursor)[0], res);
    if (!at) return;
    filter.after = IndexMember{(*request.cursor)[1], *at};
  }
  filter.limit = request.limit + 1;
  auto awaiting = queries.awaiting_postmortem(filter, now);
  if (!awaiting) return send_error(res, awaiting.error());
  ListPage page;
  if (awaiting->size() > request.limit) {
    awaiting->resize(request.limit);
    const AwaitingIncident& last = awaiting->back();
    page.next =
        encode_cursor("incidents-awaiting", {std::to_string(last.due_at), last.incident.id});
  }
  for (const auto& [incident, due_at] : *awaiting) {
    const std::int64_t days_late = due_at < now ? (now - due_at) / kNanosPerDay : 0;
    json doc = api_json(incident, links);
    doc["postmortem_due"] = format_rfc3339_seconds(due_at);
    doc["overdue"] = due_at < now;
    doc["days_overdue"] = days_late;
    page.items.push_back(std::move(doc));
    auto row = incident_row(incident, links);
    row.push_back(csv_field(format_rfc3339_seconds(due_at)));
    row.push_back(csv_number(std::to_string(days_late)));
    page.rows.push_back(std::move(row));
  }
  auto columns = kIncidentColumns;
  columns.push_back("postmortem_due");
  columns.push_back("days_overdue");
  send_list(req, res, request, "incidents", columns, std::move(page));
}

void list_incidents(Queries& queries, const UiLinks& links, UnixNanos now, const Request& req,
                    Response& res) {
  std::optional<bool> awaiting, overdue;
  if (!bool_param(req, res, "awaiting_postmortem", awaiting)) return;
  if (!bool_param(req, res, "overdue", overdue)) return;
  const bool awaiting_only = awaiting.value_or(false);
  if (overdue.value_or(false) && !awaiting_only) {
    return send_error(res, 400, "overdue=true lists post-mortems: add awaiting_postmortem=true",
                      "overdue");
  }
  const auto request = list_request(req, res, awaiting_only ? "incidents-awaiting" : "incidents", 2,
                                    {"source", "state", "awaiting_postmortem", "overdue"});
  if (!request) return;
  std::optional<std::string> source_id;
  if (req.has_param("source")) {
    auto id = queries.source_id_of(req.get_param_value("source"));
    if (!id) return send_error(res, id.error());
    source_id = std::move(*id);
  }
  std::optional<IncidentState> state;
  if (req.has_param("state")) {
    state = incident_state_from(req.get_param_value("state"));
    if (!state) return send_error(res, 400, "state must be \"open\" or \"resolved\"", "state");
    if (awaiting_only) {
      return send_error(res, 400, "incidents awaiting a post-mortem are resolved: drop state",
                        "state");
    }
  }
  if (awaiting_only) {
    AwaitingFilter filter;
    filter.overdue_only = overdue.value_or(false);
    filter.source_id = std::move(source_id);
    return list_awaiting_incidents(queries, links, filter, *request, now, req, res);
  }
  IncidentFilter filter;
  filter.source_id = std::move(source_id);
  filter.state = state;
  list_all_incidents(queries, links, std::move(filter), *request, req, res);
}

void list_sources(Queries& queries, const UiLinks& links, const Request& req, Response& res) {
  const auto request = list_request(req, res, "sources", 2, {});
  if (!request) return;
  SourceFilter filter(request->limit + 1);
  filter.seen_from = request->from;
  filter.seen_to = request->to;
  if (request->cursor) {
    const auto at = cursor_time((*request->cursor)[0], res);
    if (!at) return;
    filter.after = SourcePosition{*at, (*request->cursor)[1]};
  }
  auto sources = queries.sources(filter);
  if (!sources) return send_error(res, sources.error());
  ListPage page;
  if (sources->size() > request->limit) {
    sources->resize(request->limit);
    const SourceState& last = sources->back();
    page.next = encode_cursor("sources", {std::to_string(last.last_seen), last.key.canonical});
  }
  for (const auto& source : *sources) {
    page.items.push_back(api_json(source, links));
    const Incident* current = source.current ? &*source.current : nullptr;
    page.rows.push_back({csv_field(source.key.id), csv_field(source.key.canonical),
                         csv_number(std::to_string(source.occurrences)),
                         csv_number(std::to_string(source.incident_count)),
                         csv_field(format_rfc3339_seconds(source.first_seen)),
                         csv_field(format_rfc3339_seconds(source.last_seen)),
                         csv_field(current ? current->id : ""),
                         csv_field(current ? to_string(current->state) : ""),
                         csv_field(current ? links.incident(current->id) : "")});
  }
  send_list(req, res, *request, "sources",
            {"id", "key", "occurrences", "incidents", "first_seen", "last_seen", "current_incident",
             "current_state", "current_ui_url"},
            std::move(page));
}

void list_rcas(Queries& queries, const UiLinks& links, const Request& req, Response& res) {
  const auto request = list_request(req, res, "rcas", 1, {"status", "has_open_items", "source"});
  if (!request) return;
  RcaFilter filter;
  if (req.has_param("status")) {
    filter.status = rca_status_from(req.get_param_value("status"));
    if (!filter.status) {
      return send_error(res, 400, "status must be draft, in_review, published or waived", "status");
    }
  }
  if (!bool_param(req, res, "has_open_items", filter.has_open_items)) return;
  if (req.has_param("source")) {
    auto source_id = queries.source_id_of(req.get_param_value("source"));
    if (!source_id) return send_error(res, source_id.error());
    filter.source_id = std::move(*source_id);
  }
  filter.created_from = request->from;
  filter.created_to = request->to;
  if (request->cursor) filter.after = (*request->cursor)[0];
  filter.limit = request->limit + 1;
  auto rcas = queries.rcas(filter);
  if (!rcas) return send_error(res, rcas.error());
  ListPage page;
  if (rcas->size() > request->limit) {
    rcas->resize(request->limit);
    page.next = encode_cursor("rcas", {rcas->back().id});
  }
  for (const auto& rca : *rcas) {
    page.items.push_back(api_json(rca, links));
    page.rows.push_back(
        {csv_field(rca.id), csv_field(rca.title), csv_field(to_string(rca.status)),
         csv_field(rca.severity), csv_field(text_field(rca.document, "owner")),
         csv_field(text_field(rca.document, "facilitator")), csv_field(time_text(rca.created_at)),
         csv_field(time_text(rca.published_at)), csv_field(joined(rca.incidents)),
         csv_number(std::to_string(rca.action_items.size())),
         csv_number(std::to_string(rca.open_action_items())), csv_field(links.rca(rca.id))});
  }
  send_list(req, res, *request, "rcas",
            {"id", "title", "status", "severity", "owner", "facilitator", "created_at",
             "published_at", "incidents", "action_items", "open_action_items", "ui_url"},
            std::move(page));
}

void list_action_items(Queries& queries, const UiLinks& links, UnixNanos now, const Request& req,
                       Response& res) {
  const auto request = list_request(req, res, "action-items", 3,
                                    {"owner", "status", "priority", "type", "overdue", "rca"});
  if (!request) return;
  ActionItemFilter filter;
  if (req.has_param("owner")) filter.owner = req.get_param_value("owner");
  if (req.has_param("rca")) filter.rca = req.get_param_value("rca");
  auto statuses = set_param<ActionItemStatus>(req, res, "status", action_item_status_from,
                                              "open, in_progress, done or wont_do");
  if (!statuses) return;
  auto priorities = set_param<Priority>(req, res, "priority", priority_from, "P0, P1, P2 or P3");
  if (!priorities) return;
  auto types = set_param<ActionItemType>(req, res, "type", action_item_type_from,
                                         "prevent, detect, mitigate or process");
  if (!types) return;
  std::optional<bool> overdue;
  if (!bool_param(req, res, "overdue", overdue)) return;
  filter.statuses = std::move(*statuses);
  filter.priorities = std::move(*priorities);
  filter.types = std::move(*types);
  filter.overdue_only = overdue.value_or(false);
  filter.due_from = request->from;
  filter.due_to = request->to;
  if (request->cursor) {
    const auto at = cursor_time((*request->cursor)[0], res);
    if (!at) return;
    filter.after = ActionItemPosition{*at, (*request->cursor)[1], (*request->cursor)[2]};
  }
  filter.limit = request->limit + 1;
  auto list = queries.action_items(filter, now);
  if (!list) return send_error(res, list.error());
  auto& items = list->items;
  ListPage page;
  if (items.size() > request->limit) {
    items.resize(request->limit);
    const ListedActionItem& last = items.back();
    page.next = encode_cursor("action-items",
                              {std::to_string(last.item->due_at), last.rca->id, last.item->id});
  }
  for (const auto& [rca, item] : items) {
    const std::string rca_title = rca->title.empty() ? rca->id : rca->title;
    const std::string completed = time_text(item->completed_at);
    page.items.push_back({{"rca", rca->id},
                          {"rca_title", rca_title},
                          {"rca_status", to_string(rca->status)},
                          {"id", item->id},
                          {"title", item->title},
                          {"owner", item->owner},
                          {"priority", to_string(item->priority)},
                          {"type", to_string(item->type)},
                          {"status", to_string(item->status)},
                          {"due", item->due},
                          {"overdue", item->overdue(now)},
                          {"days_overdue", days_overdue(*item, now)},
                          {"ticket", item->ticket},
                          {"completed_at", completed.empty() ? json() : json(completed)},
                          {"ui_url", links.action_item(rca->id, item->id)}});
    page.rows.push_back(
        {csv_field(rca->id), csv_field(rca_title), csv_field(item->id), csv_field(item->title),
         csv_field(item->owner), csv_field(to_string(item->priority)),
         csv_field(to_string(item->type)), csv_field(to_string(item->status)), csv_field(item->due),
         csv_number(std::to_string(days_overdue(*item, now))), csv_field(item->ticket),
         csv_field(completed), csv_field(links.action_item(rca->id, item->id))});
  }
  send_list(req, res, *request, "action_items",
            {"rca", "rca_title", "id", "title", "owner", "priority", "type", "status", "due",
             "days_overdue", "ticket", "completed_at", "ui_url"},
            std::move(page));
}

}  // namespace

void install_list_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps) {
  const UiLinks links = ui_links(config);
  routes.Get("/api/v1/incidents", [deps, links](const Request& req, Response& res) {
    list_incidents(deps.queries, links, deps.now(), req, res);
  });
  routes.Get("/api/v1/sources", [deps, links](const Request& req, Response& res) {
    list_sources(deps.queries, links, req, res);
  });
  routes.Get("/api/v1/rcas", [deps, links](const Request& req, Response& res) {
    list_rcas(deps.queries, links, req, res);
  });
  routes.Get("/api/v1/action-items", [deps, links](const Request& req, Response& res) {
    list_action_items(deps.queries, links, deps.now(), req, res);
  });
}

}  // namespace pmx
