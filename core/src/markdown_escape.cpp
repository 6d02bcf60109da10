#include "markdown_escape.h"

#include <cstring>

namespace pmx {
namespace {

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// One line (no line breaks in `line`), escaped.
std::string escape_line(const std::string& line) {
  std::size_t start = 0;
  while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
  // An ordered list marker: `12.` (the `)` of `12)` is escaped below anyway).
  std::size_t digits = start;
  while (digits < line.size() && is_digit(line[digits])) ++digits;
  const std::size_t list_dot =
      digits > start && digits < line.size() && line[digits] == '.' ? digits : std::string::npos;
  std::string out;
  for (std::size_t i = start; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (is_control(c)) {
      out += ' ';
    } else if (std::strchr("\\`*_[]()!|~", c) || (i == start && std::strchr("#+-=", c)) ||
               i == list_dot) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string markdown_inline(const std::string& text) {
  std::string line;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;  // CRLF: one
    line += (text[i] == '\n' || text[i] == '\r') ? ' ' : text[i];
  }
  return escape_line(line);
}

std::string markdown_block(const std::string& text) {
  std::string out;
  std::string line;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '\n' && text[i] != '\r') {
      line += text[i];
      continue;
    }
    if (i < text.size() && text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    out += escape_line(line);
    if (i < text.size()) out += '\n';
    line.clear();
  }
  return out;
}

std::string markdown_code(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c != '`' && c != '|' && !is_control(c)) out += c;
  }
  return out;
}

}  // namespace pmx
