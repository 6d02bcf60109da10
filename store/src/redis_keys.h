#pragma once
// The pm:v2 key layout (schema/redis.md). Every key starts with the hash tag `{pm}`, so all of
// them share one Redis Cluster slot: a webhook's writes, which touch its sources' keys and the
// global indices together, stay one atomic script (see "Redis Cluster" in the doc).
#include <cstdint>
#include <optional>
#include <string>

namespace pmx::redis_keys {

/// What every key starts with. redis_shared.lua spells it too (PREFIX): keep them in step.
inline constexpr const char* kPrefix = "{pm}:v2:";

inline constexpr const char* kIncidents = "{pm}:v2:incidents";           // zset id -> opened_at
inline constexpr const char* kOpenIncidents = "{pm}:v2:incidents:open";  // zset id -> opened_at
inline constexpr const char* kSourcesBySeen =
    "{pm}:v2:sources:seen";  // zset canonical -> -last_seen
inline constexpr const char* kSourcesByOccurrences = "{pm}:v2:sources:occurrences";  // -> -count
inline constexpr const char* kRcas = "{pm}:v2:rcas";                  // hash id -> record JSON
inline constexpr const char* kRcaRevision = "{pm}:v2:rcas:revision";  // integer, INCR per write
// Written ("1") by load() before its WAIT when replicas must acknowledge (--redis.wait-replicas).
// The one key without the {pm} tag: on a cluster the client writes it on each node it read from,
// as `pm:v2:replication-fence{<tag>}` in a slot that node owns (redis_cluster.h), which a tag of
// its own would prevent.
inline constexpr const char* kReplicationFence = "pm:v2:replication-fence";

inline std::string source_prefix(const std::string& source_id) {
  return kPrefix + std::string("src:") + source_id;
}
inline std::string state(const std::string& source_id) {
  return source_prefix(source_id) + ":state";
}
/// The source's compare-and-set version, beside the state (which carries it too, for readers)
/// so that the commit script checks it without decoding the state.
inline std::string version(const std::string& source_id) {
  return source_prefix(source_id) + ":version";
}
inline std::string occurrences(const std::string& source_id) {
  return source_prefix(source_id) + ":occ";
}
/// Fingerprint -> the latest record of that alert in any incident of the source (with its
/// incident number): what load() reads for a batch's fingerprints, without knowing the current
/// incident's number before the state arrives.
inline std::string source_alerts(const std::string& source_id) {
  return source_prefix(source_id) + ":alerts";
}
inline std::string source_incidents(const std::string& source_id) {
  return source_prefix(source_id) + ":incidents";
}
inline std::string incident(const std::string& source_id, const std::string& number) {
  return source_prefix(source_id) + ":inc:" + number;
}
inline std::string timeline(const std::string& source_id, const std::string& number) {
  return incident(source_id, number) + ":timeline";
}
/// Fingerprint -> the incident's record of that alert: every alert of the incident.
inline std::string incident_alerts(const std::string& source_id, const std::string& number) {
  return incident(source_id, number) + ":alerts";
}
/// The ids of the RCAs linked to an incident. redis_rca_put.lua and redis_rca_delete.lua derive
/// the same key from an incident id: keep them in step.
inline std::string incident_rcas(const std::string& source_id, const std::string& number) {
  return incident(source_id, number) + ":rcas";
}

/// A source id as SourceKey makes them: 16 lowercase hex digits. Checked before an id from a
/// request becomes part of a key.
inline bool valid_source_id(const std::string& id) {
  if (id.size() != 16) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

/// An incident id `<source id>-<number>` split into its parts.
struct IncidentRef {
  std::string source_id;
  std::string number;  // decimal, no sign, no leading zero: as incident_id() writes it
};

inline std::optional<IncidentRef> parse_incident_id(const std::string& id) {
  const std::size_t dash = id.find('-');
  if (dash == std::string::npos) return std::nullopt;
  IncidentRef ref{id.substr(0, dash), id.substr(dash + 1)};
  if (!valid_source_id(ref.source_id)) return std::nullopt;
  if (ref.number.empty() || ref.number.size() > 20 || ref.number[0] == '0') return std::nullopt;
  for (char c : ref.number) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return ref;
}

}  // namespace pmx::redis_keys
