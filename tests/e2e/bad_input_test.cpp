// Bad requests against the real binary: each is refused with the right status and a JSON error
// saying what is wrong (Alertmanager does not retry 4xx, so the message is all an operator gets),
// and nothing of them is stored.
#include <gtest/gtest.h>

#include <regex>

#include "e2e.h"

namespace pmx::e2e {
namespace {

using pmx::testing::kFixtureToken;
using pmx::testing::read_fixture;

constexpr int kMaxRequestBytes = 4096;

class BadInput : public ::testing::Test {
 protected:
  BadInput()
      : daemon_(Daemon::Options{
            "", kFixtureToken, {"--web.max-request-bytes=" + std::to_string(kMaxRequestBytes)}}) {}

  /// Posts with the right token and expects `status` with a JSON `{"error": ...}` body.
  nlohmann::json expect_rejected(const std::string& body, int status, const std::string& token) {
    const HttpResponse r = daemon_.post_webhook(body, token);
    EXPECT_TRUE(IsStatus(r, status)) << daemon_.log_tail();
    EXPECT_EQ(r.content_type.rfind("application/json", 0), 0u) << r.content_type;
    const auto error = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_TRUE(error.is_object() && error.contains("error")) << "body: " << r.body;
    return error.is_object() ? error : nlohmann::json::object();
  }
  nlohmann::json expect_rejected(const std::string& body, int status) {
    return expect_rejected(body, status, kFixtureToken);
  }

  void expect_nothing_stored() {
    EXPECT_TRUE(daemon_.get_json("/api/v1/sources")["sources"].empty());
    EXPECT_TRUE(daemon_.get_json("/api/v1/incidents")["incidents"].empty());
    EXPECT_EQ(metric_or_zero(daemon_, "postmortem_occurrences_total"), 0.0);
  }

  Daemon daemon_;
};

TEST_F(BadInput, InvalidJsonNamesThePosition) {
  // The array is never closed: the parser fails at the very end, byte 40 or so.
  const std::string body = R"({"version":"4","status":"firing","alerts":[)";
  const auto error = expect_rejected(body, 400);
  const std::string message = error.value("error", "");
  EXPECT_TRUE(std::regex_search(message, std::regex(R"((position|column|byte|offset|char)\D{0,20}\d+)",
                                                     std::regex::icase)))
      << "no position in: " << message;
  expect_nothing_stored();
}

TEST_F(BadInput, MissingAlertsNamesTheField) {
  auto body = nlohmann::json::parse(read_fixture("01-firing-group-checkout.json"));
  body.erase("alerts");
  const auto error = expect_rejected(body.dump(), 400);
  EXPECT_EQ(error.value("field", ""), "alerts") << error.dump();
  expect_nothing_stored();
}

TEST_F(BadInput, UnsupportedVersionIsRefused) {
  auto body = nlohmann::json::parse(read_fixture("01-firing-group-checkout.json"));
  body["version"] = "3";
  const auto error = expect_rejected(body.dump(), 400);
  EXPECT_EQ(error.value("field", ""), "version") << error.dump();
  expect_nothing_stored();
}

TEST_F(BadInput, BodyOverTheLimitIs413) {
  std::vector<pmx::testing::GeneratedAlert> alerts;
  for (int i = 0; i < 40; ++i) {
    alerts.push_back({"Big", "payload", "i-" + std::to_string(i), "2026-11-24T10:00:00Z", "", false});
  }
  const std::string body = pmx::testing::make_webhook(alerts);
  ASSERT_GT(body.size(), static_cast<std::size_t>(kMaxRequestBytes));
  expect_rejected(body, 413);
  expect_nothing_stored();
  // Just under the limit is fine.
  ASSERT_LT(read_fixture("01-firing-group-checkout.json").size(),
            static_cast<std::size_t>(kMaxRequestBytes));
  EXPECT_TRUE(IsOk(daemon_.post_webhook(read_fixture("01-firing-group-checkout.json"))));
}

TEST_F(BadInput, MissingOrWrongTokenIs401) {
  const std::string valid = read_fixture("01-firing-group-checkout.json");
  expect_rejected(valid, 401, "");
  expect_rejected(valid, 401, "s3cret-tokeN");
  expect_rejected(valid, 401, kFixtureToken + "x");
  const HttpResponse basic = pmx::testing::http_post(
      daemon_.port(), "/api/v1/webhook", valid, {{"Authorization", "Basic czNjcmV0LXRva2Vu"}});
  EXPECT_TRUE(IsStatus(basic, 401)) << "the token is not a basic-auth password";
  expect_nothing_stored();
  EXPECT_EQ(metric_or_zero(daemon_, "postmortem_webhook_requests_total", {{"code", "401"}}), 4.0);
}

TEST_F(BadInput, AllRejectionsAreCountedAndTheDaemonStillWorks) {
  const std::string valid = read_fixture("01-firing-group-checkout.json");
  expect_rejected("not json", 400);
  expect_rejected(R"({"version":"4"})", 400);
  expect_rejected(valid, 401, "");
  expect_rejected(std::string(kMaxRequestBytes + 1, ' '), 413);
  expect_nothing_stored();
  EXPECT_EQ(metric_or_zero(daemon_, "postmortem_webhook_requests_total", {{"code", "400"}}), 2.0);
  EXPECT_EQ(metric_or_zero(daemon_, "postmortem_webhook_requests_total", {{"code", "401"}}), 1.0);
  EXPECT_EQ(metric_or_zero(daemon_, "postmortem_webhook_requests_total", {{"code", "413"}}), 1.0);

  const HttpResponse ok = daemon_.post_webhook(valid);
  ASSERT_TRUE(IsOk(ok)) << daemon_.log_tail();
  EXPECT_EQ(source_occurrences(daemon_, pmx::testing::kCheckoutKey), 2);
}

}  // namespace
}  // namespace pmx::e2e
