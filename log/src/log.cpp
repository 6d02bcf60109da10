#include "pmx/log/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <stdexcept>

namespace pmx {
namespace {

// The one piece of state besides spdlog's default logger: set once by setup_logging, before
// any other thread runs, read by every entry. Atomic so a late reader is never a data race.
std::atomic<LogFormat> g_format{LogFormat::kLogfmt};

/// `%L` replacement: level names as Prometheus components write them (warn, not warning).
class LevelFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr std::string_view kNames[] = {"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};
    const std::string_view name = kNames[static_cast<int>(msg.level)];
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelFlag>();
  }
};

void write(spdlog::level::level_enum level, std::string_view msg, LogFields fields) {
  spdlog::logger& logger = *spdlog::default_logger_raw();
  // Debug entries sit on hot paths (every refused request): render only what is written.
  if (!logger.should_log(level)) return;
  const std::string entry = render_log_entry(g_format.load(std::memory_order_relaxed), msg, fields);
  logger.log(level, spdlog::string_view_t(entry.data(), entry.size()));
}

}  // namespace

void setup_logging(const std::string& level, const std::string& format) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown --log.level '" + level + "' (debug, info, warn, error)");
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<LevelFlag>('L');
  // `%v` is the rendered entry: `msg="..." key=value` or `"msg":"...","key":"value"`.
  if (format == "logfmt") {
    formatter->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%L %v");
    g_format = LogFormat::kLogfmt;
  } else if (format == "json") {
    formatter->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%L",%v})");
    g_format = LogFormat::kJson;
  } else {
    throw std::invalid_argument("unknown --log.format '" + format + "' (logfmt, json)");
  }
  auto logger = spdlog::stderr_logger_mt("postmortem-exporter");
  logger->set_level(parsed);
  logger->set_formatter(std::move(formatter));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

void log_debug(std::string_view msg, LogFields fields) { write(spdlog::level::debug, msg, fields); }
void log_info(std::string_view msg, LogFields fields) { write(spdlog::level::info, msg, fields); }
void log_warn(std::string_view msg, LogFields fields) { write(spdlog::level::warn, msg, fields); }
void log_error(std::string_view msg, LogFields fields) { write(spdlog::level::err, msg, fields); }
void log_critical(std::string_view msg, LogFields fields) {
  write(spdlog::level::critical, msg, fields);
}

}  // namespace pmx
