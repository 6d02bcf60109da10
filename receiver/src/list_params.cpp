#include "list_params.h"

#include <charconv>

#include "http_util.h"
#include "pmx/core/csv.h"
#include "pmx/core/list_cursor.h"
#include "pmx/core/ui_links.h"

namespace pmx {
namespace {

std::optional<std::size_t> parse_limit(const std::string& text) {
  std::size_t limit = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (ec != std::errc() || end != text.data() + text.size() || limit == 0 ||
      limit > kMaxListLimit) {
    return std::nullopt;
  }
  return limit;
}

/// ?format= wins; else an Accept naming text/csv (a spreadsheet's fetch, `curl -H`).
std::optional<bool> wants_csv(const httplib::Request& req) {
  if (req.has_param("format")) {
    const std::string format = req.get_param_value("format");
    if (format != "csv" && format != "json") return std::nullopt;
    return format == "csv";
  }
  return req.get_header_value("Accept").find("text/csv") != std::string::npos;
}

/// The request's path and parameters with `cursor` set to the next page's.
std::string next_link(const httplib::Request& req, const std::string& cursor) {
  std::string query;
  for (const auto& [name, value] : req.params) {
    if (name == "cursor") continue;
    query += (query.empty() ? "?" : "&") + url_encode(name) + "=" + url_encode(value);
  }
  query += (query.empty() ? "?" : "&") + std::string("cursor=") + cursor;
  return req.path + query;
}

}  // namespace

std::optional<ListRequest> list_request(const httplib::Request& req, httplib::Response& res,
                                        const std::string& list, std::size_t cursor_fields,
                                        const std::vector<const char*>& own) {
  std::vector<const char*> known{"from", "to", "cursor", "limit", "format"};
  known.insert(known.end(), own.begin(), own.end());
  if (!known_params(req, res, known)) return std::nullopt;
  ListRequest request;
  for (const char* bound : {"from", "to"}) {
    if (!req.has_param(bound)) continue;
    const auto at = parse_rfc3339(req.get_param_value(bound));
    if (!at) {
      send_error(res, 400,
                 std::string(bound) + " must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z",
                 bound);
      return std::nullopt;
    }
    (std::string(bound) == "from" ? request.from : request.to) = *at;
  }
  if (request.from && request.to && *request.from >= *request.to) {
    send_error(res, 400, "from must be before to", "from");
    return std::nullopt;
  }
  if (req.has_param("limit")) {
    const auto limit = parse_limit(req.get_param_value("limit"));
    if (!limit) {
      send_error(res, 400, "limit must be an integer from 1 to " + std::to_string(kMaxListLimit),
                 "limit");
      return std::nullopt;
    }
    request.limit = *limit;
  }
  if (req.has_param("cursor")) {
    request.cursor = decode_cursor(req.get_param_value("cursor"), list, cursor_fields);
    if (!request.cursor) {
      send_error(res, 400, "cursor must be the \"next\" of a page of this list", "cursor");
      return std::nullopt;
    }
  }
  const auto csv = wants_csv(req);
  if (!csv) {
    send_error(res, 400, "format must be json or csv", "format");
    return std::nullopt;
  }
  request.csv = *csv;
  return request;
}

std::optional<UnixNanos> cursor_time(const std::string& field, httplib::Response& res) {
  UnixNanos at = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), at);
  if (ec != std::errc() || end != field.data() + field.size()) {
    send_error(res, 400, "cursor must be the \"next\" of a page of this list", "cursor");
    return std::nullopt;
  }
  return at;
}

void send_list(const httplib::Request& req, httplib::Response& res, const ListRequest& request,
               const std::string& list, const std::vector<std::string>& header, ListPage page) {
  if (page.next) res.set_header("Link", "<" + next_link(req, *page.next) + ">; rel=\"next\"");
  if (!request.csv) {
    send_json(res, 200,
              {{list, std::move(page.items)},
               {"next", page.next ? nlohmann::json(*page.next) : nlohmann::json()}});
    return;
  }
  std::vector<std::string> names;
  for (const auto& name : header) names.push_back(csv_field(name));
  std::string body = csv_row(names);
  for (const auto& row : page.rows) body += csv_row(row);
  res.status = 200;
  res.set_content(body, "text/csv; charset=utf-8; header=present");
}

}  // namespace pmx
