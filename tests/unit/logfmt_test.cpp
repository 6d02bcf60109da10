// Log values from outside (labels, paths, file names, errors) are inert: quoted logfmt values
// carry no raw control byte, never split into invented fields, and the JSON format reads them
// back to exactly the original value.
#include "pmx/core/logfmt.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace pmx {
namespace {

using nlohmann::json;

const std::vector<std::string> kHostile = {
    "a\nb",
    "a\r\nb",
    "\x1b[31mred\x1b[0m",
    std::string("nul\0byte", 8),
    "tab\there",
    "bell\a del\x7f",
    "path=/a b=c",
    "/a b=c",
    "say \"hi\"",
    "back\\slash\\n",
    "\\\"",
    "Grüße, 日本",
    "",
    " ",
    "=",
    "msg=\"forged\"",
};

json parse_members(const std::string& members) { return json::parse("{" + members + "}"); }

bool has_raw_control(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

TEST(Logfmt, QuotedValuesHoldNoRawControlByte) {
  EXPECT_EQ(logfmt_quote("a\nb"), R"("a\nb")");
  EXPECT_EQ(logfmt_quote("a\r\tb"), R"("a\r\tb")");
  EXPECT_EQ(logfmt_quote("\x1b[31m"), R"("\u001b[31m")");
  EXPECT_EQ(logfmt_quote(std::string("\0", 1)), R"("\u0000")");
  EXPECT_EQ(logfmt_quote("\x7f"), R"("\u007f")");
  EXPECT_EQ(logfmt_quote(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(logfmt_quote("Grüße"), "\"Grüße\"");
  for (const auto& value : kHostile) {
    EXPECT_FALSE(has_raw_control(logfmt_quote(value))) << value;
    EXPECT_FALSE(has_raw_control(logfmt_value(value))) << value;
  }
}

TEST(Logfmt, ValuesWithSpacesEqualsQuotesOrControlsAreQuoted) {
  EXPECT_EQ(logfmt_value("checkout"), "checkout");
  EXPECT_EQ(logfmt_value("10.0.0.1:9093"), "10.0.0.1:9093");
  EXPECT_EQ(logfmt_value(""), R"("")");
  EXPECT_EQ(logfmt_value("/a b=c"), R"("/a b=c")");
  EXPECT_EQ(logfmt_value("a=b"), R"("a=b")");
  EXPECT_EQ(logfmt_value("a\"b"), R"("a\"b")");
  EXPECT_EQ(logfmt_value("a\x1b"), R"("a\u001b")");
  EXPECT_EQ(logfmt_value(std::string("a\0", 2)), R"("a\u0000")");
  EXPECT_EQ(logfmt_value("a\x7f"), R"("a\u007f")");
}

TEST(Logfmt, JsonReadsEveryQuotedValueBackExactly) {
  for (const auto& value : kHostile) {
    const std::string line =
        "msg=\"x\" quoted=" + logfmt_quote(value) + " value=" + logfmt_value(value) + " n=3";
    const std::string members = logfmt_to_json_members(line);
    EXPECT_FALSE(has_raw_control(members)) << members;
    const json fields = parse_members(members);
    EXPECT_EQ(fields.size(), 4u) << "no invented field: " << members;
    EXPECT_EQ(fields["msg"], "x") << members;
    EXPECT_EQ(fields["quoted"], value) << members;
    EXPECT_EQ(fields["value"], value) << members;
    EXPECT_EQ(fields["n"], "3") << members;
  }
}

TEST(Logfmt, JsonKeepsFieldOrderAndMessage) {
  EXPECT_EQ(logfmt_to_json_members(R"(msg="a b" n=3)"), R"("msg":"a b","n":"3")");
  EXPECT_EQ(logfmt_to_json_members("n=3"), R"("n":"3","msg":"")");
  EXPECT_EQ(logfmt_to_json_members(R"(msg="a\nb")"), R"("msg":"a\nb")");
}

}  // namespace
}  // namespace pmx
