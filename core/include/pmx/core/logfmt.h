#pragma once
/// Quoting for values put into logfmt log lines (label values and group keys come from
/// senders and may hold quotes, spaces or newlines).
#include <string>

namespace pmx {

/// `value` as a double-quoted logfmt value with `"`, `\` and newlines escaped.
inline std::string logfmt_quote(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace pmx
