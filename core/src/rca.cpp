#include "pmx/core/rca.h"

#include <array>
#include <utility>

namespace pmx {
namespace {

// One table per enum, in declaration order, so to_string and *_from cannot drift apart and the
// spelling lives next to the schema's enum (schema/rca.schema.json).
constexpr std::array<std::pair<RcaStatus, const char*>, 4> kRcaStatuses{{
    {RcaStatus::kDraft, "draft"},
    {RcaStatus::kInReview, "in_review"},
    {RcaStatus::kPublished, "published"},
    {RcaStatus::kWaived, "waived"},
}};
constexpr std::array<std::pair<ActionItemType, const char*>, 4> kActionItemTypes{{
    {ActionItemType::kPrevent, "prevent"},
    {ActionItemType::kDetect, "detect"},
    {ActionItemType::kMitigate, "mitigate"},
    {ActionItemType::kProcess, "process"},
}};
constexpr std::array<std::pair<Priority, const char*>, 4> kPriorities{{
    {Priority::kP0, "P0"},
    {Priority::kP1, "P1"},
    {Priority::kP2, "P2"},
    {Priority::kP3, "P3"},
}};
constexpr std::array<std::pair<ActionItemStatus, const char*>, 4> kActionItemStatuses{{
    {ActionItemStatus::kOpen, "open"},
    {ActionItemStatus::kInProgress, "in_progress"},
    {ActionItemStatus::kDone, "done"},
    {ActionItemStatus::kWontDo, "wont_do"},
}};

template <typename Enum, std::size_t N>
const char* name_of(const std::array<std::pair<Enum, const char*>, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";  // unreachable for a valid enumerator
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, const char*>, N>& table,
                             const std::string& text) {
  for (const auto& [value, name] : table) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(RcaStatus value) { return name_of(kRcaStatuses, value); }
const char* to_string(ActionItemType value) { return name_of(kActionItemTypes, value); }
const char* to_string(Priority value) { return name_of(kPriorities, value); }
const char* to_string(ActionItemStatus value) { return name_of(kActionItemStatuses, value); }

std::optional<RcaStatus> rca_status_from(const std::string& text) {
  return value_of(kRcaStatuses, text);
}
std::optional<ActionItemType> action_item_type_from(const std::string& text) {
  return value_of(kActionItemTypes, text);
}
std::optional<Priority> priority_from(const std::string& text) {
  return value_of(kPriorities, text);
}
std::optional<ActionItemStatus> action_item_status_from(const std::string& text) {
  return value_of(kActionItemStatuses, text);
}

std::string text_field(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

}  // namespace pmx
