#pragma once
/// Writing RCAs: validation beyond the schema (matchers that parse, incidents that exist, the
/// id in the path), read-only RCAs from --rca.dir, action item updates, and the timeline
/// entries those changes leave on the linked incidents. Reads are in pmx/service/queries.h.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pmx/core/action_item_checks.h"
#include "pmx/core/error.h"
#include "pmx/core/rca_loader.h"
#include "pmx/store/store.h"

namespace pmx {

/// What every RCA write answers: the RCA as stored by it (document, version and, through its
/// members, the derived counts such as open_action_items()), and whether the write created it.
/// A caller never reads the RCA back after a write. `warnings` are the quality checks of its
/// action items (pmx/core/action_item_checks.h) as stored: a write is never refused for them.
struct StoredRca {
  Rca rca;
  bool created = false;
  std::vector<ActionItemWarning> warnings;
};

/// Where an RCA write comes from: the API (validated against existing incidents, refused on
/// file RCAs) or --rca.dir (incidents may not exist yet; owns file RCAs).
enum class RcaOrigin { kApi, kFile };

/// Told about post-mortems as writes publish them, for the per-replica KPI histograms.
class PublicationObserver {
 public:
  virtual ~PublicationObserver() = default;
  /// An RCA became published (created so, or moved there from draft or review).
  virtual void rca_published(std::size_t action_items) = 0;
  /// A resolved incident got its first published RCA, `delay` after it resolved.
  virtual void incident_covered(UnixNanos delay) = 0;
};

/// The use case that wrote an RCA.
enum class RcaWriteKind { kPut, kPatch, kLink };
const char* to_string(RcaWriteKind kind);
const char* to_string(RcaOrigin origin);

/// One stored RCA write, as RcaWriteObserver hears of it.
struct RcaWritten {
  std::string id;
  std::int64_t version = 0;  ///< the version the write stored
  RcaWriteKind kind = RcaWriteKind::kPut;
  RcaOrigin origin = RcaOrigin::kApi;
  /// What it changed, one entry each ("created" for a new RCA): the status, incidents linked
  /// or unlinked, action items added, removed or changed (status, owner, due), and the names
  /// of other top-level fields whose value changed (not their values: a log is no copy of the
  /// document). Empty when the write changed nothing.
  std::vector<std::string> changes;
};

/// Told about every RCA write once it is stored, e.g. for the operator's log. Called from the
/// writing thread, so it must be thread-safe.
class RcaWriteObserver {
 public:
  virtual ~RcaWriteObserver() = default;
  virtual void rca_written(const RcaWritten& write) = 0;
  /// RCA `id` was deleted at `version`.
  virtual void rca_deleted(const std::string& id, std::int64_t version, RcaOrigin origin) = 0;
};

/// Every write takes an optional expected version (the API's If-Match, or the version of the
/// GET answer PUT back): when given and the stored RCA is at another version (0: none), the
/// write changes nothing and answers kStale with the stored version, so an edit made on a
/// stale copy never silently reverts a newer one.
///
/// Errors: kInvalid (every problem in Error::problems), kNotFound (no such RCA or item),
/// kReadOnly (an RCA of --rca.dir changed through the API), kStale, or the store's own.
class RcaService {
 public:
  /// `store` (and the observers, if any) must outlive the service. Thread-safe if they are.
  /// `item_rules` decide the warnings every write answers (--rca.team-owner-pattern, ...).
  explicit RcaService(Store& store, PublicationObserver* observer = nullptr,
                      RcaWriteObserver* writes = nullptr, ActionItemRules item_rules = {})
      : store_(store), observer_(observer), writes_(writes), item_rules_(std::move(item_rules)) {}

  /// Creates or replaces the RCA `id` with `document`; a document of the API published
  /// without published_at gets `now`. Newly linked incidents get an
  /// "RCA linked" timeline entry at `now`, and every linked incident one per action item whose
  /// status, owner or due date the write changed.
  Result<StoredRca> put(const std::string& id, const nlohmann::json& document, UnixNanos now,
                        RcaOrigin origin = RcaOrigin::kApi,
                        std::optional<std::int64_t> expected_version = std::nullopt);

  /// Applies `patch` ({"status", "owner", "due", "completed_at"}) to one action item;
  /// completed_at is set to `now` when the item becomes done or won't-do (or to the patch's,
  /// a backfill, never in the future) and cleared when it is reopened. Each linked incident's
  /// timeline records the change.
  Result<StoredRca> patch_action_item(const std::string& rca_id, const std::string& item_id,
                                      const nlohmann::json& patch, UnixNanos now,
                                      std::optional<std::int64_t> expected_version = std::nullopt);

  /// Adds an incident to the RCA's links (idempotent: an RCA already linked is answered as is).
  Result<StoredRca> link_incident(const std::string& rca_id, const std::string& incident_id,
                                  UnixNanos now,
                                  std::optional<std::int64_t> expected_version = std::nullopt);

  /// Deletes an RCA; kNotFound if there is none, kReadOnly if it comes from a file and the
  /// origin is the API.
  Result<Done> remove(const std::string& id, RcaOrigin origin = RcaOrigin::kApi,
                      std::optional<std::int64_t> expected_version = std::nullopt);

 private:
  /// Validates and writes `document` as a new version of `previous` (nullopt: create), with
  /// the timeline entries of what it links and of the items it changes.
  Result<StoredRca> write(const nlohmann::json& document, const std::optional<Rca>& previous,
                          UnixNanos now, RcaOrigin origin, RcaWriteKind kind);
  /// Runs `attempt` on the stored RCA (checked against `expected_version`) until it does not
  /// lose a compare-and-set race.
  template <typename Attempt>
  Result<StoredRca> with_retries(const std::string& id, std::optional<std::int64_t> expected_version,
                                 Attempt attempt);

  void tell_observer(const std::optional<Rca>& previous, const Rca& written,
                     const RcaWrite& write) const;
  /// The answer of a write that stored (or kept) `rca`, with its warnings.
  StoredRca answer(Rca rca, bool created) const;

  Store& store_;
  PublicationObserver* observer_;
  RcaWriteObserver* writes_;
  ActionItemRules item_rules_;
};

}  // namespace pmx
