#pragma once
// Small text helpers shared by the views of the web UI (web_views.h).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "pmx/core/rca.h"
#include "pmx/core/time.h"

namespace pmx::web {

/// "alert_fired" -> "alert fired".
inline std::string words(std::string text) {
  std::replace(text.begin(), text.end(), '_', ' ');
  return text;
}

inline std::string plural(std::uint64_t n) { return n == 1 ? "" : "s"; }

/// A count shown only when there is one: null hides its section.
inline nlohmann::json count_or_null(std::uint64_t n) {
  return n == 0 ? nlohmann::json() : nlohmann::json(std::to_string(n));
}

/// To the second: a page is read by a person.
inline nlohmann::json time_or_null(const std::optional<UnixNanos>& t) {
  return t ? nlohmann::json(format_rfc3339_seconds(*t)) : nlohmann::json();
}

/// An open item past the end of its due date.
inline bool overdue(const ActionItem& item, UnixNanos now) { return item.overdue(now); }

/// A tracker link only when it is http(s): the schema takes any URI, and a `javascript:` one
/// would run in the page when clicked, escaped or not. Others are shown as text.
inline bool linkable(const std::string& url) {
  return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
}

/// Options of a <select>: every value (in words), the chosen one selected.
template <typename Enum, std::size_t N>
nlohmann::json options(const Enum (&values)[N], const std::string& chosen) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto value : values) {
    list.push_back({{"value", to_string(value)},
                    {"label", words(to_string(value))},
                    {"selected", chosen == to_string(value)}});
  }
  return list;
}

inline constexpr RcaStatus kRcaStatuses[] = {RcaStatus::kDraft, RcaStatus::kInReview,
                                             RcaStatus::kPublished, RcaStatus::kWaived};
inline constexpr Priority kPriorities[] = {Priority::kP0, Priority::kP1, Priority::kP2,
                                           Priority::kP3};
inline constexpr ActionItemType kTypes[] = {ActionItemType::kPrevent, ActionItemType::kDetect,
                                            ActionItemType::kMitigate, ActionItemType::kProcess};
inline constexpr ActionItemStatus kItemStatuses[] = {
    ActionItemStatus::kOpen, ActionItemStatus::kInProgress, ActionItemStatus::kDone,
    ActionItemStatus::kWontDo};

}  // namespace pmx::web
