#pragma once
// Alert records in Redis: one hash field per fingerprint, in the incident's hash (every alert
// of it) and in the source's hash (the latest record of each fingerprint, for load()). A commit
// writes the records it changed; the incident and state documents carry none (schema/redis.md).
#include <hiredis/hiredis.h>

#include <cstdint>
#include <string>

#include "pmx/core/error.h"
#include "pmx/core/incident.h"
#include "pmx/core/json_text.h"
#include "redis_replies.h"

namespace pmx::redis_alert_records {

/// The stored value of a record: its JSON with the number of its incident, so that a record
/// of an earlier incident in the source's hash is told apart from one of the current incident.
inline std::string value(const AlertRecord& record, std::uint64_t incident_number) {
  return alert_record_text(record, incident_number);
}

/// Adds the record in `reply` (a hash value, or nil) to `incident` if it belongs to it; false
/// when the value is not a record.
inline bool add_if_of(Incident& incident, const redisReply* reply) {
  if (reply->type == REDIS_REPLY_NIL) return true;
  if (reply->type != REDIS_REPLY_STRING) return false;
  const std::string_view body = redis_replies::text(reply);
  const auto doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (!doc.is_object()) return false;
  const auto number = doc.find("incident");
  auto record = alert_record_from_json(doc);
  if (number == doc.end() || !number->is_number_unsigned() || !record) return false;
  if (number->get<std::uint64_t>() != incident.number) return true;
  incident.alerts[record->fingerprint] = std::move(*record);
  return true;
}

/// Adds every record of an HGETALL reply of the incident's hash `key`; an incident written
/// before the hashes existed has its records in its document already, and the hash's win.
inline Result<Done> add_all(Incident& incident, const redisReply* reply, const std::string& key) {
  if (reply->type != REDIS_REPLY_ARRAY) return redis_replies::error_for(reply, key);
  for (std::size_t i = 1; i < reply->elements; i += 2) {
    if (!add_if_of(incident, reply->element[i]))
      return redis_replies::corrupt(key, "an alert record is not one");
  }
  return Done{};
}

}  // namespace pmx::redis_alert_records
