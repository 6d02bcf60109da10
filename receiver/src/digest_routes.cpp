#include "http_util.h"
#include "pmx/core/digest.h"
#include "routes.h"

namespace pmx {
namespace {

/// The digest of the request's period (?from=&to=), or nullopt having answered 400 naming the
/// parameter at fault, or the store's error.
std::optional<Digest> requested_digest(const PostmortemPolicy& policy, HttpDependencies& deps,
                                       const httplib::Request& req, httplib::Response& res) {
  if (!known_params(req, res, {"from", "to"})) return std::nullopt;
  const auto param = [&req](const char* name) -> std::optional<std::string> {
    if (!req.has_param(name)) return std::nullopt;
    return req.get_param_value(name);
  };
  const UnixNanos now = deps.now();
  const auto period = digest_period(param("from"), param("to"), now);
  if (!period) {
    send_error(res, 400, period.error().message(), period.error().field);
    return std::nullopt;
  }
  auto digest = deps.queries.digest(*period, now, policy);
  if (!digest) {
    send_error(res, digest.error());
    return std::nullopt;
  }
  return std::move(*digest);
}

}  // namespace

void install_digest_routes(Routes& routes, const HttpConfig& config, HttpDependencies deps) {
  // Which incidents need a post-mortem, and by when: the ingest configuration's.
  const PostmortemPolicy policy = config.postmortem.value_or(PostmortemPolicy());
  routes.Get(R"(/api/v1/digest\.md)",
             [policy, deps](const httplib::Request& req, httplib::Response& res) mutable {
               if (const auto digest = requested_digest(policy, deps, req, res)) {
                 res.set_content(digest_markdown(*digest), "text/markdown; charset=utf-8");
               }
             });
  routes.Get("/api/v1/digest",
             [policy, deps](const httplib::Request& req, httplib::Response& res) mutable {
               if (const auto digest = requested_digest(policy, deps, req, res)) {
                 send_json(res, 200, digest_json(*digest));
               }
             });
}

}  // namespace pmx
