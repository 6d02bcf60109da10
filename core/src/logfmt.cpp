#include "pmx/core/logfmt.h"

#include <cstdio>

namespace pmx {
namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

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

}  // namespace pmx
