#include "pmx/receiver/webhook_decoder.h"

#include <nlohmann/json.hpp>

#include "pmx/receiver/json_body.h"
#include "webhook_reader.h"

namespace pmx {
namespace {

using nlohmann::json;

/// kInvalid naming the offending field (a JSON path such as `alerts[1].startsAt`).
Error field_error(std::string message, std::string field) {
  return Error{ErrorCode::kInvalid, std::move(message), std::move(field), {}};
}

/// The member `name` of `object` at `path`; nullptr when it is absent (or null and optional).
/// A required member that is absent is an error.
Result<const json*> member(const json& object, const char* name, const std::string& path,
                           bool is_required) {
  const auto it = object.find(name);
  if (it != object.end() && (is_required || !it->is_null())) return &*it;
  if (is_required) return field_error("missing field " + path, path);
  return static_cast<const json*>(nullptr);
}

Result<std::string> string_field(const json& object, const char* name, const std::string& path,
                                 bool is_required) {
  const auto value = member(object, name, path, is_required);
  if (!value) return value.error();
  if (*value == nullptr) return std::string();
  if (!(*value)->is_string()) return field_error(path + " must be a string", path);
  return (*value)->get<std::string>();
}

Result<Labels> label_map(const json& object, const char* name, const std::string& path,
                         bool is_required) {
  const auto value = member(object, name, path, is_required);
  if (!value) return value.error();
  if (*value == nullptr) return Labels();
  if (!(*value)->is_object()) return field_error(path + " must be an object of strings", path);
  Labels labels;
  for (const auto& [key, label] : (*value)->items()) {
    if (!label.is_string())
      return field_error(path + "." + key + " must be a string", path + "." + key);
    labels.emplace(key, label.get<std::string>());
  }
  return labels;
}

Result<UnixNanos> time_field(const json& object, const char* name, const std::string& path,
                             bool is_required) {
  const auto text = string_field(object, name, path, is_required);
  if (!text) return text.error();
  if (text->empty() && !is_required) return UnixNanos{0};
  const auto parsed = parse_rfc3339(*text);
  if (!parsed) return field_error(path + " must be an RFC 3339 timestamp", path);
  return *parsed;
}

Result<AlertStatus> status_field(const json& object, const std::string& path) {
  const auto status = string_field(object, "status", path, true);
  if (!status) return status.error();
  if (*status == "firing") return AlertStatus::kFiring;
  if (*status == "resolved") return AlertStatus::kResolved;
  return field_error(path + " must be \"firing\" or \"resolved\"", path);
}

Result<Alert> decode_alert(const json& doc, const std::string& path) {
  if (!doc.is_object()) return field_error(path + " must be an object", path);
  const auto status = status_field(doc, path + ".status");
  if (!status) return status.error();
  auto labels = label_map(doc, "labels", path + ".labels", true);
  if (!labels) return labels.error();
  auto annotations = label_map(doc, "annotations", path + ".annotations", false);
  if (!annotations) return annotations.error();
  const auto starts_at = time_field(doc, "startsAt", path + ".startsAt", true);
  if (!starts_at) return starts_at.error();
  const auto ends_at = time_field(doc, "endsAt", path + ".endsAt", false);
  if (!ends_at) return ends_at.error();
  auto generator_url = string_field(doc, "generatorURL", path + ".generatorURL", false);
  if (!generator_url) return generator_url.error();
  auto fingerprint = string_field(doc, "fingerprint", path + ".fingerprint", true);
  if (!fingerprint) return fingerprint.error();
  if (fingerprint->empty()) {
    return field_error(path + ".fingerprint must not be empty", path + ".fingerprint");
  }
  Alert alert;
  alert.status = *status;
  alert.labels = std::move(*labels);
  alert.annotations = std::move(*annotations);
  alert.starts_at = *starts_at;
  alert.ends_at = *ends_at;
  alert.generator_url = std::move(*generator_url);
  alert.fingerprint = std::move(*fingerprint);
  return alert;
}

Result<WebhookMessage> decode_message(const json& doc) {
  if (!doc.is_object()) return field_error("the payload must be a JSON object", "");
  const auto version = string_field(doc, "version", "version", true);
  if (!version) return version.error();
  if (*version != "4") {
    return field_error("unsupported webhook version \"" + *version + "\" (expected \"4\")",
                       "version");
  }
  WebhookMessage message;
  for (const auto& [name, target] :
       {std::pair{"receiver", &message.receiver}, std::pair{"groupKey", &message.group_key},
        std::pair{"externalURL", &message.external_url}}) {
    auto value = string_field(doc, name, name, false);
    if (!value) return value.error();
    *target = std::move(*value);
  }
  const auto alerts = member(doc, "alerts", "alerts", true);
  if (!alerts) return alerts.error();
  if (!(*alerts)->is_array()) return field_error("alerts must be an array", "alerts");
  message.alerts.reserve((*alerts)->size());
  for (std::size_t i = 0; i < (*alerts)->size(); ++i) {
    auto alert = decode_alert((**alerts)[i], "alerts[" + std::to_string(i) + "]");
    if (!alert) return alert.error();
    message.alerts.push_back(std::move(*alert));
  }
  const auto truncated = member(doc, "truncatedAlerts", "truncatedAlerts", false);
  if (*truncated != nullptr) {
    if (!(*truncated)->is_number_unsigned()) {
      return field_error("truncatedAlerts must be a non-negative integer", "truncatedAlerts");
    }
    message.truncated_alerts = (*truncated)->get<std::uint64_t>();
  }
  return message;
}

}  // namespace

Result<WebhookMessage> decode_webhook_tree(std::string_view body) {
  const auto doc = parse_json(body);
  if (!doc) return doc.error();
  return decode_message(*doc);
}

Result<WebhookMessage> decode_webhook(std::string_view body) {
  if (auto message = read_well_formed_webhook(body)) return std::move(*message);
  return decode_webhook_tree(body);
}

}  // namespace pmx
