#pragma once
/// The daemon's log: structured entries (a message and key/value fields) written as logfmt or
/// JSON lines on stderr. The format is chosen once, by setup_logging at start-up, and every
/// call site renders its fields straight into it (pmx/core/log_line.h).
///
/// Thread-safety: the log_* functions may be called from any thread (spdlog's logger is
/// thread-safe); setup_logging runs once, before other threads start. Without it (tests that
/// run the HTTP edge in process) entries go to spdlog's default logger as logfmt.
#include <string>
#include <string_view>

#include "pmx/core/log_line.h"

namespace pmx {

/// Configures the default spdlog logger (stderr, `ts` and `level` first, as Prometheus
/// components write them) and the format of the fields. Throws std::invalid_argument for an
/// unknown level or format.
void setup_logging(const std::string& level, const std::string& format);

/// One entry at that level, e.g. `log_warn("webhook rejected", {{"reason", quoted(why)},
/// {"remote", address}})`. Nothing is rendered when the level is disabled.
void log_debug(std::string_view msg, LogFields fields = {});
void log_info(std::string_view msg, LogFields fields = {});
void log_warn(std::string_view msg, LogFields fields = {});
void log_error(std::string_view msg, LogFields fields = {});
void log_critical(std::string_view msg, LogFields fields = {});

}  // namespace pmx
