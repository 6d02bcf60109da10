#include "http_util.h"

#include <cctype>

#include "pmx/receiver/json_body.h"

namespace pmx {

using nlohmann::json;

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  // Replace invalid UTF-8 (label values are whatever senders put there) instead of throwing.
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message,
                const std::string& field) {
  json body{{"error", message}};
  if (!field.empty()) body["field"] = field;
  send_json(res, status, body);
}

void send_error(httplib::Response& res, const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalid: {
      json problems = json::array();
      for (const auto& p : error.problems)
        problems.push_back({{"field", p.path}, {"message", p.message}});
      json body{{"error", error.message()}, {"problems", problems}};
      if (!error.field.empty()) {
        body["field"] = error.field;
      } else if (!error.problems.empty()) {
        body["field"] = error.problems.front().path;
      }
      return send_json(res, 422, body);
    }
    case ErrorCode::kNotFound:
      return send_error(res, 404, error.message(), error.field);
    case ErrorCode::kStale:
      // The current version, so the client can read again, merge and retry with it.
      return send_json(res, 412, {{"error", error.message()}, {"version", error.version.value_or(0)}});
    case ErrorCode::kReadOnly:
      return send_error(res, 409, error.message(), error.field);
    case ErrorCode::kConflict:
    case ErrorCode::kUnavailable:
    case ErrorCode::kCorrupt:
      // The code's meaning only: a store's detail (keys, Redis' words) is for the log.
      send_error(res, 503, to_string(error.code));
      res.set_header("Retry-After", "1");
      return;
  }
}

bool known_params(const httplib::Request& req, httplib::Response& res,
                  const std::vector<const char*>& known) {
  for (const auto& [name, value] : req.params) {
    bool is_known = false;
    std::string list;
    for (const char* k : known) {
      is_known = is_known || name == k;
      list += std::string(list.empty() ? "" : ", ") + k;
    }
    if (is_known) continue;
    send_error(res, 400,
               "unknown query parameter \"" + name + "\" (" +
                   (list.empty() ? std::string("this path takes none") : "known: " + list) + ")",
               name);
    return false;
  }
  return true;
}

bool cross_site_write(const httplib::Request& req, const std::string& external_url) {
  if (req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS") return false;
  const std::string site = req.get_header_value("Sec-Fetch-Site");
  if (!site.empty()) return site != "same-origin" && site != "none";
  const std::string origin = req.get_header_value("Origin");
  if (origin.empty()) return false;
  const auto scheme_end = origin.find("://");
  // "null" (a sandboxed frame, a redirect across sites) has no host to compare.
  if (scheme_end == std::string::npos) return true;
  if (origin.substr(scheme_end + 3) == req.get_header_value("Host")) return false;
  // scheme://host[:port] of the external URL, without its path.
  const auto external_end = external_url.find('/', external_url.find("://") + 3);
  return external_url.empty() || origin != external_url.substr(0, external_end);
}

bool authorized(const Authenticator& authenticator, const httplib::Request& req,
                httplib::Response& res) {
  if (authenticator.allows(req.get_header_value("Authorization"))) return true;
  res.set_header("WWW-Authenticate", authenticator.challenge());
  send_error(res, 401, "missing or invalid credentials");
  return false;
}

std::optional<json> json_body(const std::string& body, httplib::Response& res) {
  auto parsed = parse_json(body);
  if (parsed) return std::move(*parsed);
  // Not JSON: 400. JSON nested too deep: a document that breaks a rule, 422 naming where.
  if (!parsed.error().problems.empty()) {
    send_error(res, parsed.error());
  } else {
    send_error(res, 400, parsed.error().message());
  }
  return std::nullopt;
}

}  // namespace pmx
