#pragma once
/// Writing RCAs: validation beyond the schema (matchers that parse, incidents that exist, the
/// id in the path), read-only RCAs from --rca.dir, action item updates, and the timeline
/// entries those changes leave on the linked incidents. Reads go to the Store directly.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pmx/core/rca_loader.h"
#include "pmx/store/store.h"

namespace pmx {

enum class RcaFailure {
  kInvalid,   ///< the document or patch breaks rules: see problems (HTTP 422)
  kNotFound,  ///< no such RCA or action item (404)
  kReadOnly,  ///< the RCA comes from --rca.dir (409)
  kStore,     ///< the store failed: see store_error (503)
};

struct RcaServiceError {
  RcaFailure failure = RcaFailure::kInvalid;
  std::vector<RcaProblem> problems;
  StoreError store_error = StoreError::kUnavailable;
  std::string message;
};

template <typename T>
using RcaOutcome = std::variant<T, RcaServiceError>;

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

class RcaService {
 public:
  /// `store` (and `observer`, if any) must outlive the service. Thread-safe if they are.
  explicit RcaService(Store& store, PublicationObserver* observer = nullptr)
      : store_(store), observer_(observer) {}

  /// Creates or replaces the RCA `id` with `document`. Newly linked incidents get an
  /// "RCA linked" timeline entry at `now`.
  RcaOutcome<RcaWrite> put(const std::string& id, const nlohmann::json& document, UnixNanos now,
                           RcaOrigin origin = RcaOrigin::kApi);

  /// Applies `patch` ({"status", "owner", "due"}) to one action item; completed_at is set when
  /// the item becomes done or won't-do and cleared when it is reopened. Each linked incident's
  /// timeline records the change. Returns the RCA as stored.
  RcaOutcome<Rca> patch_action_item(const std::string& rca_id, const std::string& item_id,
                                    const nlohmann::json& patch, UnixNanos now);

  /// Adds an incident to the RCA's links (idempotent).
  RcaOutcome<Rca> link_incident(const std::string& rca_id, const std::string& incident_id,
                                UnixNanos now);

  /// Deletes an RCA; kNotFound if there is none, kReadOnly if it comes from a file.
  RcaOutcome<bool> remove(const std::string& id, RcaOrigin origin = RcaOrigin::kApi);

 private:
  /// Validates and writes `document` as a new version of `previous` (nullopt: create).
  RcaOutcome<RcaWrite> write(const nlohmann::json& document, const std::optional<Rca>& previous,
                             UnixNanos now, RcaOrigin origin,
                             std::map<std::string, std::vector<TimelineEvent>> timeline);

  void tell_observer(const std::optional<Rca>& previous, const Rca& written,
                     const RcaWrite& write) const;

  Store& store_;
  PublicationObserver* observer_;
};

}  // namespace pmx
