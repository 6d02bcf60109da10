#include "redis_layout.h"

#include <chrono>
#include <random>

#include "redis_keys.h"
#include "redis_replies.h"
#include "redis_transfer.h"

namespace pmx::redis_layout {
namespace {

namespace keys = redis_keys;
namespace replies = redis_replies;

// Keys that every store with data holds (a commit writes the source index, an RCA write the
// RCA hash and revision), in both layouts: renamed last, so that until the migration is
// complete the Redis still says it holds pm:v1 data and the next start carries on.
const char* const kMarkers[] = {"sources:seen", "rcas", "rcas:revision"};

// While one daemon migrates, the others wait (their requests answer 503 and are retried).
constexpr const char* kLock = "{pm}:v2:migration-lock";
constexpr std::chrono::seconds kLockTime{60};

Result<std::vector<RedisReply>> run(RedisClient& pool, const std::vector<RedisCommand>& commands) {
  auto answers = pool.run(commands);
  if (!answers) return redis_transfer::unreachable(pool);
  return std::move(*answers);
}

Result<Done> rename_all(RedisClient& pool, const std::vector<std::string>& v1_keys) {
  std::vector<RedisCommand> commands;
  for (const auto& key : v1_keys) {
    if (const auto name = v2_name(key)) commands.push_back({"RENAME", key, *name});
  }
  if (commands.empty()) return Done{};
  auto answers = run(pool, commands);
  if (!answers) return answers.error();
  for (std::size_t i = 0; i < answers->size(); ++i) {
    const redisReply* reply = (*answers)[i].get();
    // "no such key": another daemon renamed it first, or it expired.
    if (reply->type == REDIS_REPLY_ERROR && !replies::is_error(reply, "ERR no such key")) {
      return replies::error_for(reply, commands[i][1]);
    }
  }
  return Done{};
}

bool is_marker(const std::string& v1_key) {
  for (const char* marker : kMarkers) {
    if (v1_key == std::string("pm:v1:") + marker) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> v2_name(const std::string& v1_key) {
  static const std::string kSource = "pm:v1:src:{";
  static const std::string kV1 = "pm:v1:";
  if (v1_key.compare(0, kSource.size(), kSource) == 0) {
    const std::size_t close = v1_key.find('}', kSource.size());
    if (close == std::string::npos) return std::nullopt;
    return keys::kPrefix + std::string("src:") +
           v1_key.substr(kSource.size(), close - kSource.size()) + v1_key.substr(close + 1);
  }
  if (v1_key.compare(0, kV1.size(), kV1) == 0) return keys::kPrefix + v1_key.substr(kV1.size());
  return std::nullopt;
}

Result<Done> migrate_from_v1(RedisClient& pool) {
  RedisCommand v1_exists{"EXISTS"};
  RedisCommand v2_exists{"EXISTS"};
  for (const char* marker : kMarkers) {
    v1_exists.push_back(std::string("pm:v1:") + marker);
    v2_exists.push_back(keys::kPrefix + std::string(marker));
  }
  auto answers = run(pool, {v1_exists, v2_exists});
  if (!answers) return answers.error();
  const redisReply* v1 = (*answers)[0].get();
  const redisReply* v2 = (*answers)[1].get();
  if (v1->type != REDIS_REPLY_INTEGER) return replies::error_for(v1, v1_exists[1]);
  if (v2->type != REDIS_REPLY_INTEGER) return replies::error_for(v2, v2_exists[1]);
  if (v1->integer == 0) return Done{};
  if (v2->integer > 0) {
    return replies::corrupt("pm:v1:*",
                            "this Redis holds data of both key layouts, pm:v1 and {pm}:v2: a "
                            "daemon older than the {pm}:v2 layout still writes to it; stop it, "
                            "then see schema/redis.md, \"Layout versions\"");
  }

  const std::string token = std::to_string(std::random_device{}());
  auto locked = run(pool, {{"SET", kLock, token, "NX", "EX", std::to_string(kLockTime.count())}});
  if (!locked) return locked.error();
  if (locked->front()->type != REDIS_REPLY_STATUS) {
    return Error(ErrorCode::kUnavailable,
                 "another daemon is moving the data to the {pm}:v2 layout");
  }
  auto renamed =
      redis_transfer::scan(pool, {"SCAN"},
                           [&pool](const std::vector<std::string>& found) -> Result<Done> {
                             std::vector<std::string> data;
                             for (const auto& key : found) {
                               if (!is_marker(key)) data.push_back(key);
                             }
                             return rename_all(pool, data);
                           },
                           {"MATCH", "pm:v1:*"});
  if (renamed) {
    std::vector<std::string> markers;
    for (const char* marker : kMarkers) markers.push_back(std::string("pm:v1:") + marker);
    renamed = rename_all(pool, markers);
  }
  // Released only if still ours (it may have expired and been taken by another daemon).
  run(pool, {{"EVAL",
              "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
              "return 0",
              "1", kLock, token}});
  return renamed;
}

}  // namespace pmx::redis_layout
