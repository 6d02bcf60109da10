#pragma once
/// Parsing a request body as JSON: the one parser of the webhook and of the RCA routes, so every
/// body that is not JSON gets the same 400 message, naming the byte where parsing stopped.
#include <nlohmann/json.hpp>
#include <string_view>

#include "pmx/core/error.h"

namespace pmx {

/// The body's JSON, or kInvalid with "invalid JSON at byte N (reason)". The message never
/// quotes the body (which could hold anything, secrets included).
Result<nlohmann::json> parse_json(std::string_view body);

}  // namespace pmx
