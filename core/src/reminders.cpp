#include "pmx/core/reminders.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace pmx {

std::vector<OverdueItem> overdue_action_items(const std::vector<Rca>& rcas, UnixNanos now) {
  std::vector<OverdueItem> overdue;
  for (const auto& rca : rcas) {
    for (const auto& item : rca.action_items) {
      if (item.overdue(now)) overdue.push_back({&rca, &item});
    }
  }
  std::sort(overdue.begin(), overdue.end(), [](const OverdueItem& a, const OverdueItem& b) {
    return std::tie(a.item->due_at, a.rca->id, a.item->id) <
           std::tie(b.item->due_at, b.rca->id, b.item->id);
  });
  return overdue;
}

std::string postmortem_owner(const Incident& incident, const std::vector<const Rca*>& linked,
                             const std::string& owner_label) {
  std::vector<const Rca*> by_id = linked;
  std::sort(by_id.begin(), by_id.end(), [](const Rca* a, const Rca* b) { return a->id < b->id; });
  for (const Rca* rca : by_id) {
    if (auto owner = text_field(rca->document, "owner"); !owner.empty()) return owner;
  }
  if (owner_label.empty()) return "";
  std::map<std::string, std::size_t> votes;  // ordered: ties go to the smallest value
  for (const auto& [fingerprint, alert] : incident.alerts) {
    const auto value = alert.labels.find(owner_label);
    if (value != alert.labels.end() && !value->second.empty()) ++votes[value->second];
  }
  std::string owner;
  std::size_t most = 0;
  for (const auto& [value, count] : votes) {
    if (count > most) std::tie(owner, most) = std::tie(value, count);
  }
  return owner;
}

std::string capped_label_value(std::string_view value, std::size_t max_bytes) {
  if (value.size() <= max_bytes) return std::string(value);
  constexpr std::string_view kCut = "...";
  std::size_t keep = max_bytes > kCut.size() ? max_bytes - kCut.size() : 0;
  // Back off continuation bytes (10xxxxxx) so the cut falls between characters.
  while (keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xC0) == 0x80) --keep;
  return std::string(value.substr(0, keep)) + std::string(kCut.substr(0, max_bytes - keep));
}

}  // namespace pmx
