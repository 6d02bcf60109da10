#pragma once
/// The post-mortem policy: which incidents need a post-mortem, and by when it is due.
/// An incident needs one when any of its alerts has a required severity (the `severity` label,
/// `--postmortem.required-severities`) or, unless `--no-postmortem.require-repeats`, when it is
/// a repeat: the same trouble coming back is worth writing down. (One that needs none after
/// all is waived by an RCA with status `waived` and a reason; it then counts as covered.) It is due
/// `--postmortem.due` after the incident resolved: business days by default (Monday to Friday,
/// UTC), or a plain duration.
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "pmx/core/incident.h"
#include "pmx/core/time.h"

namespace pmx {

/// How long after resolution a post-mortem is due: `business_days` of weekday time, or a
/// calendar duration when `calendar` is set.
struct PostmortemDue {
  int business_days = 5;
  std::optional<UnixNanos> calendar;
};

/// Parses `5bd` (business days) or a Prometheus duration (`72h`, `7d`); nullopt if neither.
std::optional<PostmortemDue> parse_postmortem_due(std::string_view text);
std::string to_string(const PostmortemDue& due);

struct PostmortemPolicy {
  std::set<std::string> required_severities{"critical"};
  bool require_repeats = true;  ///< a repeat needs a post-mortem whatever its severity
  PostmortemDue due;
};

/// `from` plus `days` days of weekday time: weekend time does not count, so Friday 15:00 plus
/// one business day is Monday 15:00, Saturday 10:00 plus one is Tuesday 00:00 (Monday counts
/// whole), and Saturday 10:00 plus five is the end of the following Friday (Saturday 00:00).
UnixNanos add_business_days(UnixNanos from, int days);

/// When the post-mortem of an incident resolved at `resolved_at` is due.
UnixNanos postmortem_deadline(UnixNanos resolved_at, const PostmortemDue& due);

/// Whether the incident needs a post-mortem under the policy.
bool needs_postmortem(const Incident& incident, const PostmortemPolicy& policy);

}  // namespace pmx
