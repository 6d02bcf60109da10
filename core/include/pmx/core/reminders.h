#pragma once
/// Per-owner reminders: what is overdue, one entry per action item or incident, with the person
/// to remind. The exporter turns them into one gauge series each, so that a Prometheus rule
/// alerts per item and an Alertmanager route on `owner` reaches that person's receiver.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "pmx/core/incident.h"
#include "pmx/core/rca.h"

namespace pmx {

/// An open action item past its due date.
struct OverdueItem {
  const Rca* rca = nullptr;
  const ActionItem* item = nullptr;
};

/// The open (open or in progress) action items of `rcas` whose due date ended before `now`, as
/// postmortem_action_items_overdue counts them (every RCA status: a draft's promise is one too),
/// oldest due date first, then by RCA id and item id. Points into `rcas`.
std::vector<OverdueItem> overdue_action_items(const std::vector<Rca>& rcas, UnixNanos now);

/// Who is reminded that an incident's post-mortem is overdue: the `owner` of an RCA linked to it
/// (a draft somebody is writing; the first by id that names one), else the value of
/// `owner_label` its alerts carry (the most common; ties: the smallest), else "" (Alertmanager's
/// default route). `linked` are the RCAs of incident.rcas that exist.
std::string postmortem_owner(const Incident& incident, const std::vector<const Rca*>& linked,
                             const std::string& owner_label);

/// `value` cut to at most `max_bytes` bytes, ending in "..." when cut, never inside a UTF-8
/// character: a label value of bounded size, whatever was typed into a document.
std::string capped_label_value(std::string_view value, std::size_t max_bytes);

}  // namespace pmx
