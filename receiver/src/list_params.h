#pragma once
// What every list of the API takes and answers alike (incidents, sources, rcas, action-items):
// ?from=&to= (RFC 3339), ?limit=, ?cursor= (the `next` of the page before) and the format, JSON
// or CSV (?format=csv, or Accept: text/csv), with the next page in `next` and a Link header.
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pmx/core/time.h"

namespace pmx {

struct ListRequest {
  std::optional<UnixNanos> from;
  std::optional<UnixNanos> to;
  /// The fields of the cursor, as the list encoded them (list_cursor.h); nullopt: first page.
  std::optional<std::vector<std::string>> cursor;
  std::size_t limit = 100;
  bool csv = false;
};

inline constexpr std::size_t kDefaultListLimit = 100;
inline constexpr std::size_t kMaxListLimit = 1000;

/// Parses the common parameters of list `list`, whose cursors have `cursor_fields` fields,
/// having checked that every parameter is a common one or one of `own`; nullopt having answered
/// 400 naming the parameter at fault.
std::optional<ListRequest> list_request(const httplib::Request& req, httplib::Response& res,
                                        const std::string& list, std::size_t cursor_fields,
                                        const std::vector<const char*>& own);

/// Parses a time field of a cursor (as std::to_string wrote it); nullopt having answered 400.
std::optional<UnixNanos> cursor_time(const std::string& field, httplib::Response& res);

/// One page of a list, in both formats: `items` (the API documents) and `rows` (their CSV
/// fields, made by csv_field/csv_number, under `header`).
struct ListPage {
  nlohmann::json items = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  /// The cursor of the next page (encode_cursor), or nullopt when this is the last.
  std::optional<std::string> next;
};

/// Answers 200 with the page as `{"<list>": [...], "next": cursor or null}` or as CSV with its
/// header row; a next page is also in a `Link: <...>; rel="next"` header.
void send_list(const httplib::Request& req, httplib::Response& res, const ListRequest& request,
               const std::string& list, const std::vector<std::string>& header, ListPage page);

}  // namespace pmx
