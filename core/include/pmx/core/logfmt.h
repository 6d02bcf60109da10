#pragma once
/// logfmt for log lines: quoting values (label values, paths, file names and errors come from
/// outside and may hold quotes, spaces or newlines). pmx/core/log_line.h renders whole entries.
#include <string>

namespace pmx {

/// `value` as a double-quoted logfmt value on one line: `"` and `\` backslash-escaped, line
/// feed, carriage return and tab as `\n`, `\r`, `\t`, every other control character (below
/// 0x20, and DEL) as `\u00XX`. Other bytes (UTF-8) as they are.
std::string logfmt_quote(const std::string& value);

/// A logfmt value: as is when it needs no quotes, else logfmt_quote'd: empty values and values
/// with a space, `=`, `"`, `\` or a control character.
std::string logfmt_value(const std::string& value);

}  // namespace pmx
