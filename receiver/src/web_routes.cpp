// The web UI's pages (GET only in this version): `/` the incidents, `/incidents/{id}`,
// `/sources/{id}`, `/rcas`, `/rcas/{id}`, `/action-items` and the stylesheet. They read through the
// same Queries as the JSON API and answer errors as pages (400, 404, 503) with the reason in words.
#include <algorithm>
#include <charconv>

#include "http_util.h"
#include "routes.h"
#include "web_pages.h"

namespace pmx {
namespace {

using nlohmann::json;
using web::send_error_page;
using web::send_page;
using web::WebContext;

constexpr std::size_t kPageSize = 25;
constexpr std::size_t kMaxPage = 40;  // 1,000 incidents: the store's largest list
constexpr std::size_t kMaxListed = 1000;

/// A list page with filters: 200, or 400 with `problem` (a filter that does not parse) shown
/// above the (empty) list.
void send_list_page(httplib::Response& res, web::Page page, json view,
                    const std::string& problem, const web::Layout& layout) {
  view["error"] = problem.empty() ? json() : json(problem);
  send_page(res, problem.empty() ? 200 : 400, web::render(page, view, layout));
}

std::optional<std::size_t> page_param(const httplib::Request& req) {
  if (!req.has_param("page")) return 1;
  const std::string text = req.get_param_value("page");
  std::size_t page = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), page);
  if (ec != std::errc() || end != text.data() + text.size() || page == 0 || page > kMaxPage) {
    return std::nullopt;
  }
  return page;
}

/// Incidents of one state (or all), newest first, filtered as the query asks.
Result<std::vector<Incident>> listed(const WebContext& web, IncidentFilter filter,
                                     const web::IncidentListQuery& query) {
  auto incidents = web.queries.incidents(filter);
  if (!incidents) return incidents;
  const auto policy = web.config.postmortem.value_or(PostmortemPolicy());
  std::vector<Incident> kept;
  for (auto& incident : *incidents) {
    if (query.repeat_only && !incident.repeat) continue;
    if (query.awaiting_only && !web::awaiting_postmortem(incident, policy)) continue;
    kept.push_back(std::move(incident));
  }
  return kept;
}

void incidents_page(const WebContext& web, const httplib::Request& req, httplib::Response& res) {
  web::IncidentListQuery query;
  query.state = req.get_param_value("state");
  query.source = req.get_param_value("source");
  query.repeat_only = req.get_param_value("repeat") == "1";
  query.awaiting_only = req.get_param_value("awaiting") == "1";
  const auto page = page_param(req);
  std::string problem;
  if (!page) problem = "page must be an integer from 1 to " + std::to_string(kMaxPage);
  const auto state = incident_state_from(query.state);
  if (!query.state.empty() && !state) problem = "state must be open or resolved";
  query.page = page.value_or(1);

  IncidentFilter filter;
  // Enough for this page and one more line (is there an older page?), unless a filter the
  // store does not know (repeats, awaiting) thins the list out after the read.
  const bool thinned = query.repeat_only || query.awaiting_only;
  filter.limit = thinned ? kMaxListed : query.page * kPageSize + 1;
  if (problem.empty() && !query.source.empty()) {
    auto source_id = web.queries.source_id_of(query.source);
    if (!source_id) return send_error_page(web, res, source_id.error());
    filter.source_id = *source_id;
  }
  std::vector<Incident> incidents;
  if (problem.empty()) {
    // Open first, then the most recent: the open ones, then the resolved ones.
    for (const auto each : {IncidentState::kOpen, IncidentState::kResolved}) {
      if (state && *state != each) continue;
      filter.state = each;
      auto part = listed(web, filter, query);
      if (!part) return send_error_page(web, res, part.error());
      for (auto& incident : *part) incidents.push_back(std::move(incident));
    }
  }
  const std::size_t first = (query.page - 1) * kPageSize;
  const bool more = incidents.size() > first + kPageSize;
  std::vector<Incident> shown;
  for (std::size_t i = first; i < incidents.size() && i < first + kPageSize; ++i) {
    shown.push_back(std::move(incidents[i]));
  }
  web::OpenItemsNow open_now;
  const bool repeats = std::any_of(shown.begin(), shown.end(), [](const Incident& incident) {
    return incident.repeat && !incident.repeat->rcas.empty();
  });
  if (repeats) {
    const auto rcas = web.queries.rcas(RcaFilter{});
    if (!rcas) return send_error_page(web, res, rcas.error());
    for (const auto& rca : *rcas) open_now[rca.id] = rca.open_action_items();
  }
  json view = web::incidents_view(shown, query, more, web.view(), open_now);
  send_list_page(res, web::Page::kIncidents, std::move(view), problem,
                 web.layout("Incidents", web::Layout::Section::kIncidents));
}

void incident_page(const WebContext& web, const std::string& id, httplib::Response& res) {
  const auto detail = web.queries.incident(id);
  if (!detail) return send_error_page(web, res, detail.error());
  const auto linked = web.queries.rcas_by_id(detail->incident.rcas);
  if (!linked) return send_error_page(web, res, linked.error());
  std::vector<Rca> earlier;
  if (detail->incident.repeat) {
    auto found = web.queries.earlier_rcas(detail->incident);
    if (!found) return send_error_page(web, res, found.error());
    earlier = std::move(*found);
  }
  json view = web::incident_view(*detail, *linked, earlier, web.view());
  view["editable"] = web.browser_writes();
  send_page(
      res, 200,
      web::render(web::Page::kIncident, view,
                  web.layout("Incident " + detail->incident.id + " · " + detail->incident.source)));
}

void source_page(const WebContext& web, const std::string& key, httplib::Response& res) {
  const auto history = web.queries.source(key, kMaxListed);
  if (!history) return send_error_page(web, res, history.error());
  RcaFilter filter;
  filter.source_id = history->source.key.id;
  const auto rcas = web.queries.rcas(filter);
  if (!rcas) return send_error_page(web, res, rcas.error());
  send_page(res, 200,
            web::render(web::Page::kSource, web::source_view(*history, *rcas, web.view()),
                        web.layout(history->source.key.canonical)));
}

void rcas_page(const WebContext& web, const httplib::Request& req, httplib::Response& res) {
  RcaFilter filter;
  const std::string status = req.get_param_value("status");
  std::string problem;
  if (!status.empty()) {
    filter.status = rca_status_from(status);
    if (!filter.status) problem = "status must be draft, in_review, published or waived";
  }
  const bool open_only = req.get_param_value("open_items") == "1";
  if (open_only) filter.has_open_items = true;
  std::vector<Rca> rcas;
  if (problem.empty()) {
    auto found = web.queries.rcas(filter);
    if (!found) return send_error_page(web, res, found.error());
    rcas = std::move(*found);
  }
  json view = web::rcas_view(rcas, status, open_only, web.now());
  send_list_page(res, web::Page::kRcas, std::move(view), problem,
                 web.layout("Post-mortems", web::Layout::Section::kRcas));
}

void rca_page(const WebContext& web, const std::string& id, httplib::Response& res) {
  const auto rca = web.queries.rca(id);
  if (!rca) return send_error_page(web, res, rca.error());
  json view = web::rca_view(*rca, web.queries.action_item_warnings(*rca), web.now());
  const bool editable = web.browser_writes() && !rca->from_file;
  view["editable"] = editable;
  view["publishable"] = editable && rca->status != RcaStatus::kPublished;
  view["edit_off"] = !web.browser_writes();
  send_page(res, 200,
            web::render(web::Page::kRca, view,
                        web.layout(rca->title.empty() ? rca->id : rca->title,
                                   web::Layout::Section::kRcas)));
}

void action_items_page(const WebContext& web, const httplib::Request& req, httplib::Response& res) {
  web::ActionItemQuery query{req.get_param_value("owner"), req.get_param_value("priority"),
                             req.get_param_value("type"), req.get_param_value("status")};
  std::string problem;
  const auto page = page_param(req);
  if (!page) problem = "page must be an integer from 1 to " + std::to_string(kMaxPage);
  query.page = page.value_or(1);
  if (!query.priority.empty() && !priority_from(query.priority))
    problem = "priority must be P0 to P3";
  if (!query.type.empty() && !action_item_type_from(query.type)) {
    problem = "type must be prevent, detect, mitigate or process";
  }
  if (!query.status.empty() && !action_item_status_from(query.status)) {
    problem = "status must be open, in_progress, done or wont_do";
  }
  std::vector<Rca> rcas;
  if (problem.empty()) {
    auto found = web.queries.rcas(RcaFilter{});
    if (!found) return send_error_page(web, res, found.error());
    rcas = std::move(*found);
  }
  json view = web::action_items_view(rcas, query, web.now());
  send_list_page(res, web::Page::kActionItems, std::move(view), problem,
                 web.layout("Action items", web::Layout::Section::kActionItems));
}

}  // namespace

void install_web_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps) {
  auto web = web::make_context(config, deps);
  // The prefix itself (/pmx) is the list's page without its slash: sent to /pmx/, as
  // Alertmanager does, so that the browser resolves the pages' relative links under it.
  if (!routes.prefix().empty()) {
    routes.Get("", [web](const httplib::Request&, httplib::Response& res) {
      res.set_redirect(web->base + "/");
    });
  }
  routes.Get("/", [web](const httplib::Request& req, httplib::Response& res) {
    incidents_page(*web, req, res);
  });
  routes.Get(R"(/incidents/([^/]+))", [web](const httplib::Request& req, httplib::Response& res) {
    incident_page(*web, req.matches[1], res);
  });
  routes.Get(R"(/sources/([^/]+))", [web](const httplib::Request& req, httplib::Response& res) {
    source_page(*web, req.matches[1], res);
  });
  routes.Get("/rcas", [web](const httplib::Request& req, httplib::Response& res) {
    rcas_page(*web, req, res);
  });
  routes.Get(R"(/rcas/([^/]+))", [web](const httplib::Request& req, httplib::Response& res) {
    rca_page(*web, req.matches[1], res);
  });
  routes.Get("/action-items", [web](const httplib::Request& req, httplib::Response& res) {
    action_items_page(*web, req, res);
  });
  routes.Get("/static/style.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "public, max-age=3600");
    res.set_content(std::string(web::stylesheet()), "text/css; charset=utf-8");
  });
}

}  // namespace pmx
