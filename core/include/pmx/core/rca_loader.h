#pragma once
/// Reading an RCA document (schema/rca.schema.json) into the model of pmx/core/rca.h, and
/// writing the model's mutable parts back into the document.
///
/// load_rca applies the schema's rules by hand, exactly as the reference validator (ajv 8 +
/// ajv-formats 3, tools/schema-check) does; tests/schema/ajv_agrees_test.sh fails when the two
/// disagree on any example. On top of the schema it checks the two rules JSON Schema cannot
/// express (the schema's top-level $comment names them too):
///   - action item ids are unique within the document;
///   - dates and date-times have a year from 1970 to 2200 (the range of UnixNanos we accept).
///
/// Pure functions, no I/O: thread-safe.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmx/core/error.h"
#include "pmx/core/rca.h"
#include "pmx/core/time.h"

namespace pmx {

/// Validates `doc` and, when it breaks no rule, returns the model with `document` = `doc`.
/// Otherwise returns kInvalid ("invalid RCA document") with every problem found in
/// Error::problems (not just the first), in a stable order: in each
/// object, its properties in schema order, then unknown properties, then rules on the object as
/// a whole (published needs root_cause and published_at; unique action item ids).
///
/// due_at is the end of the due date (the next midnight UTC); created_at, published_at and
/// completed_at are the instants written (null completed_at = not set).
Result<Rca> load_rca(const nlohmann::json& doc);

/// The RCA's document with each action item's fields written back from the struct (status,
/// owner, due, completed_at, and title/type/priority/ticket for completeness), so that a PATCH
/// applied to the struct can be stored and served. Items are matched by id and written in the
/// struct's order; an item the document lacks is added, one the struct lacks is dropped.
/// completed_at keeps its original text when the instant is unchanged, becomes null when
/// cleared, and is formatted with format_rfc3339 when new.
///
/// The result is not re-validated: a caller that took the new values from a request should
/// load_rca the result before storing it.
nlohmann::json rca_to_json(const Rca& rca);

/// The end of a due date written YYYY-MM-DD: the next midnight UTC. nullopt when the text is
/// not a date load_rca accepts. For callers that change an item's `due` (keep due_at in step).
std::optional<UnixNanos> rca_due_end(std::string_view date);

/// The instant of a date-time as load_rca reads it (RFC 3339 as ajv-formats checks it, year
/// 1970..2200), or nullopt. For callers that set an item's `completed_at`.
std::optional<UnixNanos> rca_date_time(std::string_view text);

}  // namespace pmx
