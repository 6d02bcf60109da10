#pragma once
// Shared by the handlers: JSON bodies, the error shape {"error": "...", "field": "..."}, the one
// mapping of service errors to HTTP, and the credential check with its 401 challenge.
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "pmx/core/error.h"
#include "pmx/core/ui_links.h"
#include "pmx/receiver/auth.h"

namespace pmx {

void send_json(httplib::Response& res, int status, const nlohmann::json& body);

void send_error(httplib::Response& res, int status, const std::string& message,
                const std::string& field = {});

/// The one place an Error becomes HTTP: kInvalid 422 with every problem, kNotFound 404,
/// kReadOnly 409, and 503 with Retry-After for the store's failures (Alertmanager retries a
/// 5xx, and a store that cannot answer is a temporary condition).
void send_error(httplib::Response& res, const Error& error);

/// True when every query parameter is one of `known`; otherwise answers 400 naming the first
/// that is not (`?service=search` must not silently list everything).
bool known_params(const httplib::Request& req, httplib::Response& res,
                  const std::vector<const char*>& known);

/// True when the request carries the credentials; otherwise answers 401 with the challenge.
/// A write (any method but GET, HEAD, OPTIONS) a browser sends from another site: its
/// Sec-Fetch-Site is other than same-origin or none, or, from a browser that sends no
/// Sec-Fetch-Site, its Origin is neither this server's (Host) nor that of `external_url`
/// (--web.external-url: a proxy may pass another Host on). Requests with neither header come
/// from no browser (Alertmanager, curl) and pass.
bool cross_site_write(const httplib::Request& req, const std::string& external_url);

bool authorized(const Authenticator& authenticator, const httplib::Request& req,
                httplib::Response& res);

/// Parses a JSON body; returns nullopt having answered 400 naming the position on bad JSON, or
/// 422 naming the field of a document nested deeper than kMaxJsonDepth.
std::optional<nlohmann::json> json_body(const std::string& body, httplib::Response& res);

}  // namespace pmx
