#include "pmx/receiver/webhook_decoder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace pmx {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(PMX_FIXTURES_DIR) + "/alertmanager-0.25/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Error expect_error(const std::string& body) {
  const auto result = decode_webhook(body);
  EXPECT_FALSE(result.ok()) << body;
  EXPECT_EQ(result.ok() ? ErrorCode::kInvalid : result.error().code, ErrorCode::kInvalid);
  return result.ok() ? Error{} : result.error();
}

TEST(WebhookDecoder, DecodesARealAlertmanagerNotification) {
  const auto result = decode_webhook(fixture("01-firing-group-checkout.json"));
  ASSERT_TRUE(result.ok());
  const auto& message = (*result);
  ASSERT_EQ(message.alerts.size(), 2u);
  const Alert& first = message.alerts[0];
  EXPECT_EQ(first.status, AlertStatus::kFiring);
  EXPECT_EQ(first.fingerprint, "6bb710ed11b2b558");
  EXPECT_EQ(first.labels.at("instance"), "web-1");
  EXPECT_EQ(first.annotations.at("summary"), "p99 latency above 2s");
  EXPECT_EQ(first.starts_at, 1795419853852409315);
  EXPECT_EQ(first.ends_at, 0);  // Go's zero time: unset
  EXPECT_EQ(message.receiver, "pm");
  EXPECT_EQ(message.truncated_alerts, 0u);
}

TEST(WebhookDecoder, ReadsTruncatedAlerts) {
  const auto result = decode_webhook(fixture("08-truncated-max-alerts-2.json"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ((*result).truncated_alerts, 3u);
  EXPECT_EQ((*result).alerts.size(), 2u);
}

TEST(WebhookDecoder, IgnoresFieldsItDoesNotKnow) {
  const auto result = decode_webhook(
      R"({"version":"4","alerts":[],"notification_reason":"repeat","routeLabels":{"a":"b"}})");
  EXPECT_TRUE(result.ok());
}

TEST(WebhookDecoder, InvalidJsonNamesThePosition) {
  const auto error = expect_error(R"({"version":"4",)");
  EXPECT_NE(error.detail.find("invalid JSON at byte"), std::string::npos) << error.detail;
}

TEST(WebhookDecoder, APayloadNestedTooDeepIsRefusedNamingWhere) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto error = expect_error(R"({"version":"4","alerts":[{"labels":{"a":)" + deep + "}}]}");
  EXPECT_EQ(error.field.rfind("/alerts/0/labels/a/0", 0), 0u) << error.field;
  EXPECT_NE(error.detail.find("nested deeper than"), std::string::npos) << error.detail;
}

TEST(WebhookDecoder, MissingOrWronglyTypedFieldsAreNamed) {
  EXPECT_EQ(expect_error(R"({"version":"4"})").field, "alerts");
  EXPECT_EQ(expect_error(R"({"version":"4","alerts":{}})").field, "alerts");
  EXPECT_EQ(expect_error(R"({"alerts":[]})").field, "version");
  const std::string alert_ok =
      R"({"status":"firing","labels":{"a":"b"},"startsAt":"2026-11-23T07:44:13Z","fingerprint":"f"})";
  EXPECT_TRUE(decode_webhook(R"({"version":"4","alerts":[)" + alert_ok + "]}").ok());
  EXPECT_EQ(expect_error(R"({"version":"4","alerts":[)" + alert_ok + R"(,{"status":"firing"}]})").field,
            "alerts[1].labels");
  EXPECT_EQ(expect_error(R"({"version":"4","alerts":[{"status":"burning","labels":{},"startsAt":"2026-11-23T07:44:13Z","fingerprint":"f"}]})").field,
            "alerts[0].status");
  EXPECT_EQ(expect_error(R"({"version":"4","alerts":[{"status":"firing","labels":{"a":1},"startsAt":"2026-11-23T07:44:13Z","fingerprint":"f"}]})").field,
            "alerts[0].labels.a");
  EXPECT_EQ(expect_error(R"({"version":"4","alerts":[{"status":"firing","labels":{},"startsAt":"yesterday","fingerprint":"f"}]})").field,
            "alerts[0].startsAt");
  EXPECT_EQ(expect_error(R"({"version":"4","alerts":[{"status":"firing","labels":{},"startsAt":"2026-11-23T07:44:13Z"}]})").field,
            "alerts[0].fingerprint");
  EXPECT_EQ(expect_error(R"({"version":"4","alerts":[],"truncatedAlerts":-1})").field, "truncatedAlerts");
}

TEST(WebhookDecoder, ImpossibleDatesAreNamed) {
  const auto alert = [](const std::string& starts, const std::string& ends) {
    return R"({"version":"4","alerts":[{"status":"resolved","labels":{"a":"b"},"startsAt":")" +
           starts + R"(","endsAt":")" + ends + R"(","fingerprint":"f"}]})";
  };
  const auto starts = expect_error(alert("2026-02-30T10:00:00Z", "2026-03-01T10:00:00Z"));
  EXPECT_EQ(starts.field, "alerts[0].startsAt");
  EXPECT_NE(starts.detail.find("alerts[0].startsAt"), std::string::npos) << starts.detail;
  EXPECT_EQ(expect_error(alert("2026-04-30T10:00:00Z", "2026-04-31T10:00:00Z")).field,
            "alerts[0].endsAt");
  EXPECT_TRUE(decode_webhook(alert("2028-02-29T10:00:00Z", "2028-03-01T10:00:00Z")).ok());
}

TEST(WebhookDecoder, UnknownVersionIsRejected) {
  const auto error = expect_error(R"({"version":"3","alerts":[]})");
  EXPECT_EQ(error.field, "version");
  EXPECT_NE(error.detail.find("\"3\""), std::string::npos);
  EXPECT_EQ(expect_error(R"({"version":4,"alerts":[]})").field, "version");
}

TEST(WebhookDecoder, NotAnObject) {
  EXPECT_EQ(expect_error("[]").field, "");
  EXPECT_EQ(expect_error("null").field, "");
}

}  // namespace
}  // namespace pmx
