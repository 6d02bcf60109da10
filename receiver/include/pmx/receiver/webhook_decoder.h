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
///
/// A well-formed body is read in one pass straight into the message; any other is decoded again
/// by decode_webhook_tree, whose error names what is wrong. Either way the answer is
/// decode_webhook_tree's (the fuzz target and webhook_decoder_test check that they agree).
Result<WebhookMessage> decode_webhook(std::string_view body);

/// The same decoder by way of the body's JSON tree: the reference, and the one that explains.
Result<WebhookMessage> decode_webhook_tree(std::string_view body);

}  // namespace pmx
