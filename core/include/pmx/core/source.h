#pragma once
/// Sources: what incidents are grouped by, and occurrences: what is counted.
#include <string>
#include <vector>

#include "pmx/core/alert.h"

namespace pmx {

/// The identity of a source: the values of the configured source labels.
struct SourceKey {
  /// Canonical, human-readable form: `alertname="HighLatency",service="checkout"`, labels in
  /// configured order, values escaped as in the Prometheus text format.
  std::string canonical;
  /// Short stable id (16 hex digits of a 64-bit FNV-1a hash of `canonical`): used in URLs,
  /// incident ids and Redis keys, where the canonical form would need escaping.
  std::string id;
  Labels labels;  ///< the source labels with their values (missing label = empty value)

  bool operator<(const SourceKey& other) const { return canonical < other.canonical; }
  bool operator==(const SourceKey& other) const { return canonical == other.canonical; }
};

/// The source an alert belongs to. A missing label counts as an empty value, as in Prometheus.
SourceKey source_key_for(const Labels& alert_labels, const std::vector<std::string>& source_labels);

/// The id of a source's canonical key (see SourceKey::id).
std::string source_id_for(const std::string& canonical);

/// One firing of one alert is identified by (fingerprint, startsAt): Alertmanager re-sends the
/// same pair on every group/repeat interval and retry, and a refire gets a new startsAt.
std::string occurrence_id(const Alert& alert);

/// Parses a comma-separated label list (`alertname,service`); throws std::invalid_argument on
/// an empty list or an invalid label name (start-up configuration error).
std::vector<std::string> parse_label_list(const std::string& text);

}  // namespace pmx
