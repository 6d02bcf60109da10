#include "pmx/core/log_line.h"

#include <nlohmann/json.hpp>

#include "pmx/core/logfmt.h"

namespace pmx {
namespace {

/// `text` as a JSON string. nlohmann escapes the controls below 0x20 but lets DEL through
/// raw, as JSON allows; escape it too, so no format writes a raw control byte.
std::string json_string(std::string_view text) {
  const std::string dumped = nlohmann::json(std::string(text))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(dumped.size());
  for (const char c : dumped) {
    if (c == '\x7f') {
      out += "\\u007f";
    } else {
      out += c;
    }
  }
  return out;
}

std::string logfmt_entry(std::string_view msg, LogFields fields) {
  std::string line = "msg=" + logfmt_quote(std::string(msg));
  for (const LogField& field : fields) {
    line += ' ';
    line += field.key;
    line += '=';
    line += field.always_quoted ? logfmt_quote(field.value) : logfmt_value(field.value);
  }
  return line;
}

std::string json_entry(std::string_view msg, LogFields fields) {
  std::string members = "\"msg\":" + json_string(msg);
  for (const LogField& field : fields) {
    members += ',' + json_string(field.key) + ':' + json_string(field.value);
  }
  return members;
}

}  // namespace

std::string render_log_entry(LogFormat format, std::string_view msg, LogFields fields) {
  return format == LogFormat::kJson ? json_entry(msg, fields) : logfmt_entry(msg, fields);
}

}  // namespace pmx
