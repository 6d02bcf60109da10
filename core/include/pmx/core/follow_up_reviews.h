#pragma once
/// Follow-up reviews of an RCA: when its action items are looked at again after publication.
/// One rule for the post-mortem draft, which lists them, and the KPIs, which count those due,
/// so that the dates the draft shows are the dates the reviews-due KPI counts.
#include <optional>
#include <vector>

#include "pmx/core/rca.h"
#include "pmx/core/time.h"

namespace pmx {

struct FollowUpReview {
  /// When it is due: the start (00:00 UTC) of a date the RCA names, or `base` + weeks_after.
  UnixNanos at = 0;
  /// 0 for a date the RCA names; else a default review, this many weeks after the base.
  int weeks_after = 0;
};

/// The defaults: two weeks after `base` (review the action items) and four (check that the
/// fix held), in that order.
std::vector<FollowUpReview> default_follow_up_reviews(UnixNanos base);

/// The dates the RCA's document names in `follow_up_reviews`, in its order. A date that does
/// not parse is skipped (load_rca rejects them, but the document is read defensively).
std::vector<FollowUpReview> named_follow_up_reviews(const Rca& rca);

/// The follow-up reviews of an RCA: those it names, else the defaults after `base` (none
/// without a base, e.g. published_at of an RCA not published).
std::vector<FollowUpReview> follow_up_reviews(const Rca& rca, std::optional<UnixNanos> base);

}  // namespace pmx
