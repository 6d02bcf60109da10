#pragma once
// The views of the web UI's pages: what a page shows, as a JSON value for its template
// (web_render.h), built from domain values. Pure: the time is passed in, nothing is read.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pmx/core/postmortem_policy.h"
#include "pmx/core/rca.h"
#include "pmx/service/queries.h"

namespace pmx::web {

/// What the views need beyond the values they show.
struct ViewContext {
  UnixNanos now = 0;
  UnixNanos repeat_window = 0;  ///< --incident.repeat-window, shown as "3rd in 180d"
  PostmortemPolicy policy;      ///< which resolved incidents await a post-mortem
};

/// The filters of the incident list, as given in its query string.
struct IncidentListQuery {
  std::string state;   ///< "", "open" or "resolved"
  std::string source;  ///< a source key or id, as typed
  bool repeat_only = false;
  bool awaiting_only = false;
  std::size_t page = 1;  ///< 1-based
};

/// "2026-11-29 10:19 UTC".
std::string display_time(UnixNanos t);
/// "45s", "12m", "3h 20m", "2d 4h".
std::string display_duration(UnixNanos span);

/// Whether a resolved incident still needs its post-mortem: the policy asks for one and no RCA
/// is linked.
bool awaiting_postmortem(const Incident& incident, const PostmortemPolicy& policy);

/// Open action items by RCA id, as the RCAs stand now.
using OpenItemsNow = std::map<std::string, std::size_t>;

/// `/`: one page of incidents. `more` says whether an older page exists. A repeat's count of
/// earlier open action items is that of its related RCAs now (`open_now`), not as they were
/// when it opened.
nlohmann::json incidents_view(const std::vector<Incident>& incidents,
                              const IncidentListQuery& query, bool more, const ViewContext& context,
                              const OpenItemsNow& open_now);
/// `/incidents/{id}`: `linked` are the RCAs linked to it, `earlier` those that bear on the
/// earlier incidents of a repeat (Queries::earlier_rcas), as they stand now.
nlohmann::json incident_view(const IncidentDetail& detail, const std::vector<Rca>& linked,
                             const std::vector<Rca>& earlier, const ViewContext& context);
/// `/sources/{id}`: the source's history and the RCAs that cover it.
nlohmann::json source_view(const SourceHistory& history, const std::vector<Rca>& rcas,
                           const ViewContext& context);

/// The filters of the action-item board (`/action-items`), as given; "" does not filter. An
/// empty status shows the items not closed (open, in progress).
struct ActionItemQuery {
  std::string owner, priority, type, status;
  std::size_t page = 1;  ///< of kBoardPageSize items, in the board's order
};

/// Items per page of `/action-items`: a weekly review reads one owner's items, not thousands
/// (and rendering 2,000 rows took longer than the 50 ms a page may).
inline constexpr std::size_t kBoardPageSize = 200;

/// `/rcas`: the post-mortems, as listed by Queries::rcas.
nlohmann::json rcas_view(const std::vector<Rca>& rcas, const std::string& status, bool open_only,
                         UnixNanos now);
/// `/rcas/{id}`: the document in the post-mortem template's order, with `warnings` (the
/// quality checks of its action items, Queries::action_item_warnings) beside the items they
/// are about (`item_warnings`) or above the table (`rca_warnings`, the RCA as a whole).
nlohmann::json rca_view(const Rca& rca, const std::vector<ActionItemWarning>& warnings,
                        UnixNanos now);
/// `/action-items`: the items of every RCA that pass the filters, grouped by owner (owners
/// with overdue items first, then by name), overdue items first in each group, then by due date.
nlohmann::json action_items_view(const std::vector<Rca>& rcas, const ActionItemQuery& query,
                                 UnixNanos now);

}  // namespace pmx::web
