#include "pmx/core/csv.h"

namespace pmx {
namespace {

std::string quoted_if_needed(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

std::string csv_field(std::string_view text) {
  const bool formula_like =
      !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
  return quoted_if_needed(formula_like ? "'" + std::string(text) : std::string(text));
}

std::string csv_number(std::string_view text) { return quoted_if_needed(text); }

std::string csv_row(const std::vector<std::string>& fields) {
  std::string row;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) row += ',';
    row += fields[i];
  }
  return row + "\r\n";
}

}  // namespace pmx
