#pragma once
// Redis Cluster's key distribution, as the cluster specification defines it: the hash slot of a
// key, the key a command is routed by, the slot map CLUSTER SLOTS answers and the redirections
// a node answers with. Pure functions and values, no I/O. Private to store/.
#include <hiredis/hiredis.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis_client.h"

namespace pmx {

inline constexpr std::size_t kClusterSlots = 16384;

/// The part of `key` that is hashed: the content of the first `{...}` when it is not empty
/// (`{user1000}.following` → `user1000`), else the whole key (`foo{}{bar}` stays whole).
std::string_view cluster_hashed_part(std::string_view key);
/// CRC16 (XMODEM) of the hashed part, mod 16384.
std::uint16_t cluster_hash_slot(std::string_view key);
/// A short string whose slot is `slot`, so "name{" + tag + "}" lands in that slot (the fence
/// keys of run_replicated_read). From a table made once, at the first call.
const std::string& cluster_slot_tag(std::uint16_t slot);

/// The index in `command` of the key it is routed by: argument 3 of EVAL/EVALSHA (and _RO,
/// FCALL) when numkeys > 0, none for commands that concern the server rather than a key (PING,
/// WAIT, SCRIPT, INFO, ROLE, CLUSTER, ...: any node may answer them), else argument 1.
std::optional<std::size_t> cluster_key_index(const RedisCommand& command);

/// The host of a "host:port" address ("[::1]" of "[::1]:7000").
inline std::string cluster_address_host(const std::string& address) {
  return address.substr(0, address.rfind(':'));
}

/// Which master serves each slot, from CLUSTER SLOTS.
struct ClusterSlotMap {
  std::vector<std::string> masters;  ///< "host:port" of each master that serves a slot
  /// Index in `masters` of each slot's master; -1 while no master serves it.
  std::array<std::int16_t, kClusterSlots> owner{};
  /// The master of `slot`, or nullptr.
  const std::string* master_of(std::uint16_t slot) const {
    return owner[slot] < 0 ? nullptr : &masters[static_cast<std::size_t>(owner[slot])];
  }
};

/// The map in a CLUSTER SLOTS answer; nullopt with `error` when it is not one. A node that names
/// no host (an empty or "?" ip) is `asked_host`, the host the answer came from.
std::optional<ClusterSlotMap> parse_cluster_slots(const redisReply* reply,
                                                  const std::string& asked_host,
                                                  std::string& error);

/// A node's answer that asks the client to send the command again, elsewhere or later.
struct ClusterRedirect {
  enum class Kind {
    kNone,         ///< an answer for the caller (error replies included)
    kMoved,        ///< MOVED <slot> <host:port>: the slot lives there now
    kAsk,          ///< ASK <slot> <host:port>: this key is there during a migration
    kTryAgain,     ///< TRYAGAIN: a multi-key command whose keys a migration split
    kClusterDown,  ///< CLUSTERDOWN: the cluster cannot serve the slot now
    kNoScript,     ///< NOSCRIPT: the node's script cache lacks the script
  };
  Kind kind = Kind::kNone;
  std::string address;  ///< of MOVED and ASK
};
ClusterRedirect cluster_redirect(const redisReply* reply);

}  // namespace pmx
