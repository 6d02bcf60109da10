// Log values from outside (labels, paths, file names, errors) are inert: quoted logfmt values
// carry no raw control byte and never split into invented fields. Whole entries in both formats:
// log_line_test.cpp.
#include "pmx/core/logfmt.h"

#include <gtest/gtest.h>

#include "raw_control.h"

namespace pmx {
namespace {

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

}  // namespace
}  // namespace pmx
