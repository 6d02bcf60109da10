#include "pmx/core/list_cursor.h"

#include <charconv>

namespace pmx {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// "<size>:<bytes>": any byte may appear in a field (a source key holds label values).
void append_field(std::string& text, std::string_view field) {
  text += std::to_string(field.size());
  text += ':';
  text += field;
}

}  // namespace

std::string encode_cursor(std::string_view list, const std::vector<std::string>& fields) {
  std::string text;
  append_field(text, list);
  for (const auto& field : fields) append_field(text, field);
  std::string token;
  token.reserve(text.size() * 2);
  for (const unsigned char c : text) {
    token += kHex[c >> 4];
    token += kHex[c & 0xf];
  }
  return token;
}

std::optional<std::vector<std::string>> decode_cursor(std::string_view cursor,
                                                      std::string_view list, std::size_t count) {
  if (cursor.empty() || cursor.size() > kMaxCursorLength || cursor.size() % 2 != 0) {
    return std::nullopt;
  }
  std::string text;
  text.reserve(cursor.size() / 2);
  for (std::size_t i = 0; i < cursor.size(); i += 2) {
    const int high = hex_value(cursor[i]), low = hex_value(cursor[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    text += static_cast<char>(high << 4 | low);
  }
  std::vector<std::string> fields;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t size = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), size);
    if (ec != std::errc() || end == rest.data() + rest.size() || *end != ':') return std::nullopt;
    rest.remove_prefix(static_cast<std::size_t>(end - rest.data()) + 1);
    if (size > rest.size()) return std::nullopt;
    fields.emplace_back(rest.substr(0, size));
    rest.remove_prefix(size);
  }
  if (fields.size() != count + 1 || fields.front() != list) return std::nullopt;
  fields.erase(fields.begin());
  return fields;
}

}  // namespace pmx
