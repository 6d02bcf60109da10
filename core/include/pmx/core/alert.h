#pragma once
/// An alert as Alertmanager delivers it in a version-4 webhook.
#include <map>
#include <string>
#include <vector>

#include "pmx/core/time.h"

namespace pmx {

using Labels = std::map<std::string, std::string>;

enum class AlertStatus { kFiring, kResolved };

const char* to_string(AlertStatus status);

struct Alert {
  AlertStatus status = AlertStatus::kFiring;
  Labels labels;
  Labels annotations;
  UnixNanos starts_at = 0;
  UnixNanos ends_at = 0;  ///< 0 while firing (Alertmanager sends the zero time)
  std::string generator_url;
  std::string fingerprint;
};

/// The parts of a webhook the domain uses; everything else is ignored on purpose.
struct WebhookMessage {
  std::string receiver;
  std::string group_key;
  std::string external_url;
  std::vector<Alert> alerts;
  std::uint64_t truncated_alerts = 0;  ///< alerts Alertmanager left out (`max_alerts`)
};

}  // namespace pmx
