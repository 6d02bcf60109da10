#pragma once
// Shared by redis_transfer_export.cpp and redis_transfer_import.cpp: cursor scans and the
// errors of an offline transfer (which, unlike a request, names what failed).
#include <string>
#include <vector>

#include "redis_connection.h"
#include "redis_replies.h"

namespace pmx::redis_transfer {

inline Error unreachable(RedisClient& pool) {
  return Error(ErrorCode::kUnavailable, "Redis cannot be reached: " + pool.last_error());
}

/// Runs a cursor scan (`SCAN`, or `SSCAN`/`HSCAN`/`ZSCAN <key>`: `head`) to its end, giving
/// each page's elements to `page` (a Result<Done> callable). An element may come twice if the
/// key changes meanwhile (Redis' SCAN guarantee): importers write idempotently.
template <typename Page>
Result<Done> scan(RedisClient& pool, const RedisCommand& head, Page page,
                  const std::vector<std::string>& options = {}) {
  const std::string& what = head.size() > 1 ? head[1] : head[0];
  std::string cursor = "0";
  do {
    RedisCommand command = head;
    command.push_back(cursor);
    command.insert(command.end(), options.begin(), options.end());
    command.insert(command.end(), {"COUNT", "1000"});
    const auto answer = pool.run({command});
    if (!answer) return unreachable(pool);
    const redisReply* reply = answer->front().get();
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING) {
      return redis_replies::error_for(reply, what);
    }
    cursor = std::string(redis_replies::text(reply->element[0]));
    auto elements = redis_replies::strings_of(reply->element[1]);
    if (!elements) return redis_replies::error_for(reply->element[1], what);
    if (auto done = page(*elements); !done) return done;
  } while (cursor != "0");
  return Done{};
}

}  // namespace pmx::redis_transfer
