#pragma once
/// The handful of JSON Schema keywords schema/rca.schema.json uses, as small composable checks,
/// so that rca_loader.cpp can spell the schema out property by property and stay readable
/// next to it. Not a JSON Schema engine: only these keywords, with ajv's semantics (an integer
/// is any number without a fraction, 1.0 included; lengths count code points; formats as in
/// rca_formats.h).
///
/// Private to core. Checks are immutable once built and safe to run from several threads.
#include <cstddef>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "pmx/core/rca_loader.h"

namespace pmx::rca_checks {

using Problems = std::vector<Problem>;

/// A rule for the value at `path`; appends what it finds wrong to `out`.
using Check =
    std::function<void(const nlohmann::json& value, const std::string& path, Problems& out)>;

/// `path` + "/" + key, escaped as JSON Pointer wants (~ as ~0, / as ~1).
std::string child(const std::string& path, std::string_view key);
std::string child(const std::string& path, std::size_t index);

enum class Pattern { kNone, kNonBlank, kId, kCurrency };
enum class Format { kNone, kDate, kDateTime, kUri };

struct StringRule {
  std::size_t min_length = 0;
  std::size_t max_length = std::numeric_limits<std::size_t>::max();
  Pattern pattern = Pattern::kNone;
  Format format = Format::kNone;
  bool nullable = false;  ///< `"type": ["string", "null"]`
};

/// `type: string` and the rule's length, pattern and format (dates also get the loader's
/// year range).
Check string(StringRule rule);
/// `enum` of strings.
Check one_of(std::vector<std::string> allowed);
/// `type: integer, minimum: 0`.
Check count();
/// `type: number, minimum: 0`.
Check non_negative_number();
/// `type: boolean`.
Check boolean();

struct ArrayRule {
  std::size_t max_items = std::numeric_limits<std::size_t>::max();
  bool unique = false;  ///< `uniqueItems`
};
/// `type: array`, `items: item` and the rule's limits.
Check array(Check item, ArrayRule rule = {});

struct Property {
  std::string name;
  Check check;
  bool required = false;
};
struct ObjectRule {
  /// `patternProperties: {"^x-": {}}`: keys starting with "x-" are allowed and not looked at.
  bool extensions = false;
  /// Rules on the object as a whole (if/then, dependentRequired, the loader's own), run after
  /// the properties and only when the value is an object.
  std::vector<Check> also;
};
/// `type: object`, `properties`, `required`, `additionalProperties: false`.
Check object(std::vector<Property> properties, ObjectRule rule = {});

}  // namespace pmx::rca_checks
