#pragma once
// Unit tests write instants as calendar dates: `at("2026-11-27T15:00:00Z")`.
#include <gtest/gtest.h>

#include <string>

#include "pmx/core/time.h"

namespace pmx::unit {

constexpr UnixNanos kSecond = kNanosPerSecond;
constexpr UnixNanos kHour = 3600 * kSecond;
constexpr UnixNanos kDay = kNanosPerDay;

/// An instant written as RFC 3339; fails the test (and gives 0) when it is not one.
inline UnixNanos at(const std::string& text) {
  const auto parsed = parse_rfc3339(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(0);
}

}  // namespace pmx::unit
