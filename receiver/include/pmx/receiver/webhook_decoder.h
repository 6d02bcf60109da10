#pragma once
/// Decodes and validates Alertmanager's version-4 webhook payload. Unknown fields are ignored
/// (newer Alertmanagers add `notification_reason`, `routeLabels`); known fields must have the
/// documented types, so a broken sender gets a 400 that names the field.
#include <string>
#include <string_view>

#include "pmx/core/alert.h"
#include "pmx/core/error.h"

namespace pmx {

/// The message, or kInvalid with the reason in Error::detail (for the JSON error body) and the
/// offending field in Error::field (a JSON path such as `alerts[1].startsAt`, empty when the
/// problem is not a field, as for a body that is not JSON).
Result<WebhookMessage> decode_webhook(std::string_view body);

}  // namespace pmx
