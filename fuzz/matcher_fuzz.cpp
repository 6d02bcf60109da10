// libFuzzer target: parse_matcher and parse_matchers on the raw bytes (an RCA's `matchers`
// entries and Alertmanager-style matcher text reach them as written).
//
// Invariants beyond "no crash, no sanitizer finding, no exception escapes":
//   - an error names a message;
//   - a parsed matcher's text form (to_string) parses again to the same matcher with the same
//     text form; a parsed set's `{...}` form parses again to the same set;
//   - a regex matcher has its compiled regex; `=` holds for its own value and `!=` does not;
//     the negated operator gives the opposite answer on the input itself and on "".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_check.h"
#include "pmx/core/matcher.h"

namespace {

pmx::Matcher::Type negated(pmx::Matcher::Type type) {
  switch (type) {
    case pmx::Matcher::Type::kEqual: return pmx::Matcher::Type::kNotEqual;
    case pmx::Matcher::Type::kNotEqual: return pmx::Matcher::Type::kEqual;
    case pmx::Matcher::Type::kRegexMatch: return pmx::Matcher::Type::kRegexNoMatch;
    case pmx::Matcher::Type::kRegexNoMatch: return pmx::Matcher::Type::kRegexMatch;
  }
  return type;
}

void check_matcher(const pmx::Matcher& m, std::string_view input) {
  const bool regex_type = m.type == pmx::Matcher::Type::kRegexMatch ||
                          m.type == pmx::Matcher::Type::kRegexNoMatch;
  PMX_FUZZ_CHECK(regex_type == (m.regex != nullptr));
  if (m.type == pmx::Matcher::Type::kEqual) PMX_FUZZ_CHECK(m.matches_value(m.value));
  if (m.type == pmx::Matcher::Type::kNotEqual) PMX_FUZZ_CHECK(!m.matches_value(m.value));

  const std::string text = m.to_string();
  const auto again = pmx::parse_matcher(text);
  PMX_FUZZ_CHECK(std::holds_alternative<pmx::Matcher>(again));
  PMX_FUZZ_CHECK(std::get<pmx::Matcher>(again) == m);
  PMX_FUZZ_CHECK(std::get<pmx::Matcher>(again).to_string() == text);

  const auto opposite = pmx::make_matcher(negated(m.type), m.name, m.value);
  PMX_FUZZ_CHECK(std::holds_alternative<pmx::Matcher>(opposite));
  const auto& o = std::get<pmx::Matcher>(opposite);
  PMX_FUZZ_CHECK(o.matches_value(input) != m.matches_value(input));
  PMX_FUZZ_CHECK(o.matches_value("") != m.matches_value(""));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const auto one = pmx::parse_matcher(input);
  if (const auto* error = std::get_if<pmx::MatcherError>(&one)) {
    PMX_FUZZ_CHECK(!error->message.empty());
  } else {
    check_matcher(std::get<pmx::Matcher>(one), input);
  }

  const auto set = pmx::parse_matchers(input);
  if (const auto* error = std::get_if<pmx::MatcherError>(&set)) {
    PMX_FUZZ_CHECK(!error->message.empty());
    return 0;
  }
  const auto& matchers = std::get<std::vector<pmx::Matcher>>(set);
  for (const auto& m : matchers) check_matcher(m, input);
  const auto again = pmx::parse_matchers(pmx::to_string(matchers));
  PMX_FUZZ_CHECK(std::holds_alternative<std::vector<pmx::Matcher>>(again));
  PMX_FUZZ_CHECK(std::get<std::vector<pmx::Matcher>>(again) == matchers);
  return 0;
}
