#pragma once
// MemoryStore's KPI aggregates: KpiOps carried out in C++ with the meaning redis_kpi.lua gives
// them in Redis (the conformance suite holds the two to it). Not thread-safe: MemoryStore
// calls it under its mutex.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "pmx/core/kpi.h"
#include "pmx/store/store.h"

namespace pmx {

/// A sorted set: member -> time, counted by time range in O(log n), like a Redis zset.
class TimeIndex {
 public:
  void put(const std::string& member, UnixNanos at);
  void erase(const std::string& member);
  /// Members with from <= time < to.
  std::int64_t count(UnixNanos from, UnixNanos to) const;
  const std::unordered_map<std::string, UnixNanos>& members() const { return times_; }

 private:
  std::unordered_map<std::string, UnixNanos> times_;
  std::vector<UnixNanos> sorted_;  // the values of times_, ascending
};

class KpiLedger {
 public:
  /// Carries out `ops` in order; returns the resolution times of the incidents that got their
  /// first published RCA (RcaWrite::covered_resolved_at).
  std::vector<UnixNanos> apply(const std::vector<KpiOp>& ops);
  std::int64_t count(const KpiRange& range) const;
  /// Store::index_members(). A scan of the index: MemoryStore serves tests and --storage.in-memory.
  std::vector<IndexMember> members(const KpiRange& range, std::size_t limit) const;
  const std::map<std::string, std::int64_t>& action_items() const { return action_items_; }

  // The raw aggregates, read and written as they are to move them to another store
  // (memory_transfer.cpp): restoring what was exported gives the same counts.
  struct Resolved {
    UnixNanos at = 0;
    UnixNanos due = 0;
  };
  const std::map<std::string, TimeIndex>& indices() const { return indices_; }
  const std::unordered_map<std::string, Resolved>& resolved() const { return resolved_; }
  const std::unordered_map<std::string, std::int64_t>& published_links() const { return links_; }
  void restore_item_count(const std::string& key, std::int64_t count) {
    action_items_[key] = count;
  }
  void restore_index_member(const std::string& name, const std::string& member, UnixNanos at) {
    index(name).put(member, at);
  }
  void restore_resolved(const std::string& incident, Resolved resolved) {
    resolved_[incident] = resolved;
  }
  void restore_published_links(const std::string& incident, std::int64_t links) {
    links_[incident] = links;
  }

 private:
  TimeIndex& index(const std::string& name) { return indices_[name]; }
  void resolved(const KpiOp& op);
  void reopened(const std::string& incident);
  void published_link(const KpiOp& op, std::vector<UnixNanos>& covered);

  std::map<std::string, TimeIndex> indices_;
  std::map<std::string, std::int64_t> action_items_;
  std::unordered_map<std::string, Resolved> resolved_;  // needing a post-mortem
  std::unordered_map<std::string, std::int64_t> links_;  // published RCAs naming an incident
};

}  // namespace pmx
