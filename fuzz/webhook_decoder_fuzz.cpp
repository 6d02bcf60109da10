// libFuzzer target: decode_webhook on the raw request body, as the webhook route calls it.
//
// Invariants beyond "no crash, no sanitizer finding, no exception escapes":
//   - a rejected payload has a message (it becomes the 400's JSON error);
//   - an accepted one has only firing/resolved alerts with non-empty fingerprints;
//   - decode_webhook (a one-pass reader for well-formed bodies) answers exactly as
//     decode_webhook_tree (the JSON tree) does: the same message, or the same error;
//   - written back as an Alertmanager payload (times with format_rfc3339), it decodes again to
//     the same message: nothing is read differently on a second pass, and every time the
//     decoder accepts survives formatting and parsing.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "pmx/core/time.h"
#include "pmx/receiver/webhook_decoder.h"

namespace {

nlohmann::json to_payload(const pmx::WebhookMessage& message) {
  nlohmann::json alerts = nlohmann::json::array();
  for (const auto& alert : message.alerts) {
    alerts.push_back({{"status", pmx::to_string(alert.status)},
                      {"labels", alert.labels},
                      {"annotations", alert.annotations},
                      {"startsAt", pmx::format_rfc3339(alert.starts_at)},
                      {"endsAt", pmx::format_rfc3339(alert.ends_at)},
                      {"generatorURL", alert.generator_url},
                      {"fingerprint", alert.fingerprint}});
  }
  return {{"version", "4"},
          {"receiver", message.receiver},
          {"groupKey", message.group_key},
          {"externalURL", message.external_url},
          {"truncatedAlerts", message.truncated_alerts},
          {"alerts", std::move(alerts)}};
}

bool same(const pmx::Alert& a, const pmx::Alert& b) {
  return a.status == b.status && a.labels == b.labels && a.annotations == b.annotations &&
         a.starts_at == b.starts_at && a.ends_at == b.ends_at &&
         a.generator_url == b.generator_url && a.fingerprint == b.fingerprint;
}

bool same(const pmx::WebhookMessage& a, const pmx::WebhookMessage& b) {
  if (a.receiver != b.receiver || a.group_key != b.group_key || a.external_url != b.external_url ||
      a.truncated_alerts != b.truncated_alerts || a.alerts.size() != b.alerts.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.alerts.size(); ++i) {
    if (!same(a.alerts[i], b.alerts[i])) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto result = pmx::decode_webhook(body);
  const auto tree = pmx::decode_webhook_tree(body);
  PMX_FUZZ_CHECK(result.ok() == tree.ok());
  if (!result) {
    PMX_FUZZ_CHECK(!result.error().detail.empty());
    PMX_FUZZ_CHECK(result.error().detail == tree.error().detail);
    PMX_FUZZ_CHECK(result.error().field == tree.error().field);
    return 0;
  }
  const auto& message = *result;
  PMX_FUZZ_CHECK(same(message, *tree));
  for (const auto& alert : message.alerts) {
    PMX_FUZZ_CHECK(!alert.fingerprint.empty());
    PMX_FUZZ_CHECK(alert.status == pmx::AlertStatus::kFiring ||
                   alert.status == pmx::AlertStatus::kResolved);
  }

  const std::string again = to_payload(message).dump();
  const auto second = pmx::decode_webhook(again);
  PMX_FUZZ_CHECK(second.ok());
  const auto& message2 = *second;
  PMX_FUZZ_CHECK(same(message2, message));
  return 0;
}
