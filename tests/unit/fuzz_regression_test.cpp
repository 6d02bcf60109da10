// Inputs the fuzz targets of fuzz/ found (scripts/sanitize.sh fuzz), kept so each stays fixed.
// Each test names the target and what went wrong before the fix.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "pmx/core/time.h"
#include "pmx/receiver/webhook_decoder.h"

namespace pmx {
namespace {

// webhook_decoder_fuzz: a number too large for a double is valid JSON that nlohmann refuses
// with out_of_range (not parse_error); it escaped decode_webhook, and the HTTP server's handler
// turned it into a 500, which Alertmanager retries until the notification's deadline.
TEST(FuzzRegression, WebhookNumberOutOfRangeIsADecodeError) {
  for (const std::string body : {R"({"version":"4","alerts":[1e309]})", R"([-1e400])",
                                 R"({"version":"4","alerts":[],"truncatedAlerts":1E999})"}) {
    Result<WebhookMessage> result = WebhookMessage{};
    ASSERT_NO_THROW(result = decode_webhook(body)) << body;
    ASSERT_FALSE(result.ok()) << body;
    EXPECT_EQ(result.error().detail, "invalid JSON: a number is out of range");
  }
}

// webhook_decoder_fuzz (its round trip through format_rfc3339): an instant before the epoch
// written in 1970 with a positive offset parsed as a negative time, while the same instant in
// UTC (1969-...Z) parses as 0, "unset". Formatted and parsed again, such a startsAt became 0:
// one occurrence, two identities.
TEST(FuzzRegression, BeforeTheEpochWithAnOffsetIsUnsetLikeItsUtcForm) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:30:00+01:00"), 0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00.5+00:01"), 0);
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:30:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T01:00:01+01:00"), kNanosPerSecond);

  const auto result = decode_webhook(
      R"({"version":"4","alerts":[{"status":"firing","labels":{},"fingerprint":"f",)"
      R"("startsAt":"1970-01-01T00:00:00+01:00"}]})");
  ASSERT_TRUE(result.ok());
  const Alert& alert = (*result).alerts.at(0);
  EXPECT_EQ(alert.starts_at, 0);
  EXPECT_EQ(parse_rfc3339(format_rfc3339(alert.starts_at)), alert.starts_at);
}

}  // namespace
}  // namespace pmx
