// Log entries rendered straight into each format: logfmt exactly as the daemon wrote it before
// (operators grep those lines), JSON with every field holding the original value, and neither
// ever carrying a raw control byte or a field the value tried to forge.
#include "pmx/core/log_line.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "raw_control.h"

namespace pmx {
namespace {

using nlohmann::ordered_json;
using namespace std::string_literals;

const std::vector<std::string> kHostile = {
    "a\nb c=d",
    "a\r\nb",
    "\x1b[31mred\x1b[0m",
    "nul\0byte"s,
    "tab\there",
    "bell\a del\x7f",
    "path=/a b=c",
    "say \"hi\"",
    "back\\slash\\n",
    "\\\"",
    "Grüße, 日本",
    "",
    " ",
    "=",
    "msg=\"forged\"",
    "\"}, \"level\": \"forged",
};

/// A JSON entry as the sink writes it (members inside the braces), parsed in key order.
ordered_json parse_json_entry(const std::string& members) {
  return ordered_json::parse("{" + members + "}");
}

TEST(LogLine, LogfmtQuotesTheMessageAndOnlyTheValuesThatNeedIt) {
  EXPECT_EQ(render_log_entry(LogFormat::kLogfmt, "stopped", {}), R"(msg="stopped")");
  EXPECT_EQ(render_log_entry(LogFormat::kLogfmt, "webhook rejected",
                             {{"reason", "unauthorized"}, {"remote", "10.0.0.1"}}),
            R"(msg="webhook rejected" reason=unauthorized remote=10.0.0.1)");
  EXPECT_EQ(render_log_entry(LogFormat::kLogfmt, "x",
                             {{"empty", ""}, {"space", "a b"}, {"eq", "a=b"}, {"path", "/a/b"}}),
            R"(msg="x" empty="" space="a b" eq="a=b" path=/a/b)");
}

TEST(LogLine, LogfmtAlwaysQuotesQuotedValues) {
  EXPECT_EQ(render_log_entry(LogFormat::kLogfmt, "RCA file skipped",
                             {{"file", quoted("/rcas/db-1.json")}, {"err", quoted("")}}),
            R"(msg="RCA file skipped" file="/rcas/db-1.json" err="")");
}

TEST(LogLine, NumbersAndBooleansAreWrittenAsSuch) {
  const std::size_t alerts = 12;
  const std::int64_t version = -3;
  EXPECT_EQ(
      render_log_entry(LogFormat::kLogfmt, "x",
                       {{"alerts", alerts}, {"version", version}, {"tls", true}, {"on", false}}),
      R"(msg="x" alerts=12 version=-3 tls=true on=false)");
  // Strings in JSON too, as in earlier releases: a consumer's field types do not change.
  EXPECT_EQ(render_log_entry(LogFormat::kJson, "x", {{"alerts", alerts}, {"tls", true}}),
            R"("msg":"x","alerts":"12","tls":"true")");
}

TEST(LogLine, LogfmtEscapesEveryControlCharacter) {
  const std::string value = "nul\0 esc\x1b cr\r lf\n tab\t del\x7f"s;
  const std::string expected = R"("nul\u0000 esc\u001b cr\r lf\n tab\t del\u007f")";
  EXPECT_EQ(render_log_entry(LogFormat::kLogfmt, "x", {{"v", value}}), "msg=\"x\" v=" + expected);
  EXPECT_EQ(render_log_entry(LogFormat::kLogfmt, "x", {{"v", quoted(value)}}),
            "msg=\"x\" v=" + expected);
  EXPECT_EQ(render_log_entry(LogFormat::kLogfmt, "a\nb", {}), R"(msg="a\nb")");
  EXPECT_EQ(render_log_entry(LogFormat::kLogfmt, "x", {{"v", R"(say "hi" \ back)"}}),
            R"(msg="x" v="say \"hi\" \\ back")");
}

TEST(LogLine, LogfmtValuesNeverForgeAField) {
  for (const auto& value : kHostile) {
    const std::string line =
        render_log_entry(LogFormat::kLogfmt, "x", {{"plain", value}, {"quoted", quoted(value)}});
    EXPECT_FALSE(has_raw_control(line)) << line;
    // A value with a space or `=` is quoted, and quotes inside are escaped: after the message,
    // the only unescaped `"`-delimited spans and bare `key=` are the two fields.
    EXPECT_EQ(line.find(" plain="), 7u) << line;
    EXPECT_NE(line.find(" quoted=\""), std::string::npos) << line;
  }
}

TEST(LogLine, JsonFieldsHoldTheOriginalValuesInCallOrder) {
  for (const auto& value : kHostile) {
    const std::string members = render_log_entry(
        LogFormat::kJson, value, {{"plain", value}, {"quoted", quoted(value)}, {"n", 3}});
    EXPECT_FALSE(has_raw_control(members)) << members;
    const ordered_json entry = parse_json_entry(members);
    ASSERT_EQ(entry.size(), 4u) << "no invented field: " << members;
    auto field = entry.begin();
    EXPECT_EQ(field.key(), "msg");
    EXPECT_EQ(*field, value) << members;
    EXPECT_EQ((++field).key(), "plain");
    EXPECT_EQ(*field, value) << members;
    EXPECT_EQ((++field).key(), "quoted");
    EXPECT_EQ(*field, value) << members;
    EXPECT_EQ((++field).key(), "n");
    EXPECT_EQ(*field, "3") << members;
  }
}

TEST(LogLine, JsonEscapesEveryControlCharacter) {
  EXPECT_EQ(render_log_entry(LogFormat::kJson, "x", {{"v", "nul\0 esc\x1b cr\r lf\n del\x7f"s}}),
            R"("msg":"x","v":"nul\u0000 esc\u001b cr\r lf\n del\u007f")");
  EXPECT_EQ(render_log_entry(LogFormat::kJson, "x", {{"v", R"(say "hi" \ a=b)"}}),
            R"("msg":"x","v":"say \"hi\" \\ a=b")");
}

TEST(LogLine, InvalidUtf8IsReplacedInJsonAndKeptInLogfmt) {
  const std::string value = "ok \xff\xfe end";
  const std::string members = render_log_entry(LogFormat::kJson, "x", {{"v", value}});
  EXPECT_EQ(parse_json_entry(members)["v"], "ok \xEF\xBF\xBD\xEF\xBF\xBD end") << members;
  EXPECT_EQ(render_log_entry(LogFormat::kLogfmt, "x", {{"v", value}}),
            "msg=\"x\" v=\"ok \xff\xfe end\"");
}

}  // namespace
}  // namespace pmx
