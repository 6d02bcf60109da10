#pragma once
// Checks on a page the web UI answered.
#include <gtest/gtest.h>

#include <string>

namespace pmx {

/// Whether `page` contains `part`, saying which part was missing when it does not.
inline ::testing::AssertionResult contains(const std::string& page, const std::string& part) {
  if (page.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the page does not contain '" << part << "'";
}

}  // namespace pmx
