#pragma once
// The move from the pm:v1 key layout to pm:v2 (schema/redis.md, "Layout versions"). Private to
// store/.
#include <optional>
#include <string>

#include "pmx/core/error.h"
#include "redis_connection.h"

namespace pmx::redis_layout {

/// The pm:v2 name of a pm:v1 key: `pm:v1:src:{<sid>}<rest>` → `{pm}:v2:src:<sid><rest>`,
/// `pm:v1:<rest>` → `{pm}:v2:<rest>`; nullopt for a key of neither form. The values of the two
/// layouts are the same: only the names changed (one hash tag for every key).
std::optional<std::string> v2_name(const std::string& v1_key);

/// Renames every pm:v1 key to its pm:v2 name, if the Redis holds pm:v1 data; does nothing
/// (one round trip) otherwise. Safe to run again after a crash half-way: the keys that say
/// pm:v1 data is there are renamed last. Refuses (kCorrupt) when both layouts hold data (a
/// daemon of each wrote to this Redis), and answers kUnavailable while another daemon migrates.
Result<Done> migrate_from_v1(RedisClient& pool);

}  // namespace pmx::redis_layout
