#pragma once
// KpiOps as the scripts take them: a count, then six ARGV per op (kpi_apply in
// redis_shared.lua). Index names become keys there: pm:v1:kpi:<index>.
#include <string>
#include <vector>

#include "pmx/core/kpi.h"
#include "redis_connection.h"

namespace pmx::redis_kpi {

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

inline std::string key(const std::string& index) { return "pm:v1:kpi:" + index; }
inline constexpr const char* kItems = "pm:v1:kpi:items";
// Named in redis_shared.lua only (KPI_RESOLVED, KPI_LINKS); here for the store's transfer.
inline constexpr const char* kResolved = "pm:v1:kpi:postmortem:resolved";
inline constexpr const char* kPublishedLinks = "pm:v1:kpi:postmortem:links";

}  // namespace pmx::redis_kpi
