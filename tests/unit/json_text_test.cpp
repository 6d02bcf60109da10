#include "pmx/core/json_text.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "pmx/core/json_codec.h"

namespace pmx {
namespace {

std::string as_stored(const nlohmann::json& doc) {
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Strings that take every path of the encoder: plain ASCII, the characters JSON escapes,
// DEL (not escaped), UTF-8 of 2 to 4 bytes, and invalid UTF-8 (replaced by U+FFFD).
const std::vector<std::string> kTexts = {
    "",         "HighLatency",  "svc \"quoted\"", "back\\slash",    "tab\tnew\nline\r",
    "\x01\x1f", "del\x7f",      "caf\xc3\xa9",    "\xe2\x82\xac 5", "\xf0\x9f\x94\xa5 fire",
    "\xff",     "cut \xe2\x82", "/path?q=1&x=<y>"};

class Generator {
 public:
  std::string text() { return kTexts[pick(kTexts.size())]; }
  Labels labels() {
    Labels labels;
    for (std::size_t i = pick(4); i > 0; --i) labels[text() + std::to_string(i)] = text();
    return labels;
  }
  UnixNanos time() {
    const UnixNanos times[] = {0, 1795419853000000000, 1795419853852409315, 1};
    return times[pick(4)];
  }
  std::uint64_t count() {
    const std::uint64_t counts[] = {0, 1, 12345, std::numeric_limits<std::uint64_t>::max()};
    return counts[pick(4)];
  }
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

 private:
  std::mt19937 rng_{20261201};
};

TEST(JsonText, AlertRecordsAreTheTextOfTheirDocumentByteForByte) {
  Generator gen;
  for (int i = 0; i < 2000; ++i) {
    AlertRecord record;
    record.fingerprint = gen.text();
    record.labels = gen.labels();
    record.annotations = gen.labels();
    record.status = gen.pick(2) == 0 ? AlertStatus::kFiring : AlertStatus::kResolved;
    record.starts_at = gen.time();
    record.ends_at = gen.time();
    record.generator_url = gen.text();
    record.occurrences = gen.count();
    ASSERT_EQ(alert_record_text(record), as_stored(to_json(record)));
    const std::uint64_t incident = gen.count();
    nlohmann::json with_incident = to_json(record);
    with_incident["incident"] = incident;
    ASSERT_EQ(alert_record_text(record, incident), as_stored(with_incident));
  }
}

TEST(JsonText, TimelineEventsAreTheTextOfTheirDocumentByteForByte) {
  Generator gen;
  const TimelineEventType types[] = {
      TimelineEventType::kOpened,        TimelineEventType::kAlertFired,
      TimelineEventType::kAlertResolved, TimelineEventType::kResolved,
      TimelineEventType::kReopened,      TimelineEventType::kFlaggedRepeat,
      TimelineEventType::kRcaLinked,     TimelineEventType::kActionItemChanged};
  for (int i = 0; i < 2000; ++i) {
    const TimelineEvent event{types[gen.pick(std::size(types))], gen.time(), gen.time(), gen.text(),
                              gen.text()};
    ASSERT_EQ(timeline_event_text(event), as_stored(to_json(event)));
  }
}

TEST(JsonText, InvalidUtf8IsReplacedAndTheTextStaysJson) {
  std::string out;
  append_json_string(out,
                     "a\xff"
                     "b");
  EXPECT_EQ(out,
            "\"a\xef\xbf\xbd"
            "b\"");
  EXPECT_EQ(nlohmann::json::parse(out),
            "a\xef\xbf\xbd"
            "b");
}

}  // namespace
}  // namespace pmx
