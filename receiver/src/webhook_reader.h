#pragma once
/// The webhook's fast path: one pass over the body straight into `Alert`s, without a JSON tree.
#include <optional>
#include <string_view>

#include "pmx/core/alert.h"

namespace pmx {

/// The message of a body that decode_webhook_tree accepts, as it would decode it; nullopt for
/// anything else (not JSON, too deep, a missing or mistyped field, even where a later duplicate
/// member would have mended it), so that decode_webhook then asks decode_webhook_tree for the
/// error. Building nlohmann's tree (a `std::map` node and a string per member) and walking it
/// was the largest part of the daemon's CPU on webhooks of 100 alerts.
std::optional<WebhookMessage> read_well_formed_webhook(std::string_view body);

}  // namespace pmx
