#pragma once
/// Alertmanager label matchers (`service="checkout"`, `env!="dev"`, `job=~"api|web"`,
/// `team!~"ops.*"`), parsed and evaluated exactly as Alertmanager 0.25 does
/// (github.com/prometheus/alertmanager v0.25.0, pkg/labels/parse.go and matcher.go), so a
/// matcher copied from an Alertmanager route or an `amtool` command line means the same here.
///
/// Regular expressions use RE2, the engine Go's regexp implements: same syntax, same
/// semantics, and matching time linear in the input, so no regex can hang the process.
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pmx/core/alert.h"

namespace re2 {
class RE2;
}

namespace pmx {

/// One label matcher. Build it with parse_matcher() or make_matcher(), which compile the
/// regular expression; a regex matcher aggregate-initialised without one compiles it on
/// every call (and matches nothing if the pattern is invalid).
struct Matcher {
  enum class Type { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

  std::string name;
  Type type = Type::kEqual;
  std::string value;  ///< the literal value, or the regex as written (not yet anchored)
  /// `^(?:value)$` compiled; null for kEqual / kNotEqual.
  std::shared_ptr<const re2::RE2> regex;

  /// Whether the label `name` of `labels` satisfies the matcher. A missing label is the empty
  /// string, so `foo=""` holds when foo is absent, `foo!=""` means "present and non-empty",
  /// and `foo=~".*"` holds when foo is absent.
  bool matches(const Labels& labels) const;
  /// The same test against one label value.
  bool matches_value(std::string_view label_value) const;
  /// Canonical Alertmanager form, `name="value"` with `\\`, `\"` and `\n` escaped:
  /// parse_matcher(m.to_string()) gives back m.
  std::string to_string() const;

  /// Same name, type and value (the compiled regex follows from those).
  friend bool operator==(const Matcher& a, const Matcher& b) {
    return a.name == b.name && a.type == b.type && a.value == b.value;
  }
  friend bool operator!=(const Matcher& a, const Matcher& b) { return !(a == b); }
};

/// The operator as written: `=`, `!=`, `=~` or `!~`.
const char* to_string(Matcher::Type type);

/// Why a matcher was rejected.
struct MatcherError {
  std::string matcher;  ///< the offending matcher text, as given
  std::string message;  ///< what is wrong, in Alertmanager's words where it has them
};

/// A matcher from its parts (Alertmanager's labels.NewMatcher): compiles `^(?:value)$` for
/// the regex types. The name is not validated here; parse_matcher() does that.
std::variant<Matcher, MatcherError> make_matcher(Matcher::Type type, std::string name,
                                                 std::string value);

/// Parses one matcher (Alertmanager's labels.ParseMatcher): a label name
/// (`[a-zA-Z_][a-zA-Z0-9_]*`; Alertmanager's parser also lets ':' through, which no alert
/// label can contain, so it is rejected here), an operator, and a value that is either
/// double-quoted (with `\"`, `\\` and `\n` escapes) or unquoted; whitespace around each
/// part is ignored. Errors on a bad name, a missing operator, an unbalanced or stray `"`,
/// invalid UTF-8, an invalid or oversized regex, and on empty input.
std::variant<Matcher, MatcherError> parse_matcher(std::string_view text);

/// Parses a comma-separated set (Alertmanager's labels.ParseMatchers, used for `matchers:` in
/// its configuration and by amtool): an optional leading `{` and trailing `}`, commas inside
/// double quotes do not separate, a trailing comma is allowed. As in Alertmanager, empty
/// input and `{}` give an empty set, which matches every label set.
std::variant<std::vector<Matcher>, MatcherError> parse_matchers(std::string_view text);

/// Whether every matcher holds for `labels`. An empty set matches everything (Alertmanager's
/// Matchers.Matches: a route or silence with no matchers applies to all alerts).
bool matches_all(const std::vector<Matcher>& matchers, const Labels& labels);

/// `{a="b",c!~"d.*"}`, as Alertmanager prints a matcher set.
std::string to_string(const std::vector<Matcher>& matchers);

}  // namespace pmx
