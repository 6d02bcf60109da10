#include "http_util.h"
#include "pmx/core/postmortem_markdown.h"
#include "routes.h"

namespace pmx {
namespace {

/// Reads the RCAs with these ids, skipping any deleted since they were referenced.
StoreResult<std::vector<Rca>> rcas_by_id(Store& store, const std::vector<std::string>& ids) {
  std::vector<Rca> rcas;
  for (const auto& id : ids) {
    auto rca = store.get_rca(id);
    if (!rca) return rca.error();
    if (*rca) rcas.push_back(std::move(**rca));
  }
  return rcas;
}

}  // namespace

void install_postmortem_route(httplib::Server& server, HttpDependencies deps) {
  server.Get(R"(/api/v1/incidents/([^/]+)/postmortem\.md)",
             [deps](const httplib::Request& req, httplib::Response& res) {
               const std::string id = req.matches[1];
               const auto detail = deps.store.get_incident(id);
               if (!detail) return send_store_error(res, detail.error());
               if (!*detail) return send_error(res, 404, "no incident with id " + id, "id");
               const Incident& incident = (*detail)->incident;
               const auto linked = rcas_by_id(deps.store, incident.rcas);
               if (!linked) return send_store_error(res, linked.error());
               std::vector<std::string> earlier_ids;
               if (incident.repeat) {
                 for (const auto& rca : incident.repeat->rcas) earlier_ids.push_back(rca.id);
               }
               const auto earlier = rcas_by_id(deps.store, earlier_ids);
               if (!earlier) return send_store_error(res, earlier.error());
               res.set_content(render_postmortem_markdown(incident, (*detail)->timeline, *linked,
                                                          *earlier, deps.now()),
                               "text/markdown; charset=utf-8");
             });
}

}  // namespace pmx
