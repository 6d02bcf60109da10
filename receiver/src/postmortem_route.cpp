#include "http_util.h"
#include "routes.h"

namespace pmx {

void install_postmortem_route(Routes& routes, HttpDependencies deps) {
  routes.Get(R"(/api/v1/incidents/([^/]+)/postmortem\.md)",
             [deps](const httplib::Request& req, httplib::Response& res) {
               if (!known_params(req, res, {})) return;
               const auto draft = deps.queries.postmortem_draft(req.matches[1], deps.now());
               if (!draft) return send_error(res, draft.error());
               res.set_content(*draft, "text/markdown; charset=utf-8");
             });
}

}  // namespace pmx
