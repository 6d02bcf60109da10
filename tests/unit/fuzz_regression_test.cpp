// Inputs the fuzz targets of fuzz/ found (scripts/sanitize.sh fuzz), kept so each stays fixed.
// Each test names the target and what went wrong before the fix.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "pmx/receiver/webhook_decoder.h"

namespace pmx {
namespace {

// webhook_decoder_fuzz: a number too large for a double is valid JSON that nlohmann refuses
// with out_of_range (not parse_error); it escaped decode_webhook, and the HTTP server's handler
// turned it into a 500, which Alertmanager retries until the notification's deadline.
TEST(FuzzRegression, WebhookNumberOutOfRangeIsADecodeError) {
  for (const std::string body : {R"({"version":"4","alerts":[1e309]})", R"([-1e400])",
                                 R"({"version":"4","alerts":[],"truncatedAlerts":1E999})"}) {
    DecodeResult result = DecodeError{};
    ASSERT_NO_THROW(result = decode_webhook(body)) << body;
    ASSERT_TRUE(std::holds_alternative<DecodeError>(result)) << body;
    EXPECT_EQ(std::get<DecodeError>(result).message, "invalid JSON: a number is out of range");
  }
}

}  // namespace
}  // namespace pmx
