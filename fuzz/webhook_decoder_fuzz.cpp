// libFuzzer target: decode_webhook on the raw request body, as the webhook route calls it.
//
// Invariants beyond "no crash, no sanitizer finding, no exception escapes":
//   - a rejected payload has a message (it becomes the 400's JSON error);
//   - an accepted one has only firing/resolved alerts with non-empty fingerprints;
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto result = pmx::decode_webhook(body);
  if (!result) {
    PMX_FUZZ_CHECK(!result.error().detail.empty());
    return 0;
  }
  const auto& message = *result;
  for (const auto& alert : message.alerts) {
    PMX_FUZZ_CHECK(!alert.fingerprint.empty());
    PMX_FUZZ_CHECK(alert.status == pmx::AlertStatus::kFiring ||
                   alert.status == pmx::AlertStatus::kResolved);
  }

  const std::string again = to_payload(message).dump();
  const auto second = pmx::decode_webhook(again);
  PMX_FUZZ_CHECK(second.ok());
  const auto& message2 = *second;
  PMX_FUZZ_CHECK(message2.receiver == message.receiver);
  PMX_FUZZ_CHECK(message2.group_key == message.group_key);
  PMX_FUZZ_CHECK(message2.external_url == message.external_url);
  PMX_FUZZ_CHECK(message2.truncated_alerts == message.truncated_alerts);
  PMX_FUZZ_CHECK(message2.alerts.size() == message.alerts.size());
  for (std::size_t i = 0; i < message.alerts.size(); ++i) {
    PMX_FUZZ_CHECK(same(message.alerts[i], message2.alerts[i]));
  }
  return 0;
}
