#include "webhook_reader.h"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "pmx/core/time.h"
#include "pmx/receiver/json_body.h"

namespace pmx {
namespace {

using nlohmann::json;

/// The members the decoder knows, at the top (`version` … `truncatedAlerts`) and in an alert.
enum class WebhookField {
  kOther,  ///< ignored, whatever it holds
  kVersion,
  kReceiver,
  kGroupKey,
  kExternalUrl,
  kAlerts,
  kTruncatedAlerts,
  kStatus,
  kLabels,
  kAnnotations,
  kStartsAt,
  kEndsAt,
  kGeneratorUrl,
  kFingerprint,
};

/// What the innermost open object or array is.
enum class WebhookLevel { kTop, kAlerts, kAlert, kLabels, kAnnotations, kIgnored };

WebhookField top_field(const std::string& name) {
  if (name == "version") return WebhookField::kVersion;
  if (name == "receiver") return WebhookField::kReceiver;
  if (name == "groupKey") return WebhookField::kGroupKey;
  if (name == "externalURL") return WebhookField::kExternalUrl;
  if (name == "alerts") return WebhookField::kAlerts;
  if (name == "truncatedAlerts") return WebhookField::kTruncatedAlerts;
  return WebhookField::kOther;
}

WebhookField alert_field(const std::string& name) {
  if (name == "status") return WebhookField::kStatus;
  if (name == "labels") return WebhookField::kLabels;
  if (name == "annotations") return WebhookField::kAnnotations;
  if (name == "startsAt") return WebhookField::kStartsAt;
  if (name == "endsAt") return WebhookField::kEndsAt;
  if (name == "generatorURL") return WebhookField::kGeneratorUrl;
  if (name == "fingerprint") return WebhookField::kFingerprint;
  return WebhookField::kOther;
}

/// A SAX reader for nlohmann's parser. Every callback answers false (stop) at the first thing
/// the tree decoder would refuse, or might: a fast path only has to be right when it accepts.
/// Members are taken as they come, a later duplicate replacing an earlier one, as in the tree
/// (whose object keeps the last value of a name).
class WebhookReader {
 public:
  WebhookMessage& message() { return message_; }

  bool null() { return null_value(); }
  bool boolean(bool) { return other_value(); }
  bool number_integer(json::number_integer_t) { return other_value(); }
  bool number_unsigned(json::number_unsigned_t n) {
    if (at(WebhookLevel::kTop) && field_ == WebhookField::kTruncatedAlerts) {
      message_.truncated_alerts = n;
      return true;
    }
    return other_value();
  }
  bool number_float(json::number_float_t, const json::string_t&) { return other_value(); }
  bool binary(json::binary_t&) { return other_value(); }
  bool string(json::string_t& text) { return string_value(text); }

  bool key(json::string_t& name) {
    if (at(WebhookLevel::kTop)) {
      field_ = top_field(name);
    } else if (at(WebhookLevel::kAlert)) {
      field_ = alert_field(name);
    } else if (at(WebhookLevel::kLabels) || at(WebhookLevel::kAnnotations)) {
      label_name_ = std::move(name);
    }
    return true;
  }

  bool start_object(std::size_t) {
    if (levels_.empty()) return open(WebhookLevel::kTop);
    if (ignoring()) return open(WebhookLevel::kIgnored);
    if (at(WebhookLevel::kAlerts)) {
      alert_ = Alert{};
      alert_seen_ = {};
      return open(WebhookLevel::kAlert);
    }
    if (at(WebhookLevel::kAlert) && field_ == WebhookField::kLabels) {
      alert_.labels.clear();
      alert_seen_.labels = true;
      return open(WebhookLevel::kLabels);
    }
    if (at(WebhookLevel::kAlert) && field_ == WebhookField::kAnnotations) {
      alert_.annotations.clear();
      return open(WebhookLevel::kAnnotations);
    }
    return false;
  }

  bool start_array(std::size_t) {
    if (levels_.empty()) return false;
    if (ignoring()) return open(WebhookLevel::kIgnored);
    if (at(WebhookLevel::kTop) && field_ == WebhookField::kAlerts) {
      message_.alerts.clear();
      alerts_seen_ = true;
      return open(WebhookLevel::kAlerts);
    }
    return false;
  }

  bool end_object() {
    const WebhookLevel closed = levels_.back();
    levels_.pop_back();
    if (closed == WebhookLevel::kAlert) {
      if (!alert_seen_.status || !alert_seen_.labels || !alert_seen_.starts_at ||
          alert_.fingerprint.empty()) {
        return false;
      }
      message_.alerts.push_back(std::move(alert_));
    }
    if (closed == WebhookLevel::kTop) return version_ == "4" && alerts_seen_;
    return true;
  }

  bool end_array() {
    levels_.pop_back();
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

 private:
  /// Which required members of the current alert were given (fingerprint: non-empty instead).
  struct AlertSeen {
    bool status = false;
    bool labels = false;
    bool starts_at = false;
  };

  bool at(WebhookLevel level) const { return !levels_.empty() && levels_.back() == level; }

  /// Inside a member the decoder ignores, or starting one's value.
  bool ignoring() const {
    return at(WebhookLevel::kIgnored) ||
           ((at(WebhookLevel::kTop) || at(WebhookLevel::kAlert)) && field_ == WebhookField::kOther);
  }

  /// The tree decoder holds documents to kMaxJsonDepth; deeper ones get its error.
  bool open(WebhookLevel level) {
    if (levels_.size() >= static_cast<std::size_t>(kMaxJsonDepth)) return false;
    levels_.push_back(level);
    return true;
  }

  /// A number, boolean or binary: fine only where anything is.
  bool other_value() const { return ignoring(); }

  /// The string the current member fills as it is (no check beyond being a string), or nullptr.
  std::string* plain_string() {
    if (at(WebhookLevel::kTop)) {
      switch (field_) {
        case WebhookField::kVersion:
          return &version_;
        case WebhookField::kReceiver:
          return &message_.receiver;
        case WebhookField::kGroupKey:
          return &message_.group_key;
        case WebhookField::kExternalUrl:
          return &message_.external_url;
        default:
          return nullptr;
      }
    }
    if (at(WebhookLevel::kAlert)) {
      switch (field_) {
        case WebhookField::kGeneratorUrl:
          return &alert_.generator_url;
        case WebhookField::kFingerprint:
          return &alert_.fingerprint;
        default:
          return nullptr;
      }
    }
    return nullptr;
  }

  /// null stands for an absent optional member, so it resets the member to its default; for a
  /// required one (version, status, labels, startsAt, fingerprint) it is an error.
  bool null_value() {
    if (ignoring()) return true;
    const bool optional_string =
        field_ != WebhookField::kVersion && field_ != WebhookField::kFingerprint;
    if (std::string* target = plain_string(); target != nullptr && optional_string) {
      target->clear();
      return true;
    }
    if (at(WebhookLevel::kTop) && field_ == WebhookField::kTruncatedAlerts) {
      message_.truncated_alerts = 0;
      return true;
    }
    if (at(WebhookLevel::kAlert) && field_ == WebhookField::kAnnotations) {
      alert_.annotations.clear();
      return true;
    }
    if (at(WebhookLevel::kAlert) && field_ == WebhookField::kEndsAt) {
      alert_.ends_at = 0;
      return true;
    }
    return false;
  }

  bool string_value(std::string& text) {
    if (ignoring()) return true;
    if (at(WebhookLevel::kLabels) || at(WebhookLevel::kAnnotations)) {
      Labels& labels = at(WebhookLevel::kLabels) ? alert_.labels : alert_.annotations;
      labels.insert_or_assign(std::move(label_name_), std::move(text));
      return true;
    }
    if (std::string* target = plain_string()) {
      *target = std::move(text);
      return true;
    }
    if (at(WebhookLevel::kAlert)) return alert_time_or_status(text);
    return false;
  }

  bool alert_time_or_status(const std::string& text) {
    switch (field_) {
      case WebhookField::kStatus:
        alert_seen_.status = true;
        if (text == "firing") {
          alert_.status = AlertStatus::kFiring;
        } else if (text == "resolved") {
          alert_.status = AlertStatus::kResolved;
        } else {
          return false;
        }
        return true;
      case WebhookField::kStartsAt: {
        alert_seen_.starts_at = true;
        const auto at = parse_rfc3339(text);
        if (!at) return false;
        alert_.starts_at = *at;
        return true;
      }
      case WebhookField::kEndsAt: {
        // Empty, as absent or null: still firing.
        const auto at = text.empty() ? std::optional<UnixNanos>(0) : parse_rfc3339(text);
        if (!at) return false;
        alert_.ends_at = *at;
        return true;
      }
      default:
        return false;
    }
  }

  WebhookMessage message_;
  std::string version_;
  bool alerts_seen_ = false;
  Alert alert_;
  AlertSeen alert_seen_;
  std::vector<WebhookLevel> levels_;
  WebhookField field_ = WebhookField::kOther;
  std::string label_name_;
};

}  // namespace

std::optional<WebhookMessage> read_well_formed_webhook(std::string_view body) {
  WebhookReader reader;
  if (!json::sax_parse(body, &reader)) return std::nullopt;
  return std::move(reader.message());
}

}  // namespace pmx
