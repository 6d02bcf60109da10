// Alertmanager 0.25 label matchers. References are to github.com/prometheus/alertmanager at
// tag v0.25.0: pkg/labels/parse.go (ParseMatcher, ParseMatchers) and pkg/labels/matcher.go
// (NewMatcher, Matcher.String, Matchers.Matches), checked against amtool 0.25.0.
#include "pmx/core/matcher.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <utility>

namespace pmx {
namespace {

// RE2's own default memory budget, stated so it cannot drift: a pattern whose program would
// not fit fails to compile ("pattern too large") instead of allocating without bound.
constexpr std::int64_t kRegexMaxMem = 8 << 20;
// Matching is linear in the input, but the constant grows with the program: when RE2's DFA
// cache thrashes it falls back to an NFA costing up to (program size x input length). Measured
// on this RE2, a hostile 20k-instruction pattern takes ~0.3 s on a 100 KB value, a 100k one
// ~1 s. 20k admits any hand-written matcher and a ~400-way generated alternation of host
// names. Go has no such cap: this is the one deliberate limit beyond Alertmanager's.
constexpr int kMaxRegexProgramSize = 20000;

// Width of the UTF-8 sequence at s[i], or 0 if it is not valid UTF-8; the same rules as Go's
// utf8.DecodeRuneInString (no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t utf8_width(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) n = 2;
  else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t w = utf8_width(s, i);
    if (w == 0) return false;
    i += w;
  }
  return true;
}

// Go regexp's `\s`, which ParseMatcher's pattern uses around each token: [\t\n\f\r ].
bool is_regex_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

// Go's unicode.IsSpace for the UTF-8 sequence s.substr(i, w), used by strings.TrimSpace.
bool is_unicode_space(std::string_view s, std::size_t i, std::size_t w) {
  if (w == 1) return is_regex_space(s[i]) || s[i] == '\v';
  static constexpr std::string_view kSpaces[] = {
      "\u0085", "\u00A0", "\u1680", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004",
      "\u2005", "\u2006", "\u2007", "\u2008", "\u2009", "\u200A", "\u2028", "\u2029",
      "\u202F", "\u205F", "\u3000"};
  return std::find(std::begin(kSpaces), std::end(kSpaces), s.substr(i, w)) != std::end(kSpaces);
}

// strings.TrimSpace; `s` is valid UTF-8 here (ParseMatchers rebuilt it rune by rune).
std::string_view trim_unicode_space(std::string_view s) {
  std::size_t begin = s.size(), end = 0;
  for (std::size_t i = 0, w = 1; i < s.size(); i += w) {
    w = std::max<std::size_t>(utf8_width(s, i), 1);
    if (is_unicode_space(s, i, w)) continue;
    begin = std::min(begin, i);
    end = i + w;
  }
  return begin < end ? s.substr(begin, end - begin) : std::string_view();
}

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

MatcherError error(std::string_view matcher, std::string message) {
  return MatcherError{std::string(matcher), std::move(message)};
}

// Whether a pattern uses `\C` (any byte) outside `\Q...\E`: RE2 accepts it, Go's regexp
// rejects it as an invalid escape, so Alertmanager never compiles such a matcher.
bool has_any_byte_escape(std::string_view pattern) {
  for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '\\') continue;
    if (pattern[i + 1] == 'C') return true;
    if (pattern[i + 1] == 'Q') {
      i = pattern.find("\\E", i + 2);
      if (i == std::string_view::npos) return false;
    }
    ++i;
  }
  return false;
}

// NewMatcher compiles "^(?:" + v + ")$" — text concatenation, exactly as Alertmanager does.
std::shared_ptr<const re2::RE2> compile(const std::string& value, std::string* error_out) {
  if (has_any_byte_escape(value)) {
    if (error_out) *error_out = "error parsing regexp: invalid escape sequence: `\\C`";
    return nullptr;
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kRegexMaxMem);
  auto regex = std::make_shared<const re2::RE2>("^(?:" + value + ")$", options);
  if (!regex->ok()) {
    if (error_out) *error_out = "error parsing regexp: " + regex->error();
    return nullptr;
  }
  if (regex->ProgramSize() > kMaxRegexProgramSize) {
    if (error_out) {
      *error_out = "regexp too complex: compiles to " + std::to_string(regex->ProgramSize()) +
                   " instructions, the limit is " + std::to_string(kMaxRegexProgramSize);
    }
    return nullptr;
  }
  return regex;
}

}  // namespace

const char* to_string(Matcher::Type type) {
  switch (type) {
    case Matcher::Type::kEqual: return "=";
    case Matcher::Type::kNotEqual: return "!=";
    case Matcher::Type::kRegexMatch: return "=~";
    case Matcher::Type::kRegexNoMatch: return "!~";
  }
  return "?";
}

bool Matcher::matches_value(std::string_view label_value) const {
  if (type == Type::kEqual) return label_value == value;
  if (type == Type::kNotEqual) return label_value != value;
  auto compiled = regex ? regex : compile(value, nullptr);
  if (!compiled) return false;
  // MatchString is an unanchored search; the pattern carries its own anchors. (A value like
  // `a)|(b` therefore escapes them in Alertmanager too, and does here.)
  const bool found =
      RE2::PartialMatch(re2::StringPiece(label_value.data(), label_value.size()), *compiled);
  return type == Type::kRegexMatch ? found : !found;
}

bool Matcher::matches(const Labels& labels) const {
  // Matchers.Matches looks the label up in a LabelSet: a missing label reads as "".
  const auto it = labels.find(name);
  return matches_value(it == labels.end() ? std::string_view() : std::string_view(it->second));
}

std::string Matcher::to_string() const {
  // Matcher.String with openMetricsEscape: only backslash, line feed and double quote.
  std::string out = name + pmx::to_string(type) + '"';
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '"': out += "\\\""; break;
      default: out += c;
    }
  }
  return out + '"';
}

std::variant<Matcher, MatcherError> make_matcher(Matcher::Type type, std::string name,
                                                 std::string value) {
  Matcher m{std::move(name), type, std::move(value), nullptr};
  if (type == Matcher::Type::kRegexMatch || type == Matcher::Type::kRegexNoMatch) {
    std::string message;
    m.regex = compile(m.value, &message);
    if (!m.regex) return error(m.to_string(), std::move(message));
  }
  return m;
}

std::variant<Matcher, MatcherError> parse_matcher(std::string_view text) {
  // ParseMatcher matches the whole input against
  //   ^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$
  // and fails with "bad matcher format" if it does not. Deliberate difference: the name
  // may not contain ':'. Alertmanager's parser accepts one, but such a name is not a valid
  // label name (model.LabelName.IsValid; silence/silence.go validateMatcher rejects it), no
  // alert can carry it, so `a:b="x"` could only ever be a typo.
  const auto bad_format = [&] { return error(text, "bad matcher format: " + std::string(text)); };
  std::size_t i = 0;
  while (i < text.size() && is_regex_space(text[i])) ++i;
  const std::size_t name_begin = i;
  if (i == text.size() || !is_name_start(text[i])) return bad_format();
  while (i < text.size() && is_name_char(text[i])) ++i;
  const std::string_view name = text.substr(name_begin, i - name_begin);
  while (i < text.size() && is_regex_space(text[i])) ++i;

  // '=~' is tried before '=' (parse.go says why: otherwise '~' would start the value).
  static constexpr std::pair<std::string_view, Matcher::Type> kOperators[] = {
      {"=~", Matcher::Type::kRegexMatch}, {"=", Matcher::Type::kEqual},
      {"!=", Matcher::Type::kNotEqual}, {"!~", Matcher::Type::kRegexNoMatch}};
  const auto op = std::find_if(std::begin(kOperators), std::end(kOperators), [&](const auto& o) {
    return text.substr(i, o.first.size()) == o.first;
  });
  if (op == std::end(kOperators)) return bad_format();
  const Matcher::Type type = op->second;
  i += op->first.size();

  while (i < text.size() && is_regex_space(text[i])) ++i;
  std::size_t end = text.size();
  while (end > i && is_regex_space(text[end - 1])) --end;
  const std::string_view quoted = text.substr(i, end - i);  // ms[3], named in errors

  // A value may be empty (`foo=` is foo=""; the v0.24 panic on it was fixed by #2968). Only a
  // leading '"' makes it quoted, and then it must end in an unescaped '"'.
  std::string_view raw = quoted;
  bool expect_trailing_quote = false;
  if (!raw.empty() && raw.front() == '"') {
    raw.remove_prefix(1);
    expect_trailing_quote = true;
  }
  if (!valid_utf8(raw)) return error(text, "matcher value not valid UTF-8: " + std::string(quoted));

  // OpenMetrics unescaping: \" \\ \n; any other '\x', and a final lone '\', stay literal.
  const auto stray_quote = [&] {
    return error(text, "matcher value contains unescaped double quote: " + std::string(quoted));
  };
  std::string value;
  bool escaped = false;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    const char c = raw[k];
    if (escaped) {
      escaped = false;
      if (c == 'n') {
        value += '\n';
      } else if (c == '"' || c == '\\') {
        value += c;
      } else {  // a spurious escape: the backslash is literal
        value += '\\';
        value += c;
      }
    } else if (c == '\\' && k + 1 < raw.size()) {
      escaped = true;
    } else if (c == '"') {
      if (!expect_trailing_quote || k + 1 < raw.size()) return stray_quote();
      expect_trailing_quote = false;
    } else {
      value += c;
    }
  }
  if (expect_trailing_quote) return stray_quote();

  auto made = make_matcher(type, std::string(name), std::move(value));
  if (auto* failure = std::get_if<MatcherError>(&made)) failure->matcher = std::string(text);
  return made;
}

std::variant<std::vector<Matcher>, MatcherError> parse_matchers(std::string_view text) {
  // ParseMatchers: trim one leading '{' and one trailing '}', then split on commas outside
  // double quotes, walking runes (an invalid UTF-8 byte becomes U+FFFD, as Go's range does).
  if (!text.empty() && text.front() == '{') text.remove_prefix(1);
  if (!text.empty() && text.back() == '}') text.remove_suffix(1);

  std::vector<std::string> tokens;
  std::string token;
  bool inside_quotes = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t width = utf8_width(text, i);
    const char c = text[i];
    if (c == ',' && !inside_quotes) {  // the token goes to ParseMatcher untrimmed
      tokens.push_back(std::move(token));
      token.clear();
      ++i;
      continue;
    }
    if (c == '"') {
      if (!escaped) inside_quotes = !inside_quotes;
      escaped = false;
    } else if (c == '\\') {
      escaped = !escaped;
    } else if (c != ',') {  // a quoted ',' leaves `escaped` alone, as in parse.go
      escaped = false;
    }
    token += width == 0 ? std::string_view("\uFFFD") : text.substr(i, width);
    i += width == 0 ? 1 : width;
  }
  // The last token is trimmed (strings.TrimSpace) and dropped if blank: trailing comma.
  if (const std::string_view last = trim_unicode_space(token); !last.empty()) {
    tokens.emplace_back(last);
  }

  std::vector<Matcher> matchers;
  for (const auto& t : tokens) {
    auto parsed = parse_matcher(t);
    if (auto* failure = std::get_if<MatcherError>(&parsed)) return std::move(*failure);
    matchers.push_back(std::get<Matcher>(std::move(parsed)));
  }
  return matchers;
}

bool matches_all(const std::vector<Matcher>& matchers, const Labels& labels) {
  for (const auto& m : matchers) {
    if (!m.matches(labels)) return false;
  }
  return true;  // vacuously, for an empty set (Matchers.Matches has the same loop)
}

std::string to_string(const std::vector<Matcher>& matchers) {
  std::string out = "{";
  for (std::size_t i = 0; i < matchers.size(); ++i) {
    if (i > 0) out += ',';
    out += matchers[i].to_string();
  }
  return out + '}';
}

}  // namespace pmx
