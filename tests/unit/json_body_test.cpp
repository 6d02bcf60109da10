// parse_json: the one JSON parser of request bodies and --rca.dir files. Syntax errors name the
// byte but never the text; documents nested deeper than the limit are refused while read,
// naming the first value too deep, however deep they go.
#include "pmx/receiver/json_body.h"

#include <gtest/gtest.h>

#include <string>

namespace pmx {
namespace {

/// `depth` arrays, one inside the other: "[[[]]]" for 3.
std::string nested_arrays(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

/// "/0/0/0" for 3.
std::string zeros(int count) {
  std::string pointer;
  for (int i = 0; i < count; ++i) pointer += "/0";
  return pointer;
}

TEST(ParseJson, ADocumentAtTheDepthLimitParses) {
  // The object is level 1, its member's arrays 2 to kMaxJsonDepth.
  const auto parsed = parse_json(R"({"x-deep":)" + nested_arrays(kMaxJsonDepth - 1) + "}");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE((*parsed)["x-deep"].is_array());
  // Scalars are not levels: a string inside the deepest array is fine.
  EXPECT_TRUE(
      parse_json(std::string(kMaxJsonDepth, '[') + "\"leaf\"" + std::string(kMaxJsonDepth, ']'))
          .ok());
}

TEST(ParseJson, OneLevelDeeperIsRefusedNamingTheValue) {
  const auto parsed = parse_json(R"({"title":"t","x-deep":)" + nested_arrays(kMaxJsonDepth) + "}");
  ASSERT_FALSE(parsed.ok());
  const Error& error = parsed.error();
  EXPECT_EQ(error.code, ErrorCode::kInvalid);
  // Levels 3 to kMaxJsonDepth + 1 are the elements 0 of the arrays before them.
  const std::string at = "/x-deep" + zeros(kMaxJsonDepth - 1);
  EXPECT_EQ(error.field, at);
  ASSERT_EQ(error.problems.size(), 1u);
  EXPECT_EQ(error.problems[0].path, at);
  EXPECT_NE(error.problems[0].message.find(std::to_string(kMaxJsonDepth)), std::string::npos)
      << error.problems[0].message;
  EXPECT_NE(error.message().find(at), std::string::npos) << error.message();
}

TEST(ParseJson, ThePointerCountsElementsAndEscapesKeys) {
  // Levels: the object, the array of "a/b", the object at its index 1, the array of "~".
  const auto parsed = parse_json(R"({"z":{},"a/b":[1,{"n":null,"~":[[]]}]})", 3);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().field, "/a~1b/1/~0");
  EXPECT_TRUE(parse_json(R"({"z":{},"a/b":[1,{"n":null,"~":[[]]}]})", 5).ok());
  EXPECT_EQ(parse_json(nested_arrays(2), 1).error().field, "/0");
  EXPECT_EQ(parse_json("[[],[],{}]", 1).error().field, "/0");
  EXPECT_EQ(parse_json("[1,2,[]]", 1).error().field, "/2");
}

TEST(ParseJson, AHundredThousandNestedArraysAreRefusedWithoutRecursing) {
  constexpr int kDepth = 100000;
  const auto closed = parse_json(R"({"x-bomb":)" + nested_arrays(kDepth) + "}");
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error().field, "/x-bomb" + zeros(kMaxJsonDepth - 1));
  // Never closed: refused for its depth before the end is reached.
  const auto open = parse_json(std::string(kDepth, '['));
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error().problems.size(), 1u);
}

TEST(ParseJson, SyntaxErrorsNameTheByteButNotTheText) {
  const auto parsed = parse_json("root:x:0:0:root:/root:/bin/bash\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalid);
  EXPECT_TRUE(parsed.error().problems.empty()) << "a syntax error is not a rule broken";
  EXPECT_NE(parsed.error().message().find("invalid JSON at byte"), std::string::npos);
  EXPECT_EQ(parsed.error().message().find("root"), std::string::npos) << parsed.error().message();
  EXPECT_EQ(parse_json(R"({"a":1e309})").error().message(),
            "invalid JSON: a number is out of range");
}

}  // namespace
}  // namespace pmx
