#include "pmx/receiver/json_body.h"

#include <string>

namespace pmx {
namespace {

/// "syntax error while parsing value - invalid literal; last read: 'x'" → " (invalid literal)".
std::string parse_reason(const std::string& what) {
  const auto start = what.find(" - ");
  if (start == std::string::npos) return {};
  const auto end = what.find(';', start);
  const std::string reason =
      what.substr(start + 3, end == std::string::npos ? end : end - start - 3);
  return reason.empty() ? std::string{} : " (" + reason + ")";
}

}  // namespace

Result<nlohmann::json> parse_json(std::string_view body) {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the 1-based offset where parsing failed; say it plainly, with the library's
    // reason ("invalid string: ill-formed UTF-8 byte") but without its internal error id and
    // without the input it quotes after "last read".
    return Result<nlohmann::json>(
        ErrorCode::kInvalid,
        "invalid JSON at byte " + std::to_string(e.byte) + parse_reason(e.what()));
  } catch (const nlohmann::json::exception&) {
    // Valid JSON text nlohmann cannot hold: a number beyond a double (`1e309`) is out_of_range,
    // not parse_error. The sender's fault all the same: a 400, not the 500 an escaping
    // exception would become.
    return Result<nlohmann::json>(ErrorCode::kInvalid, "invalid JSON: a number is out of range");
  }
}

}  // namespace pmx
