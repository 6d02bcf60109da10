#pragma once
/// Parsing a request body as JSON: the one parser of the webhook, of the RCA routes and of
/// --rca.dir, so every body that is not JSON gets the same message, naming the byte where
/// parsing stopped, and every document is held to the same depth limit.
#include <nlohmann/json.hpp>
#include <string_view>

#include "pmx/core/error.h"

namespace pmx {

/// The deepest nesting of objects and arrays a document may have, the document itself counting
/// as one level. Nothing we read needs more than a handful (an RCA's action items are at 3); the
/// limit keeps what recurses over a document (nlohmann's dump and destructor, Redis' cjson with
/// its own limit of 1000) far from any stack or library limit, so whatever is stored can always
/// be read, changed and deleted.
inline constexpr int kMaxJsonDepth = 32;

/// The body's JSON, or kInvalid with "invalid JSON at byte N (reason)". The message never
/// quotes the body (which could hold anything, secrets included).
///
/// A document nested deeper than `max_depth` is refused while it is read, before any tree is
/// built (100,000 nested arrays cost a few microseconds, not the stack): kInvalid with `field`
/// and one problem naming the first too-deep value by its JSON Pointer (`/x-notes/0/0/...`).
/// A syntax error has no problems; a too-deep document has one (the edge tells them apart).
Result<nlohmann::json> parse_json(std::string_view body, int max_depth = kMaxJsonDepth);

}  // namespace pmx
