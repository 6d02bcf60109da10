// The webhook's one-pass reader (receiver/src/webhook_reader.h) against the tree decoder it
// stands in for: whatever the reader accepts, the tree decoder accepts and reads the same; every
// body the reader leaves gets the tree decoder's answer from decode_webhook.
#include "webhook_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pmx/receiver/webhook_decoder.h"
#include "webhooks.h"

namespace pmx {
namespace {

/// Every capture: 01..07 and the truncated one.
std::vector<std::string> captures() {
  auto names = testing::replay_fixture_names();
  names.push_back(testing::kTruncatedFixture);
  return names;
}

/// One alert's members around `extra` (inserted first, so a duplicate after it wins).
std::string alert(const std::string& extra = "") {
  return "{" + extra +
         R"("status":"firing","labels":{"alertname":"A","service":"s"},)"
         R"("annotations":{"summary":"x"},"startsAt":"2026-11-29T10:00:00Z",)"
         R"("endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p/g","fingerprint":"f1"})";
}

std::string webhook(const std::string& alerts, const std::string& extra = "") {
  return "{" + extra + R"("version":"4","receiver":"pm","groupKey":"{}:{}","alerts":[)" + alerts +
         "]}";
}

void expect_same(const WebhookMessage& a, const WebhookMessage& b, const std::string& body) {
  EXPECT_EQ(a.receiver, b.receiver) << body;
  EXPECT_EQ(a.group_key, b.group_key) << body;
  EXPECT_EQ(a.external_url, b.external_url) << body;
  EXPECT_EQ(a.truncated_alerts, b.truncated_alerts) << body;
  ASSERT_EQ(a.alerts.size(), b.alerts.size()) << body;
  for (std::size_t i = 0; i < a.alerts.size(); ++i) {
    const Alert& x = a.alerts[i];
    const Alert& y = b.alerts[i];
    EXPECT_EQ(x.status, y.status) << body;
    EXPECT_EQ(x.labels, y.labels) << body;
    EXPECT_EQ(x.annotations, y.annotations) << body;
    EXPECT_EQ(x.starts_at, y.starts_at) << body;
    EXPECT_EQ(x.ends_at, y.ends_at) << body;
    EXPECT_EQ(x.generator_url, y.generator_url) << body;
    EXPECT_EQ(x.fingerprint, y.fingerprint) << body;
  }
}

/// decode_webhook answers as decode_webhook_tree does, and the reader never accepts what the
/// tree decoder refuses nor reads anything differently. Whether the reader took the body.
bool expect_agreement(const std::string& body) {
  const auto read = read_well_formed_webhook(body);
  const auto tree = decode_webhook_tree(body);
  const auto decoded = decode_webhook(body);
  EXPECT_EQ(decoded.ok(), tree.ok()) << body;
  if (read) {
    EXPECT_TRUE(tree.ok()) << "the reader accepted what the tree decoder refuses: " << body;
    if (tree.ok()) expect_same(*read, *tree, body);
  }
  if (tree.ok() && decoded.ok()) {
    expect_same(*decoded, *tree, body);
  } else if (!tree.ok() && !decoded.ok()) {
    EXPECT_EQ(decoded.error().detail, tree.error().detail) << body;
    EXPECT_EQ(decoded.error().field, tree.error().field) << body;
  }
  return read.has_value();
}

TEST(WebhookReader, ReadsEveryAlertmanagerCaptureAsTheTreeDecoderDoes) {
  for (const auto& name : captures()) {
    const std::string body = testing::read_fixture(name);
    ASSERT_FALSE(body.empty()) << name;
    EXPECT_TRUE(expect_agreement(body)) << name << " was left to the tree decoder";
  }
}

TEST(WebhookReader, ReadsWhatAlertmanagerMaySendInAnyShape) {
  const std::vector<std::string> bodies = {
      webhook(""),
      webhook(alert() + "," + alert(R"("fingerprint":"f0",)")),
      // Members it does not know, at every level, holding anything.
      webhook(alert(R"("x":{"a":[1,2.5,-3,true,false,null,{"b":"c"}]},)"),
              R"("notification_reason":"repeat","routeLabels":{"a":"b"},"n":[[[]]],)"),
      // Optional members null or empty, as absent.
      webhook(alert(R"("annotations":null,"endsAt":null,"generatorURL":null,)")),
      webhook(alert(R"("endsAt":"",)")),
      R"({"version":"4","receiver":null,"groupKey":null,"externalURL":null,"truncatedAlerts":null,"alerts":[]})",
      R"({"version":"4","truncatedAlerts":7,"alerts":[]})",
      // Members in any order, alerts first.
      R"({"alerts":[)" + alert() + R"(],"version":"4"})",
      // A later duplicate wins, as in the tree.
      webhook(alert(R"("labels":{"alertname":"B"},"status":"resolved",)")),
      webhook(alert(),
              R"("alerts":[)" + alert(R"("fingerprint":"f0",)") + R"(],"receiver":"old",)"),
      R"({"version":"4","alerts":[)" + alert() +
          R"(],"alerts":[],"receiver":"a","receiver":null,"truncatedAlerts":3,"truncatedAlerts":null})",
      webhook(
          R"({"status":"firing","labels":{"a":"1","a":"2"},"startsAt":"2026-11-29T10:00:00.123456789+02:00","fingerprint":"f"})"),
      // Escapes and UTF-8 in names and values.
      webhook(
          R"({"status":"firing","labels":{"na\u00efve":"\"q\"\n\u2603\ud83d\ude00"},"startsAt":"2026-11-29T10:00:00Z","fingerprint":"\u0066"})"),
  };
  for (const auto& body : bodies) EXPECT_TRUE(expect_agreement(body)) << body;
}

TEST(WebhookReader, LeavesEveryRefusalToTheTreeDecoder) {
  const std::string deep = "{\"x\":" + std::string(40, '[') + std::string(40, ']') + "}";
  const std::vector<std::string> bodies = {
      "",
      "[]",
      "\"4\"",
      "null",
      R"({"version":"4",)",
      R"({"alerts":[]})",
      R"({"version":4,"alerts":[]})",
      R"({"version":"3","alerts":[]})",
      R"({"version":null,"alerts":[]})",
      R"({"version":"4"})",
      R"({"version":"4","alerts":{}})",
      R"({"version":"4","alerts":null})",
      R"({"version":"4","alerts":["x"]})",
      R"({"version":"4","alerts":[[]]})",
      R"({"version":"4","receiver":1,"alerts":[]})",
      R"({"version":"4","truncatedAlerts":-1,"alerts":[]})",
      R"({"version":"4","truncatedAlerts":1.5,"alerts":[]})",
      R"({"version":"4","truncatedAlerts":"3","alerts":[]})",
      R"({"version":"4","alerts":[],"x":1e309})",
      webhook(R"({"labels":{},"startsAt":"2026-11-29T10:00:00Z","fingerprint":"f"})"),
      webhook(
          R"({"status":"pending","labels":{},"startsAt":"2026-11-29T10:00:00Z","fingerprint":"f"})"),
      webhook(R"({"status":"firing","startsAt":"2026-11-29T10:00:00Z","fingerprint":"f"})"),
      webhook(
          R"({"status":"firing","labels":null,"startsAt":"2026-11-29T10:00:00Z","fingerprint":"f"})"),
      webhook(
          R"({"status":"firing","labels":[],"startsAt":"2026-11-29T10:00:00Z","fingerprint":"f"})"),
      webhook(
          R"({"status":"firing","labels":{"a":1},"startsAt":"2026-11-29T10:00:00Z","fingerprint":"f"})"),
      webhook(
          R"({"status":"firing","labels":{"a":{}},"startsAt":"2026-11-29T10:00:00Z","fingerprint":"f"})"),
      webhook(
          R"({"status":"firing","labels":{},"annotations":"x","startsAt":"2026-11-29T10:00:00Z","fingerprint":"f"})"),
      webhook(R"({"status":"firing","labels":{},"fingerprint":"f"})"),
      webhook(R"({"status":"firing","labels":{},"startsAt":"","fingerprint":"f"})"),
      webhook(
          R"({"status":"firing","labels":{},"startsAt":"2026-02-30T10:00:00Z","fingerprint":"f"})"),
      webhook(
          R"({"status":"firing","labels":{},"startsAt":"2026-11-29T10:00:00Z","endsAt":"soon","fingerprint":"f"})"),
      webhook(R"({"status":"firing","labels":{},"startsAt":"2026-11-29T10:00:00Z"})"),
      webhook(
          R"({"status":"firing","labels":{},"startsAt":"2026-11-29T10:00:00Z","fingerprint":""})"),
      webhook(
          R"({"status":"firing","labels":{},"startsAt":"2026-11-29T10:00:00Z","fingerprint":null})"),
      webhook(alert(), deep.substr(1, deep.size() - 2) + ","),
      // A later duplicate that is wrong: the last one counts.
      webhook(
          R"({"status":"firing","labels":{},"startsAt":"2026-11-29T10:00:00Z","fingerprint":"f","fingerprint":""})"),
  };
  for (const auto& body : bodies) EXPECT_FALSE(expect_agreement(body)) << body;
}

TEST(WebhookReader, LeavesABodyALaterDuplicateMendsToTheTreeDecoder) {
  // The reader stops at the first wrong member; the tree keeps only the last, which is right.
  const std::string body = webhook(alert(R"("status":"pending","startsAt":"then",)"));
  EXPECT_FALSE(expect_agreement(body));
  EXPECT_TRUE(decode_webhook(body).ok());
}

TEST(WebhookReader, AgreesWithTheTreeDecoderOnEveryOneByteDamageOfACapture) {
  // Every byte of two captures deleted, or doubled, in turn: syntax errors, renamed members,
  // damaged times and values, and bodies that stay valid.
  std::size_t accepted = 0;
  std::size_t damaged = 0;
  for (const auto& name : {captures().front(), captures().back()}) {
    const std::string body = testing::read_fixture(name);
    for (std::size_t i = 0; i < body.size(); ++i) {
      std::string deleted = body;
      deleted.erase(i, 1);
      std::string doubled = body;
      doubled.insert(i, 1, body[i]);
      for (const auto& variant : {deleted, doubled}) {
        ++damaged;
        if (expect_agreement(variant)) ++accepted;
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
  // Both kinds occur: the damage is not all refused, nor all harmless.
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, damaged);
}

}  // namespace
}  // namespace pmx
