#pragma once
// Shared by the Markdown reports (the post-mortem draft, the monthly digest): reading texts
// from an RCA document defensively, and times, durations and numbers as a person reads them.
// Private to core. Values returned here are raw: escape them (markdown_escape.h) before output.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pmx/core/time.h"

namespace pmx {

/// Every time in a report to the second (a reader compares rows, not nanoseconds).
std::string stamp(UnixNanos t);

/// `1m 12s`, `2d 3h`, `450ms`; whole units, largest first, zero parts left out.
std::string human_duration(UnixNanos d);

/// 42500.5, 82, 18250: at most two decimals, no trailing zeros.
std::string number_text(double value);

std::string join(const std::vector<std::string>& items, const std::string& separator);

// --- reading an RCA document (validated by load_rca, but read defensively) ---

/// The member `key` of an object, nullptr when absent, null or `doc` is no object.
const nlohmann::json* member(const nlohmann::json& doc, const char* key);

/// The string member `key`, "" when absent, not a string, or blank.
std::string text_of(const nlohmann::json& doc, const char* key);

/// The non-empty strings of the array member `key`.
std::vector<std::string> list_of(const nlohmann::json& doc, const char* key);

}  // namespace pmx
