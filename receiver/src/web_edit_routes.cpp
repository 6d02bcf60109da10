// The web UI's writes: the post-mortem editor (new from an incident, or an existing RCA), publish,
// and an action item's status. Forms post to the daemon (no JavaScript); each write goes through
// RcaService as the JSON API's do, with the same validation, and a 422's problems are shown
// beside the form's fields. Cross-site posts are refused before any route (http_server.cpp).
#include <charconv>

#include "http_util.h"
#include "pmx/core/rca_draft.h"
#include "routes.h"
#include "web_pages.h"
#include "web_rca_form.h"

namespace pmx {
namespace {

using nlohmann::json;
using web::send_error_page;
using web::WebContext;

/// May this browser write? Without credentials configured, yes. With basic auth, only with
/// them: 401 and a Basic challenge make the browser ask for them. With a bearer token only,
/// never: 403, saying how to turn editing on.
bool may_edit(const WebContext& web, const httplib::Request& req, httplib::Response& res) {
  if (!web.browser_writes()) {
    send_error_page(web, res, 403, "Editing is off",
                    "This daemon accepts a bearer token only, which a browser cannot send, so "
                    "the web UI is read-only. To edit post-mortems in the browser, start it with "
                    "--web.basic-auth-username and --web.basic-auth-password-file as well (the "
                    "token keeps working for Alertmanager and the API).");
    return false;
  }
  if (web.authenticator.allows(req.get_header_value("Authorization"))) return true;
  res.set_header("WWW-Authenticate", web.authenticator.challenge());
  send_error_page(web, res, 401, "Sign in to edit",
                  "Editing needs the daemon's basic-auth user and password.");
  return false;
}

/// A form's fields. The editor posts multipart/form-data: httplib refuses a urlencoded body
/// over 8 KiB (CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH, fixed in Debian's shared
/// library), and a post-mortem is longer; a multipart body is bounded by
/// --web.max-request-bytes like any other.
web::FormFields form_of(const httplib::Request& req) {
  web::FormFields fields(req.params.begin(), req.params.end());
  for (const auto& [name, part] : req.files) fields.emplace(name, part.content);
  return fields;
}

std::optional<std::int64_t> form_version(const web::FormFields& form) {
  const std::string text = web::form_value(form, "version");
  std::int64_t version = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || end != text.data() + text.size() || version < 0) return std::nullopt;
  return version;
}

/// What the editor shows beside the document: which RCA, where the form posts, at which
/// version it was read.
struct Editing {
  std::string id;
  std::string action;
  std::int64_t version = 0;
  std::string incident;  ///< a new post-mortem: the incident it is written for
};

void send_editor(const WebContext& web, httplib::Response& res, int status, const json& doc,
                 const Editing& editing, std::vector<Problem> problems,
                 const std::string& id_problem = "") {
  json view = web::rca_editor_view(doc, problems);
  view["id"] = editing.id;
  view["is_new"] = !editing.incident.empty();
  view["incident"] = editing.incident.empty() ? json() : json(editing.incident);
  view["action"] = editing.action;
  view["version"] = editing.version;
  if (!id_problem.empty()) view["id_error"] = id_problem;
  const std::string title = editing.incident.empty() ? "Edit " + editing.id : "New post-mortem";
  web::send_page(
      res, status,
      web::render(web::Page::kRcaEdit, view, web.layout(title, web::Layout::Section::kRcas)));
}

/// Answers a write the store refused: its problems beside the form's fields (422), a stale
/// version or an id taken (409) above the form with what was typed kept, others as a page.
void send_refused(const WebContext& web, httplib::Response& res, const Error& error,
                  const json& doc, const Editing& editing) {
  if (error.code == ErrorCode::kInvalid) {
    return send_editor(web, res, 422, doc, editing, error.problems);
  }
  if (error.code == ErrorCode::kStale && !editing.incident.empty()) {
    return send_editor(web, res, 409, doc, editing, {},
                       "a post-mortem with this id exists already: choose another id");
  }
  if (error.code == ErrorCode::kStale) {
    return send_editor(web, res, 409, doc, editing,
                       {{"",
                         "someone saved this post-mortem since you opened it (it is now at "
                         "version " +
                             std::to_string(error.version.value_or(0)) +
                             "): your changes are below but not saved. Open the post-mortem "
                             "again in another tab, and carry them over."}});
  }
  send_error_page(web, res, error);
}

void new_postmortem_page(const WebContext& web, const httplib::Request& req,
                         httplib::Response& res) {
  if (!may_edit(web, req, res)) return;
  const auto detail = web.queries.incident(req.matches[1]);
  if (!detail) return send_error_page(web, res, detail.error());
  const json doc = new_rca_document(detail->incident, detail->timeline);
  const Editing editing{doc["id"], "/incidents/" + detail->incident.id + "/postmortem", 0,
                        detail->incident.id};
  send_editor(web, res, 200, doc, editing, {});
}

void create_postmortem(const WebContext& web, const httplib::Request& req, httplib::Response& res) {
  if (!may_edit(web, req, res)) return;
  const auto detail = web.queries.incident(req.matches[1]);
  if (!detail) return send_error_page(web, res, detail.error());
  const auto form = form_of(req);
  json doc = web::rca_from_form(form, new_rca_document(detail->incident, detail->timeline));
  const std::string id = web::form_value(form, "id");
  doc["id"] = id;
  const Editing editing{id, "/incidents/" + detail->incident.id + "/postmortem", 0,
                        detail->incident.id};
  // Version 0: create only, never overwrite a post-mortem that has this id.
  const auto written = web.rcas.put(id, doc, web.now(), RcaOrigin::kApi, 0);
  if (!written) return send_refused(web, res, written.error(), doc, editing);
  web::redirect(web, res, "/rcas/" + id);
}

void edit_page(const WebContext& web, const httplib::Request& req, httplib::Response& res) {
  if (!may_edit(web, req, res)) return;
  const auto rca = web.queries.rca(req.matches[1]);
  if (!rca) return send_error_page(web, res, rca.error());
  if (rca->from_file) {
    return send_error_page(web, res, 409, "Read-only",
                           "RCA " + rca->id + " is loaded from --rca.dir: change its file.");
  }
  send_editor(web, res, 200, rca->document, {rca->id, "/rcas/" + rca->id, rca->version, ""}, {});
}

/// Stores `doc` as RCA `stored.id`, if it is still at the version the form was read at.
void save(const WebContext& web, const web::FormFields& form, httplib::Response& res,
          const Rca& stored, const json& doc) {
  const auto version = form_version(form);
  if (!version) return send_error_page(web, res, 400, "Bad request", "version must be a number");
  const Editing editing{stored.id, "/rcas/" + stored.id, *version, ""};
  const auto written = web.rcas.put(stored.id, doc, web.now(), RcaOrigin::kApi, *version);
  if (!written) return send_refused(web, res, written.error(), doc, editing);
  web::redirect(web, res, "/rcas/" + stored.id);
}

void update_postmortem(const WebContext& web, const httplib::Request& req, httplib::Response& res,
                       bool publish) {
  if (!may_edit(web, req, res)) return;
  const auto rca = web.queries.rca(req.matches[1]);
  if (!rca) return send_error_page(web, res, rca.error());
  const auto form = form_of(req);  // once: a multipart body may be megabytes
  if (!publish) return save(web, form, res, *rca, web::rca_from_form(form, rca->document));
  json doc = rca->document;
  doc["status"] = "published";
  save(web, form, res, *rca, doc);
}

void set_item_status(const WebContext& web, const httplib::Request& req, httplib::Response& res) {
  if (!may_edit(web, req, res)) return;
  const std::string rca = req.matches[1];
  const std::string item = req.matches[2];
  // No version: one field of one item, whatever else changed meanwhile.
  const auto written = web.rcas.patch_action_item(
      rca, item, json{{"status", req.get_param_value("status")}}, web.now());
  if (!written) {
    if (written.error().code == ErrorCode::kInvalid) {
      std::string message = written.error().message();
      for (const auto& problem : written.error().problems) {
        message += "; " + problem.path + " " + problem.message;
      }
      return send_error_page(web, res, 422, "Not saved", message);
    }
    return send_error_page(web, res, written.error());
  }
  web::redirect(web, res, "/rcas/" + rca + "#item-" + item);
}

}  // namespace

void install_web_edit_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps) {
  auto web = web::make_context(config, deps);
  using Request = httplib::Request;
  using Response = httplib::Response;
  routes.Get(R"(/incidents/([^/]+)/postmortem)",
             [web](const Request& req, Response& res) { new_postmortem_page(*web, req, res); });
  routes.Post(R"(/incidents/([^/]+)/postmortem)",
              [web](const Request& req, Response& res) { create_postmortem(*web, req, res); });
  routes.Get(R"(/rcas/([^/]+)/edit)",
             [web](const Request& req, Response& res) { edit_page(*web, req, res); });
  routes.Post(R"(/rcas/([^/]+))", [web](const Request& req, Response& res) {
    update_postmortem(*web, req, res, false);
  });
  routes.Post(R"(/rcas/([^/]+)/publish)", [web](const Request& req, Response& res) {
    update_postmortem(*web, req, res, true);
  });
  routes.Post(R"(/rcas/([^/]+)/action-items/([^/]+))",
              [web](const Request& req, Response& res) { set_item_status(*web, req, res); });
}

}  // namespace pmx
