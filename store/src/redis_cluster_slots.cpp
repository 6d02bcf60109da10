#include "redis_cluster_slots.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace pmx {
namespace {

// CRC16-CCITT as XMODEM computes it (polynomial 0x1021, initial 0, no reflection): the
// checksum the cluster specification names, with check value 0x31C3 for "123456789".
constexpr std::array<std::uint16_t, 256> make_crc16_table() {
  std::array<std::uint16_t, 256> table{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte << 8;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
    table[byte] = static_cast<std::uint16_t>(crc & 0xFFFF);
  }
  return table;
}
constexpr std::array<std::uint16_t, 256> kCrc16Table = make_crc16_table();

std::uint16_t crc16(std::string_view bytes) {
  std::uint16_t crc = 0;
  for (const char c : bytes) {
    const auto index = static_cast<std::uint8_t>((crc >> 8) ^ static_cast<std::uint8_t>(c));
    crc = static_cast<std::uint16_t>((crc << 8) ^ kCrc16Table[index]);
  }
  return crc;
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

std::string_view text_of(const redisReply* reply) {
  return reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string_view cluster_hashed_part(std::string_view key) {
  const std::size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  const std::size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

std::uint16_t cluster_hash_slot(std::string_view key) {
  return static_cast<std::uint16_t>(crc16(cluster_hashed_part(key)) % kClusterSlots);
}

const std::string& cluster_slot_tag(std::uint16_t slot) {
  // Decimal numbers in turn until every slot has one: about 160,000 CRCs, once per process.
  static const std::vector<std::string> tags = [] {
    std::vector<std::string> found(kClusterSlots);
    std::size_t missing = kClusterSlots;
    for (std::uint64_t n = 0; missing > 0; ++n) {
      std::string tag = std::to_string(n);
      std::string& slot_tag = found[cluster_hash_slot(tag)];
      if (slot_tag.empty()) {
        slot_tag = std::move(tag);
        --missing;
      }
    }
    return found;
  }();
  return tags[slot % kClusterSlots];
}

std::optional<std::size_t> cluster_key_index(const RedisCommand& command) {
  if (command.size() < 2) return std::nullopt;
  const std::string& name = command[0];
  for (const std::string_view script :
       {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"}) {
    if (!same_name(name, script)) continue;
    // numkeys 0 (or not a number: the server's error comes from whichever node answers).
    if (command.size() < 4 || command[2].empty() || command[2] == "0" ||
        command[2].find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    return 3;
  }
  // Commands about the server or the connection, not a key. SCAN and FLUSHALL are among them:
  // on a cluster they see one node only.
  for (const std::string_view keyless :
       {"PING",     "ECHO",   "WAIT",     "SCRIPT",  "INFO",   "ROLE",      "CLUSTER",   "TIME",
        "DBSIZE",   "CONFIG", "CLIENT",   "COMMAND", "ASKING", "READONLY",  "READWRITE", "AUTH",
        "HELLO",    "SELECT", "FLUSHALL", "FLUSHDB", "SCAN",   "RANDOMKEY", "LASTSAVE",  "SLOWLOG",
        "FUNCTION", "MULTI",  "EXEC",     "DISCARD", "RESET",  "MEMORY",    "LATENCY",   "ACL"}) {
    if (same_name(name, keyless)) return std::nullopt;
  }
  return 1;
}

std::optional<ClusterSlotMap> parse_cluster_slots(const redisReply* reply,
                                                  const std::string& asked_host,
                                                  std::string& error) {
  if (reply->type != REDIS_REPLY_ARRAY) {
    error = reply->type == REDIS_REPLY_ERROR ? std::string(text_of(reply))
                                             : "CLUSTER SLOTS: not an array";
    return std::nullopt;
  }
  ClusterSlotMap map;
  map.owner.fill(-1);
  std::map<std::string, std::int16_t> index;
  for (std::size_t i = 0; i < reply->elements; ++i) {
    // [start, end, [ip, port, id, ...], replicas...]
    const redisReply* range = reply->element[i];
    if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 ||
        range->element[0]->type != REDIS_REPLY_INTEGER ||
        range->element[1]->type != REDIS_REPLY_INTEGER ||
        range->element[2]->type != REDIS_REPLY_ARRAY || range->element[2]->elements < 2 ||
        range->element[2]->element[1]->type != REDIS_REPLY_INTEGER) {
      error = "CLUSTER SLOTS: unexpected range entry";
      return std::nullopt;
    }
    const long long start = range->element[0]->integer;
    const long long end = range->element[1]->integer;
    const redisReply* node = range->element[2];
    std::string host(node->element[0]->type == REDIS_REPLY_STRING ? text_of(node->element[0])
                                                                  : std::string_view());
    if (host.empty() || host == "?") host = asked_host;
    const long long port = node->element[1]->integer;
    if (start < 0 || end >= static_cast<long long>(kClusterSlots) || start > end || port <= 0 ||
        port > 65535) {
      error = "CLUSTER SLOTS: bad range or port";
      return std::nullopt;
    }
    // An IPv6 address is bracketed, as MOVED and ASK never write it: only our own key.
    const std::string address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                                ":" + std::to_string(port);
    auto [at, added] = index.try_emplace(address, static_cast<std::int16_t>(map.masters.size()));
    if (added) map.masters.push_back(address);
    std::fill(map.owner.begin() + start, map.owner.begin() + end + 1, at->second);
  }
  return map;
}

ClusterRedirect cluster_redirect(const redisReply* reply) {
  ClusterRedirect redirect;
  if (reply->type != REDIS_REPLY_ERROR) return redirect;
  const std::string_view text = text_of(reply);
  using Kind = ClusterRedirect::Kind;
  if (starts_with(text, "MOVED ") || starts_with(text, "ASK ")) {
    // "MOVED 3999 127.0.0.1:6381": the address is the last word.
    const std::size_t space = text.rfind(' ');
    redirect.kind = starts_with(text, "MOVED ") ? Kind::kMoved : Kind::kAsk;
    redirect.address = std::string(text.substr(space + 1));
    // Redis 7 may answer ":6381" (an unknown endpoint): the same host as asked; the caller
    // fills it in.
  } else if (starts_with(text, "TRYAGAIN")) {
    redirect.kind = Kind::kTryAgain;
  } else if (starts_with(text, "CLUSTERDOWN")) {
    redirect.kind = Kind::kClusterDown;
  } else if (starts_with(text, "NOSCRIPT")) {
    redirect.kind = Kind::kNoScript;
  }
  return redirect;
}

}  // namespace pmx
