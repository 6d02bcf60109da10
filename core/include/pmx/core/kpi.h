#pragma once
/// The post-mortem KPIs as aggregates the store keeps as events happen, so that a scrape reads
/// a few counts whatever the history holds.
///
/// The aggregates are named sorted sets ("indices": member -> time) and a table of action item
/// counts. Core decides every change as a list of KpiOps; the stores only carry them out
/// (MemoryStore in C++, RedisStore in Lua, with the same meaning: the conformance suite holds
/// both to it). A scrape then counts members of indices inside named time ranges (KpiRange),
/// and kpi_values() turns those counts, read back by name, into the exported figures.
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pmx/core/error.h"
#include "pmx/core/incident.h"
#include "pmx/core/postmortem_policy.h"
#include "pmx/core/rca.h"

namespace pmx {

/// Index names (RedisStore keys are {pm}:v2:kpi:<name>; schema/redis.md).
namespace kpi_index {
inline constexpr const char* kOpened = "incidents:opened";    ///< incident -> opened_at
inline constexpr const char* kRepeats = "incidents:repeats";  ///< repeat incident -> opened_at
/// Resolved incidents that need a post-mortem -> resolved_at; those of them with a published
/// RCA -> resolved_at; those without -> when their post-mortem is due.
inline constexpr const char* kNeeded = "postmortem:needed";
inline constexpr const char* kCovered = "postmortem:covered";
inline constexpr const char* kAwaiting = "postmortem:awaiting";
inline constexpr const char* kReviews = "reviews";  ///< `<rca>/<n>` -> review date
/// Action items `<rca>/<item>` by due date: still open; done by the due date; done after it.
std::string open_items(Priority priority);
std::string done_on_time(Priority priority);
std::string done_late(Priority priority);
}  // namespace kpi_index

/// One change to the aggregates.
struct KpiOp {
  enum class Kind {
    kCount,        ///< action item count `target` ("status|priority|type") += delta
    kIndexAdd,     ///< index `target`: member -> at (added or moved)
    kIndexRemove,  ///< index `target`: member removed
    /// Incident `target` resolved at `at` and needs a post-mortem due at `due`: it joins
    /// kNeeded, and kCovered if a published (or waived) RCA names it, else kAwaiting.
    kResolvedNeedingPostmortem,
    kReopened,  ///< incident `target` is open again: out of kNeeded, kCovered and kAwaiting
    /// A published or waived RCA (Rca::covers_incidents) names incident `target` (delta +1) or
    /// no longer does (-1). The first
    /// such RCA moves a resolved incident from kAwaiting to kCovered, the last one back.
    kPublishedLink,
  };
  Kind kind = Kind::kCount;
  std::string target;
  std::string member;
  UnixNanos at = 0;
  UnixNanos due = 0;
  std::int64_t delta = 0;

  bool operator==(const KpiOp& other) const;
};

/// The aggregate changes of an incident lifecycle, from the timeline entries one update added
/// and the incidents in their new form: opened (and repeat), resolved, reopened.
std::vector<KpiOp> incident_kpi_ops(const std::vector<Incident>& incidents,
                                    const std::map<std::string, std::vector<TimelineEvent>>& timeline,
                                    const PostmortemPolicy& policy);

/// What replacing RCA `before` by `after` changes (nullptr: absent). Counts and index entries
/// of `before` are taken out and those of `after` put in; links follow the published ones.
std::vector<KpiOp> rca_kpi_ops(const Rca* before, const Rca* after);

/// Members of `index` with from <= time < to, counted under `name`.
struct KpiRange {
  std::string name;  ///< unique in one scrape: the count comes back under it (KpiCounts)
  std::string index;
  UnixNanos from = 0;
  UnixNanos to = 0;
};
inline constexpr UnixNanos kMinusInfinity = std::numeric_limits<UnixNanos>::min();
inline constexpr UnixNanos kPlusInfinity = std::numeric_limits<UnixNanos>::max();

struct KpiWindows {
  UnixNanos kpi = 28 * kNanosPerDay;      ///< --kpi.window
  UnixNanos repeat = 180 * kNanosPerDay;  ///< --incident.repeat-window
};

/// The names of the ranges a scrape counts: kpi_values() reads each count by its name, so a
/// range added or removed cannot shift the figures of another.
namespace kpi_range {
std::string overdue(Priority priority);           ///< open items past due, ever
std::string done_on_time(Priority priority);      ///< done by their due date, due in the KPI window
std::string done_late(Priority priority);         ///< done after it, due in the KPI window
std::string open_past_due(Priority priority);     ///< open items past due, due in the KPI window
inline constexpr const char* kOpened = "opened";  ///< incidents opened in the repeat window
inline constexpr const char* kRepeats = "repeats";    ///< ... of which repeats
inline constexpr const char* kAwaiting = "awaiting";  ///< resolved, awaiting a post-mortem
inline constexpr const char* kAwaitingOverdue = "awaiting_overdue";  ///< ... past due
inline constexpr const char* kNeeded = "needed";    ///< needing one, resolved in the KPI window
inline constexpr const char* kCovered = "covered";  ///< ... of which published or waived
inline constexpr const char* kReviewsDue = "reviews_due";  ///< follow-up reviews whose date came
}  // namespace kpi_range

/// The ranges a scrape at `now` counts, each named (kpi_range).
std::vector<KpiRange> kpi_ranges(UnixNanos now, const KpiWindows& windows);

/// The count of each range, by KpiRange::name.
using KpiCounts = std::map<std::string, std::int64_t>;

/// Action items of one priority.
struct PriorityKpis {
  std::int64_t overdue = 0;  ///< open, due date passed
  /// Items due inside the KPI window: on-time ratio = done_on_time / (done + open past due);
  /// nullopt when there are none.
  std::optional<double> on_time_ratio;
};

/// The exported figures.
struct KpiValues {
  std::array<PriorityKpis, 4> priorities;  ///< by Priority
  std::optional<double> repeat_ratio;  ///< repeats / incidents opened in the repeat window
  std::int64_t awaiting = 0;           ///< resolved, need a post-mortem, none published
  std::int64_t awaiting_overdue = 0;   ///< ... and past due
  std::optional<double> coverage_ratio;  ///< needing one in the KPI window: share published
  std::int64_t reviews_due = 0;
};

/// The figures from the counts of kpi_ranges(). A count missing from `counts` is an error
/// (kCorrupt, naming the range), never read as zero: a store that answered fewer counts than
/// asked must not export wrong figures.
Result<KpiValues> kpi_values(const KpiCounts& counts);

/// The action item count key of a status, priority and type: "open|P0|prevent".
std::string item_count_key(ActionItemStatus status, Priority priority, ActionItemType type);

}  // namespace pmx
