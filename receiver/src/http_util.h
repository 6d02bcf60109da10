#pragma once
// Shared by the handlers: JSON bodies and the error shape {"error": "...", "field": "..."}.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "pmx/store/result.h"

namespace pmx {

inline void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  // Replace invalid UTF-8 (label values are whatever senders put there) instead of throwing.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

inline void send_error(httplib::Response& res, int status, const std::string& message,
                       const std::string& field = {}) {
  nlohmann::json body{{"error", message}};
  if (!field.empty()) body["field"] = field;
  send_json(res, status, body);
}

/// A store that cannot answer is a temporary condition: 503 tells Alertmanager to retry.
inline void send_store_error(httplib::Response& res, StoreError error) {
  send_error(res, 503, to_string(error));
  res.set_header("Retry-After", "1");
}

}  // namespace pmx
