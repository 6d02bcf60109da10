#include <charconv>

#include "api_json.h"
#include "http_util.h"
#include "routes.h"

namespace pmx {
namespace {

using nlohmann::json;

/// An answer about `rca` with its version as the ETag, for the If-Match of the next write.
void send_rca(httplib::Response& res, int status, const Rca& rca, const json& answer) {
  res.set_header("ETag", "\"" + std::to_string(rca.version) + "\"");
  send_json(res, status, answer);
}

/// Answers a write with the RCA it stored and the warnings on its action items: 201 when it
/// created it.
void send_written(httplib::Response& res, const Result<StoredRca>& written, const UiLinks& links) {
  if (!written) return send_error(res, written.error());
  send_rca(res, written->created ? 201 : 200, written->rca, api_json(*written, links));
}

/// The version an If-Match header asks for: `"3"` (the ETag of a GET), also `W/"3"` or `3`;
/// an empty optional when there is none or it is `*`. nullopt when it is none of those, after
/// answering 400.
std::optional<std::optional<std::int64_t>> if_match(const httplib::Request& req,
                                                    httplib::Response& res) {
  std::string tag = req.get_header_value("If-Match");
  if (tag.empty() || tag == "*") return std::optional<std::int64_t>();
  if (tag.rfind("W/", 0) == 0) tag.erase(0, 2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') tag = tag.substr(1, tag.size() - 2);
  std::int64_t version = -1;
  const auto [end, ec] = std::from_chars(tag.data(), tag.data() + tag.size(), version);
  if (ec == std::errc() && end == tag.data() + tag.size() && version >= 0) {
    return std::optional<std::int64_t>(version);
  }
  send_error(res, 400, "If-Match must be the ETag of a GET of the RCA, such as \"3\"", "If-Match");
  return std::nullopt;
}

/// The document of a PUT body and the version it was read at: the GET answer PUT back as is
/// ({"rca": document, "version": n, ...}) checks that version as an If-Match does.
std::pair<json, std::optional<std::int64_t>> put_document(json body) {
  const bool wrapped = body.is_object() && body.contains("rca") && body["rca"].is_object() &&
                       !body.contains("id") && !body.contains("title");
  if (!wrapped) return {std::move(body), std::nullopt};
  std::optional<std::int64_t> version;
  if (body.contains("version") && body["version"].is_number_integer()) {
    version = body["version"].get<std::int64_t>();
  }
  return {std::move(body["rca"]), version};
}

}  // namespace

void install_rca_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps) {
  using Request = httplib::Request;
  using Response = httplib::Response;
  const UiLinks links = ui_links(config);
  routes.Get(R"(/api/v1/rcas/([^/]+))", [deps, links](const Request& req, Response& res) {
    if (!known_params(req, res, {})) return;
    const auto rca = deps.queries.rca(req.matches[1]);
    if (!rca) return send_error(res, rca.error());
    send_rca(res, 200, *rca, api_json(*rca, links));
  });
  // Writes: credentials first, then the If-Match precondition, then the body.
  routes.Put(R"(/api/v1/rcas/([^/]+))", [deps, links](const Request& req, Response& res) {
    if (!authorized(deps.authenticator, req, res)) return;
    const auto expected = if_match(req, res);
    if (!expected) return;
    auto body = json_body(req.body, res);
    if (!body) return;
    auto [document, read_at] = put_document(std::move(*body));
    const std::string id = req.matches[1];
    const auto written =
        deps.rcas.put(id, document, deps.now(), RcaOrigin::kApi, *expected ? *expected : read_at);
    send_written(res, written, links);
  });
  routes.Delete(R"(/api/v1/rcas/([^/]+))", [deps](const Request& req, Response& res) {
    if (!authorized(deps.authenticator, req, res)) return;
    const auto expected = if_match(req, res);
    if (!expected) return;
    const auto removed = deps.rcas.remove(req.matches[1], RcaOrigin::kApi, *expected);
    if (!removed) return send_error(res, removed.error());
    res.status = 204;
  });
  routes.Patch(R"(/api/v1/rcas/([^/]+)/action-items/([^/]+))",
               [deps, links](const Request& req, Response& res) {
                 if (!authorized(deps.authenticator, req, res)) return;
                 const auto expected = if_match(req, res);
                 if (!expected) return;
                 const auto body = json_body(req.body, res);
                 if (!body) return;
                 send_written(res,
                              deps.rcas.patch_action_item(req.matches[1], req.matches[2], *body,
                                                          deps.now(), *expected),
                              links);
               });
  routes.Put(R"(/api/v1/rcas/([^/]+)/incidents/([^/]+))", [deps, links](const Request& req,
                                                                        Response& res) {
    if (!authorized(deps.authenticator, req, res)) return;
    const auto expected = if_match(req, res);
    if (!expected) return;
    send_written(
        res, deps.rcas.link_incident(req.matches[1], req.matches[2], deps.now(), *expected), links);
  });
}

}  // namespace pmx
