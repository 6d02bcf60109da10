#pragma once
// Logging set-up for the daemon: spdlog with logfmt or JSON lines.
// Callers write messages as logfmt fragments (`msg="listening" address=...`); the JSON format
// turns those fragments into JSON fields (pmx/core/logfmt.h), so both formats carry the same
// structured data. That reading is the exact inverse of logfmt_quote/logfmt_value (every value
// from outside goes through one of them), so a JSON field holds the original value: simpler
// than a second, structured logging API for the ~30 call sites in app/ and receiver/ (which
// cannot see the format chosen here).
#include <string>

namespace pmx {

/// Configures the default spdlog logger (stderr). Throws std::invalid_argument for an unknown
/// level or format.
void setup_logging(const std::string& level, const std::string& format);

}  // namespace pmx
