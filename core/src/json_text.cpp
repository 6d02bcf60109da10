#include "pmx/core/json_text.h"

#include <nlohmann/json.hpp>

#include "pmx/core/time.h"

namespace pmx {
namespace {

// Bytes nlohmann writes as they are: printable ASCII other than the quote and the backslash.
// Anything else (escapes, and UTF-8 that must be checked) goes through nlohmann itself.
bool plain(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x80 || c == '"' || c == '\\') return false;
  }
  return true;
}

void append_time(std::string& out, UnixNanos t) {
  if (t == 0) {
    out += "null";
    return;
  }
  out += '"';
  out += format_rfc3339(t);  // digits, '-', ':', 'T', '.', 'Z': nothing to escape
  out += '"';
}

void append_labels(std::string& out, const Labels& labels) {
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    append_json_string(out, value);
  }
  out += '}';
}

// `"key":` for a key that needs no escaping, after a comma unless it is the first.
void append_key(std::string& out, const char* key) {
  if (out.size() > 1) out += ',';
  out += '"';
  out += key;
  out += "\":";
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  if (plain(text)) {
    out += '"';
    out += text;
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Keys in the order of nlohmann's object (a std::map): alphabetical.
std::string alert_record_text(const AlertRecord& record, std::optional<std::uint64_t> incident) {
  std::string out = "{";
  out.reserve(256);
  append_key(out, "annotations");
  append_labels(out, record.annotations);
  append_key(out, "ends_at");
  append_time(out, record.ends_at);
  append_key(out, "fingerprint");
  append_json_string(out, record.fingerprint);
  append_key(out, "generator_url");
  append_json_string(out, record.generator_url);
  if (incident) {
    append_key(out, "incident");
    out += std::to_string(*incident);
  }
  append_key(out, "labels");
  append_labels(out, record.labels);
  append_key(out, "occurrences");
  out += std::to_string(record.occurrences);
  append_key(out, "starts_at");
  append_time(out, record.starts_at);
  append_key(out, "status");
  append_json_string(out, to_string(record.status));
  out += '}';
  return out;
}

std::string timeline_event_text(const TimelineEvent& event) {
  std::string out = "{";
  append_key(out, "at");
  append_time(out, event.at);
  append_key(out, "detail");
  append_json_string(out, event.detail);
  append_key(out, "fingerprint");
  append_json_string(out, event.fingerprint);
  append_key(out, "received_at");
  append_time(out, event.received_at);
  append_key(out, "type");
  append_json_string(out, to_string(event.type));
  out += '}';
  return out;
}

}  // namespace pmx
