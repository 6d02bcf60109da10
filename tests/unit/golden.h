#pragma once
// Checks shared by the tests of the Markdown reports (the post-mortem draft, the digest): a
// golden file, and the columns of a table row.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace pmx {

/// `text` equals tests/unit/golden/<name>; with PMX_UPDATE_GOLDEN set, the file is rewritten
/// first (after a deliberate change: review the diff).
inline void expect_golden(const std::string& name, const std::string& text) {
  const std::string path = std::string(PMX_GOLDEN_DIR) + "/" + name;
  if (std::getenv("PMX_UPDATE_GOLDEN")) std::ofstream(path, std::ios::binary) << text;
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path << " missing: run with PMX_UPDATE_GOLDEN=1";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(text, golden.str());
}

/// The `|` of a Markdown table row that are cell borders: not backslash-escaped.
inline std::size_t table_bars(const std::string& row) {
  std::size_t bars = 0;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '\\') {
      ++i;  // an escaped character, `\|` included
    } else if (row[i] == '|') {
      ++bars;
    }
  }
  return bars;
}

}  // namespace pmx
