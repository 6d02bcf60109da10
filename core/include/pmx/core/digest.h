#pragma once
/// The monthly post-mortem digest: what a team lead publishes to share what was learned in a
/// period (`GET /api/v1/digest.md`, `GET /api/v1/digest`): the post-mortems published with their
/// root cause and lessons, the repeats and ineffective fixes, the action items completed, slipped
/// and still overdue by owner, and the period's KPIs next to the guides' targets.
///
/// Pure: the period, `now`, the RCAs and the incidents are passed in; nothing is read.
///
/// The period is [from, to). `as_of` = min(to, now): what had happened by the end of the period
/// (or by now, for a period not over yet). Every KPI is defined on the incidents and RCAs given:
///
/// - **On-time completion by priority** (as `postmortem_action_items_on_time_ratio`): the items
///   of every RCA whose due date ended in (from, as_of] — for a month, the items due on one of
///   its days, as far as the month has passed. Done with completed_at <= the end of the due date
///   is on time (done without a completed_at cannot be shown late: on time, as in kpi.cpp); done
///   later is late; open or in progress is still open past due. Won't-do items left the plan and
///   count nowhere. Ratio = on time / (on time + late + open past due). The guides' target: 80 %
///   of P0 and P1 items on time (both priorities together).
/// - **Slipped**: those same items not done by their due date (done late, or still open).
/// - **Completed**: items done with completed_at in [from, to).
/// - **Still overdue**: open or in-progress items of every RCA whose due date ended by as_of,
///   whatever period they were due in.
/// The three lists are by owner (as the owners table: by name), each owner's oldest first.
/// - **Within 4 weeks** (the guides' 90 % target): incidents resolved in [from, to) that need a
///   post-mortem (needs_postmortem). Each is *met* when a published or waived RCA naming it is
///   dated (published_at; for a waiver without one, created_at) no later than 28 days after it
///   resolved — a waiver with neither date cannot be shown late and is met; *missed* when no
///   such RCA is dated by then and those 28 days ended by `now`; else *pending* (still inside
///   its 4 weeks, nothing yet). Ratio = met / (met + missed).
/// - **Coverage** (as `postmortem_coverage_ratio`): of the same incidents, the share with a
///   published or waived RCA naming them now.
/// - **Time to post-mortem** (as `postmortem_time_to_postmortem_seconds`): for each incident
///   that needs a post-mortem whose first published RCA (the earliest published_at of the
///   published RCAs naming it) was published in [from, to): published_at − resolved_at, 0 when
///   published before it resolved. Median and p90 (nearest rank), and how many were published
///   by their --postmortem.due deadline (postmortem_deadline). The guides' target (5 business
///   days by default) counts as met when at least half were: the median post-mortem was on time.
/// - **Items per post-mortem**: mean action items over the RCAs published (status published,
///   published_at) in [from, to); target 3 to 5.
/// - **Repeat rate** (as `postmortem_repeat_incident_ratio`): repeats opened in [from, to) ÷
///   incidents opened in [from, to).
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pmx/core/error.h"
#include "pmx/core/incident.h"
#include "pmx/core/postmortem_policy.h"
#include "pmx/core/rca.h"
#include "pmx/core/time.h"

namespace pmx {

/// [from, to).
struct DigestPeriod {
  UnixNanos from = 0;
  UnixNanos to = 0;
};

/// The longest period a digest covers.
inline constexpr UnixNanos kMaxDigestPeriod = 366 * kNanosPerDay;

/// The period of a request, from its RFC 3339 `from` and `to` (nullopt: not given). Neither:
/// the last calendar month (UTC) before `now`'s. Only `from`: up to `now`. Only `to`: one
/// calendar month before it (the day clamped to the month's last: 03-31 → 02-28).
/// kInvalid naming the parameter (Error::field) when one is not RFC 3339, when from >= to or
/// when the period is longer than kMaxDigestPeriod.
Result<DigestPeriod> digest_period(const std::optional<std::string>& from,
                                   const std::optional<std::string>& to, UnixNanos now);

/// The guides' targets the KPIs are shown against.
struct DigestTargets {
  double within_four_weeks = 0.9;  ///< share of post-mortems within 28 days of resolution
  double p0_p1_on_time = 0.8;      ///< share of P0/P1 items done by their due date
  std::string postmortem_due = "5 business days";  ///< --postmortem.due, to_string(PostmortemDue)
  int min_items = 3;                               ///< action items per post-mortem
  int max_items = 5;
};

/// part of whole, and the ratio when whole > 0.
struct DigestRatio {
  std::int64_t part = 0;
  std::int64_t whole = 0;
  std::optional<double> ratio() const {
    if (whole <= 0) return std::nullopt;
    return static_cast<double>(part) / static_cast<double>(whole);
  }
};

struct DigestKpis {
  std::array<DigestRatio, 4> on_time;  ///< by Priority: on time of due in the period
  DigestRatio p0_p1_on_time;
  DigestRatio within_four_weeks;  ///< met of met + missed
  std::int64_t within_four_weeks_pending = 0;
  DigestRatio coverage;  ///< covered of needing, resolved in the period
  DigestRatio repeats;   ///< repeats of opened
  /// Time to post-mortem samples (nanoseconds), ascending.
  std::vector<UnixNanos> time_to_postmortem;
  std::optional<UnixNanos> time_to_postmortem_median;
  std::optional<UnixNanos> time_to_postmortem_p90;
  DigestRatio time_to_postmortem_within_due;         ///< published by the deadline, of the samples
  DigestRatio items_per_postmortem;                  ///< part: items, whole: post-mortems published
  std::int64_t postmortems_outside_item_target = 0;  ///< fewer than 3 or more than 5 items
  std::optional<double> mean_items() const { return items_per_postmortem.ratio(); }
};

/// A post-mortem published in the period.
struct DigestPostmortem {
  std::string id;
  std::string title;
  std::string severity;
  UnixNanos published_at = 0;
  std::vector<std::string> incidents;
  std::string root_cause;
  std::vector<std::string> lessons_learned;
  std::size_t action_items = 0;
  std::size_t open_action_items = 0;
  /// The action-item quality warnings ("Item A2: no ticket link for a P1 item"), filled by
  /// Queries::digest with the configured rules (pmx/core/action_item_checks.h); build_digest
  /// leaves it empty.
  std::vector<std::string> warnings;
};

/// A repeat opened in the period.
struct DigestRepeat {
  std::string incident;
  std::string source;
  UnixNanos opened_at = 0;
  std::uint32_t ordinal = 1;
  std::vector<RelatedRca> rcas;       ///< as they stood when it opened
  std::size_t open_action_items = 0;  ///< of those RCAs, then
  bool ineffective_fix = false;
  std::vector<std::string> fixed_types;
};

/// An action item in a list of the digest.
struct DigestItem {
  std::string rca;
  std::string rca_title;
  ActionItem item;
  /// Slipped and overdue: how late (completed_at or as_of − the end of the due date).
  /// Completed: how late it was done (0 when on time).
  UnixNanos late_by = 0;
};

/// What one owner did and owes in the period. Owners without a name share "".
struct DigestOwner {
  std::string owner;
  std::size_t completed = 0;
  std::size_t slipped = 0;
  std::size_t overdue = 0;
};

/// An incident resolved in the period that needs a post-mortem and has none (published or
/// waived) yet.
struct DigestAwaiting {
  std::string incident;
  std::string source;
  UnixNanos resolved_at = 0;
  UnixNanos due_at = 0;  ///< postmortem_deadline
};

struct Digest {
  DigestPeriod period;
  UnixNanos now = 0;
  UnixNanos as_of = 0;  ///< min(to, now)
  DigestTargets targets;
  DigestKpis kpis;
  std::vector<DigestPostmortem> postmortems;  ///< by published_at, then id
  std::vector<DigestRepeat> repeats;          ///< by opened_at, then id
  std::vector<DigestItem> completed;          ///< by owner, then completed_at
  std::vector<DigestItem> slipped;            ///< by owner, then due date
  std::vector<DigestItem> overdue;            ///< by owner, then due date
  std::vector<DigestOwner> owners;            ///< by owner
  std::vector<DigestAwaiting> awaiting;       ///< by resolved_at
  /// The caller could not read every incident the period needs (a cap was reached, or one
  /// opened long before `from`): said at the top of the digest. Empty when complete.
  std::string incomplete;
};

/// The digest of `period` as of `now`, from every RCA and the incidents that bear on the period:
/// those opened or resolved in it, and those named by an RCA published in it (others are
/// ignored, so passing more is harmless).
Digest build_digest(const DigestPeriod& period, UnixNanos now, const std::vector<Rca>& rcas,
                    const std::vector<Incident>& incidents, const PostmortemPolicy& policy);

/// The digest as Markdown. Every value from an RCA or an alert (titles, texts, owners, ids,
/// sources) is inert Markdown (core/src/markdown_escape.h).
std::string digest_markdown(const Digest& digest);

/// The digest as JSON: the same figures and lists, times as RFC 3339, ratios in 0..1 (null
/// when there is nothing to divide), durations in seconds.
nlohmann::json digest_json(const Digest& digest);

}  // namespace pmx
