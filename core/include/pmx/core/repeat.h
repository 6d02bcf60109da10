#pragma once
/// Repeat detection: when an incident opens, is it the same trouble coming back? Earlier
/// incidents of its source inside the repeat window, and RCAs that cover it, say so — and
/// whether the earlier post-mortems' action items are still open, or were all closed and the
/// fix did not hold.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pmx/core/incident.h"
#include "pmx/core/matcher.h"
#include "pmx/core/rca.h"

namespace pmx {

/// An RCA as repeat detection needs it: what it covers and its action items.
struct RcaCoverage {
  std::string id;
  std::string title;
  /// Parsed matchers; an alert matching all of them is covered. Empty: the RCA covers the
  /// sources of its linked incidents instead.
  std::vector<Matcher> matchers;
  std::set<std::string> source_ids;  ///< sources of the linked incidents
  std::vector<ActionItem> action_items;
};

/// Builds the coverage of an RCA. Matchers that do not parse are skipped (the API rejects them
/// on write, so only a document edited behind the daemon's back can have them).
RcaCoverage coverage_of(const Rca& rca);

/// `n` in English ordinal form (1st, 2nd, 3rd, 4th, 11th, 21st, 112th), as the flagged-repeat
/// event and the post-mortem draft both say "the n-th incident of this source".
std::string ordinal(std::uint32_t n);

/// The source id of an incident id (`<source id>-<n>`), empty if the id has no such shape.
std::string source_id_of_incident(const std::string& incident_id);

/// Decides whether `opening` (just opened, with the alerts it opened with) is a repeat.
/// `earlier` are the source's previous incidents (id and opened_at), any age.
std::optional<RepeatInfo> detect_repeat(const Incident& opening,
                                        const std::vector<EarlierIncident>& earlier,
                                        const std::vector<RcaCoverage>& rcas, UnixNanos window);

}  // namespace pmx
