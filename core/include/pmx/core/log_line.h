#pragma once
/// One structured log entry (a message and key/value fields) rendered in either log format.
/// Pure: the sink (pmx/log/log.h) adds `ts` and `level` and writes the line. Rendering the
/// fields directly in each format, instead of writing logfmt and reading it back for JSON,
/// leaves no parser between a value and the JSON field that holds it.
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace pmx {

enum class LogFormat { kLogfmt, kJson };

/// A value that logfmt always quotes: free text (errors, reasons, paths, source keys), so a
/// reader sees one value even when this one happens to hold no space. JSON: a string as any.
struct Quoted {
  std::string text;
};
inline Quoted quoted(std::string text) { return Quoted{std::move(text)}; }

/// One field of a log entry. The key is a constant of the code (written as is); the value may
/// come from outside. Strings are quoted in logfmt only when they need it (logfmt_value),
/// Quoted ones always (logfmt_quote); integers and booleans are written as such. Every value is
/// a JSON string, as in earlier releases, so a consumer's field types do not change.
struct LogField {
  LogField(std::string_view key, std::string value) : key(key), value(std::move(value)) {}
  LogField(std::string_view key, const char* value) : LogField(key, std::string(value)) {}
  LogField(std::string_view key, Quoted value)
      : key(key), value(std::move(value.text)), always_quoted(true) {}
  LogField(std::string_view key, bool value) : LogField(key, value ? "true" : "false") {}
  template <typename Int,
            std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  LogField(std::string_view key, Int value) : LogField(key, std::to_string(value)) {}

  std::string_view key;
  std::string value;
  bool always_quoted = false;
};

using LogFields = std::initializer_list<LogField>;

/// The entry after `ts` and `level`: logfmt `msg="..." key=value ...` (the message always
/// quoted), or JSON object members without braces `"msg":"...","key":"value",...`, keys in
/// call order. Neither holds a raw control byte (below 0x20, DEL): logfmt escapes them as
/// logfmt_quote does, JSON as `\n`, `\u001b`, `\u007f`…; invalid UTF-8 becomes U+FFFD in JSON
/// (a JSON document must be UTF-8) and stays as sent in logfmt.
std::string render_log_entry(LogFormat format, std::string_view msg, LogFields fields);

}  // namespace pmx
