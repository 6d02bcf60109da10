#include "item_edits.h"

#include <array>
#include <map>
#include <optional>
#include <regex>

namespace pmx {
namespace {

constexpr std::array<const char*, 3> kFields = {"status", "owner", "due"};

/// One edit as RcaService words it: "action item <id> '<title>': status a → b owner c → d
/// due e → f" (each field only when it changed, in this order).
struct ItemEdit {
  std::string id;
  std::string title;
  std::array<std::optional<std::pair<std::string, std::string>>, 3> fields;  // by kFields
};

std::optional<ItemEdit> parse_edit(const std::string& detail) {
  // Statuses are words and dates have no spaces: only the owner may hold anything.
  static const std::regex kEdit(
      "action item (\\S+) '(.*)':(?: status (\\S+) → (\\S+))?(?: owner (.+?) → (.+?))?"
      "(?: due (\\S+) → (\\S+))?");
  std::smatch match;
  if (!std::regex_match(detail, match, kEdit)) return std::nullopt;
  ItemEdit edit{match[1], match[2], {}};
  for (std::size_t field = 0; field < kFields.size(); ++field) {
    const std::size_t group = 3 + 2 * field;
    if (match[group].matched) edit.fields[field] = {match[group], match[group + 1]};
  }
  return edit;
}

struct Collapsed {
  ItemEdit net;
  std::size_t edits = 0;
  std::size_t position = 0;  ///< index of its last edit in the output
};

std::string describe(const Collapsed& item) {
  std::string text = "action item " + item.net.id + " '" + item.net.title + "':";
  bool changed = false;
  for (std::size_t field = 0; field < kFields.size(); ++field) {
    const auto& change = item.net.fields[field];
    if (!change || change->first == change->second) continue;
    text += std::string(" ") + kFields[field] + " " + change->first + " → " + change->second;
    changed = true;
  }
  if (!changed) text += " edited back as it was";
  if (item.edits > 1) text += " (" + std::to_string(item.edits) + " edits)";
  return text;
}

}  // namespace

std::vector<TimelineEvent> collapse_item_edits(const std::vector<TimelineEvent>& events) {
  std::vector<std::optional<TimelineEvent>> out;
  std::map<std::string, Collapsed> items;
  for (const auto& event : events) {
    const auto edit = event.type == TimelineEventType::kActionItemChanged ? parse_edit(event.detail)
                                                                          : std::nullopt;
    if (!edit) {
      out.emplace_back(event);
      continue;
    }
    auto [found, first] = items.try_emplace(edit->id, Collapsed{*edit, 0, 0});
    Collapsed& item = found->second;
    if (!first) {
      out[item.position].reset();  // moves to this, later, edit
      item.net.title = edit->title;
      for (std::size_t field = 0; field < kFields.size(); ++field) {
        if (!edit->fields[field]) continue;
        auto& net = item.net.fields[field];
        net = {net ? net->first : edit->fields[field]->first, edit->fields[field]->second};
      }
    }
    ++item.edits;
    item.position = out.size();
    out.emplace_back(event);
  }
  std::vector<TimelineEvent> collapsed;
  for (auto& event : out) {
    if (!event) continue;
    if (event->type == TimelineEventType::kActionItemChanged) {
      if (const auto edit = parse_edit(event->detail)) event->detail = describe(items.at(edit->id));
    }
    collapsed.push_back(std::move(*event));
  }
  return collapsed;
}

}  // namespace pmx
