#include "web_pages.h"

#include "routes.h"

namespace pmx::web {

std::shared_ptr<WebContext> make_context(const HttpConfig& config, HttpDependencies deps) {
  return std::make_shared<WebContext>(WebContext{deps.queries, deps.rcas, deps.authenticator,
                                                 config, deps.now, link_prefix(config)});
}

void send_page(httplib::Response& res, int status, const std::string& html) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(html, "text/html; charset=utf-8");
}

void send_error_page(const WebContext& web, httplib::Response& res, int status,
                     const std::string& heading, const std::string& message) {
  send_page(res, status,
            render(Page::kError, nlohmann::json{{"heading", heading}, {"message", message}},
                   web.layout(heading)));
}

void send_error_page(const WebContext& web, httplib::Response& res, const Error& error) {
  switch (error.code) {
    case ErrorCode::kNotFound:
      return send_error_page(web, res, 404, "Not found", error.message());
    case ErrorCode::kInvalid:
      return send_error_page(web, res, 400, "Bad request", error.message());
    case ErrorCode::kReadOnly:
      return send_error_page(web, res, 409, "Read-only", error.message());
    case ErrorCode::kStale:
      return send_error_page(web, res, 412, "Changed meanwhile",
                             error.message() + ". Open the page again and repeat the change.");
    default:
      res.set_header("Retry-After", "1");
      return send_error_page(web, res, 503, "Unavailable", error.message());
  }
}

void redirect(const WebContext& web, httplib::Response& res, const std::string& path) {
  res.status = 303;
  res.set_header("Location", web.base + path);
}

}  // namespace pmx::web
