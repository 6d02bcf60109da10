#include "pmx/core/logfmt.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace pmx {
namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

/// The value of a `\u00XX` escape starting at `text[pos]` (after the `u`), or -1.
int hex_byte(const std::string& text, std::size_t pos) {
  if (pos + 4 > text.size() || text.compare(pos, 2, "00") != 0) return -1;
  int value = 0;
  for (std::size_t i = pos + 2; i < pos + 4; ++i) {
    const char c = text[i];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/// Reads the quoted value starting at `text[pos]` (the opening quote), undoing logfmt_quote.
/// Leaves `pos` after the closing quote.
std::string unquote(const std::string& text, std::size_t& pos) {
  std::string value;
  for (++pos; pos < text.size() && text[pos] != '"'; ++pos) {
    if (text[pos] != '\\' || pos + 1 >= text.size()) {
      value += text[pos];
      continue;
    }
    const char escaped = text[++pos];
    if (escaped == 'n') {
      value += '\n';
    } else if (escaped == 'r') {
      value += '\r';
    } else if (escaped == 't') {
      value += '\t';
    } else if (const int byte = escaped == 'u' ? hex_byte(text, pos + 1) : -1; byte >= 0) {
      value += static_cast<char>(byte);
      pos += 4;
    } else {
      value += escaped;  // `\"`, `\\`
    }
  }
  if (pos < text.size()) ++pos;
  return value;
}

}  // namespace

std::string logfmt_quote(const std::string& value) {
  std::string out = "\"";
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (is_control(byte)) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string logfmt_value(const std::string& value) {
  bool plain = !value.empty();
  for (const char c : value) {
    plain = plain && c != ' ' && c != '"' && c != '\\' && c != '=' &&
            !is_control(static_cast<unsigned char>(c));
  }
  return plain ? value : logfmt_quote(value);
}

// The inverse of the writer: a quoted value is decoded exactly, and an unquoted value ends at
// the next space (the writer quotes every value that holds one), so no value can invent a field.
std::string logfmt_to_json_members(const std::string& text) {
  nlohmann::ordered_json fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos == text.size()) break;
    const std::size_t eq = text.find('=', pos);
    const std::size_t space = text.find(' ', pos);
    if (eq == std::string::npos || (space != std::string::npos && space < eq)) {
      // Not a key=value pair: keep the rest as the message.
      fields["msg"] = text.substr(pos);
      break;
    }
    const std::string key = text.substr(pos, eq - pos);
    pos = eq + 1;
    if (pos < text.size() && text[pos] == '"') {
      fields[key] = unquote(text, pos);
    } else {
      const std::size_t end = std::min(text.find(' ', pos), text.size());
      fields[key] = text.substr(pos, end - pos);
      pos = end;
    }
  }
  if (!fields.contains("msg")) fields["msg"] = "";
  const std::string dumped = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // JSON escapes the controls below 0x20 but allows a raw DEL; escape that one too (it can only
  // be inside a string here).
  std::string members;
  for (std::size_t i = 1; i + 1 < dumped.size(); ++i) {
    members += dumped[i] == '\x7f' ? std::string("\\u007f") : std::string(1, dumped[i]);
  }
  return members;
}

}  // namespace pmx
