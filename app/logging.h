#pragma once
// Logging set-up for the daemon: spdlog with logfmt or JSON lines.
// Callers write messages as logfmt fragments (`msg="listening" address=...`); the JSON format
// turns those fragments into JSON fields, so both formats carry the same structured data.
#include <string>

namespace pmx {

/// Configures the default spdlog logger (stderr). Throws std::invalid_argument for an unknown
/// level or format.
void setup_logging(const std::string& level, const std::string& format);

/// Converts a logfmt fragment to JSON object members (without braces), e.g.
/// `msg="a b" n=3` → `"msg":"a b","n":"3"`. Exposed for tests.
std::string logfmt_to_json_members(const std::string& fragment);

}  // namespace pmx
