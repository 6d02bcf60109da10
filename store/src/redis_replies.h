#pragma once
// Reading hiredis replies into domain values; where Redis answers become Errors naming their key.
#include <hiredis/hiredis.h>

#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmx/core/error.h"
#include "pmx/core/json_codec.h"

namespace pmx::redis_replies {

inline std::string_view text(const redisReply* reply) {
  return reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

inline bool is_error(const redisReply* reply, std::string_view prefix = {}) {
  return reply->type == REDIS_REPLY_ERROR && text(reply).substr(0, prefix.size()) == prefix;
}

/// kCorrupt for what is stored under `key`: "<key>: <what is wrong>".
inline Error corrupt(std::string_view key, std::string_view what = "not the expected shape") {
  return Error{ErrorCode::kCorrupt, std::string(key) + ": " + std::string(what), {}, {}};
}

/// The Error for a reply to a command on `key` that is not what the command should answer:
/// data of the wrong type under our keys (WRONGTYPE, or a script's PMX_CORRUPT) is corrupt;
/// anything else (OOM, BUSY, an unexpected shape) means Redis cannot serve us now. The detail
/// names the key and Redis' own words.
inline Error error_for(const redisReply* reply, std::string_view key) {
  const std::string_view said = reply->type == REDIS_REPLY_ERROR ? text(reply) : "unexpected reply";
  if (is_error(reply, "WRONGTYPE") || is_error(reply, "PMX_CORRUPT")) return corrupt(key, said);
  return Error{ErrorCode::kUnavailable, std::string(key) + ": " + std::string(said), {}, {}};
}

/// A counter under `key` read with GET: a missing key is 0; a value that is not a decimal
/// integer is corrupt.
inline Result<std::int64_t> counter(const redisReply* reply, std::string_view key) {
  if (reply->type == REDIS_REPLY_NIL) return std::int64_t{0};
  if (reply->type != REDIS_REPLY_STRING) return error_for(reply, key);
  const std::string_view digits = text(reply);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) {
    return corrupt(key, "not a decimal integer");
  }
  return value;
}

/// Serialises a document for storage. Invalid UTF-8 (which the webhook decoder should already
/// have refused) is replaced rather than thrown: operations never throw.
inline std::string dump(const nlohmann::json& doc) {
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Decodes a stored JSON document with `decode` (one of json_codec's *_from_json); nullopt when
/// the reply is not a string, not JSON, or not of the expected shape.
template <typename Decode>
auto decode(const redisReply* reply, Decode decoder)
    -> decltype(decoder(std::declval<const nlohmann::json&>())) {
  if (reply->type != REDIS_REPLY_STRING) return std::nullopt;
  const std::string_view body = text(reply);
  const auto doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  return decoder(doc);
}

/// The elements of an array reply of strings (members of a set or zset, fields of a hash, a
/// page of a list); nullopt if it is not one.
inline std::optional<std::vector<std::string>> strings_of(const redisReply* reply) {
  if (reply->type != REDIS_REPLY_ARRAY) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(reply->elements);
  for (std::size_t i = 0; i < reply->elements; ++i) {
    if (reply->element[i]->type != REDIS_REPLY_STRING) return std::nullopt;
    out.emplace_back(text(reply->element[i]));
  }
  return out;
}

}  // namespace pmx::redis_replies
