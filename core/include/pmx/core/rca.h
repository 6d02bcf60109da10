#pragma once
/// RCAs (post-mortems) and their action items: the parts of the document the daemon reasons
/// about. The whole document (schema/rca.schema.json) is kept alongside, as given.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pmx/core/time.h"

namespace pmx {

/// kWaived: a decision that the linked incidents need no post-mortem (with a reason); they
/// count as covered, like the incidents of a published RCA.
enum class RcaStatus { kDraft, kInReview, kPublished, kWaived };
enum class ActionItemType { kPrevent, kDetect, kMitigate, kProcess };
enum class Priority { kP0, kP1, kP2, kP3 };
enum class ActionItemStatus { kOpen, kInProgress, kDone, kWontDo };

const char* to_string(RcaStatus value);
const char* to_string(ActionItemType value);
const char* to_string(Priority value);
const char* to_string(ActionItemStatus value);
std::optional<RcaStatus> rca_status_from(const std::string& text);
std::optional<ActionItemType> action_item_type_from(const std::string& text);
std::optional<Priority> priority_from(const std::string& text);
std::optional<ActionItemStatus> action_item_status_from(const std::string& text);

/// The string `key` of a JSON object (an RCA document, or an entry of one); "" when it is absent
/// or not a string: the documents are read as given, leniently.
std::string text_field(const nlohmann::json& object, const char* key);

struct ActionItem {
  std::string id;
  std::string title;
  ActionItemType type = ActionItemType::kPrevent;
  Priority priority = Priority::kP2;
  std::string owner;
  std::string due;      ///< calendar date as written, YYYY-MM-DD
  UnixNanos due_at = 0;  ///< end of the due date (next midnight UTC): overdue after this
  ActionItemStatus status = ActionItemStatus::kOpen;
  std::string ticket;  ///< link to the tracker, may be empty
  std::optional<UnixNanos> completed_at;

  /// Done or won't-do: nothing more will happen for it.
  bool closed() const {
    return status == ActionItemStatus::kDone || status == ActionItemStatus::kWontDo;
  }
  /// Still open or in progress after the end of its due date.
  bool overdue(UnixNanos now) const { return !closed() && due_at != 0 && due_at < now; }
};

struct Rca {
  std::string id;
  std::string title;
  RcaStatus status = RcaStatus::kDraft;
  std::string severity;
  std::vector<std::string> incidents;  ///< linked incident ids
  std::vector<std::string> matchers;   ///< Alertmanager-style matchers, as written
  std::optional<UnixNanos> created_at;
  std::optional<UnixNanos> published_at;
  std::vector<ActionItem> action_items;
  /// The whole document as stored and served; the fields above are read from it.
  nlohmann::json document;

  // Kept by the store, not part of the document:
  std::int64_t version = 0;  ///< bumped on every write; 0 = never stored
  bool from_file = false;    ///< loaded from --rca.dir: read-only through the API

  /// Published or waived: its incidents count as covered (post-mortem coverage, overdue).
  bool covers_incidents() const {
    return status == RcaStatus::kPublished || status == RcaStatus::kWaived;
  }

  std::size_t open_action_items() const {
    std::size_t open = 0;
    for (const auto& item : action_items) open += item.closed() ? 0 : 1;
    return open;
  }
};

}  // namespace pmx
