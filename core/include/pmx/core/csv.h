#pragma once
/// CSV of the lists (RFC 4180: comma-separated, CRLF line ends, a header row, fields quoted when
/// they hold a comma, quote or line break), for a spreadsheet of the weekly review.
#include <string>
#include <string_view>
#include <vector>

namespace pmx {

/// One field as a spreadsheet should show it: quoted when needed, and a text that a spreadsheet
/// would take for a formula (it begins with =, +, -, @, a tab or a carriage return: an alert
/// label or an owner is anybody's text) prefixed with a single quote, as OWASP advises.
std::string csv_field(std::string_view text);

/// A number, which is never taken for a formula: only quoted when needed (it never is).
std::string csv_number(std::string_view text);

/// One row of fields already made by csv_field/csv_number, ending in CRLF.
std::string csv_row(const std::vector<std::string>& fields);

}  // namespace pmx
