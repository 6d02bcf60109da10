#include "logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace pmx {
namespace {

/// `%*` in the JSON pattern: the message's logfmt pairs as JSON members.
class JsonFieldsFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string members = logfmt_to_json_members(std::string(msg.payload.data(), msg.payload.size()));
    dest.append(members.data(), members.data() + members.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonFieldsFlag>();
  }
};

/// `%L` replacement: level names as Prometheus components write them (warn, not warning).
class LevelFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr std::string_view kNames[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
    const std::string_view name = kNames[static_cast<int>(msg.level)];
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelFlag>();
  }
};

}  // namespace

std::string logfmt_to_json_members(const std::string& text) {
  nlohmann::ordered_json fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    const std::size_t eq = text.find('=', pos);
    const std::size_t space = text.find(' ', pos);
    if (eq == std::string::npos || (space != std::string::npos && space < eq)) {
      // Not a key=value pair: keep the rest as the message.
      fields["msg"] = text.substr(pos);
      break;
    }
    const std::string key = text.substr(pos, eq - pos);
    std::string value;
    pos = eq + 1;
    if (pos < text.size() && text[pos] == '"') {
      for (++pos; pos < text.size() && text[pos] != '"'; ++pos) {
        if (text[pos] == '\\' && pos + 1 < text.size()) ++pos;
        value += text[pos];
      }
      ++pos;
    } else {
      const std::size_t end = text.find(' ', pos);
      value = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      pos = end == std::string::npos ? text.size() : end;
    }
    fields[key] = value;
  }
  if (!fields.contains("msg")) fields["msg"] = "";
  const std::string dumped = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return dumped.size() >= 2 ? dumped.substr(1, dumped.size() - 2) : std::string();
}

void setup_logging(const std::string& level, const std::string& format) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown --log.level '" + level + "' (debug, info, warn, error)");
  }
  auto logger = spdlog::stderr_logger_mt("postmortem-exporter");
  logger->set_level(parsed);
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<LevelFlag>('L');
  if (format == "logfmt") {
    formatter->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%L %v");
  } else if (format == "json") {
    formatter->add_flag<JsonFieldsFlag>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%L",%*})");
  } else {
    throw std::invalid_argument("unknown --log.format '" + format + "' (logfmt, json)");
  }
  logger->set_formatter(std::move(formatter));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace pmx
