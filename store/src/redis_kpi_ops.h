#pragma once
// KpiOps as the scripts take them: a count, then six ARGV per op (kpi_apply in
// redis_shared.lua), and the keys they touch, which every script declares in KEYS. Index names
// become keys there: {pm}:v2:kpi:<index>.
#include <set>
#include <string>
#include <vector>

#include "pmx/core/kpi.h"
#include "redis_connection.h"
#include "redis_keys.h"

namespace pmx::redis_kpi {

inline std::string key(const std::string& index) {
  return redis_keys::kPrefix + std::string("kpi:") + index;
}
inline const std::string kItems = key("items");
// Named in redis_shared.lua too (KPI_RESOLVED, KPI_LINKS): keep them in step.
inline const std::string kResolved = key("postmortem:resolved");
inline const std::string kPublishedLinks = key("postmortem:links");

inline const char* kind_code(KpiOp::Kind kind) {
  switch (kind) {
    case KpiOp::Kind::kCount: return "C";
    case KpiOp::Kind::kIndexAdd: return "A";
    case KpiOp::Kind::kIndexRemove: return "R";
    case KpiOp::Kind::kResolvedNeedingPostmortem: return "S";
    case KpiOp::Kind::kReopened: return "O";
    case KpiOp::Kind::kPublishedLink: return "L";
  }
  return "?";  // unreachable: every kind is listed
}

inline void append_ops(RedisCommand& command, const std::vector<KpiOp>& ops) {
  command.push_back(std::to_string(ops.size()));
  for (const auto& op : ops) {
    command.push_back(kind_code(op.kind));
    command.push_back(op.target);
    command.push_back(op.member);
    command.push_back(std::to_string(op.at));
    command.push_back(std::to_string(op.due));
    command.push_back(std::to_string(op.delta));
  }
}

/// Adds to `keys` every key kpi_apply touches for `ops`, for the script's KEYS.
inline void add_touched_keys(std::set<std::string>& keys, const std::vector<KpiOp>& ops) {
  for (const auto& op : ops) {
    switch (op.kind) {
      case KpiOp::Kind::kCount:
        keys.insert(kItems);
        break;
      case KpiOp::Kind::kIndexAdd:
      case KpiOp::Kind::kIndexRemove:
        keys.insert(key(op.target));
        break;
      case KpiOp::Kind::kResolvedNeedingPostmortem:
      case KpiOp::Kind::kReopened:
      case KpiOp::Kind::kPublishedLink:
        for (const char* index : {kpi_index::kNeeded, kpi_index::kCovered, kpi_index::kAwaiting})
          keys.insert(key(index));
        keys.insert(kResolved);
        keys.insert(kPublishedLinks);
        break;
    }
  }
}

}  // namespace pmx::redis_kpi
