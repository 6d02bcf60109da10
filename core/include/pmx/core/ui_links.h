#pragma once
/// Where the web UI shows each incident, RCA and action item: the `ui_url` of the API's
/// documents (for Alertmanager templates and Grafana data links) and the links of the reminder
/// series on /metrics. Pure string building, so the receiver and the exporter agree.
#include <string>

namespace pmx {

/// Percent-encodes every byte but the URL-safe ones (RFC 3986 unreserved characters).
std::string url_encode(const std::string& text);

/// Absolute under --web.external-url when it is set, else a path under the route prefix. Ids
/// are percent-encoded.
struct UiLinks {
  std::string base;  ///< no trailing slash; "" for paths from the root
  std::string incident(const std::string& id) const;
  std::string rca(const std::string& id) const;
  /// The item's row on its RCA's page.
  std::string action_item(const std::string& rca_id, const std::string& item_id) const;
};

}  // namespace pmx
