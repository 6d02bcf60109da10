#pragma once
/// Decodes and validates Alertmanager's version-4 webhook payload. Unknown fields are ignored
/// (newer Alertmanagers add `notification_reason`, `routeLabels`); known fields must have the
/// documented types, so a broken sender gets a 400 that names the field.
#include <string>
#include <string_view>
#include <variant>

#include "pmx/core/alert.h"

namespace pmx {

/// Why a payload was rejected: the message for the JSON error body and the offending field
/// (a JSON path such as `alerts[1].startsAt`, empty when the problem is not a field).
struct DecodeError {
  std::string message;
  std::string field;
};

using DecodeResult = std::variant<WebhookMessage, DecodeError>;

DecodeResult decode_webhook(std::string_view body);

}  // namespace pmx
