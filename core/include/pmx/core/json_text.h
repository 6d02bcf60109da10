#pragma once
/// The stored JSON text of the documents a webhook writes once per alert (alert records and
/// timeline entries), written straight into a string. It is the same text as
/// `to_json(...).dump()` with invalid UTF-8 replaced (json_codec.h), byte for byte (keys in
/// order, the same escapes), without building the document first: on the batched benchmark
/// building and freeing those documents was about a sixth of the daemon's CPU.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pmx/core/incident.h"

namespace pmx {

/// Appends `text` as a JSON string literal, as nlohmann's dump (ensure_ascii off, invalid UTF-8
/// replaced by U+FFFD) writes it.
void append_json_string(std::string& out, std::string_view text);

/// to_json(record), with `"incident": n` among its keys when `incident` is given (Redis keeps
/// the incident's number with each record of the source's hash).
std::string alert_record_text(const AlertRecord& record,
                              std::optional<std::uint64_t> incident = std::nullopt);
/// to_json(event).
std::string timeline_event_text(const TimelineEvent& event);

}  // namespace pmx
