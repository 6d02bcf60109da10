#pragma once
/// The reads the edges need (the JSON API, the Markdown draft, readiness), each answering a
/// domain value or an Error: kNotFound names what was asked for, store failures pass through.
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "pmx/core/action_item_checks.h"
#include "pmx/core/action_item_list.h"
#include "pmx/core/digest.h"
#include "pmx/core/error.h"
#include "pmx/core/postmortem_policy.h"
#include "pmx/store/store.h"

namespace pmx {

/// A source and its incidents, newest first.
struct SourceHistory {
  SourceState source;
  std::vector<Incident> incidents;
};

/// Which RCAs to list; an unset field does not filter.
struct RcaFilter {
  std::optional<RcaStatus> status;
  std::optional<bool> has_open_items;
  /// Only RCAs covering this source: linked to one of its incidents, or with matchers that
  /// match its labels. A source never seen has no RCAs.
  std::optional<std::string> source_id;
  /// Written at or after: its created_at, else its published_at (neither: left out).
  std::optional<UnixNanos> created_from;
  std::optional<UnixNanos> created_to;  ///< written before
  std::optional<std::string> after;     ///< only RCAs whose id sorts after this one
  std::size_t limit = std::numeric_limits<std::size_t>::max();
};

/// Which incidents awaiting a post-mortem to list (Queries::awaiting_postmortem).
struct AwaitingFilter {
  bool overdue_only = false;  ///< only those whose post-mortem is past due
  std::optional<std::string> source_id;
  std::optional<UnixNanos> opened_from;  ///< opened at or after
  std::optional<UnixNanos> opened_to;    ///< opened before
  std::optional<IndexMember> after;      ///< only those listed after this (due time, id)
  std::size_t limit = 100;
};

/// A resolved incident that needs a post-mortem and has no published (or waived) RCA.
struct AwaitingIncident {
  Incident incident;
  UnixNanos due_at = 0;  ///< when its post-mortem is due (--postmortem.due)
};

/// Action items across RCAs (pmx/core/action_item_list.h) with the RCAs they point into: moved,
/// never copied (a copy's items would point into the original).
struct ActionItemList {
  std::vector<Rca> rcas;
  std::vector<ListedActionItem> items;
  ActionItemList() = default;
  ActionItemList(ActionItemList&&) = default;
  ActionItemList& operator=(ActionItemList&&) = default;
  ActionItemList(const ActionItemList&) = delete;
  ActionItemList& operator=(const ActionItemList&) = delete;
};

class Queries {
 public:
  /// `store` must outlive the Queries. Thread-safe if the store is. `item_rules` decide the
  /// action-item warnings of the draft and of the pages (action_item_warnings).
  explicit Queries(Store& store, ActionItemRules item_rules = {})
      : store_(store), item_rules_(std::move(item_rules)) {}

  Result<std::vector<Incident>> incidents(const IncidentFilter& filter);
  Result<IncidentDetail> incident(const std::string& id);
  /// Sources, most recently seen first.
  Result<std::vector<SourceState>> sources(const SourceFilter& filter);
  /// Resolved incidents that need a post-mortem and have none published, the one due first
  /// first (then by id), as of `now`. Reads the awaiting index (kpi_index::kAwaiting) in
  /// pages, then the incidents it names: a filter on source or opening time thins the pages.
  Result<std::vector<AwaitingIncident>> awaiting_postmortem(const AwaitingFilter& filter,
                                                            UnixNanos now);
  /// Action items across every RCA, as list_action_items() orders and filters them.
  Result<ActionItemList> action_items(const ActionItemFilter& filter, UnixNanos now);
  /// The id of a source addressed by its 16-hex id or by its canonical key, as the API and the
  /// web UI address them; "" (the id of nothing) when no source has that key.
  Result<std::string> source_id_of(const std::string& key_or_id);
  /// The source (by id or canonical key) and up to `incident_limit` of its incidents.
  Result<SourceHistory> source(const std::string& key_or_id, std::size_t incident_limit);
  /// RCAs by id, at most filter.limit.
  Result<std::vector<Rca>> rcas(const RcaFilter& filter);
  Result<Rca> rca(const std::string& id);
  /// The Markdown post-mortem draft of an incident (pmx/core/postmortem_markdown.h), with its
  /// linked RCAs and, for a repeat, earlier_rcas(), as of `now`.
  Result<std::string> postmortem_draft(const std::string& incident_id, UnixNanos now);
  /// The RCAs with these ids, skipping any deleted since they were referenced.
  Result<std::vector<Rca>> rcas_by_id(const std::vector<std::string>& ids);
  /// For a repeat, every RCA that bears on the earlier incidents as of now: those that name one
  /// of them, cover the source (matchers, or links to its incidents; not this incident's own)
  /// or were related when it opened. Empty for a first incident.
  Result<std::vector<Rca>> earlier_rcas(const Incident& incident);
  /// The quality checks of `rca`'s open action items, by the configured rules.
  std::vector<ActionItemWarning> action_item_warnings(const Rca& rca) const {
    return check_action_items(rca, item_rules_);
  }
  /// The post-mortem digest of `period` as of `now` (pmx/core/digest.h): every RCA, and the
  /// incidents that bear on the period. The store lists incidents only newest first by
  /// opened_at, so they are read in growing pages down to those opened kDigestLookback before
  /// `from` (an incident resolved in the period that opened earlier than that is not seen), at
  /// most kDigestMaxIncidents of them; the incidents named by an RCA published in the period and
  /// not read so are fetched together, at most kDigestMaxLinked. A cap reached is said in
  /// Digest::incomplete.
  Result<Digest> digest(const DigestPeriod& period, UnixNanos now, const PostmortemPolicy& policy);
  static constexpr UnixNanos kDigestLookback = 90 * kNanosPerDay;
  static constexpr std::size_t kDigestMaxIncidents = 20'000;
  static constexpr std::size_t kDigestMaxLinked = 200;

  /// True when the store answers: /-/ready.
  bool ready() { return store_.healthy(); }

 private:
  /// The source addressed by id or canonical key; nullopt when there is none. A key is looked
  /// for at its candidate ids (pmx/core/source_ids.h) until one holds it or is free: one get_source
  /// each, so one unless its first id is another source's.
  Result<std::optional<SourceState>> find_source(const std::string& key_or_id);

  Store& store_;
  ActionItemRules item_rules_;
};

}  // namespace pmx
