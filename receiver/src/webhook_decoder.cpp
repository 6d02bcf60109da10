#include "pmx/receiver/webhook_decoder.h"

#include "pmx/receiver/json_body.h"

#include <nlohmann/json.hpp>

namespace pmx {
namespace {

using nlohmann::json;

/// Thrown inside the decoder only, turned into a DecodeError at its boundary.
struct FieldError {
  std::string message;
  std::string field;
};

const json& required(const json& object, const char* name, const std::string& path) {
  const auto it = object.find(name);
  if (it == object.end()) throw FieldError{"missing field " + path, path};
  return *it;
}

std::string string_field(const json& object, const char* name, const std::string& path,
                         bool is_required) {
  const auto it = object.find(name);
  if (it == object.end() || (!is_required && it->is_null())) {
    if (is_required) throw FieldError{"missing field " + path, path};
    return {};
  }
  if (!it->is_string()) throw FieldError{path + " must be a string", path};
  return it->get<std::string>();
}

Labels label_map(const json& object, const char* name, const std::string& path, bool is_required) {
  const auto it = object.find(name);
  if (it == object.end() || (!is_required && it->is_null())) {
    if (is_required) throw FieldError{"missing field " + path, path};
    return {};
  }
  if (!it->is_object()) throw FieldError{path + " must be an object of strings", path};
  Labels labels;
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) {
      throw FieldError{path + "." + key + " must be a string", path + "." + key};
    }
    labels.emplace(key, value.get<std::string>());
  }
  return labels;
}

UnixNanos time_field(const json& object, const char* name, const std::string& path,
                     bool is_required) {
  const std::string text = string_field(object, name, path, is_required);
  if (text.empty() && !is_required) return 0;
  const auto parsed = parse_rfc3339(text);
  if (!parsed) throw FieldError{path + " must be an RFC 3339 timestamp", path};
  return *parsed;
}

Alert decode_alert(const json& doc, const std::string& path) {
  if (!doc.is_object()) throw FieldError{path + " must be an object", path};
  Alert alert;
  const std::string status = string_field(doc, "status", path + ".status", true);
  if (status == "firing") {
    alert.status = AlertStatus::kFiring;
  } else if (status == "resolved") {
    alert.status = AlertStatus::kResolved;
  } else {
    throw FieldError{path + ".status must be \"firing\" or \"resolved\"", path + ".status"};
  }
  alert.labels = label_map(doc, "labels", path + ".labels", true);
  alert.annotations = label_map(doc, "annotations", path + ".annotations", false);
  alert.starts_at = time_field(doc, "startsAt", path + ".startsAt", true);
  alert.ends_at = time_field(doc, "endsAt", path + ".endsAt", false);
  alert.generator_url = string_field(doc, "generatorURL", path + ".generatorURL", false);
  alert.fingerprint = string_field(doc, "fingerprint", path + ".fingerprint", true);
  if (alert.fingerprint.empty()) {
    throw FieldError{path + ".fingerprint must not be empty", path + ".fingerprint"};
  }
  return alert;
}

WebhookMessage decode_message(const json& doc) {
  if (!doc.is_object()) throw FieldError{"the payload must be a JSON object", ""};
  const std::string version = string_field(doc, "version", "version", true);
  if (version != "4") {
    throw FieldError{"unsupported webhook version \"" + version + "\" (expected \"4\")", "version"};
  }
  WebhookMessage message;
  message.receiver = string_field(doc, "receiver", "receiver", false);
  message.group_key = string_field(doc, "groupKey", "groupKey", false);
  message.external_url = string_field(doc, "externalURL", "externalURL", false);
  const json& alerts = required(doc, "alerts", "alerts");
  if (!alerts.is_array()) throw FieldError{"alerts must be an array", "alerts"};
  message.alerts.reserve(alerts.size());
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    message.alerts.push_back(decode_alert(alerts[i], "alerts[" + std::to_string(i) + "]"));
  }
  const auto truncated = doc.find("truncatedAlerts");
  if (truncated != doc.end() && !truncated->is_null()) {
    if (!truncated->is_number_unsigned()) {
      throw FieldError{"truncatedAlerts must be a non-negative integer", "truncatedAlerts"};
    }
    message.truncated_alerts = truncated->get<std::uint64_t>();
  }
  return message;
}

}  // namespace

DecodeResult decode_webhook(std::string_view body) {
  const auto doc = parse_json(body);
  if (!doc) return DecodeError{doc.error().message(), ""};
  try {
    return decode_message(*doc);
  } catch (const FieldError& e) {
    return DecodeError{e.message, e.field};
  }
}

}  // namespace pmx
