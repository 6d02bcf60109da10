#pragma once
// What every route of the web UI shares: the reads, writes and settings it works with, and how
// a page or an error page is answered.
#include <httplib.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "pmx/receiver/http_api.h"
#include "web_render.h"
#include "web_views.h"

namespace pmx::web {

struct WebContext {
  Queries& queries;
  RcaService& rcas;
  const Authenticator& authenticator;
  const HttpConfig config;  // a copy: the caller's may not outlive the server
  std::function<UnixNanos()> now;
  std::string base;  ///< link_prefix(config): where the browser finds the pages

  ViewContext view() const {
    return {now(), config.repeat_window, config.postmortem.value_or(PostmortemPolicy())};
  }
  Layout layout(std::string title, Layout::Section section = Layout::Section::kNone) const {
    return {std::move(title), base, config.telemetry_path, section};
  }
  /// A browser can write: nothing to prompt for, or basic auth, which it prompts for. With a
  /// bearer token only, the UI is read-only (a browser has no way to send one).
  bool browser_writes() const { return !authenticator.enabled() || authenticator.accepts_basic(); }
};

/// The context of the web UI's routes (web_routes.cpp, web_edit_routes.cpp).
std::shared_ptr<WebContext> make_context(const HttpConfig& config, HttpDependencies deps);

/// Answers an HTML page; pages show stored data, so they are never cached by a shared proxy.
void send_page(httplib::Response& res, int status, const std::string& html);

void send_error_page(const WebContext& web, httplib::Response& res, int status,
                     const std::string& heading, const std::string& message);

/// As the API maps them (http_util.h): not found 404, invalid 400, read-only 409, stale 412,
/// the store's failures 503.
void send_error_page(const WebContext& web, httplib::Response& res, const Error& error);

/// Answers 303 See Other to `path` (under the route prefix): where a browser goes after a
/// form was stored, so that reloading the page does not post it again.
void redirect(const WebContext& web, httplib::Response& res, const std::string& path);

}  // namespace pmx::web
